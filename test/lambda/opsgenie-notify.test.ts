import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { PASSED_ROUTE53, REFUSED_URL as FAILED_URL } from './support/check-results';
import { DRY_RUN, NOT_RUNNING } from './support/decisions';
import { captureConsole, LocalHttpServer, Responder, sendJson, startHttpServer } from './support/local-servers';
import { alertAlias, handler, notifyOpsGenie, readOpsGenieParameters } from '../../lambda/opsgenie-notify.lambda';
import { InvalidEventError } from '../../lambda/shared/invalid-event-error';
import { DESTINATION_ENV_PREFIX } from '../../lambda/shared/notifier';
import { clearSecretCache } from '../../lambda/shared/secrets';
import { NotifyEvent, RebootDecision } from '../../src/contract';

const secretsMock = mockClient(SecretsManagerClient);
const KEY_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:opsgenie-key-AbCdEf';
const API_KEY = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const INSTANCE_ID = 'i-0abc1234567890def';
const FAST = { retryPolicy: { backoffMs: 10, maxRetryAfterMs: 100, attemptTimeoutMs: 1_000 } };
/** The destination the events name; the function's configuration (here process.env) holds its secret and URL. */
const DESTINATION = 'OPSGENIETEST';
const EXECUTION = 'run-7';
const INCIDENT_ALIAS = `cpu-first-line-support:${INSTANCE_ID}:${EXECUTION}`;
const ACCEPTED = { result: 'Request will be processed', took: 0.302, requestId: '43a29c5c-3dbf-4fa4-9c26-f4f71023e120' };

let opsgenie: LocalHttpServer;

/**
 * Answers OpsGenie's "Get request status" (`GET /v2/alerts/requests/{id}`) as processed and
 * created, and everything else with `responder`: OpsGenie answers 202 before it processes an
 * alert, and the notifier confirms the request before it calls the alert delivered.
 */
function withRequestStatus(responder: Responder): Responder {
  return (request, response, index) => {
    if (request.method === 'GET' && /\/v2\/alerts\/requests\//.test(request.url)) {
      sendJson(response, 200, { data: { success: true, action: 'Create', isSuccess: true, status: 'Created alert' }, took: 0.01 });
    } else {
      responder(request, response, index);
    }
  };
}

function respond(responder: Responder): void {
  opsgenie.respondWith(withRequestStatus(responder));
}

/** The create requests the fake OpsGenie received (the status checks left out). */
function posts() {
  return opsgenie.requests.filter((request) => request.method === 'POST');
}
let console_: ReturnType<typeof captureConsole>;

beforeAll(async () => {
  opsgenie = await startHttpServer(withRequestStatus((_request, response) => sendJson(response, 202, ACCEPTED)));
  process.env[`${DESTINATION_ENV_PREFIX}${DESTINATION}`] = JSON.stringify({ secretArn: KEY_ARN, baseUrl: opsgenie.origin });
});

afterAll(async () => {
  delete process.env[`${DESTINATION_ENV_PREFIX}${DESTINATION}`];
  await opsgenie.close();
});

beforeEach(() => {
  console_ = captureConsole();
  clearSecretCache();
  secretsMock.reset();
  secretsMock.on(GetSecretValueCommand, { SecretId: KEY_ARN }).resolves({ SecretString: API_KEY });
  opsgenie.requests.splice(0);
  respond((_request, response) => sendJson(response, 202, ACCEPTED));
});


function event(overrides: Partial<NotifyEvent> = {}, parameters: Record<string, string> = {}): NotifyEvent {
  return {
    kind: 'UNRESPONSIVE',
    instanceId: INSTANCE_ID,
    parameters: { destination: DESTINATION, team: 'ops-team', priority: 'P1', ...parameters },
    firstRun: [{ ...FAILED_URL, reason: 'HTTP 500 from http://203.0.113.7:80/, expected 200-399' }, PASSED_ROUTE53],
    lastRun: [FAILED_URL, PASSED_ROUTE53],
    recheckCount: 4,
    incidentStartedAt: '2024-05-01T10:00:00.000Z',
    executionId: 'arn:aws:states:us-east-1:123456789012:execution:CpuFirstLineSupport:run-7',
    ...overrides,
  };
}

