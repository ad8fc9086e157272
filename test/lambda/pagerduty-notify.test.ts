import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { PASSED_ROUTE53, REFUSED_URL as FAILED_URL } from './support/check-results';
import { DRY_RUN, NOT_RUNNING } from './support/decisions';
import { captureConsole, closedPort, LocalHttpServer, sendJson, startHttpServer } from './support/local-servers';
import { buildAlertDetails } from '../../lambda/opsgenie-notify.lambda';
import {
  buildTriggerEvent, dedupKey, handler, notifyPagerDuty, PAGERDUTY_LIMITS, readPagerDutyParameters,
} from '../../lambda/pagerduty-notify.lambda';
import { InvalidEventError } from '../../lambda/shared/invalid-event-error';
import { DESTINATION_ENV_PREFIX } from '../../lambda/shared/notifier';
import { clearSecretCache } from '../../lambda/shared/secrets';
import { FakePagerDuty } from '../../local/fake-pagerduty';
import { NotifyEvent, RebootDecision } from '../../src/contract';

const secretsMock = mockClient(SecretsManagerClient);
const KEY_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:pagerduty-key-AbCdEf';
/** An Events API v2 integration key: 32 characters. */
const ROUTING_KEY = 'e93facc04764012d7bfb002500d5d1a6';
const INSTANCE_ID = 'i-0abc1234567890def';
const FAST = { retryPolicy: { backoffMs: 10, maxRetryAfterMs: 100, attemptTimeoutMs: 1_000 } };
/** The destination the events name; the function's configuration (here process.env) holds its secret and URL. */
const DESTINATION = 'PAGERDUTYTEST';
const EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:CpuFirstLineSupport:run-7';
const INCIDENT_KEY = `cpu-first-line-support:${INSTANCE_ID}:run-7`;
const CONSOLE_URL = `https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${EXECUTION_ARN}`;

let pagerDuty: FakePagerDuty;
let console_: ReturnType<typeof captureConsole>;

/** Points the test destination at `baseUrl` (the fake by default). */
function configure(baseUrl: string): void {
  process.env[`${DESTINATION_ENV_PREFIX}${DESTINATION}`] = JSON.stringify({ secretArn: KEY_ARN, baseUrl });
}

beforeEach(async () => {
  pagerDuty = await new FakePagerDuty({ routingKeys: [ROUTING_KEY] }).start();
  configure(pagerDuty.baseUrl);
  console_ = captureConsole();
  clearSecretCache();
  secretsMock.reset();
  secretsMock.on(GetSecretValueCommand, { SecretId: KEY_ARN }).resolves({ SecretString: ROUTING_KEY });
});

afterEach(async () => {
  delete process.env[`${DESTINATION_ENV_PREFIX}${DESTINATION}`];
  await pagerDuty.stop();
});


function event(overrides: Partial<NotifyEvent> = {}, parameters: Record<string, string> = {}): NotifyEvent {
  return {
    kind: 'UNRESPONSIVE',
    instanceId: INSTANCE_ID,
    parameters: { destination: DESTINATION, severity: 'error', ...parameters },
    firstRun: [{ ...FAILED_URL, reason: 'HTTP 500 from http://203.0.113.7:80/, expected 200-399' }, PASSED_ROUTE53],
    lastRun: [FAILED_URL, PASSED_ROUTE53],
    recheckCount: 4,
    incidentStartedAt: '2024-05-01T10:00:00.000Z',
    executionId: EXECUTION_ARN,
    ...overrides,
  };
}

/** A NOT_REBOOTED or WOULD_REBOOT event as the state machine sends it: first run and decision, no re-checks. */
function noRebootEvent(kind: 'NOT_REBOOTED' | 'WOULD_REBOOT', decision: RebootDecision): NotifyEvent {
  const { lastRun: _lastRun, recheckCount: _recheckCount, ...rest } = event({ kind });
  return { ...rest, decision };
}

function lastBody(): any {
  return pagerDuty.requests[pagerDuty.requests.length - 1].body;
}

