import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { FAILED_SSH, HTTP_500_URL as FAILED_URL } from './support/check-results';
import { BUDGET_EXHAUSTED, DRY_RUN } from './support/decisions';
import { captureConsole, closedPort, LocalHttpServer, sendJson, startHttpServer } from './support/local-servers';
import { InvalidEventError } from '../../lambda/shared/invalid-event-error';
import { buildIncidentMessage, IncidentMessage } from '../../lambda/shared/message';
import { DESTINATION_ENV_PREFIX, readDestination } from '../../lambda/shared/notifier';
import { checkSecretEndpointUrl, secretUrlParts } from '../../lambda/shared/secret-endpoint';
import { clearSecretCache } from '../../lambda/shared/secrets';
import { buildTeamsPayload, handler, MAX_TEAMS_PAYLOAD_BYTES, notifyTeams } from '../../lambda/teams-notify.lambda';
import { blockText, envelopeProblem, FakeTeamsWorkflow } from '../../local/fake-teams';
import { NotificationKind, NotifyEvent, RebootDecision } from '../../src/contract';

const secretsMock = mockClient(SecretsManagerClient);
const URL_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:teams-webhook-AbCdEf';
const SIG = 'Zm9vYmFyU0lHTkFUVVJFc2VjcmV0dmFsdWUxMjM0NTY3';
const WORKFLOW_PATH = '/powerautomate/automations/direct/workflows/0a1b2c3d4e5f/triggers/manual/paths/invoke';
const INSTANCE_ID = 'i-0abc1234567890def';
const EXECUTION_ID = 'arn:aws:states:us-east-1:123456789012:execution:CpuFirstLineSupport:run-1';
const CONSOLE_URL = `https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${EXECUTION_ID}`;
/** Fast retries for tests. */
const FAST = { retryPolicy: { backoffMs: 10, maxRetryAfterMs: 2_000, attemptTimeoutMs: 1_000 } };
const DESTINATION = 'TEAMSTEST';

let teams: LocalHttpServer;
let webhookUrl: string;
let console_: ReturnType<typeof captureConsole>;

function accepted(response: import('http').ServerResponse, runId = '08584RUN1'): void {
  response.writeHead(202, { 'x-ms-workflow-run-id': runId });
  response.end();
}

function useSecret(value: string): void {
  secretsMock.reset();
  secretsMock.on(GetSecretValueCommand, { SecretId: URL_ARN }).resolves({ SecretString: value });
}

beforeAll(async () => {
  teams = await startHttpServer((_request, response) => accepted(response));
  webhookUrl = `${teams.origin}${WORKFLOW_PATH}?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${SIG}`;
  process.env[`${DESTINATION_ENV_PREFIX}${DESTINATION}`] = JSON.stringify({ secretArn: URL_ARN });
});

afterAll(async () => {
  delete process.env[`${DESTINATION_ENV_PREFIX}${DESTINATION}`];
  await teams.close();
});

beforeEach(() => {
  console_ = captureConsole();
  clearSecretCache();
  useSecret(`${webhookUrl}\n`);
  teams.requests.length = 0;
  teams.respondWith((_request, response) => accepted(response));
});


function event(overrides: Partial<NotifyEvent> = {}, parameters: Record<string, string> = {}): NotifyEvent {
  return {
    kind: 'UNRESPONSIVE',
    instanceId: INSTANCE_ID,
    parameters: { destination: DESTINATION, ...parameters },
    firstRun: [FAILED_URL, FAILED_SSH],
    lastRun: [{ ...FAILED_URL, checkedAt: '2024-05-01T10:10:00.000Z' }, { ...FAILED_SSH, checkedAt: '2024-05-01T10:10:01.000Z' }],
    recheckCount: 5,
    incidentStartedAt: '2024-05-01T10:00:00.000Z',
    executionId: EXECUTION_ID,
    ...overrides,
  };
}

/** The Adaptive Card of the last request. */
function postedCard(): any {
  return JSON.parse(teams.requests[teams.requests.length - 1].body).attachments[0].content;
}

/** The text of each block of the card but the facts, the title's first. */
function texts(card: any): string[] {
  return card.body.filter((element: any) => element.type === 'RichTextBlock').map(blockText);
}

function facts(card: any): Record<string, string> {
  const factSet = card.body.find((element: any) => element.type === 'FactSet');
  return Object.fromEntries(factSet.facts.map((fact: any) => [fact.title, fact.value]));
}

