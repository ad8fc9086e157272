import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { DRY_RUN, NOT_RUNNING } from './support/decisions';
import { captureConsole, LocalHttpServer, sendJson, startHttpServer } from './support/local-servers';
import { alertAlias, handler, notifyOpsGenie, readOpsGenieParameters } from '../../lambda/opsgenie-notify.lambda';
import { InvalidEventError } from '../../lambda/shared/invalid-event-error';
import { clearSecretCache } from '../../lambda/shared/secrets';
import { CheckResult, NotifyEvent, RebootDecision } from '../../lambda/shared/types';

const secretsMock = mockClient(SecretsManagerClient);
const KEY_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:opsgenie-key-AbCdEf';
const API_KEY = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const INSTANCE_ID = 'i-0abc1234567890def';
const FAST = { retryPolicy: { backoffMs: 10, maxRetryAfterMs: 100, attemptTimeoutMs: 1_000 } };
const ACCEPTED = { result: 'Request will be processed', took: 0.302, requestId: '43a29c5c-3dbf-4fa4-9c26-f4f71023e120' };

let opsgenie: LocalHttpServer;
let console_: ReturnType<typeof captureConsole>;

beforeAll(async () => {
  opsgenie = await startHttpServer((_request, response) => sendJson(response, 202, ACCEPTED));
});

afterAll(async () => {
  await opsgenie.close();
});

beforeEach(() => {
  console_ = captureConsole();
  clearSecretCache();
  secretsMock.reset();
  secretsMock.on(GetSecretValueCommand, { SecretId: KEY_ARN }).resolves({ SecretString: API_KEY });
  opsgenie.requests.length = 0;
  opsgenie.respondWith((_request, response) => sendJson(response, 202, ACCEPTED));
});

const FAILED_URL: CheckResult = {
  check: 'url', passed: false, reason: 'connection refused by 203.0.113.7:80', latencyMs: 3, checkedAt: '2024-05-01T10:10:00.000Z',
};
const PASSED_ROUTE53: CheckResult = {
  check: 'route53', passed: true, reason: '16 of 16 Route 53 checkers report healthy (100%, needs more than 18%)', latencyMs: 40, checkedAt: '2024-05-01T10:10:00.000Z',
};

function event(overrides: Partial<NotifyEvent> = {}, parameters: Record<string, string> = {}): NotifyEvent {
  return {
    kind: 'UNRESPONSIVE',
    instanceId: INSTANCE_ID,
    parameters: { apiKeySecretArn: KEY_ARN, baseUrl: opsgenie.origin, team: 'ops-team', priority: 'P1', ...parameters },
    firstRun: [{ ...FAILED_URL, reason: 'HTTP 500 from http://203.0.113.7:80/, expected 200-399' }, PASSED_ROUTE53],
    lastRun: [FAILED_URL, PASSED_ROUTE53],
    recheckCount: 4,
    incidentStartedAt: '2024-05-01T10:00:00.000Z',
    executionId: 'arn:aws:states:us-east-1:123456789012:execution:CpuFirstLineSupport:run-7',
    ...overrides,
  };
}

function lastAlert(): any {
  return JSON.parse(opsgenie.requests[opsgenie.requests.length - 1].body);
}

