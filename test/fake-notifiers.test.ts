import { FakeNotifiers } from '../local/fakes';

async function createAlert(notifiers: FakeNotifiers, alias: string, authorization = 'GenieKey k-1'): Promise<Response> {
  return fetch(`${notifiers.opsGenieBaseUrl}/v2/alerts`, {
    method: 'POST',
    headers: { 'Authorization': authorization, 'Content-Type': 'application/json' },
    body: JSON.stringify({ message: 'down', alias }),
  });
}

describe('the fake OpsGenie is as strict as the real one', () => {
  let notifiers: FakeNotifiers;

  beforeEach(async () => {
    notifiers = await new FakeNotifiers().start();
  });

  afterEach(async () => {
    await notifiers.stop();
  });

  test('answers 202 "Request will be processed" before processing: a 202 does not prove that anyone was paged', async () => {
    notifiers.opsGenieProcessingMs = 50;

    const response = await createAlert(notifiers, 'a');

    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ result: 'Request will be processed' });
    expect(notifiers.opsGenieAlerts).toHaveLength(1);
    expect(notifiers.opsGeniePages).toHaveLength(0);
    await notifiers.settled();
    expect(notifiers.opsGeniePages).toHaveLength(1);
  });

  test('a create with the alias of an open alert only counts it and pages nobody; after a close it pages again', async () => {
    await createAlert(notifiers, 'a');
    await notifiers.settled();
    await createAlert(notifiers, 'a');
    await createAlert(notifiers, 'b');
    await notifiers.settled();

    expect(notifiers.opsGenieAlerts).toHaveLength(3);
    expect(notifiers.opsGeniePages.map((page) => page.body.alias)).toEqual(['a', 'b']);
    expect(notifiers.opsGenieAlertsByAlias.get('a')?.count).toBe(2);

    notifiers.closeOpsGenieAlert('a');
    await createAlert(notifiers, 'a');
    await notifiers.settled();
    expect(notifiers.opsGeniePages.map((page) => page.body.alias)).toEqual(['a', 'b', 'a']);
  });

  test('refuses a create without a GenieKey (401) or without a message (422), and pages nobody', async () => {
    expect((await createAlert(notifiers, 'a', 'Bearer x')).status).toBe(401);
    const noMessage = await fetch(`${notifiers.opsGenieBaseUrl}/v2/alerts`, {
      method: 'POST', headers: { Authorization: 'GenieKey k' }, body: JSON.stringify({ alias: 'a' }),
    });
    expect(noMessage.status).toBe(422);
    await notifiers.settled();
    expect(notifiers.opsGenieAlerts.map((alert) => alert.accepted)).toEqual([false, false]);
    expect(notifiers.opsGeniePages).toHaveLength(0);
  });

  test('queued answers come first and are never processed; opsGenieStatus still applies', async () => {
    notifiers.opsGenieQueue.push({ status: 429, headers: { 'Retry-After': '1' }, body: { message: 'Too many requests' } });
    const first = await createAlert(notifiers, 'a');
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('1');
    notifiers.opsGenieStatus = 503;
    expect((await createAlert(notifiers, 'a')).status).toBe(503);
    await notifiers.settled();
    expect(notifiers.opsGeniePages).toHaveLength(0);
  });
});

describe('the fake Slack', () => {
  test('answers HTTP 200 with ok: false for errors, and 429 with Retry-After when queued', async () => {
    const notifiers = await new FakeNotifiers().start();
    try {
      notifiers.slackQueue.push({ status: 429, headers: { 'Retry-After': '3' }, body: { ok: false, error: 'ratelimited' } });
      notifiers.slackAnswer = { ok: false, error: 'channel_not_found' };
      const post = () => fetch(`${notifiers.slackApiBaseUrl}/chat.postMessage`, { method: 'POST', body: JSON.stringify({ channel: '#x', text: 't' }) });

      const limited = await post();
      const refused = await post();

      expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3']);
      expect(refused.status).toBe(200);
      expect(await refused.json()).toEqual({ ok: false, error: 'channel_not_found' });
      expect(notifiers.slackMessages.map((message) => message.accepted)).toEqual([false]);
    } finally {
      await notifiers.stop();
    }
  });
});