/** The error a delivery failed with (a delivery that succeeds fails the test's expectations). */
async function failure(delivery: Promise<unknown>): Promise<Error> {
  return delivery.then(() => new Error('delivered'), (e: Error) => e);
}

/** Everything a failure may have shown: the error and every log line. */
function shown(error: Error): string[] {
  return [error.message, String(error.stack), console_.output()];
}

function expectNoUrlSecret(text: string): void {
  expect(text).not.toContain(SIG);
  expect(text).not.toContain(SIG.slice(0, 12));
  expect(text).not.toContain(WORKFLOW_PATH);
  expect(text).not.toContain('sig=');
}

describe('teams-notify against a local Workflows webhook', () => {
  test('posts one Adaptive Card to the URL from Secrets Manager and returns the workflow run ID', async () => {
    const result = await handler(event());

    expect(result).toEqual({ delivered: true, notifier: 'teams', reference: '08584RUN1' });
    expect(teams.requests).toHaveLength(1);
    const [request] = teams.requests;
    expect(request.method).toBe('POST');
    expect(request.url).toBe(`${WORKFLOW_PATH}?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${SIG}`);
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(request.headers.authorization).toBeUndefined();
    const body = JSON.parse(request.body);
    expect(envelopeProblem(request.body)).toBeUndefined();
    expect(Object.keys(body).sort()).toEqual(['attachments', 'type']);
    expect(body.attachments).toEqual([{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: expect.any(Object) }]);
    const card = body.attachments[0].content;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card.body[0]).toEqual({
      type: 'RichTextBlock',
      inlines: [{
        type: 'TextRun',
        weight: 'Bolder',
        size: 'Medium',
        color: 'attention',
        text: `EC2 instance ${INSTANCE_ID} (${process.env.AWS_REGION}) unresponsive after a reboot`,
      }],
    });
    expect(texts(card)).toEqual(expect.arrayContaining([
      'It failed its checks, was rebooted, and still fails them. A human must look at it.',
      expect.stringContaining('URL check: HTTP 500 from http://203.0.113.7:80/, expected 200-399'),
      expect.stringContaining('5 re-checks'),
    ]));
    expect(facts(card)).toEqual({ Instance: INSTANCE_ID, Kind: 'UNRESPONSIVE', Region: process.env.AWS_REGION, Execution: EXECUTION_ID });
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open the execution in the Step Functions console', url: CONSOLE_URL }]);
    expect(request.body).not.toMatch(/\bundefined\b|"null"/);
    expect(secretsMock.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({ SecretId: URL_ARN });
  });

  test('logs the host of the URL, never its path, query or signature', async () => {
    await handler(event());

    const output = console_.output();
    expect(output).toContain('"decision":"delivered"');
    expect(output).toContain(`"host":"127.0.0.1:${teams.port}"`);
    expectNoUrlSecret(output);
  });

  test('a 202 without a run ID is delivered without a reference', async () => {
    teams.respondWith((_request, response) => {
      response.statusCode = 202;
      response.end();
    });

    await expect(handler(event())).resolves.toEqual({ delivered: true, notifier: 'teams' });
  });

  test('the URL is read once and cached across warm invocations', async () => {
    await handler(event());
    await handler(event({ kind: 'RECOVERED', lastRun: [] }));

    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(teams.requests).toHaveLength(2);
  });
});

/** Each kind as the state machine sends it. */
const KIND_EVENTS: Array<[NotificationKind, 'attention' | 'good' | 'warning', string, string, Partial<NotifyEvent>]> = [
  ['RECOVERED', 'good', 'recovered after a reboot', 'No action needed.', { lastRun: [{ ...FAILED_URL, passed: true, reason: 'HTTP 200' }] }],
  ['UNRESPONSIVE', 'attention', 'unresponsive after a reboot', 'A human must look at it.', {}],
  ['ERROR', 'attention', 'failed with an error', 'Cause: the reboot timed out',
    { error: { Error: 'States.Timeout', Cause: 'the reboot timed out' }, failedState: 'Reboot instance', rebootIssued: false }],
  ['NOT_REBOOTED', 'attention', 'was not rebooted', `Reboot decision: ${BUDGET_EXHAUSTED.reason}`, { decision: BUDGET_EXHAUSTED as RebootDecision, lastRun: undefined }],
  ['WOULD_REBOOT', 'warning', 'would be rebooted (dry run)', 'set the construct prop `dryRun` to false', { decision: DRY_RUN as RebootDecision, lastRun: undefined }],
  ['ESCALATION_FAILED', 'attention', 'PAGING FAILED', 'Undelivered alert: UNRESPONSIVE',
    { undeliveredKind: 'UNRESPONSIVE', error: { Error: 'NotifierUnavailableError', Cause: 'OpsGenie is down' }, rebootIssued: true }],
  ['RESOLVED', 'good', 'RESOLVED:', 'Resolution: the instance passed every check again at 2024-05-01 10:30:00 UTC.',
    { resolution: 'CHECKS_PASSED', resolvedAt: '2024-05-01T10:30:00.000Z', lastRun: [{ ...FAILED_URL, passed: true, reason: 'HTTP 200' }] }],
];