function lastAlert(): any {
  return JSON.parse(posts()[posts().length - 1].body);
}

describe('opsgenie-notify against a local OpsGenie API', () => {
  test('creates an alert with the API key from Secrets Manager and returns the request ID', async () => {
    const result = await handler(event());

    expect(result).toEqual({ delivered: true, notifier: 'opsgenie', reference: ACCEPTED.requestId });
    const [request] = posts();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v2/alerts');
    expect(request.headers.authorization).toBe(`GenieKey ${API_KEY}`);
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');

    const alert = lastAlert();
    expect(alert.message).toBe(`EC2 instance ${INSTANCE_ID} (${process.env.AWS_REGION}) unresponsive after a reboot`);
    expect(alert.message.length).toBeLessThanOrEqual(130);
    expect(alert.alias).toBe(INCIDENT_ALIAS);
    expect(alert.responders).toEqual([{ type: 'team', name: 'ops-team' }]);
    expect(alert.priority).toBe('P1');
    expect(alert.entity).toBe(INSTANCE_ID);
    expect(alert.source).toBe('cdk-cpu-first-line-support');
    expect(alert.tags).toEqual(['cpu-first-line-support', 'UNRESPONSIVE']);
    expect(alert.description).toContain('Before the reboot, 1 of 2 checks failed:');
    expect(alert.description).toContain('• URL check: HTTP 500 from http://203.0.113.7:80/, expected 200-399');
    expect(alert.description).toContain('In the last of 4 re-checks after the reboot, 1 of 2 checks still failed:');
    expect(alert.description).toContain('• URL check: connection refused by 203.0.113.7:80');
    expect(alert.description).toContain('Execution: arn:aws:states:us-east-1:123456789012:execution:CpuFirstLineSupport:run-7');
    expect(alert.description).not.toMatch(/\bundefined\b|\bnull\b/);
    expect(alert.details).toEqual({
      instanceId: INSTANCE_ID,
      kind: 'UNRESPONSIVE',
      region: process.env.AWS_REGION,
      executionId: 'arn:aws:states:us-east-1:123456789012:execution:CpuFirstLineSupport:run-7',
      incidentStartedAt: '2024-05-01T10:00:00.000Z',
      recheckCount: '4',
      failedChecksBeforeReboot: 'URL check',
      failedChecksLastRecheck: 'URL check',
    });
  });

  test('two instances get two aliases, so their alerts never merge', async () => {
    await handler(event({ instanceId: 'i-00000000000000001' }));
    await handler(event({ instanceId: 'i-00000000000000002' }));

    const aliases = posts().map((request) => JSON.parse(request.body).alias);
    expect(aliases).toEqual([`cpu-first-line-support:i-00000000000000001:${EXECUTION}`, `cpu-first-line-support:i-00000000000000002:${EXECUTION}`]);
  });

  test('two incidents of one instance get two aliases, so a second incident pages even while the first alert is open', async () => {
    await handler(event({ executionId: 'arn:aws:states:us-east-1:123456789012:execution:CpuFirstLineSupport:alarm-1' }));
    await handler(event({ executionId: 'arn:aws:states:us-east-1:123456789012:execution:CpuFirstLineSupport:alarm-2' }));
    // A retry of the same incident keeps its alias: OpsGenie only counts it, nobody is paged twice.
    await handler(event({ executionId: 'arn:aws:states:us-east-1:123456789012:execution:CpuFirstLineSupport:alarm-2' }));

    const aliases = posts().map((request) => JSON.parse(request.body).alias);
    expect(aliases).toEqual([
      `cpu-first-line-support:${INSTANCE_ID}:alarm-1`,
      `cpu-first-line-support:${INSTANCE_ID}:alarm-2`,
      `cpu-first-line-support:${INSTANCE_ID}:alarm-2`,
    ]);
  });

  test('the alias is per incident; without an execution ID, per instance; at most 512 characters', () => {
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:CpuFirstLineSupport:run-7';
    expect(alertAlias(INSTANCE_ID, 'UNRESPONSIVE', arn)).toBe(INCIDENT_ALIAS);
    expect(alertAlias(INSTANCE_ID, 'ERROR', arn)).toBe(INCIDENT_ALIAS);
    expect(alertAlias(INSTANCE_ID, 'NOT_REBOOTED', arn)).toBe(INCIDENT_ALIAS);
    expect(alertAlias(INSTANCE_ID, 'UNRESPONSIVE')).toBe(`cpu-first-line-support:${INSTANCE_ID}`);
    expect(alertAlias(INSTANCE_ID, 'UNRESPONSIVE', '  ')).toBe(`cpu-first-line-support:${INSTANCE_ID}`);
    expect(alertAlias('i-'.padEnd(1000, 'x'), 'RECOVERED', arn).length).toBeLessThanOrEqual(512);
    expect(alertAlias(INSTANCE_ID, 'UNRESPONSIVE', `${arn}${'y'.repeat(600)}`).length).toBeLessThanOrEqual(512);
  });

  test('RECOVERED, WOULD_REBOOT and ESCALATION_FAILED have their own suffix, so an open alert never swallows them', () => {
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:CpuFirstLineSupport:run-7';
    expect(alertAlias(INSTANCE_ID, 'RECOVERED', arn)).toBe(`${INCIDENT_ALIAS}:recovered`);
    expect(alertAlias(INSTANCE_ID, 'WOULD_REBOOT', arn)).toBe(`${INCIDENT_ALIAS}:dry-run`);
    expect(alertAlias(INSTANCE_ID, 'ESCALATION_FAILED', arn)).toBe(`${INCIDENT_ALIAS}:escalation-failed`);
    expect(alertAlias('i-'.padEnd(1000, 'x'), 'WOULD_REBOOT')).toMatch(/^cpu-first-line-support:i-x+…:dry-run$/);
    expect(alertAlias('i-'.padEnd(1000, 'x'), 'WOULD_REBOOT').length).toBeLessThanOrEqual(512);
  });

  test('a recovery goes at P5, like a dry run: information, never a page', async () => {
    await handler(event({ kind: 'RECOVERED', lastRun: [PASSED_ROUTE53] }, { priority: 'P1' }));

    const alert = lastAlert();
    expect(alert.priority).toBe('P5');
    expect(alert.alias).toBe(`${INCIDENT_ALIAS}:recovered`);
  });

  test('ESCALATION_FAILED (OpsGenie as the recovery notifier) pages at the configured priority', async () => {
    await handler(event({
      kind: 'ESCALATION_FAILED',
      undeliveredKind: 'UNRESPONSIVE',
      rebootIssued: true,
      error: { Error: 'NotifierUnavailableError', Cause: 'Slack is down' },
    }, { priority: 'P2' }));

    const alert = lastAlert();
    expect(alert.priority).toBe('P2');
    expect(alert.message).toBe(`PAGING FAILED for EC2 instance ${INSTANCE_ID} (${process.env.AWS_REGION}): the alert was not delivered; look at it now`);
    expect(alert.description).toContain('Undelivered alert: UNRESPONSIVE');
    expect(alert.details).toMatchObject({ kind: 'ESCALATION_FAILED', undeliveredKind: 'UNRESPONSIVE', error: 'NotifierUnavailableError', rebootIssued: 'true' });
  });

  test('without a team the alert has no responders', async () => {
    await handler(event({}, { team: '' }));

    expect(lastAlert()).not.toHaveProperty('responders');
  });

  test('a 202 is not a delivery: a request that OpsGenie processed and failed is refused, one never processed is retried', async () => {
    opsgenie.respondWith((request, response) => {
      if (request.method === 'GET') {
        sendJson(response, 200, { data: { success: false, action: 'Create', isSuccess: false, status: 'Team [ops-team] does not exist' }, took: 0.01 });
      } else {
        sendJson(response, 202, ACCEPTED);
      }
    });
    await expect(handler(event())).rejects.toThrow(expect.objectContaining({
      name: 'OpsGenieApiError',
      message: expect.stringContaining('Team [ops-team] does not exist'),
    }));
    opsgenie.respondWith((request, response) => (request.method === 'GET'
      ? sendJson(response, 404, { message: 'Request not found. It might not be processed, yet.' })
      : sendJson(response, 202, ACCEPTED)));
    await expect(handler(event())).rejects.toThrow(expect.objectContaining({ name: 'NotifierUnavailableError', message: expect.stringContaining('had not processed it') }));
  });

  test('the configured base URL is used, without its trailing slash; the event cannot choose another', async () => {
    const variable = `${DESTINATION_ENV_PREFIX}EU`;
    process.env[variable] = JSON.stringify({ secretArn: KEY_ARN, baseUrl: `${opsgenie.origin}/eu-gateway/` });
    try {
      await handler(event({}, { destination: 'EU' }));
    } finally {
      delete process.env[variable];
    }

    expect(posts()[0].url).toBe('/eu-gateway/v2/alerts');
    // The request status is asked for at the same base.
    expect(opsgenie.requests.find((r) => r.method === 'GET')?.url).toBe(`/eu-gateway/v2/alerts/requests/${ACCEPTED.requestId}`);
    await expect(handler(event({}, { baseUrl: 'https://attacker.example' }))).rejects.toThrow(InvalidEventError);
    await expect(handler(event({}, { apiKeySecretArn: KEY_ARN }))).rejects.toThrow(InvalidEventError);
    expect(posts()).toHaveLength(1);
  });

  test('ERROR alerts carry the workflow error, the failed state and whether the reboot was issued', async () => {
    await handler(event({
      kind: 'ERROR',
      lastRun: [],
      error: { Error: 'States.TaskFailed', Cause: 'the reboot was refused' },
      failedState: 'Reboot instance',
      rebootIssued: false,
      rebootRecorded: true,
    }));

    const alert = lastAlert();
    expect(alert.message).toContain(INSTANCE_ID);
    expect(alert.tags).toEqual(['cpu-first-line-support', 'ERROR']);
    expect(alert.description).toContain('Error: States.TaskFailed');
    expect(alert.description).toContain('Cause: the reboot was refused');
    expect(alert.description).toContain('Failed state: Reboot instance');
    expect(alert.description).toContain('the reboot budget counts a reboot that did not happen');
    expect(alert.description).not.toContain('Before the reboot');
    expect(alert.details).toMatchObject({ error: 'States.TaskFailed', failedState: 'Reboot instance', rebootIssued: 'false', rebootRecorded: 'true' });
    expect(alert.details).not.toHaveProperty('failedChecksBeforeReboot');
    expect(alert.details.failedChecks).toBe('URL check');
  });

  test('a huge description is cut to 15000 characters', async () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ ...FAILED_URL, check: `check-${i}` as any, reason: 'y'.repeat(490) }));

    await handler(event({ firstRun: many, lastRun: many }));

    expect(lastAlert().description.length).toBeLessThanOrEqual(15_000);
  });

  test('429 then 202 is delivered after a retry', async () => {
    respond((_request, response, index) =>
      (index === 0 ? sendJson(response, 429, { message: 'Too many requests' }, { 'Retry-After': '0' }) : sendJson(response, 202, ACCEPTED)));

    const result = await notifyOpsGenie(event(), FAST);

    expect(result.reference).toBe(ACCEPTED.requestId);
    expect(posts()).toHaveLength(2);
  });

  test('a 429 whose Retry-After is beyond the handler\'s wait throws NotifierUnavailableError at once, with the Retry-After', async () => {
    respond((_request, response) => sendJson(response, 429, { message: 'Too many requests' }, { 'Retry-After': '30' }));

    const error = await notifyOpsGenie(event(), FAST).then(() => new Error('delivered'), (e: Error) => e);

    expect(error).toMatchObject({ name: 'NotifierUnavailableError' });
    expect(String(error)).toContain('OpsGenie Alert API is unavailable: HTTP 429 after 1 attempt(s); Retry-After: 30 (30 s)');
    expect(posts()).toHaveLength(1);
  });

  test.each([500, 502, 503, 408, 429])('HTTP %i on every attempt throws NotifierUnavailableError with the status and a body snippet', async (status) => {
    respond((_request, response) => sendJson(response, status, { message: 'Bad gateway' }));

    const promise = notifyOpsGenie(event(), FAST);

    await expect(promise).rejects.toThrow(`OpsGenie Alert API is unavailable: HTTP ${status} after 3 attempt(s): {"message":"Bad gateway"}; the workflow retries later`);
    await expect(promise).rejects.toMatchObject({ name: 'NotifierUnavailableError' });
    expect(posts()).toHaveLength(3);
  });

  test('an unreachable OpsGenie throws NotifierUnavailableError', async () => {
    respond(() => undefined);

    const promise = notifyOpsGenie(event(), { retryPolicy: { attemptTimeoutMs: 100, maxAttempts: 2, backoffMs: 10 } });

    await expect(promise).rejects.toMatchObject({ name: 'NotifierUnavailableError' });
    await expect(promise).rejects.toThrow('no answer within 100 ms');
  });

  test.each([401, 403, 422])('%i is a refusal: OpsGenieApiError, not retried, with the status', async (status) => {
    respond((_request, response) => sendJson(response, status, { message: 'Could not authenticate', took: 0, requestId: 'r' }));

    const error = await notifyOpsGenie(event(), FAST).then(() => new Error('delivered'), (e: Error) => e);

    expect(error).toMatchObject({ name: 'OpsGenieApiError' });
    expect(String(error)).toContain(`HTTP ${status} after 1 attempt(s): {"message":"Could not authenticate"`);
    expect(posts()).toHaveLength(1);
    expect(String(error)).not.toContain(API_KEY);
    expect(console_.output()).not.toContain(API_KEY);
  });

  test.each([401, 500])('an endpoint that echoes the GenieKey in a %i body never gets the key into errors or logs', async (status) => {
    respond((request, response) =>
      sendJson(response, status, { message: `Could not authenticate ${request.headers.authorization}`, headers: request.headers, key: API_KEY }));

    const error = await notifyOpsGenie(event(), FAST).then(() => new Error('delivered'), (e: Error) => e);

    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain('GenieKey [redacted]');
    for (const text of [error.message, String(error.stack), console_.output()]) {
      expect(text).not.toContain(API_KEY);
      expect(text).not.toMatch(/GenieKey (?!\[redacted\])/);
    }
  });

  test('the API key is cached across invocations and never logged', async () => {
    await handler(event());
    await handler(event());

    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(console_.output()).toContain('"decision":"delivered"');
    expect(console_.output()).not.toContain(API_KEY);
  });

  test('priority defaults to P3, accepts lower case and rejects anything else', async () => {
    expect(readOpsGenieParameters({ destination: DESTINATION }).priority).toBe('P3');
    expect(readOpsGenieParameters({ destination: DESTINATION, priority: 'p5' }).priority).toBe('P5');
    await expect(handler(event({}, { priority: 'P9' }))).rejects.toThrow(
      new InvalidEventError('opsgenie-notify: `parameters.priority` must be one of P1, P2, P3, P4, P5, got "P9"'),
    );
    await expect(handler(event({}, { destination: '' }))).rejects.toThrow(InvalidEventError);
    expect(posts()).toHaveLength(0);
  });
});

