import { envelopeProblem, FakeTeamsWorkflow, TEAMS_MESSAGE_LIMIT_BYTES } from '../local/fake-teams';

const CARD = { type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text: 'hello' }] };

function message(content: unknown = CARD, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }], ...extra };
}

describe('the fake Teams Workflows webhook is as strict as the real one', () => {
  let teams: FakeTeamsWorkflow;

  beforeEach(async () => {
    teams = await new FakeTeamsWorkflow().start();
  });

  afterEach(async () => {
    await teams.stop();
  });

  const post = (body: unknown, url = teams.webhookUrl, method = 'POST') =>
    fetch(url, { method, headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  test('answers 202 Accepted with an empty body and the run ID, and posts the card', async () => {
    const response = await post(message());

    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
    const runId = response.headers.get('x-ms-workflow-run-id');
    expect(runId).toMatch(/^08584[0-9A-F]{20}$/);
    expect(teams.posts).toEqual([{ runId, card: CARD }]);
    expect(teams.requests.map((request) => request.status)).toEqual([202]);
  });

  test('the URL is https-shaped with a signature; each workflow has its own', async () => {
    const other = await new FakeTeamsWorkflow().start();
    try {
      expect(teams.webhookUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/powerautomate\/automations\/direct\/workflows\/[0-9a-f]{32}\/triggers\/manual\/paths\/invoke\?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1\.0&sig=[A-Za-z0-9_-]{43}$/);
      expect(other.signature).not.toBe(teams.signature);
      expect(other.workflowId).not.toBe(teams.workflowId);
    } finally {
      await other.stop();
    }
  });

  test.each([
    ['not JSON', '{"type":', 'not JSON'],
    ['not a message', { ...message(), type: 'card' }, '"type": "message"'],
    ['a MessageCard', { '@type': 'MessageCard', 'text': 'hi' }, '"type": "message"'],
    ['no attachments', { type: 'message', text: 'hi' }, 'one attachment'],
    ['two attachments', { type: 'message', attachments: [...(message().attachments as unknown[]), ...(message().attachments as unknown[])] }, 'one attachment'],
    ['a hero card', { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.hero', content: CARD }] }, 'contentType'],
    ['content that is not an Adaptive Card', message({ type: 'HeroCard', body: [] }), 'Adaptive Card'],
    ['an Adaptive Card without a body', message({ type: 'AdaptiveCard', version: '1.4' }), 'Adaptive Card'],
  ])('refuses %s with 400 and posts nothing', async (_what, body, problem) => {
    const response = await post(body);

    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.message).toContain(problem);
    expect(teams.posts).toHaveLength(0);
  });

  test('refuses a missing or wrong signature with 401, and a regenerated URL from then on', async () => {
    const oldUrl = teams.webhookUrl;

    expect((await post(message(), oldUrl.replace(/&sig=.*/, ''))).status).toBe(401);
    expect((await post(message(), oldUrl.replace(/sig=./, 'sig=!'))).status).toBe(401);
    teams.regenerateSignature();
    expect((await post(message(), oldUrl)).status).toBe(401);
    expect((await post(message(), teams.webhookUrl)).status).toBe(202);
    expect(teams.posts).toHaveLength(1);
  });

  test('answers 404 for a workflow it does not know, and 405 for a method other than POST', async () => {
    expect((await post(message(), teams.webhookUrl.replace(teams.workflowId, 'deadbeef'))).status).toBe(404);
    expect((await fetch(teams.webhookUrl)).status).toBe(405);
    expect(teams.posts).toHaveLength(0);
  });

  test('queued answers come first, whatever the request (a 429 with Retry-After), and post nothing', async () => {
    teams.queue.push({ status: 429, headers: { 'Retry-After': '2' }, body: { error: { code: 'TooManyRequests' } } });

    const limited = await post(message());
    const next = await post(message());

    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '2']);
    expect(next.status).toBe(202);
    expect(teams.posts).toHaveLength(1);
  });

  test('a card over the 28 KB message limit is accepted (202), then its post fails: a 202 does not prove a post', async () => {
    const big = message({ ...CARD, body: [{ type: 'TextBlock', text: 'x'.repeat(TEAMS_MESSAGE_LIMIT_BYTES) }] });

    const response = await post(big);

    expect(response.status).toBe(202);
    expect(teams.posts).toHaveLength(0);
    expect(teams.failedPosts).toHaveLength(1);
    expect(teams.failedPosts[0].runId).toBe(response.headers.get('x-ms-workflow-run-id'));
  });

  test('records every request with the status it got', async () => {
    await post(message());
    await post('nope');

    expect(teams.requests.map((request) => [request.method, request.status])).toEqual([['POST', 202], ['POST', 400]]);
    expect(teams.requests[0].url).toContain(`sig=${teams.signature}`);
  });
});

describe('envelopeProblem', () => {
  test('accepts the documented envelope', () => {
    expect(envelopeProblem(JSON.stringify(message()))).toBeUndefined();
  });
});
