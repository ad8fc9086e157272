import { captureConsole, closedPort, LocalHttpServer, sendJson, startHttpServer } from './support/local-servers';
import {
  bodySnippet,
  DEFAULT_RETRY_POLICY,
  describeFetchError,
  fetchWithRetry,
  HttpDeliveryError,
  isRetryableStatus,
  parseRetryAfter,
  retryDelayMs,
  RetryPolicy,
} from '../../lambda/shared/http';

const POLICY: RetryPolicy = { maxAttempts: 3, attemptTimeoutMs: 500, backoffMs: 10, maxRetryAfterMs: 100, totalBudgetMs: 5_000 };

let server: LocalHttpServer;

beforeAll(async () => {
  server = await startHttpServer((_request, response) => sendJson(response, 200, {}));
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  captureConsole();
  server.requests.length = 0;
});

function post(url = `${server.origin}/x`) {
  return { url, method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' };
}

describe('the default retry policy', () => {
  test('fits comfortably inside a 60 s Lambda timeout in the worst case', () => {
    const { maxAttempts, attemptTimeoutMs, maxRetryAfterMs, totalBudgetMs } = DEFAULT_RETRY_POLICY;
    expect(maxAttempts).toBeLessThanOrEqual(3);
    expect(Math.min(totalBudgetMs, maxAttempts * attemptTimeoutMs + (maxAttempts - 1) * maxRetryAfterMs)).toBeLessThanOrEqual(40_000);
  });
});

describe('parseRetryAfter / retryDelayMs', () => {
  test('reads seconds and HTTP dates, ignores junk', () => {
    const now = Date.parse('2024-05-01T10:00:00Z');
    expect(parseRetryAfter('1', now)).toBe(1_000);
    expect(parseRetryAfter(' 2.5 ', now)).toBe(2_500);
    expect(parseRetryAfter('Wed, 01 May 2024 10:00:03 GMT', now)).toBe(3_000);
    expect(parseRetryAfter('Wed, 01 May 2024 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
  });

  test('takes Retry-After as given (never shortened), else backs off exponentially', () => {
    const policy = { ...POLICY, backoffMs: 500, maxRetryAfterMs: 5_000 };
    expect(retryDelayMs(1, '2', policy)).toEqual({ waitMs: 2_000, fromServer: true });
    expect(retryDelayMs(1, '120', policy)).toEqual({ waitMs: 120_000, fromServer: true });
    expect(retryDelayMs(1, null, policy)).toEqual({ waitMs: 500, fromServer: false });
    expect(retryDelayMs(2, null, policy)).toEqual({ waitMs: 1_000, fromServer: false });
  });

  test('408, 429 and 5xx are transient; other statuses are not', () => {
    expect([408, 429, 500, 502, 503, 504].map((status) => isRetryableStatus({ status }))).toEqual([true, true, true, true, true, true]);
    expect([200, 202, 301, 400, 401, 403, 404, 422].map((status) => isRetryableStatus({ status }))).toEqual(Array(8).fill(false));
  });
});

describe('describeFetchError', () => {
  const url = 'http://app.example.internal:8080/health';
  const fetchFailed = (cause: object) => Object.assign(new TypeError('fetch failed'), { cause });

  test.each([
    [Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }), `no answer within 2000 ms from ${url}`],
    [fetchFailed({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }), 'connection refused by app.example.internal:8080'],
    [fetchFailed({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND' }), 'DNS lookup failed for app.example.internal (ENOTFOUND)'],
    [fetchFailed({ code: 'ECONNRESET', message: 'socket hang up' }), 'connection reset by app.example.internal:8080 (ECONNRESET)'],
    [fetchFailed({ code: 'EHOSTUNREACH', message: 'x' }), 'app.example.internal:8080 is unreachable (EHOSTUNREACH)'],
    [fetchFailed({ code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames" }),
      "TLS error talking to app.example.internal:8080: Hostname/IP does not match certificate's altnames (ERR_TLS_CERT_ALTNAME_INVALID)"],
    [fetchFailed({ message: 'other' }), `request to ${url} failed: other`],
    ['a string', `request to ${url} failed: a string`],
  ])('%s', (error, reason) => {
    expect(describeFetchError(error, url, 2000)).toBe(reason);
  });
});

describe('fetchWithRetry against a local server', () => {
  test('returns a non-retryable error response at once, for the caller to judge', async () => {
    server.respondWith((_request, response) => sendJson(response, 400, { error: 'bad' }));

    const response = await fetchWithRetry(post(), { handler: 'test', policy: POLICY });

    expect(response).toMatchObject({ status: 400, body: '{"error":"bad"}', attempts: 1 });
  });

  test('returns the last 5xx response when the attempts run out', async () => {
    server.respondWith((_request, response) => sendJson(response, 500, { error: 'down' }));

    const response = await fetchWithRetry(post(), { handler: 'test', policy: POLICY });

    expect(response).toMatchObject({ status: 500, attempts: 3 });
    expect(server.requests).toHaveLength(3);
  });

  test('stops early when the next wait would pass the total budget', async () => {
    server.respondWith((_request, response) => sendJson(response, 429, {}, { 'Retry-After': '10' }));

    const started = Date.now();
    const response = await fetchWithRetry(post(), { handler: 'test', policy: { ...POLICY, maxRetryAfterMs: 10_000, totalBudgetMs: 1_000 } });

    expect(response.status).toBe(429);
    expect(server.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(500);
  });

  test('a Retry-After longer than maxRetryAfterMs is not shortened: the retries stop at once', async () => {
    server.respondWith((_request, response) => sendJson(response, 503, {}, { 'Retry-After': '2' }));

    const started = Date.now();
    const response = await fetchWithRetry(post(), { handler: 'test', policy: { ...POLICY, maxRetryAfterMs: 1_000, totalBudgetMs: 10_000 } });

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(server.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(500);
  });

  test('a short Retry-After is waited out as given', async () => {
    server.respondWith((_request, response, index) => (index === 0 ? sendJson(response, 429, {}, { 'Retry-After': '0.3' }) : sendJson(response, 200, {})));

    const started = Date.now();
    const response = await fetchWithRetry(post(), { handler: 'test', policy: { ...POLICY, maxRetryAfterMs: 1_000 } });

    expect(response).toMatchObject({ status: 200, attempts: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  test('no attempt runs past deadlineMs, even within the policy\'s budget', async () => {
    server.respondWith(() => undefined);

    const started = Date.now();
    const promise = fetchWithRetry(post(), { handler: 'test', policy: { ...POLICY, attemptTimeoutMs: 5_000 }, deadlineMs: Date.now() + 300 });

    await expect(promise).rejects.toThrow('no answer within');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  test('a refused connection on every attempt throws HttpDeliveryError', async () => {
    const port = await closedPort();

    const promise = fetchWithRetry(post(`http://127.0.0.1:${port}/x`), { handler: 'test', policy: POLICY });

    await expect(promise).rejects.toThrow(HttpDeliveryError);
    await expect(promise).rejects.toThrow(`POST http://127.0.0.1:${port}/x failed: connection refused by 127.0.0.1:${port}`);
  });

  test('sends method, headers and body as given', async () => {
    server.respondWith((_request, response) => sendJson(response, 201, { id: 1 }));

    await fetchWithRetry({ ...post(), headers: { 'X-Test': 'yes' }, body: '{"a":1}' }, { handler: 'test', policy: POLICY });

    expect(server.requests[0]).toMatchObject({ method: 'POST', body: '{"a":1}' });
    expect(server.requests[0].headers['x-test']).toBe('yes');
  });
});

test('bodySnippet keeps one short line', () => {
  expect(bodySnippet('  a\n  b  ')).toBe('a b');
  expect(bodySnippet('')).toBe('(empty body)');
  expect(bodySnippet('x'.repeat(400), 10)).toBe(`${'x'.repeat(10)}...`);
});