const BUDGET_EXHAUSTED: RebootDecision = {
  verdict: 'BUDGET_EXHAUSTED',
  reason: '2 reboots by cpu-first-line-support in the last 6 hours (at 2024-05-01 04:10:00 UTC, 2024-05-01 08:00:00 UTC); the budget is 2 per 6 hours, so it was not rebooted again',
  instanceState: 'running',
  rebootsInWindow: 2,
  ledger: '',
};

/** A NOT_REBOOTED or WOULD_REBOOT event as the state machine sends it: first run and decision, no re-checks. */
function noRebootEvent(kind: 'NOT_REBOOTED' | 'WOULD_REBOOT', decision: unknown): NotifyEvent {
  const { lastRun: _lastRun, recheckCount: _recheckCount, ...rest } = event({ kind });
  return { ...rest, decision: decision as RebootDecision };
}

describe('opsgenie-notify for the kinds without a reboot', () => {
  test('NOT_REBOOTED raises an alert on the instance alias with the reason in the description and details', async () => {
    await handler(noRebootEvent('NOT_REBOOTED', NOT_RUNNING));

    const alert = lastAlert();
    expect(alert.message).toBe(`EC2 instance ${INSTANCE_ID} (${process.env.AWS_REGION}) failed its checks and was not rebooted`);
    expect(alert.alias).toBe(INCIDENT_ALIAS);
    expect(alert.priority).toBe('P1');
    expect(alert.tags).toEqual(['cpu-first-line-support', 'NOT_REBOOTED']);
    expect(alert.description).toContain('A human must look at it.');
    expect(alert.description).toContain(`Reboot decision: ${NOT_RUNNING.reason}`);
    expect(alert.description).toContain('Checks: 1 of 2 checks failed:');
    expect(alert.description).not.toMatch(/Before the reboot|re-check|Recovery took|Still failing/);
    expect(alert.description).not.toMatch(/\bundefined\b|\bnull\b/);
    expect(alert.details).toEqual({
      instanceId: INSTANCE_ID,
      kind: 'NOT_REBOOTED',
      region: process.env.AWS_REGION,
      executionId: 'arn:aws:states:us-east-1:123456789012:execution:CpuFirstLineSupport:run-7',
      incidentStartedAt: '2024-05-01T10:00:00.000Z',
      failedChecks: 'URL check',
      rebootVerdict: 'NOT_RUNNING',
      rebootReason: NOT_RUNNING.reason,
      instanceState: 'stopped',
      rebootsInWindow: '0',
    });
  });

  test('NOT_REBOOTED for a spent budget carries the budget reason', async () => {
    await handler(noRebootEvent('NOT_REBOOTED', BUDGET_EXHAUSTED));

    const alert = lastAlert();
    expect(alert.alias).toBe(INCIDENT_ALIAS);
    expect(alert.description).toContain(`Reboot decision: ${BUDGET_EXHAUSTED.reason}`);
    expect(alert.details).toMatchObject({ rebootVerdict: 'BUDGET_EXHAUSTED', rebootReason: BUDGET_EXHAUSTED.reason, rebootsInWindow: '2' });
  });

  test('WOULD_REBOOT raises a separate dry-run alert, tagged dry-run, at P5 so it never pages', async () => {
    await handler(noRebootEvent('WOULD_REBOOT', DRY_RUN));

    const alert = lastAlert();
    expect(alert.priority).toBe('P5');
    expect(alert.message).toBe(`EC2 instance ${INSTANCE_ID} (${process.env.AWS_REGION}) would be rebooted (dry run)`);
    expect(alert.alias).toBe(`${INCIDENT_ALIAS}:dry-run`);
    expect(alert.tags).toEqual(['cpu-first-line-support', 'WOULD_REBOOT', 'dry-run']);
    expect(alert.description).toContain('but nothing was done');
    expect(alert.description).toContain('set the construct prop `dryRun` to false');
    expect(alert.description).toContain(`Reboot decision: ${DRY_RUN.reason}`);
    expect(alert.description).not.toMatch(/\bundefined\b|\bnull\b/);
    expect(alert.details).toMatchObject({ kind: 'WOULD_REBOOT', rebootVerdict: 'DRY_RUN', rebootReason: DRY_RUN.reason, failedChecks: 'URL check' });
    expect(alert.details).not.toHaveProperty('failedChecksBeforeReboot');
    expect(alert.details).not.toHaveProperty('recheckCount');
  });

  test('a malformed decision is left out of the details and the alert is still raised', async () => {
    const result = await handler(noRebootEvent('NOT_REBOOTED', { verdict: ['NOT_RUNNING'], reason: { text: 'x' }, rebootsInWindow: -3 }));

    expect(result.delivered).toBe(true);
    const alert = lastAlert();
    expect(alert.details).not.toHaveProperty('rebootVerdict');
    expect(alert.details).not.toHaveProperty('rebootReason');
    expect(alert.details).not.toHaveProperty('rebootsInWindow');
    expect(alert.description).toContain('The workflow did not record why the instance was not rebooted.');
    expect(JSON.stringify(alert)).not.toMatch(/\bundefined\b|\bnull\b|\[object Object\]/);
  });

  test('a decision with only a verdict gives a readable reason and the verdict detail', async () => {
    await handler(noRebootEvent('NOT_REBOOTED', { verdict: 'NOT_RUNNING', instanceState: 'stopping' }));

    const alert = lastAlert();
    expect(alert.description).toContain('Reboot decision: the instance is not running (state: stopping); not rebooted');
    expect(alert.details).toMatchObject({ rebootVerdict: 'NOT_RUNNING', instanceState: 'stopping' });
    expect(alert.details).not.toHaveProperty('rebootReason');
  });

  test('every verdict the guard answers reaches the details, NO_ADDRESS included', async () => {
    const reason = 'the checks found no address to reach instance i-0abc1234567890def (no address: instance i-0abc1234567890def has no public IP address (state: running)); a reboot would not give it one, so it was not rebooted';
    await handler(noRebootEvent('NOT_REBOOTED', { verdict: 'NO_ADDRESS', reason, instanceState: 'running', rebootsInWindow: 0, ledger: '' }));

    expect(lastAlert().details).toMatchObject({ rebootVerdict: 'NO_ADDRESS', rebootReason: reason });
  });
});

