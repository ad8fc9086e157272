import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { FAILED_SSH, HTTP_500_URL as FAILED_URL } from './support/check-results';
import { BUDGET_EXHAUSTED, DRY_RUN, NOT_RUNNING } from './support/decisions';
import { captureConsole, LocalHttpServer, sendJson, startHttpServer } from './support/local-servers';
import { InvalidEventError } from '../../lambda/shared/invalid-event-error';
import { buildIncidentMessage } from '../../lambda/shared/message';
import { DESTINATION_ENV_PREFIX } from '../../lambda/shared/notifier';
import { clearSecretCache } from '../../lambda/shared/secrets';
import { handler, notifySlack, readSlackParameters, renderSlackText } from '../../lambda/slack-notify.lambda';
import { NotifyEvent, RebootDecision } from '../../src/contract';

const secretsMock = mockClient(SecretsManagerClient);
const TOKEN_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:slack-bot-token-AbCdEf';
const TOKEN = 'xoxb-test-1234567890-SECRETVALUE';
const INSTANCE_ID = 'i-0abc1234567890def';
/** Fast retries for tests. */
const FAST = { retryPolicy: { backoffMs: 10, maxRetryAfterMs: 2_000, attemptTimeoutMs: 1_000 } };
/** The destination the events name; the function's configuration (here process.env) holds its secret and URL. */
const DESTINATION = 'SLACKTEST';

let slack: LocalHttpServer;
let console_: ReturnType<typeof captureConsole>;

beforeAll(async () => {
  slack = await startHttpServer((_request, response) => sendJson(response, 200, { ok: true, ts: '1714557600.000100' }));
  process.env[`${DESTINATION_ENV_PREFIX}${DESTINATION}`] = JSON.stringify({ secretArn: TOKEN_ARN, baseUrl: `${slack.origin}/api/` });
});

afterAll(async () => {
  delete process.env[`${DESTINATION_ENV_PREFIX}${DESTINATION}`];
  await slack.close();
});

beforeEach(() => {
  console_ = captureConsole();
  clearSecretCache();
  secretsMock.reset();
  secretsMock.on(GetSecretValueCommand, { SecretId: TOKEN_ARN }).resolves({ SecretString: `${TOKEN}\n` });
  slack.requests.length = 0;
  slack.respondWith((_request, response) => sendJson(response, 200, { ok: true, ts: '1714557600.000100' }));
});


function event(overrides: Partial<NotifyEvent> = {}, parameters: Record<string, string> = {}): NotifyEvent {
  return {
    kind: 'UNRESPONSIVE',
    instanceId: INSTANCE_ID,
    parameters: { destination: DESTINATION, channel: 'C0123456789', ...parameters },
    firstRun: [FAILED_URL, FAILED_SSH],
    lastRun: [{ ...FAILED_URL, checkedAt: '2024-05-01T10:10:00.000Z' }, { ...FAILED_SSH, checkedAt: '2024-05-01T10:10:01.000Z' }],
    recheckCount: 5,
    incidentStartedAt: '2024-05-01T10:00:00.000Z',
    executionId: 'arn:aws:states:us-east-1:123456789012:execution:CpuFirstLineSupport:run-1',
    ...overrides,
  };
}

function postedText(): string {
  return JSON.parse(slack.requests[slack.requests.length - 1].body).text;
}