describe('pagerduty-notify against a local PagerDuty Events API v2', () => {
  test('UNRESPONSIVE triggers an alert with the incident key, the routing key from Secrets Manager, and pages once', async () => {
    const result = await handler(event());
    await pagerDuty.settled();

    expect(result).toEqual({ delivered: true, notifier: 'pagerduty', reference: INCIDENT_KEY });
    expect(pagerDuty.requests).toHaveLength(1);
    const [request] = pagerDuty.requests;
    expect([request.method, request.path, request.status]).toEqual(['POST', '/v2/enqueue', 202]);
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    // The routing key travels in the body only.
    expect(request.headers.authorization).toBeUndefined();
    const body = request.body;
    expect(body).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: INCIDENT_KEY,
      client: 'cdk-cpu-first-line-support',
      client_url: CONSOLE_URL,
      links: [{ href: CONSOLE_URL, text: expect.stringContaining('execution') }],
    });
    expect(body.payload).toMatchObject({
      summary: `EC2 instance ${INSTANCE_ID} (${process.env.AWS_REGION}) unresponsive after a reboot`,
      source: INSTANCE_ID,
      severity: 'error',
      component: 'ec2',
      group: `cpu-first-line-support:${process.env.AWS_REGION}`,
      class: 'unresponsive after reboot',
    });
    const { description, ...facts } = body.payload.custom_details;
    expect(facts).toEqual({
      instanceId: INSTANCE_ID,
      kind: 'UNRESPONSIVE',
      region: process.env.AWS_REGION,
      executionId: EXECUTION_ARN,
      incidentStartedAt: '2024-05-01T10:00:00.000Z',
      recheckCount: '4',
      failedChecksBeforeReboot: 'URL check',
      failedChecksLastRecheck: 'URL check',
    });
    expect(description).toContain('• URL check: connection refused by 203.0.113.7:80');
    expect(description).toContain(`Execution: ${EXECUTION_ARN}`);
    expect(JSON.stringify(body)).not.toMatch(/\bundefined\b|\bnull\b/);
    expect(pagerDuty.pages).toHaveLength(1);
    expect(pagerDuty.alert(INCIDENT_KEY)?.status).toBe('triggered');
  });

  test('a retried trigger of one incident adds to its alert and never pages twice; a new incident or another instance pages', async () => {
    await handler(event());
    await pagerDuty.settled();
    await handler(event());
    await handler(event({ executionId: `${EXECUTION_ARN.replace(/run-7$/, '')}run-8` }));
    await handler(event({ instanceId: 'i-00000000000000002' }));
    await pagerDuty.settled();

    expect(pagerDuty.requests.map((r) => r.body.dedup_key)).toEqual([
      INCIDENT_KEY, INCIDENT_KEY, `cpu-first-line-support:${INSTANCE_ID}:run-8`, 'cpu-first-line-support:i-00000000000000002:run-7',
    ]);
    expect(pagerDuty.pages.map((r) => r.body.dedup_key)).toEqual([
      INCIDENT_KEY, `cpu-first-line-support:${INSTANCE_ID}:run-8`, 'cpu-first-line-support:i-00000000000000002:run-7',
    ]);
    expect(pagerDuty.alert(INCIDENT_KEY)?.triggers).toBe(2);
  });

  test('NOT_REBOOTED and ERROR trigger on the incident key at the configured severity, with their own facts', async () => {
    await handler(noRebootEvent('NOT_REBOOTED', NOT_RUNNING));
    const notRebooted = lastBody();
    await handler(event({
      kind: 'ERROR',
      lastRun: [],
      error: { Error: 'States.TaskFailed', Cause: 'the reboot was refused' },
      failedState: 'Reboot instance',
      rebootIssued: false,
      rebootRecorded: true,
    }, { severity: 'warning' }));
    const error = lastBody();

    expect(notRebooted).toMatchObject({ event_action: 'trigger', dedup_key: INCIDENT_KEY });
    expect(notRebooted.payload).toMatchObject({ severity: 'error', class: 'failed checks, not rebooted' });
    expect(notRebooted.payload.custom_details).toMatchObject({ rebootVerdict: 'NOT_RUNNING', rebootReason: NOT_RUNNING.reason, failedChecks: 'URL check' });
    expect(notRebooted.payload.custom_details.description).toContain(`Reboot decision: ${NOT_RUNNING.reason}`);
    expect(error).toMatchObject({ event_action: 'trigger', dedup_key: INCIDENT_KEY });
    expect(error.payload).toMatchObject({ severity: 'warning', class: 'workflow error' });
    expect(error.payload.custom_details).toMatchObject({
      error: 'States.TaskFailed', failedState: 'Reboot instance', rebootIssued: 'false', rebootRecorded: 'true',
    });
  });

  test('ESCALATION_FAILED pages at critical whatever the configured severity, on its own key even while the incident\'s alert is open', async () => {
    await handler(event());
    await pagerDuty.settled();
    const result = await handler(event({
      kind: 'ESCALATION_FAILED',
      undeliveredKind: 'UNRESPONSIVE',
      rebootIssued: true,
      error: { Error: 'NotifierUnavailableError', Cause: 'Slack is down' },
    }, { severity: 'info' }));
    await pagerDuty.settled();

    const body = lastBody();
    expect(result.reference).toBe(`${INCIDENT_KEY}:escalation-failed`);
    expect(body.dedup_key).toBe(`${INCIDENT_KEY}:escalation-failed`);
    expect(body.payload.severity).toBe('critical');
    expect(body.payload.summary).toBe(`PAGING FAILED for EC2 instance ${INSTANCE_ID} (${process.env.AWS_REGION}): the alert was not delivered; look at it now`);
    expect(body.payload.custom_details).toMatchObject({ kind: 'ESCALATION_FAILED', undeliveredKind: 'UNRESPONSIVE', error: 'NotifierUnavailableError' });
    expect(pagerDuty.pages).toHaveLength(2);
  });

  test('RESOLVED resolves the alert the incident\'s trigger opened; a later incident with the key would page again', async () => {
    await handler(event());
    await pagerDuty.settled();

    const result = await handler(event({ kind: 'RESOLVED', resolution: 'CHECKS_PASSED', resolvedAt: '2024-05-01T10:30:00.000Z' }));
    await pagerDuty.settled();

    expect(result).toEqual({ delivered: true, notifier: 'pagerduty', reference: INCIDENT_KEY });
    expect(lastBody()).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: INCIDENT_KEY });
    expect(pagerDuty.alert(INCIDENT_KEY)?.status).toBe('resolved');
    await handler(event());
    await pagerDuty.settled();
    expect(pagerDuty.pages).toHaveLength(2);
  });

  test.each([
    ['RECOVERED', event({ kind: 'RECOVERED', lastRun: [PASSED_ROUTE53] }), 'recovered after a reboot'],
    ['WOULD_REBOOT', noRebootEvent('WOULD_REBOOT', DRY_RUN), 'would be rebooted (dry run)'],
  ])('%s is a Change Event on /v2/change/enqueue: information that never pages', async (_kind, notification, title) => {
    await handler(event());
    await pagerDuty.settled();

    const result = await handler(notification);
    await pagerDuty.settled();

    expect(result).toEqual({ delivered: true, notifier: 'pagerduty' });
    const request = pagerDuty.requests[1];
    expect([request.path, request.status]).toEqual(['/v2/change/enqueue', 202]);
    expect(request.body).not.toHaveProperty('event_action');
    expect(request.body).not.toHaveProperty('dedup_key');
    expect(request.body.routing_key).toBe(ROUTING_KEY);
    expect(request.body.payload.summary).toBe(`EC2 instance ${INSTANCE_ID} (${process.env.AWS_REGION}) ${title}`);
    expect(request.body.payload.source).toBe(INSTANCE_ID);
    expect(request.body.payload).not.toHaveProperty('severity');
    expect(request.body.payload.custom_details.kind).toBe(notification.kind);
    expect(request.body.links).toEqual([{ href: CONSOLE_URL, text: expect.any(String) }]);
    // The incident's alert is neither paged again nor closed by the information.
    expect(pagerDuty.pages).toHaveLength(1);
    expect(pagerDuty.changeEvents).toHaveLength(1);
    expect(pagerDuty.alert(INCIDENT_KEY)?.status).toBe('triggered');
  });

  test('a drill says so in its custom details; a real incident does not', async () => {
    await handler(event({ drill: true }));
    const drill = lastBody();
    await handler(noRebootEvent('WOULD_REBOOT', DRY_RUN));
    const notDrill = lastBody();
    await handler({ ...noRebootEvent('WOULD_REBOOT', DRY_RUN), drill: true });
    const drillChange = lastBody();

    expect(drill.payload.custom_details.drill).toBe('true');
    expect(notDrill.payload.custom_details).not.toHaveProperty('drill');
    expect(drillChange.payload.custom_details.drill).toBe('true');
  });

  test('the custom details carry the same facts as OpsGenie\'s alert details', async () => {
    const notification = noRebootEvent('NOT_REBOOTED', NOT_RUNNING);
    await handler(notification);

    const { description: _description, ...facts } = lastBody().payload.custom_details;
    expect(facts).toEqual(buildAlertDetails(notification, process.env.AWS_REGION));
  });

  test('the dedup key is per incident; without an execution ID, per instance; at most 255 characters', () => {
    expect(dedupKey(INSTANCE_ID, 'UNRESPONSIVE', EXECUTION_ARN)).toBe(INCIDENT_KEY);
    expect(dedupKey(INSTANCE_ID, 'RESOLVED', EXECUTION_ARN)).toBe(INCIDENT_KEY);
    expect(dedupKey(INSTANCE_ID, 'NOT_REBOOTED', EXECUTION_ARN)).toBe(INCIDENT_KEY);
    expect(dedupKey(INSTANCE_ID, 'UNRESPONSIVE')).toBe(`cpu-first-line-support:${INSTANCE_ID}`);
    expect(dedupKey(INSTANCE_ID, 'UNRESPONSIVE', '  ')).toBe(`cpu-first-line-support:${INSTANCE_ID}`);
    expect(dedupKey('i-'.padEnd(1000, 'x'), 'UNRESPONSIVE', EXECUTION_ARN)).toHaveLength(255);
    const failed = dedupKey('i-'.padEnd(1000, 'x'), 'ESCALATION_FAILED', EXECUTION_ARN);
    expect(failed).toHaveLength(255);
    expect(failed).toMatch(/^cpu-first-line-support:i-x+…:escalation-failed$/);
  });

  test('a summary is cut to PagerDuty\'s 1024 characters, and the fake accepts what the handler sends for a long instance ID', async () => {
    const body = buildTriggerEvent(event(), { severity: 'error' }, { kind: 'UNRESPONSIVE', title: 't'.repeat(5000), lines: [] }, ROUTING_KEY);
    expect((body.payload as any).summary).toHaveLength(PAGERDUTY_LIMITS.summary);

    await handler(event({ instanceId: 'i-'.padEnd(2000, 'y') }));
    expect(pagerDuty.requests[0].status).toBe(202);
    expect(pagerDuty.requests[0].body.dedup_key.length).toBeLessThanOrEqual(255);
  });

  test('the configured base URL is used without its trailing slash; the event cannot choose another', async () => {
    const gateway = await startHttpServer((_request, response) => sendJson(response, 202, { status: 'success', message: 'Event processed', dedup_key: 'k' }));
    try {
      process.env[`${DESTINATION_ENV_PREFIX}EU`] = JSON.stringify({ secretArn: KEY_ARN, baseUrl: `${gateway.origin}/eu-gateway/` });
      await handler(event({}, { destination: 'EU' }));
      await handler(event({ kind: 'RECOVERED' }, { destination: 'EU' }));
      expect(gateway.requests.map((r) => r.url)).toEqual(['/eu-gateway/v2/enqueue', '/eu-gateway/v2/change/enqueue']);
    } finally {
      delete process.env[`${DESTINATION_ENV_PREFIX}EU`];
      await gateway.close();
    }
    await expect(handler(event({}, { baseUrl: 'https://attacker.example' }))).rejects.toThrow(InvalidEventError);
    await expect(handler(event({}, { secretArn: KEY_ARN }))).rejects.toThrow(InvalidEventError);
    expect(pagerDuty.requests).toHaveLength(0);
  });

  test('the routing key is cached across invocations and never logged', async () => {
    await handler(event());
    await handler(event({ kind: 'RECOVERED' }));

    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(console_.output()).toContain('"decision":"delivered"');
    expect(console_.output()).toContain('"severity":"error"');
    expect(console_.output()).not.toContain(ROUTING_KEY);
  });

  test('severity defaults to error, accepts upper case and rejects anything else', async () => {
    expect(readPagerDutyParameters({ destination: DESTINATION }).severity).toBe('error');
    expect(readPagerDutyParameters({ destination: DESTINATION, severity: 'CRITICAL' }).severity).toBe('critical');
    await expect(handler(event({}, { severity: 'P1' }))).rejects.toThrow(
      new InvalidEventError('pagerduty-notify: `parameters.severity` must be one of critical, error, warning, info, got "P1"'),
    );
    expect(pagerDuty.requests).toHaveLength(0);
  });

  test.each([
    ['an unknown kind', { ...event(), kind: 'EXPLODED' }],
    ['no instance ID', { ...event(), instanceId: undefined }],
    ['no parameters', { ...event(), parameters: undefined }],
    ['no destination', event({}, { destination: '' })],
    ['an unknown destination', event({}, { destination: 'NOWHERE' })],
    ['not an object', 'UNRESPONSIVE'],
  ])('an event with %s is refused with InvalidEventError before anything is sent', async (_case, malformed) => {
    await expect(handler(malformed as any)).rejects.toThrow(InvalidEventError);
    expect(pagerDuty.requests).toHaveLength(0);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});