describe('opsgenie-notify closes the incident\'s alert when it is resolved', () => {
  test('RESOLVED closes the alert by the incident\'s alias, with a note saying why, and confirms the request', async () => {
    const result = await handler(event({ kind: 'RESOLVED', resolution: 'ALARM_OK', resolvedAt: '2024-05-01T10:40:00.000Z' }));

    expect(result).toEqual({ delivered: true, notifier: 'opsgenie', reference: ACCEPTED.requestId });
    const [request] = posts();
    expect(request.url).toBe(`/v2/alerts/${encodeURIComponent(INCIDENT_ALIAS)}/close?identifierType=alias`);
    expect(request.headers.authorization).toBe(`GenieKey ${API_KEY}`);
    const body = JSON.parse(request.body);
    expect(body.source).toBe('cdk-cpu-first-line-support');
    expect(body.note).toMatch(new RegExp(`^RESOLVED: EC2 instance ${INSTANCE_ID}.* is healthy again after its escalation`));
    expect(body.note).toMatch(/passed every check again and its alarm is back to OK at 2024-05-01 10:40:00 UTC/);
    // Only the request's status was asked for: no alert was created.
    expect(opsgenie.requests.filter((r) => r.method === 'GET')).toHaveLength(1);
  });

  test('the alias closed is the one the escalation created for the same execution', async () => {
    await handler(event({ kind: 'UNRESPONSIVE' }));
    await handler(event({ kind: 'RESOLVED', resolution: 'CHECKS_PASSED' }));
    const [create, close] = posts();
    expect(close.url).toBe(`/v2/alerts/${encodeURIComponent(JSON.parse(create.body).alias)}/close?identifierType=alias`);
  });

  test('a close that found no open alert (a human closed it already) is done: nothing is left open', async () => {
    opsgenie.respondWith((request, response) => {
      if (request.method === 'GET') {
        sendJson(response, 200, { data: { success: false, action: 'Close', isSuccess: false, status: 'Alert does not exist' }, took: 0.01 });
      } else {
        sendJson(response, 202, ACCEPTED);
      }
    });
    await expect(handler(event({ kind: 'RESOLVED', resolution: 'CHECKS_PASSED' }))).resolves.toMatchObject({ delivered: true });
    // A create that OpsGenie processed and failed is still refused.
    await expect(handler(event({ kind: 'UNRESPONSIVE' }))).rejects.toMatchObject({ name: 'OpsGenieApiError' });
  });
});