describe('teams-notify for every kind', () => {
  test.each(KIND_EVENTS)('%s: title coloured %s ("%s"), says what happened, facts name the kind', async (kind, color, title, line, overrides) => {
    const result = await handler(event({ kind, ...overrides }));

    expect(result.delivered).toBe(true);
    const card = postedCard();
    expect(card.body[0].inlines[0]).toMatchObject({ weight: 'Bolder', color });
    expect(texts(card)[0]).toContain(title);
    expect(texts(card)[0]).toContain(INSTANCE_ID);
    expect(texts(card).slice(1).join('\n')).toContain(line);
    expect(facts(card).Kind).toBe(kind);
    expect(JSON.stringify(card)).not.toMatch(/\bundefined\b|\[object Object\]/);
  });

  test('a drill is marked in the title and in the facts', async () => {
    await handler(event({ kind: 'WOULD_REBOOT', decision: DRY_RUN as RebootDecision, drill: true }));

    const card = postedCard();
    expect(texts(card)[0]).toMatch(/^DRILL: EC2 instance .* would be rebooted \(dry run\)$/);
    expect(card.body[0].inlines[0].color).toBe('warning');
    expect(facts(card).Drill).toBe('yes: started as a fire drill');
  });

  test('text with markdown in it is shown as it is: no block of the card is read as markdown', async () => {
    // Teams reads a TextBlock as markdown: this reason would lose its underscores and asterisks and grow a link.
    const reason = 'HTTP 500 from http://web_prod_1:80/ with **maintenance** [details](https://example.com/x)';
    await handler(event({ lastRun: [{ ...FAILED_URL, reason }] }));

    const card = postedCard();
    expect(card.body.map((block: any) => block.type)).not.toContain('TextBlock');
    expect(texts(card).join('\n')).toContain(reason);
  });

  test('an event that is not a drill has no drill mark', async () => {
    await handler(event({ drill: false }));

    expect(texts(postedCard())[0]).not.toContain('DRILL');
    expect(facts(postedCard()).Drill).toBeUndefined();
  });

  test('without an execution ARN there is no execution fact and no link', async () => {
    await handler(event({ executionId: undefined }));

    const card = postedCard();
    expect(facts(card).Execution).toBeUndefined();
    expect(card.actions).toBeUndefined();
  });
});