describe('pagerduty-notify when PagerDuty fails or refuses', () => {
  test('429 then 202 is delivered after a retry, waiting the Retry-After', async () => {
    pagerDuty.queue.push({ status: 429, headers: { 'Retry-After': '0' }, body: { status: 'rate limited', message: 'Request Limit Exceeded' } });

    const result = await notifyPagerDuty(event(), FAST);
    await pagerDuty.settled();

    expect(result.reference).toBe(INCIDENT_KEY);
    expect(pagerDuty.requests.map((r) => r.status)).toEqual([429, 202]);
    expect(pagerDuty.pages).toHaveLength(1);
  });

  test('a 429 whose Retry-After is beyond the handler\'s wait throws NotifierUnavailableError at once, with the Retry-After', async () => {
    pagerDuty.queue.push({ status: 429, headers: { 'Retry-After': '30' }, body: { status: 'rate limited', message: 'Request Limit Exceeded' } });

    const error = await notifyPagerDuty(event(), FAST).then(() => new Error('delivered'), (e: Error) => e);

    expect(error).toMatchObject({ name: 'NotifierUnavailableError' });
    expect(String(error)).toContain('PagerDuty Events API v2 is unavailable: HTTP 429 after 1 attempt(s); Retry-After: 30 (30 s)');
    expect(pagerDuty.requests).toHaveLength(1);
  });

  test('the fake\'s own rate limit (120 events a minute per routing key) is transient, not a refusal', async () => {
    await pagerDuty.stop();
    pagerDuty = await new FakePagerDuty({ routingKeys: [ROUTING_KEY], eventsPerMinute: 1 }).start();
    configure(pagerDuty.baseUrl);
    await handler(event());

    await expect(notifyPagerDuty(event(), FAST)).rejects.toMatchObject({ name: 'NotifierUnavailableError' });
    expect(pagerDuty.requests.map((r) => r.status)).toEqual([202, 429, 429, 429]);
  });

  test.each([500, 502, 503, 408, 429])('HTTP %i on every attempt throws NotifierUnavailableError with the status and a body snippet', async (status) => {
    for (let i = 0; i < 3; i++) pagerDuty.queue.push({ status, body: { status: 'error', message: 'Internal Server Error' } });

    const promise = notifyPagerDuty(event(), FAST);

    await expect(promise).rejects.toThrow(
      `PagerDuty Events API v2 is unavailable: HTTP ${status} after 3 attempt(s): {"status":"error","message":"Internal Server Error"}; the workflow retries later`,
    );
    await expect(promise).rejects.toMatchObject({ name: 'NotifierUnavailableError' });
    expect(pagerDuty.requests).toHaveLength(3);
    expect(pagerDuty.pages).toHaveLength(0);
  });

  test('an unreachable PagerDuty (connection refused, or no answer) throws NotifierUnavailableError', async () => {
    configure(`http://127.0.0.1:${await closedPort()}`);
    const refused = notifyPagerDuty(event(), FAST);
    await expect(refused).rejects.toMatchObject({ name: 'NotifierUnavailableError' });
    await expect(refused).rejects.toThrow('connection refused by 127.0.0.1');

    const silent: LocalHttpServer = await startHttpServer(() => undefined);
    try {
      configure(silent.origin);
      const timedOut = notifyPagerDuty(event(), { retryPolicy: { attemptTimeoutMs: 100, maxAttempts: 2, backoffMs: 10 } });
      await expect(timedOut).rejects.toMatchObject({ name: 'NotifierUnavailableError' });
      await expect(timedOut).rejects.toThrow('no answer within 100 ms');
      expect(silent.requests).toHaveLength(2);
    } finally {
      await silent.close();
    }
  });

  test('a 400 for an unknown routing key is a refusal: PagerDutyApiError, not retried, saying why', async () => {
    await pagerDuty.stop();
    pagerDuty = await new FakePagerDuty({ routingKeys: ['R'.padEnd(32, '0')] }).start();
    configure(pagerDuty.baseUrl);

    const error = await notifyPagerDuty(event(), FAST).then(() => new Error('delivered'), (e: Error) => e);

    expect(error).toMatchObject({ name: 'PagerDutyApiError' });
    expect(error.message).toBe('PagerDuty refused the event: HTTP 400 after 1 attempt(s): invalid event: Event object is invalid (Invalid routing key)');
    expect(pagerDuty.requests).toHaveLength(1);
    expect(console_.output()).toContain('"decision":"not-delivered"');
    expect(console_.output()).not.toContain(ROUTING_KEY);
  });

  test('a routing key of the wrong length is refused by PagerDuty, and the refusal never quotes the key', async () => {
    const shortKey = 'not-a-routing-key-0123';
    secretsMock.on(GetSecretValueCommand, { SecretId: KEY_ARN }).resolves({ SecretString: shortKey });

    const error = await notifyPagerDuty(event(), FAST).then(() => new Error('delivered'), (e: Error) => e);

    expect(error).toMatchObject({ name: 'PagerDutyApiError' });
    expect(error.message).toContain("Length of 'routing_key' is incorrect (should be 32 characters)");
    expect(error.message).not.toContain(shortKey);
  });

  test.each([401, 403, 404, 413])('HTTP %i is a refusal too: PagerDutyApiError with the status, not retried', async (status) => {
    pagerDuty.queue.push({ status, body: { status: 'refused', message: 'Not allowed' } });

    const error = await notifyPagerDuty(event(), FAST).then(() => new Error('delivered'), (e: Error) => e);

    expect(error).toMatchObject({ name: 'PagerDutyApiError' });
    expect(error.message).toContain(`HTTP ${status} after 1 attempt(s): refused: Not allowed`);
    expect(pagerDuty.requests).toHaveLength(1);
  });

  test.each([400, 500, 202])('an endpoint that echoes the request body in a %i answer never gets the routing key into errors, results or logs', async (status) => {
    const echo = await startHttpServer((request, response) => {
      const sent = JSON.parse(request.body);
      sendJson(response, status, { status: 'echo', message: `you sent ${request.body}`, errors: [sent.routing_key], dedup_key: sent.routing_key, echo: sent });
    });
    try {
      configure(echo.origin);
      const outcome = await notifyPagerDuty(event(), FAST).then((result) => JSON.stringify(result), (e: Error) => `${e.message}\n${e.stack}`);

      expect(echo.requests[0].body).toContain(ROUTING_KEY);
      expect(outcome).toContain('[redacted]');
      for (const text of [outcome, console_.output()]) {
        expect(text).not.toContain(ROUTING_KEY);
        expect(text).not.toContain(ROUTING_KEY.slice(0, 16));
      }
    } finally {
      await echo.close();
    }
  });
});