describe('slack-notify against a local Slack API', () => {
  test('posts the message with the bot token from Secrets Manager and returns the message ts', async () => {
    const result = await handler(event());

    expect(result).toEqual({ delivered: true, notifier: 'slack', reference: '1714557600.000100' });
    expect(slack.requests).toHaveLength(1);
    const [request] = slack.requests;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/api/chat.postMessage');
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(request.body);
    expect(body.channel).toBe('C0123456789');
    expect(body.text).toContain(INSTANCE_ID);
    expect(body.text).toContain('URL check: HTTP 500 from http://203.0.113.7:80/, expected 200-399');
    expect(body.text).toContain('SSH check: no SSH handshake within 2000 ms with 203.0.113.7:22');
    expect(body.text).toContain('5 re-checks');
    expect(body.text).not.toMatch(/\bundefined\b|\bnull\b/);
    expect(secretsMock.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({ SecretId: TOKEN_ARN });
  });

  test('ok: false from Slack throws with the Slack error code', async () => {
    slack.respondWith((_request, response) => sendJson(response, 200, { ok: false, error: 'channel_not_found' }));

    const promise = handler(event());

    await expect(promise).rejects.toThrow('Slack chat.postMessage to channel C0123456789 failed: channel_not_found');
    await expect(promise).rejects.toMatchObject({ name: 'SlackApiError' });
    expect(slack.requests).toHaveLength(1); // not a transient error: no retry
  });

  test('a missing scope names the scope needed', async () => {
    slack.respondWith((_request, response) => sendJson(response, 200, { ok: false, error: 'missing_scope', needed: 'chat:write', provided: 'users:read' }));

    await expect(handler(event())).rejects.toThrow('missing_scope (needed scope: chat:write; token has: users:read)');
  });

  test('HTTP 429 with Retry-After: 1 is retried after about a second, then delivered', async () => {
    slack.respondWith((_request, response, index) => {
      if (index === 0) {
        sendJson(response, 429, { ok: false, error: 'ratelimited' }, { 'Retry-After': '1' });
      } else {
        sendJson(response, 200, { ok: true, ts: '2.0' });
      }
    });

    const started = Date.now();
    const result = await notifySlack(event(), FAST);
    const elapsed = Date.now() - started;

    expect(result.reference).toBe('2.0');
    expect(slack.requests).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(2_500);
  });

  test('a Retry-After longer than the handler may wait throws NotifierUnavailableError at once, naming it', async () => {
    slack.respondWith((_request, response) => sendJson(response, 429, { ok: false, error: 'ratelimited' }, { 'Retry-After': '120' }));

    const started = Date.now();
    const error = await notifySlack(event(), { retryPolicy: { maxRetryAfterMs: 50 } }).catch((e: Error) => e);

    expect(error).toMatchObject({ name: 'NotifierUnavailableError' });
    expect(String(error)).toContain('Slack chat.postMessage is unavailable: HTTP 429 (ratelimited) after 1 attempt(s); Retry-After: 120 (120 s)');
    expect(slack.requests).toHaveLength(1); // never sooner than Slack asked
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  test('a Retry-After that does not fit in the Lambda time left is not waited out', async () => {
    slack.respondWith((_request, response) => sendJson(response, 429, { ok: false, error: 'ratelimited' }, { 'Retry-After': '2' }));

    const started = Date.now();
    const error = await handler(event(), { getRemainingTimeInMillis: () => 4_000 }).catch((e: Error) => e);

    expect(error).toMatchObject({ name: 'NotifierUnavailableError' });
    expect(String(error)).toContain('Retry-After: 2');
    expect(slack.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  test('a transient Slack error (ok: false, internal_error) is retried', async () => {
    slack.respondWith((_request, response, index) =>
      sendJson(response, 200, index === 0 ? { ok: false, error: 'internal_error' } : { ok: true, ts: '4.0' }));

    const result = await notifySlack(event(), FAST);

    expect(result.reference).toBe('4.0');
    expect(slack.requests).toHaveLength(2);
  });

  test.each(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout'])(
    'a transient ok: false (%s) on every attempt throws NotifierUnavailableError, which the workflow retries', async (code) => {
      slack.respondWith((_request, response) => sendJson(response, 200, { ok: false, error: code }));

      const promise = notifySlack(event(), FAST);

      await expect(promise).rejects.toMatchObject({ name: 'NotifierUnavailableError' });
      await expect(promise).rejects.toThrow(`HTTP 200 (${code}) after 3 attempt(s)`);
    });

  test.each(['channel_not_found', 'invalid_auth', 'not_in_channel'])('a permanent ok: false (%s) stays SlackApiError, not retried', async (code) => {
    slack.respondWith((_request, response) => sendJson(response, 200, { ok: false, error: code }));

    await expect(notifySlack(event(), FAST)).rejects.toMatchObject({ name: 'SlackApiError' });
    expect(slack.requests).toHaveLength(1);
  });

  test.each([500, 503, 408])('HTTP %i on every attempt throws NotifierUnavailableError after the attempt budget', async (status) => {
    slack.respondWith((_request, response) => {
      response.statusCode = status;
      response.end('upstream unavailable');
    });

    const promise = notifySlack(event(), FAST);

    await expect(promise).rejects.toThrow(`Slack chat.postMessage is unavailable: HTTP ${status} after 3 attempt(s): upstream unavailable`);
    await expect(promise).rejects.toMatchObject({ name: 'NotifierUnavailableError' });
    expect(slack.requests).toHaveLength(3);
  });

  test('HTTP 404 is a refusal: SlackApiError, not retried', async () => {
    slack.respondWith((_request, response) => {
      response.statusCode = 404;
      response.end('no such method');
    });

    await expect(notifySlack(event(), FAST)).rejects.toMatchObject({ name: 'SlackApiError' });
    expect(slack.requests).toHaveLength(1);
  });

  test('a Slack API that never answers throws NotifierUnavailableError after the per-attempt timeouts', async () => {
    slack.respondWith(() => undefined);

    const started = Date.now();
    const promise = notifySlack(event(), { retryPolicy: { attemptTimeoutMs: 200, maxAttempts: 2, backoffMs: 10 } });

    await expect(promise).rejects.toThrow(`POST ${slack.origin}/api/chat.postMessage failed: no answer within 200 ms`);
    await expect(promise).rejects.toMatchObject({ name: 'NotifierUnavailableError' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  test('every attempt ends before the Lambda deadline', async () => {
    slack.respondWith(() => undefined);

    const started = Date.now();
    // 3.6 s left, less the 3 s margin: 600 ms for every attempt together.
    const error = await handler(event(), { getRemainingTimeInMillis: () => 3_600 }).catch((e: Error) => e);

    expect(error).toMatchObject({ name: 'NotifierUnavailableError' });
    expect(Date.now() - started).toBeLessThan(1_200);
  });

  test('the token is read once and cached across warm invocations', async () => {
    await handler(event());
    await handler(event({ kind: 'RECOVERED', lastRun: [] }));

    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(slack.requests.map((request) => request.headers.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
  });

  test('after a refused delivery the token is read again (it may have been rotated)', async () => {
    slack.respondWith((_request, response, index) =>
      sendJson(response, 200, index === 0 ? { ok: false, error: 'invalid_auth' } : { ok: true, ts: '5.0' }));

    await expect(handler(event())).rejects.toThrow('invalid_auth');
    await handler(event());

    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  test('the token never appears in logs or errors, on success or failure', async () => {
    await handler(event());
    slack.respondWith((_request, response) => sendJson(response, 200, { ok: false, error: 'not_authed' }));
    const error = await handler(event()).catch((e: Error) => e);
    slack.respondWith((_request, response) => {
      response.statusCode = 500;
      response.end('oops');
    });
    const error2 = await notifySlack(event(), FAST).catch((e: Error) => e);

    const output = console_.output();
    expect(output).toContain('"decision":"delivered"');
    expect(output).toContain('"decision":"not-delivered"');
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain('SECRETVALUE');
    expect(String(error)).not.toContain(TOKEN);
    expect(String(error2)).not.toContain(TOKEN);
  });

  test.each([401, 500])('an endpoint that echoes the Authorization header in a %i body never gets the token into errors or logs', async (status) => {
    slack.respondWith((request, response) => {
      response.statusCode = status;
      response.end(`denied; you sent authorization=${request.headers.authorization}; token ${TOKEN} ${JSON.stringify(request.headers)}`);
    });

    const error = await notifySlack(event(), FAST).then(() => new Error('delivered'), (e: Error) => e);

    expect(error).toBeInstanceOf(Error);
    expect(String(error.message)).toContain('[redacted]');
    for (const text of [error.message, String(error.stack), console_.output()]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain('SECRETVALUE');
      expect(text).not.toMatch(/Bearer (?!\[redacted\])/);
    }
  });

  test('a secret echoed where the error snippet cuts the body leaves no part of it behind', async () => {
    slack.respondWith((_request, response) => {
      // The snippet keeps the first 300 characters: the token starts 10 characters before the cut.
      response.statusCode = 500;
      response.end(`${'x'.repeat(290)}${TOKEN} and more`);
    });

    const error = await notifySlack(event(), FAST).then(() => new Error('delivered'), (e: Error) => e);

    expect(error.name).toBe('NotifierUnavailableError');
    for (const text of [error.message, console_.output()]) {
      expect(text).not.toContain(TOKEN.slice(0, 10));
    }
  });

  test('a binary or empty secret fails clearly without a request', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2, 3]) });
    await expect(handler(event())).rejects.toThrow(`Secret ${TOKEN_ARN} has only a binary value`);

    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: '   ' });
    await expect(handler(event())).rejects.toThrow(`Secret ${TOKEN_ARN} is empty`);

    expect(slack.requests).toHaveLength(0);
  });

  test('a token with a line break inside is refused without showing it', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: 'xoxb-part-one\nxoxb-part-two' });

    const error = await handler(event()).catch((e: Error) => e);

    expect(String(error)).toContain('contains whitespace or control characters');
    expect(String(error)).not.toContain('xoxb');
    expect(slack.requests).toHaveLength(0);
  });

  test('the kind is read case-insensitively', async () => {
    await handler(event({ kind: 'recovered' as any, lastRun: [] }));

    expect(JSON.parse(slack.requests[0].body).text).toMatch(/^:white_check_mark: \*EC2 instance .* recovered after a reboot\*/);
  });

  test('an invalid event throws InvalidEventError before reading the secret', async () => {
    await expect(handler(event({}, { channel: '' }))).rejects.toThrow(
      new InvalidEventError('slack-notify: `parameters.channel` must be a non-empty string, got ""'),
    );
    await expect(handler(event({ kind: 'PANIC' as any }))).rejects.toThrow(
      'slack-notify: `kind` must be one of "RECOVERED", "UNRESPONSIVE", "ERROR", "NOT_REBOOTED", "WOULD_REBOOT", "ESCALATION_FAILED", "RESOLVED", got "PANIC"',
    );
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  test('the event can name a destination, never send the token elsewhere', async () => {
    const elsewhere = await startHttpServer((_request, response) => sendJson(response, 200, { ok: true, ts: '9.9' }));
    try {
      // An event that names its own URL or secret is refused, before the secret is read.
      await expect(handler(event({}, { apiBaseUrl: `${elsewhere.origin}/api` }))).rejects.toThrow(InvalidEventError);
      await expect(handler(event({}, { tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:other' }))).rejects.toThrow(
        '`parameters.tokenSecretArn` is not accepted: the endpoint and its secret come from the function\'s configuration',
      );
      // An unknown destination is an invalid event.
      await expect(handler(event({}, { destination: 'NOPE' }))).rejects.toThrow(
        new InvalidEventError('slack-notify: unknown destination "NOPE": the function has no NOTIFIER_DESTINATION_NOPE variable (bind the notifier to this stack\'s construct)'),
      );
      await expect(handler(event({}, { destination: '' }))).rejects.toThrow(InvalidEventError);
      expect(elsewhere.requests).toHaveLength(0);
      expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  test('a configured destination over plain http is refused unless its host is loopback', async () => {
    const environment = (baseUrl: string) => ({ [`${DESTINATION_ENV_PREFIX}${DESTINATION}`]: JSON.stringify({ secretArn: TOKEN_ARN, baseUrl }) });

    await expect(notifySlack(event(), { environment: environment('http://slack.example/api') })).rejects.toThrow(
      'must be an https:// URL (plain http:// only for a loopback host: 127.0.0.1, localhost, ::1)',
    );
    await expect(notifySlack(event(), { environment: { [`${DESTINATION_ENV_PREFIX}${DESTINATION}`]: '{"secretArn":""}' } })).rejects.toThrow(InvalidEventError);
    await expect(notifySlack(event(), { environment: environment(`http://localhost:${slack.port}/api`) })).resolves.toMatchObject({ delivered: true });
    expect(slack.requests).toHaveLength(1);
  });
});

describe('slack-notify for failures', () => {
  test('ESCALATION_FAILED posts :sos:, says paging FAILED, and names the instance, the lost alert and the error', async () => {
    await handler(event({
      kind: 'ESCALATION_FAILED',
      undeliveredKind: 'UNRESPONSIVE',
      error: { Error: 'NotifierUnavailableError', Cause: '{"errorType":"NotifierUnavailableError","errorMessage":"OpsGenie Alert API is unavailable: HTTP 503"}' },
      rebootIssued: true,
    }));

    const text = postedText();
    expect(text.split('\n')[0]).toBe(`:sos: *PAGING FAILED for EC2 instance ${INSTANCE_ID} (${process.env.AWS_REGION}): the alert was not delivered; look at it now*`);
    expect(text).toContain('A human must look at the instance now.');
    expect(text).toContain('Undelivered alert: UNRESPONSIVE (the instance is still unresponsive after a reboot).');
    expect(text).toContain('Cause: NotifierUnavailableError: OpsGenie Alert API is unavailable: HTTP 503');
    expect(text).not.toMatch(/\bundefined\b|\bnull\b/);
    expect(console_.output()).toContain('"undeliveredKind":"UNRESPONSIVE"');
  });
});


/** A NOT_REBOOTED or WOULD_REBOOT event as the state machine sends it: first run and decision, no re-checks. */
function noRebootEvent(kind: 'NOT_REBOOTED' | 'WOULD_REBOOT', decision: unknown): NotifyEvent {
  const { lastRun: _lastRun, recheckCount: _recheckCount, ...rest } = event({ kind });
  return { ...rest, decision: decision as RebootDecision };
}


describe('slack-notify for the kinds without a reboot', () => {
  test.each([
    ['instance not running', NOT_RUNNING],
    ['budget spent', BUDGET_EXHAUSTED],
  ])('NOT_REBOOTED (%s) posts :no_entry:, the title, a call to look and the reason', async (_what, decision) => {
    const result = await handler(noRebootEvent('NOT_REBOOTED', decision));

    expect(result).toEqual({ delivered: true, notifier: 'slack', reference: '1714557600.000100' });
    const text = postedText();
    expect(text.split('\n')[0]).toBe(`:no_entry: *EC2 instance ${INSTANCE_ID} (${process.env.AWS_REGION}) failed its checks and was not rebooted*`);
    expect(text).toContain('A human must look at it.');
    expect(text).toContain(`Reboot decision: ${decision.reason}`);
    expect(text).toContain('Checks: 2 of 2 checks failed:');
    expect(text).toContain('• URL check: HTTP 500 from http://203.0.113.7:80/, expected 200-399');
    expect(text).not.toMatch(/Before the reboot|re-check|Recovery took|Still failing/);
    expect(text).not.toMatch(/\bundefined\b|\bnull\b/);
    expect(console_.output()).toContain(`"rebootVerdict":"${decision.verdict}"`);
  });

  test('WOULD_REBOOT posts :test_tube:, says dry run and how to turn it off', async () => {
    await handler(noRebootEvent('WOULD_REBOOT', DRY_RUN));

    const text = postedText();
    expect(text.split('\n')[0]).toBe(`:test_tube: *EC2 instance ${INSTANCE_ID} (${process.env.AWS_REGION}) would be rebooted (dry run)*`);
    expect(text).toContain('Dry run: it failed its checks and would have been rebooted, but nothing was done.');
    expect(text).toContain('set the construct prop `dryRun` to false');
    expect(text).toContain(`Reboot decision: ${DRY_RUN.reason}`);
    expect(text).toContain('Checks: 2 of 2 checks failed:');
    expect(text).not.toMatch(/Before the reboot|re-check|Recovery took|Still failing/);
    expect(text).not.toMatch(/\bundefined\b|\bnull\b/);
  });

  test.each([null, 'x', { verdict: 12, reason: ['a'] }])('a malformed decision (%j) is left out, and the message is still delivered', async (decision) => {
    const result = await handler(noRebootEvent('NOT_REBOOTED', decision));

    expect(result.delivered).toBe(true);
    const text = postedText();
    expect(text).toContain('The workflow did not record why the instance was not rebooted.');
    expect(text).not.toMatch(/\bundefined\b|\bnull\b|\[object Object\]/);
  });
});

describe('Slack parameters and text', () => {
  test('the parameters are only the channel', () => {
    expect(readSlackParameters({ destination: DESTINATION, channel: ' #ops ' })).toEqual({ channel: '#ops' });
  });

  test('the text escapes Slack control characters and links the execution', () => {
    const message = buildIncidentMessage(event({
      lastRun: [{ ...FAILED_URL, reason: 'HTTP 500 from http://x/?a=1&b=<2>, expected 200' }],
    }), { region: 'us-east-1' });

    const slackText = renderSlackText(message);

    expect(slackText.startsWith(':rotating_light: *EC2 instance')).toBe(true);
    expect(slackText).toContain('http://x/?a=1&amp;b=&lt;2&gt;');
    expect(slackText).toContain('|Open the execution in the Step Functions console>');
  });
});