describe('teams-notify faults', () => {
  test('HTTP 429 with Retry-After: 1 is retried after about a second, then delivered', async () => {
    teams.respondWith((_request, response, index) => (index === 0
      ? sendJson(response, 429, { error: { code: 'TooManyRequests' } }, { 'Retry-After': '1' })
      : accepted(response, 'RUN2')));

    const started = Date.now();
    const result = await notifyTeams(event(), FAST);
    const elapsed = Date.now() - started;

    expect(result.reference).toBe('RUN2');
    expect(teams.requests).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(2_500);
  });

  test('a Retry-After longer than the handler may wait throws NotifierUnavailableError at once, naming it', async () => {
    teams.respondWith((_request, response) => sendJson(response, 429, { error: { code: 'TooManyRequests' } }, { 'Retry-After': '120' }));

    const started = Date.now();
    const error = await failure(notifyTeams(event(), { retryPolicy: { maxRetryAfterMs: 50 } }));

    expect(error).toMatchObject({ name: 'NotifierUnavailableError' });
    expect(String(error)).toContain('Teams workflow webhook is unavailable: HTTP 429 after 1 attempt(s); Retry-After: 120 (120 s)');
    expect(teams.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  test.each([500, 502, 503, 408])('HTTP %i on every attempt throws NotifierUnavailableError after the attempt budget', async (status) => {
    teams.respondWith((_request, response) => {
      response.statusCode = status;
      response.end('upstream unavailable');
    });

    const promise = notifyTeams(event(), FAST);

    await expect(promise).rejects.toThrow(`Teams workflow webhook is unavailable: HTTP ${status} after 3 attempt(s): upstream unavailable`);
    await expect(promise).rejects.toMatchObject({ name: 'NotifierUnavailableError' });
    expect(teams.requests).toHaveLength(3);
  });

  test('a 500 then a 202 is delivered', async () => {
    teams.respondWith((_request, response, index) => {
      if (index === 0) {
        response.statusCode = 500;
        response.end();
      } else {
        accepted(response, 'RUN3');
      }
    });

    await expect(notifyTeams(event(), FAST)).resolves.toMatchObject({ reference: 'RUN3' });
  });

  test('HTTP 400 is a refusal of the payload: TeamsApiError, not retried', async () => {
    teams.respondWith((_request, response) => sendJson(response, 400, { error: { code: 'InvalidRequestContent', message: 'bad card' } }));

    const error = await failure(notifyTeams(event(), FAST));

    expect(error).toMatchObject({ name: 'TeamsApiError' });
    expect(error.message).toContain('Teams workflow webhook answered HTTP 400 after 1 attempt(s): the workflow refused the payload');
    expect(error.message).toContain('bad card');
    expect(teams.requests).toHaveLength(1);
  });

  test.each([
    [401, 'signature is refused'],
    [403, 'signature is refused'],
    [404, 'no workflow at the webhook URL'],
    [413, 'too large'],
  ])('HTTP %i means the URL (or card) is refused for good: TeamsApiError (%s), not retried, the URL read again next time', async (status, hint) => {
    teams.respondWith((_request, response, index) => (index === 0 ? sendJson(response, status, { error: { code: 'X' } }) : accepted(response)));

    const error = await failure(notifyTeams(event(), FAST));
    await notifyTeams(event(), FAST);

    expect(error).toMatchObject({ name: 'TeamsApiError' });
    expect(error.message).toContain(hint);
    expect(teams.requests).toHaveLength(2);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  test('an unreachable webhook throws NotifierUnavailableError naming the host, not the URL', async () => {
    const port = await closedPort();
    useSecret(`http://127.0.0.1:${port}${WORKFLOW_PATH}?api-version=1&sig=${SIG}`);

    const error = await failure(notifyTeams(event(), { retryPolicy: { backoffMs: 10, maxAttempts: 2 } }));

    expect(error).toMatchObject({ name: 'NotifierUnavailableError' });
    expect(error.message).toContain(`connection refused by 127.0.0.1:${port}`);
    expect(error.message).toContain('POST [redacted] failed');
    shown(error).forEach(expectNoUrlSecret);
  });

  test('a webhook that never answers throws NotifierUnavailableError after the per-attempt timeouts, without the URL', async () => {
    teams.respondWith(() => undefined);

    const started = Date.now();
    const error = await failure(notifyTeams(event(), { retryPolicy: { attemptTimeoutMs: 200, maxAttempts: 2, backoffMs: 10 } }));

    expect(error).toMatchObject({ name: 'NotifierUnavailableError' });
    expect(error.message).toContain('no answer within 200 ms');
    expect(Date.now() - started).toBeLessThan(1_500);
    shown(error).forEach(expectNoUrlSecret);
  });

  test.each([400, 500])('an endpoint that echoes the URL, its query and its signature in a %i body never gets them into errors or logs', async (status) => {
    teams.respondWith((request, response) => {
      response.statusCode = status;
      response.end(`refused ${request.url}; full ${webhookUrl}; sig ${SIG}; encoded ${encodeURIComponent(webhookUrl)}; `
        + `json ${JSON.stringify({ url: webhookUrl })}; cut ${'x'.repeat(250)}${SIG}`);
    });

    const error = await failure(notifyTeams(event(), FAST));

    expect(error.name).toBe(status === 400 ? 'TeamsApiError' : 'NotifierUnavailableError');
    expect(error.message).toContain('[redacted]');
    shown(error).forEach(expectNoUrlSecret);
  });

  test.each([
    ['plain http to a host that is not loopback', `http://prod-00.westus.logic.azure.com${WORKFLOW_PATH}?sig=${SIG}`, 'must be an https:// URL'],
    ['not a URL', `not-a-url-${SIG}`, 'is not a URL'],
    ['a URL with a user and password', `https://user:${SIG}@prod-00.westus.logic.azure.com${WORKFLOW_PATH}`, 'must have no user name or password'],
    ['another scheme', `ftp://127.0.0.1${WORKFLOW_PATH}?sig=${SIG}`, 'must be an https:// URL'],
  ])('a secret that is %s is refused before any request, without showing it', async (_what, value, problem) => {
    useSecret(value);

    const error = await failure(handler(event()));

    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain(`teams-notify: the value of secret ${URL_ARN} ${problem}`);
    expect(teams.requests).toHaveLength(0);
    shown(error).forEach(expectNoUrlSecret);
    expect(console_.output()).toContain('"decision":"not-delivered"');
  });

  test('a rejected secret is read again next time (it may have been fixed)', async () => {
    useSecret(`http://teams.example${WORKFLOW_PATH}?sig=${SIG}`);
    await expect(handler(event())).rejects.toThrow('must be an https:// URL');
    secretsMock.on(GetSecretValueCommand, { SecretId: URL_ARN }).resolves({ SecretString: webhookUrl });

    await expect(handler(event())).resolves.toMatchObject({ delivered: true });
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  test('a URL with whitespace inside, or a JSON secret, is refused without showing it', async () => {
    useSecret(`${webhookUrl} ${webhookUrl}`);
    const spaced = await failure(handler(event()));
    clearSecretCache();
    useSecret(`{"url":"${webhookUrl}"}`);
    const json = await failure(handler(event()));

    expect(spaced.message).toContain('contains whitespace or control characters');
    expect(json.message).toContain('holds a JSON document');
    expect(teams.requests).toHaveLength(0);
    [spaced, json].forEach((error) => shown(error).forEach(expectNoUrlSecret));
  });
});

describe('teams-notify events and destinations', () => {
  test('an invalid event throws InvalidEventError before reading the secret', async () => {
    await expect(handler(event({ kind: 'PANIC' as any }))).rejects.toThrow(InvalidEventError);
    await expect(handler(event({ instanceId: '' }))).rejects.toThrow('teams-notify: `instanceId`');
    await expect(handler(null as any)).rejects.toThrow(InvalidEventError);
    await expect(handler({ ...event(), parameters: 'x' } as any)).rejects.toThrow('`parameters`');
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(teams.requests).toHaveLength(0);
  });

  test('the event can name a destination, never an endpoint or a secret', async () => {
    await expect(handler(event({}, { baseUrl: teams.origin }))).rejects.toThrow('`parameters.baseUrl` is not accepted');
    await expect(handler(event({}, { secretArn: URL_ARN }))).rejects.toThrow('`parameters.secretArn` is not accepted');
    await expect(handler(event({}, { destination: 'NOPE' }))).rejects.toThrow('unknown destination "NOPE"');
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  test('the destination is {"secretArn"} only: a base URL beside it, or no secret, is a configuration error', async () => {
    const variable = `${DESTINATION_ENV_PREFIX}${DESTINATION}`;
    const withBaseUrl = { [variable]: JSON.stringify({ secretArn: URL_ARN, baseUrl: teams.origin }) };

    await expect(notifyTeams(event(), { environment: withBaseUrl })).rejects.toThrow(
      new InvalidEventError(`teams-notify: ${variable} must be JSON {"secretArn": "..."} (the endpoint is the secret's value, no baseUrl)`),
    );
    await expect(notifyTeams(event(), { environment: { [variable]: '{"secretArn":" "}' } })).rejects.toThrow(InvalidEventError);
    expect(teams.requests).toHaveLength(0);
  });

  test('readDestination keeps requiring a base URL for the notifiers whose endpoint is not the secret', () => {
    const environment = { [`${DESTINATION_ENV_PREFIX}A`]: JSON.stringify({ secretArn: URL_ARN }) };

    expect(() => readDestination('h', { destination: 'A' }, environment)).toThrow('must be JSON {"secretArn": "...", "baseUrl": "https://..."}');
    expect(readDestination('h', { destination: 'A' }, environment, { endpointInSecret: true })).toEqual({ key: 'A', secretArn: URL_ARN, baseUrl: '' });
  });
});

describe('secret endpoint URLs', () => {
  test.each([
    'https://prod-00.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=abc123',
    'https://default0a.0b.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=x',
    'http://127.0.0.1:8080/hook?sig=abc', 'http://localhost:1/x', 'http://[::1]:9/x',
  ])('accepts %s', (url) => {
    expect(checkSecretEndpointUrl(url)).toEqual({ url: new URL(url) });
  });

  test('the secret parts are the path with the query and every query value but the version and permissions', () => {
    const raw = 'https://h.example/workflows/abc/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=a%2Bb-c_d1234&code=zz';

    const parts = secretUrlParts(new URL(raw), raw);

    expect(parts).toEqual(expect.arrayContaining(['/workflows/abc/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=a%2Bb-c_d1234&code=zz',
      'a%2Bb-c_d1234', 'a+b-c_d1234']));
    expect(parts).not.toContain('2016-06-01');
    expect(parts).not.toContain('/triggers/manual/run');
    expect(parts).not.toContain('zz'); // too short to redact without garbling other text
  });
});

describe('the Teams card size', () => {
  function bigMessage(lines: number, length: number): IncidentMessage {
    const base = buildIncidentMessage(event(), { region: 'us-east-1' });
    return { ...base, lines: Array.from({ length: lines }, (_, i) => `line ${i} ${'é'.repeat(length)}`) };
  }

  test('a message too large for Teams keeps its first lines, says how many were left out, and stays a valid card under the limit', () => {
    const payload = buildTeamsPayload(bigMessage(60, 2_500), { instanceId: INSTANCE_ID });

    expect(Buffer.byteLength(payload, 'utf8')).toBeLessThanOrEqual(MAX_TEAMS_PAYLOAD_BYTES);
    expect(envelopeProblem(payload)).toBeUndefined();
    const card = JSON.parse(payload).attachments[0].content;
    const lines = texts(card).slice(1);
    expect(lines[0].startsWith('line 0 ')).toBe(true);
    expect(lines[0].length).toBeLessThanOrEqual(2_000);
    const kept = lines.length - 1;
    expect(lines[lines.length - 1]).toBe(`… ${60 - kept} more line(s) left out to fit the Teams size limit: open the execution for everything.`);
    expect(card.actions[0].url).toBe(CONSOLE_URL);
    expect(facts(card).Instance).toBe(INSTANCE_ID);
  });

  test('a small message is sent whole', () => {
    const payload = buildTeamsPayload(bigMessage(3, 10), { instanceId: INSTANCE_ID });

    expect(texts(JSON.parse(payload).attachments[0].content).slice(1)).toEqual(['line 0 éééééééééé', 'line 1 éééééééééé', 'line 2 éééééééééé']);
  });

  test('end to end: a huge error cause still reaches the channel of the fake Workflows webhook', async () => {
    const fake = await new FakeTeamsWorkflow().start();
    try {
      useSecret(fake.webhookUrl);
      const cause = JSON.stringify({ errorType: 'Error', errorMessage: 'x'.repeat(100_000) });
      const alarm = { detail: { alarmName: 'a'.repeat(1_000), state: { reason: 'r'.repeat(5_000) } } };

      await notifyTeams(event({ kind: 'ERROR', error: { Error: 'Error', Cause: cause }, alarmEvent: alarm }), FAST);

      expect(fake.posts).toHaveLength(1);
      expect(fake.failedPosts).toHaveLength(0);
    } finally {
      await fake.stop();
    }
  });
});

describe('teams-notify against the fake Workflows webhook', () => {
  let fake: FakeTeamsWorkflow;

  beforeEach(async () => {
    fake = await new FakeTeamsWorkflow().start();
    useSecret(fake.webhookUrl);
  });

  afterEach(async () => {
    await fake.stop();
  });

  test('the card is posted and the reference is the run that posted it', async () => {
    const result = await handler(event({ kind: 'RESOLVED', resolution: 'ALARM_OK' }));

    expect(fake.posts).toHaveLength(1);
    expect(result.reference).toBe(fake.posts[0].runId);
    expect(texts(fake.posts[0].card)[0]).toContain('RESOLVED');
  });

  test('a regenerated URL is refused for good (TeamsApiError), and nothing is posted', async () => {
    fake.regenerateSignature();

    const error = await failure(notifyTeams(event(), FAST));

    expect(error).toMatchObject({ name: 'TeamsApiError' });
    expect(error.message).toContain('HTTP 401');
    expect(fake.posts).toHaveLength(0);
    shown(error).forEach((text) => expect(text).not.toContain(fake.signature));
  });

  test('a throttled request (429, Retry-After) is posted once the wait is over', async () => {
    fake.queue.push({ status: 429, headers: { 'Retry-After': '1' }, body: { error: { code: 'TooManyRequests' } } });

    await notifyTeams(event(), FAST);

    expect(fake.requests.map((request) => request.status)).toEqual([429, 202]);
    expect(fake.posts).toHaveLength(1);
  });
});