describe('opsgenie-notify against a local OpsGenie API', () => {
  test('creates an alert with the API key from Secrets Manager and returns the request ID', async () => {
    const result = await handler(event());

    expect(result).toEqual({ delivered: true, notifier: 'opsgenie', reference: ACCEPTED.requestId });
    const [request] = opsgenie.requests;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v2/alerts');
    expect(request.headers.authorization).toBe(`GenieKey ${API_KEY}`);
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');

    const alert = lastAlert();
    expect(alert.message).toBe(`EC2 instance ${INSTANCE_ID} (${process.env.AWS_REGION}) unresponsive after a reboot`);
    expect(alert.message.length).toBeLessThanOrEqual(130);
    expect(alert.alias).toBe(`cpu-first-line-support:${INSTANCE_ID}`);
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

    const aliases = opsgenie.requests.map((request) => JSON.parse(request.body).alias);
    expect(aliases).toEqual(['cpu-first-line-support:i-00000000000000001', 'cpu-first-line-support:i-00000000000000002']);
  });

  test('a RECOVERED alert has its own alias, so an open alert does not swallow it', () => {
    expect(alertAlias(INSTANCE_ID, 'UNRESPONSIVE')).toBe(`cpu-first-line-support:${INSTANCE_ID}`);
    expect(alertAlias(INSTANCE_ID, 'ERROR')).toBe(`cpu-first-line-support:${INSTANCE_ID}`);
    expect(alertAlias(INSTANCE_ID, 'RECOVERED')).toBe(`cpu-first-line-support:${INSTANCE_ID}:recovered`);
    expect(alertAlias('i-'.padEnd(1000, 'x'), 'RECOVERED').length).toBeLessThanOrEqual(512);
  });

  test('NOT_REBOOTED shares the instance alias (it de-duplicates with UNRESPONSIVE); WOULD_REBOOT never touches it', () => {
    expect(alertAlias(INSTANCE_ID, 'NOT_REBOOTED')).toBe(`cpu-first-line-support:${INSTANCE_ID}`);
    expect(alertAlias(INSTANCE_ID, 'WOULD_REBOOT')).toBe(`cpu-first-line-support:${INSTANCE_ID}:dry-run`);
    expect(alertAlias('i-'.padEnd(1000, 'x'), 'WOULD_REBOOT')).toMatch(/^cpu-first-line-support:i-x+…:dry-run$/);
    expect(alertAlias('i-'.padEnd(1000, 'x'), 'WOULD_REBOOT').length).toBeLessThanOrEqual(512);
  });

  test('without a team the alert has no responders', async () => {
    await handler(event({}, { team: '' }));

    expect(lastAlert()).not.toHaveProperty('responders');
  });

  test('an EU or custom base URL is used as given, with or without a trailing slash', async () => {
    await handler(event({}, { baseUrl: `${opsgenie.origin}/eu-gateway/` }));

    expect(opsgenie.requests[0].url).toBe('/eu-gateway/v2/alerts');
    expect(readOpsGenieParameters({ apiKeySecretArn: KEY_ARN, baseUrl: 'https://api.eu.opsgenie.com' }).baseUrl).toBe('https://api.eu.opsgenie.com');
    expect(readOpsGenieParameters({ apiKeySecretArn: KEY_ARN }).baseUrl).toBe('https://api.opsgenie.com');
  });

  test('ERROR alerts carry the workflow error', async () => {
    await handler(event({ kind: 'ERROR', lastRun: [], error: { Error: 'States.TaskFailed', Cause: 'the reboot was refused' } }));

    const alert = lastAlert();
    expect(alert.message).toContain(INSTANCE_ID);
    expect(alert.tags).toEqual(['cpu-first-line-support', 'ERROR']);
    expect(alert.description).toContain('Error: States.TaskFailed');
    expect(alert.description).toContain('Cause: the reboot was refused');
    expect(alert.details.error).toBe('States.TaskFailed');
  });

  test('a huge description is cut to 15000 characters', async () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ ...FAILED_URL, check: `check-${i}` as any, reason: 'y'.repeat(490) }));

    await handler(event({ firstRun: many, lastRun: many }));

    expect(lastAlert().description.length).toBeLessThanOrEqual(15_000);
  });

  test('429 then 202 is delivered after a retry', async () => {
    opsgenie.respondWith((_request, response, index) =>
      (index === 0 ? sendJson(response, 429, { message: 'Too many requests' }, { 'Retry-After': '1' }) : sendJson(response, 202, ACCEPTED)));

    const result = await notifyOpsGenie(event(), FAST);

    expect(result.reference).toBe(ACCEPTED.requestId);
    expect(opsgenie.requests).toHaveLength(2);
  });

  test('5xx on every attempt throws with the status and a body snippet', async () => {
    opsgenie.respondWith((_request, response) => sendJson(response, 502, { message: 'Bad gateway' }));

    const promise = notifyOpsGenie(event(), FAST);

    await expect(promise).rejects.toThrow('OpsGenie refused the alert: HTTP 502 after 3 attempt(s): {"message":"Bad gateway"}');
    await expect(promise).rejects.toMatchObject({ name: 'OpsGenieApiError' });
    expect(opsgenie.requests).toHaveLength(3);
  });

  test('401 is not retried and throws with the status', async () => {
    opsgenie.respondWith((_request, response) => sendJson(response, 401, { message: 'Could not authenticate', took: 0, requestId: 'r' }));

    const error = await notifyOpsGenie(event(), FAST).catch((e: Error) => e);

    expect(String(error)).toContain('HTTP 401 after 1 attempt(s): {"message":"Could not authenticate"');
    expect(opsgenie.requests).toHaveLength(1);
    expect(String(error)).not.toContain(API_KEY);
    expect(console_.output()).not.toContain(API_KEY);
  });

  test('the API key is cached across invocations and never logged', async () => {
    await handler(event());
    await handler(event());

    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(console_.output()).toContain('"decision":"delivered"');
    expect(console_.output()).not.toContain(API_KEY);
  });

  test('priority defaults to P3, accepts lower case and rejects anything else', async () => {
    expect(readOpsGenieParameters({ apiKeySecretArn: KEY_ARN }).priority).toBe('P3');
    expect(readOpsGenieParameters({ apiKeySecretArn: KEY_ARN, priority: 'p5' }).priority).toBe('P5');
    await expect(handler(event({}, { priority: 'P9' }))).rejects.toThrow(
      new InvalidEventError('opsgenie-notify: `parameters.priority` must be one of P1, P2, P3, P4, P5, got "P9"'),
    );
    await expect(handler(event({}, { apiKeySecretArn: '' }))).rejects.toThrow(InvalidEventError);
    expect(opsgenie.requests).toHaveLength(0);
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
    expect(alert.alias).toBe(`cpu-first-line-support:${INSTANCE_ID}`);
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
    expect(alert.alias).toBe(`cpu-first-line-support:${INSTANCE_ID}`);
    expect(alert.description).toContain(`Reboot decision: ${BUDGET_EXHAUSTED.reason}`);
    expect(alert.details).toMatchObject({ rebootVerdict: 'BUDGET_EXHAUSTED', rebootReason: BUDGET_EXHAUSTED.reason, rebootsInWindow: '2' });
  });

  test('WOULD_REBOOT raises a separate dry-run alert, tagged dry-run, at P5 so it never pages', async () => {
    await handler(noRebootEvent('WOULD_REBOOT', DRY_RUN));

    const alert = lastAlert();
    expect(alert.priority).toBe('P5');
    expect(alert.message).toBe(`EC2 instance ${INSTANCE_ID} (${process.env.AWS_REGION}) would be rebooted (dry run)`);
    expect(alert.alias).toBe(`cpu-first-line-support:${INSTANCE_ID}:dry-run`);
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
