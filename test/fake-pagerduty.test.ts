import { FakePagerDuty } from '../local/fake-pagerduty';

const KEY = 'e93facc04764012d7bfb002500d5d1a6';
const OTHER_KEY = 'f00facc04764012d7bfb002500d5d1a6';

/** POSTs `body` (JSON unless a string) to the fake. */
async function post(pagerDuty: FakePagerDuty, path: string, body: unknown): Promise<{ status: number; answer: any; headers: Headers }> {
  const response = await fetch(`${pagerDuty.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, answer: await response.json(), headers: response.headers };
}

function trigger(dedupKey?: string, overrides: Record<string, unknown> = {}, payload: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    routing_key: KEY,
    event_action: 'trigger',
    ...(dedupKey !== undefined ? { dedup_key: dedupKey } : {}),
    payload: { summary: 'CPU at 100% on i-1', source: 'i-1', severity: 'error', ...payload },
    ...overrides,
  };
}

function action(eventAction: string, dedupKey: string, routingKey = KEY): Record<string, unknown> {
  return { routing_key: routingKey, event_action: eventAction, dedup_key: dedupKey };
}

describe('the fake PagerDuty Events API v2 is as strict as the real one', () => {
  let pagerDuty: FakePagerDuty;

  beforeEach(async () => {
    pagerDuty = await new FakePagerDuty().start();
  });

  afterEach(async () => {
    await pagerDuty.stop();
  });

  test('answers 202 "Event processed" with the dedup key before processing: the page comes after the answer', async () => {
    pagerDuty.processingMs = 50;

    const { status, answer } = await post(pagerDuty, '/v2/enqueue', trigger('a'));

    expect(status).toBe(202);
    expect(answer).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'a' });
    expect(pagerDuty.pages).toHaveLength(0);
    await pagerDuty.settled();
    expect(pagerDuty.pages).toHaveLength(1);
    expect(pagerDuty.alert('a')?.status).toBe('triggered');
  });

  test('a trigger without a dedup key gets a generated one, so it always opens a new alert', async () => {
    const first = await post(pagerDuty, '/v2/enqueue', trigger());
    const second = await post(pagerDuty, '/v2/enqueue', trigger());
    await pagerDuty.settled();

    expect(first.answer.dedup_key).toMatch(/^[0-9a-f]{32}$/);
    expect(second.answer.dedup_key).not.toBe(first.answer.dedup_key);
    expect(pagerDuty.pages).toHaveLength(2);
  });

  test('a trigger with the dedup key of an open alert adds to it and pages nobody; after a resolve the key pages again', async () => {
    await post(pagerDuty, '/v2/enqueue', trigger('a'));
    await pagerDuty.settled();
    await post(pagerDuty, '/v2/enqueue', trigger('a'));
    await post(pagerDuty, '/v2/enqueue', trigger('b'));
    await pagerDuty.settled();

    expect(pagerDuty.pages.map((page) => page.body.dedup_key)).toEqual(['a', 'b']);
    expect(pagerDuty.alert('a')?.triggers).toBe(2);

    await post(pagerDuty, '/v2/enqueue', action('resolve', 'a'));
    await pagerDuty.settled();
    expect(pagerDuty.alert('a')?.status).toBe('resolved');
    await post(pagerDuty, '/v2/enqueue', trigger('a'));
    await pagerDuty.settled();
    expect(pagerDuty.pages.map((page) => page.body.dedup_key)).toEqual(['a', 'b', 'a']);
    expect(pagerDuty.alert('a')?.status).toBe('triggered');
  });

  test('an acknowledged alert takes further triggers without paging; a resolve closes it', async () => {
    await post(pagerDuty, '/v2/enqueue', trigger('a'));
    await pagerDuty.settled();
    await post(pagerDuty, '/v2/enqueue', action('acknowledge', 'a'));
    await pagerDuty.settled();
    expect(pagerDuty.alert('a')?.status).toBe('acknowledged');

    await post(pagerDuty, '/v2/enqueue', trigger('a'));
    await post(pagerDuty, '/v2/enqueue', action('resolve', 'a'));
    await pagerDuty.settled();

    expect(pagerDuty.pages).toHaveLength(1);
    expect(pagerDuty.alert('a')).toMatchObject({ status: 'resolved', triggers: 2 });
  });

  test('a resolve or acknowledge of an unknown key, or from another routing key, is accepted and dropped', async () => {
    await post(pagerDuty, '/v2/enqueue', trigger('a'));
    await pagerDuty.settled();

    const unknown = await post(pagerDuty, '/v2/enqueue', action('resolve', 'nothing-open'));
    const otherKey = await post(pagerDuty, '/v2/enqueue', action('resolve', 'a', OTHER_KEY));
    await post(pagerDuty, '/v2/enqueue', action('acknowledge', 'a', OTHER_KEY));
    await pagerDuty.settled();

    expect([unknown.status, otherKey.status]).toEqual([202, 202]);
    expect(pagerDuty.alert('a')?.status).toBe('triggered');
    expect(pagerDuty.alert('nothing-open')).toBeUndefined();
    expect(pagerDuty.alerts).toHaveLength(1);
  });

  test.each([
    ['no summary', trigger('a', {}, { summary: undefined }), "'payload.summary' is missing or blank"],
    ['a blank summary', trigger('a', {}, { summary: '  ' }), "'payload.summary' is missing or blank"],
    ['a summary over 1024 characters', trigger('a', {}, { summary: 's'.repeat(1025) }), "'payload.summary' is longer than 1024 characters"],
    ['no source', trigger('a', {}, { source: undefined }), "'payload.source' is missing or blank"],
    ['no severity', trigger('a', {}, { severity: undefined }), "'payload.severity' is missing"],
    ['a bad severity', trigger('a', {}, { severity: 'P1' }), "'payload.severity' must be one of critical, error, warning, info"],
    ['no payload', { routing_key: KEY, event_action: 'trigger' }, "'payload' is missing"],
    ['a bad event action', trigger('a', { event_action: 'page' }), "'event_action' must be one of trigger, acknowledge, resolve"],
    ['a dedup key over 255 characters', trigger('k'.repeat(256)), "'dedup_key' must be a string of at most 255 characters"],
    ['a resolve without a dedup key', { routing_key: KEY, event_action: 'resolve' }, "'dedup_key' is required for 'resolve'"],
    ['a short routing key', trigger('a', { routing_key: 'abc' }), "Length of 'routing_key' is incorrect (should be 32 characters)"],
    ['no routing key', trigger('a', { routing_key: undefined }), "Length of 'routing_key' is incorrect (should be 32 characters)"],
    ['a body that is not JSON', '{"routing_key": ', 'JSON parse error'],
  ])('refuses an alert event with %s: 400 invalid event, recorded, never processed', async (_case, body, why) => {
    const { status, answer } = await post(pagerDuty, '/v2/enqueue', body);
    await pagerDuty.settled();

    expect(status).toBe(400);
    expect(answer).toEqual({ status: 'invalid event', message: 'Event object is invalid', errors: expect.arrayContaining([why]) });
    expect(pagerDuty.requests).toHaveLength(1);
    expect(pagerDuty.requests[0]).toMatchObject({ status: 400, accepted: false });
    expect(pagerDuty.pages).toHaveLength(0);
    expect(pagerDuty.alerts).toHaveLength(0);
  });

  test('with known integrations, a well-formed but unknown routing key is an invalid routing key', async () => {
    const strict = await new FakePagerDuty({ routingKeys: [KEY] }).start();
    try {
      const unknown = await post(strict, '/v2/enqueue', trigger('a', { routing_key: OTHER_KEY }));
      const known = await post(strict, '/v2/enqueue', trigger('a'));
      expect([unknown.status, unknown.answer.errors]).toEqual([400, ['Invalid routing key']]);
      expect(known.status).toBe(202);
    } finally {
      await strict.stop();
    }
  });

  test('change events are accepted (202, no dedup key) and never page or touch an alert', async () => {
    await post(pagerDuty, '/v2/enqueue', trigger('a'));
    const change = await post(pagerDuty, '/v2/change/enqueue', { routing_key: KEY, payload: { summary: 'recovered', source: 'i-1' }, dedup_key: 'a' });
    await pagerDuty.settled();

    expect(change.status).toBe(202);
    expect(change.answer).toEqual({ status: 'success', message: 'Event processed' });
    expect(pagerDuty.changeEvents).toHaveLength(1);
    expect(pagerDuty.pages).toHaveLength(1);
    expect(pagerDuty.alert('a')).toMatchObject({ status: 'triggered', triggers: 1 });
  });

  test('change events need a summary of at most 1024 characters and a service (not a ruleset) routing key', async () => {
    const noSummary = await post(pagerDuty, '/v2/change/enqueue', { routing_key: KEY, payload: { source: 'i-1' } });
    const long = await post(pagerDuty, '/v2/change/enqueue', { routing_key: KEY, payload: { summary: 'x'.repeat(1025) } });
    const ruleset = await post(pagerDuty, '/v2/change/enqueue', { routing_key: 'R'.padEnd(32, '1'), payload: { summary: 'ok' } });
    // A change event needs no source and no severity.
    const minimal = await post(pagerDuty, '/v2/change/enqueue', { routing_key: KEY, payload: { summary: 'ok' } });
    await pagerDuty.settled();

    expect([noSummary.status, long.status, ruleset.status, minimal.status]).toEqual([400, 400, 400, 202]);
    expect(ruleset.answer.errors).toEqual(['Change events cannot be sent to a ruleset routing key']);
    expect(pagerDuty.changeEvents).toHaveLength(1);
  });

  test('rate-limits each routing key over a sliding 60 s window with 429; a limited event is not ingested', async () => {
    let now = 1_000_000;
    const limited = await new FakePagerDuty({ eventsPerMinute: 2, now: () => now }).start();
    try {
      const statuses: number[] = [];
      for (const dedupKey of ['a', 'b', 'c']) statuses.push((await post(limited, '/v2/enqueue', trigger(dedupKey))).status);
      statuses.push((await post(limited, '/v2/enqueue', trigger('d', { routing_key: OTHER_KEY }))).status);
      now += 60_001;
      statuses.push((await post(limited, '/v2/enqueue', trigger('c'))).status);
      await limited.settled();

      expect(statuses).toEqual([202, 202, 429, 202, 202]);
      expect(limited.requests[2]).toMatchObject({ status: 429, accepted: false });
      expect(limited.pages.map((page) => page.body.dedup_key)).toEqual(['a', 'b', 'd', 'c']);
    } finally {
      await limited.stop();
    }
  });

  test('queued answers come first, whatever the request, and are never processed', async () => {
    pagerDuty.queue.push({ status: 429, headers: { 'Retry-After': '3' }, body: { status: 'rate limited', message: 'Request Limit Exceeded' } });
    pagerDuty.queue.push({ status: 503, body: { status: 'unavailable', message: 'try later' } });

    const first = await post(pagerDuty, '/v2/enqueue', trigger('a'));
    const second = await post(pagerDuty, '/v2/enqueue', trigger('a'));
    const third = await post(pagerDuty, '/v2/enqueue', trigger('a'));
    await pagerDuty.settled();

    expect([first.status, first.headers.get('retry-after'), second.status, third.status]).toEqual([429, '3', 503, 202]);
    expect(pagerDuty.requests.map((request) => request.accepted)).toEqual([false, false, true]);
    expect(pagerDuty.pages).toHaveLength(1);
  });

  test('answers 404 outside the Events API and 413 over 512 KB; records every request with its raw body', async () => {
    const wrongPath = await post(pagerDuty, '/v2/alerts', trigger('a'));
    const tooLarge = await post(pagerDuty, '/v2/enqueue', trigger('a', {}, { custom_details: { blob: 'x'.repeat(512 * 1024) } }));
    await pagerDuty.settled();

    expect([wrongPath.status, tooLarge.status]).toEqual([404, 413]);
    expect(pagerDuty.requests.map((request) => request.path)).toEqual(['/v2/alerts', '/v2/enqueue']);
    expect(pagerDuty.requests[0].rawBody).toBe(JSON.stringify(trigger('a')));
    expect(pagerDuty.requests[0].body).toEqual(trigger('a'));
    expect(pagerDuty.pages).toHaveLength(0);
  });
});
