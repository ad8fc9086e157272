import { BUDGET_EXHAUSTED, DRY_RUN, NOT_RUNNING } from './support/decisions';
import {
  buildIncidentMessage,
  checkLabel,
  describeDecision,
  describeWorkflowError,
  executionConsoleUrl,
  failedCheckNames,
  formatDuration,
  incidentDurationMs,
  MAX_TITLE_LENGTH,
  normalizeCheckResults,
  readRebootDecision,
  renderPlainText,
} from '../../lambda/shared/message';
import { CheckResult, NotificationKind, NotifyEvent, RebootDecision } from '../../src/contract';

const ALL_KINDS: NotificationKind[] = ['RECOVERED', 'UNRESPONSIVE', 'ERROR', 'NOT_REBOOTED', 'WOULD_REBOOT', 'ESCALATION_FAILED'];

const INSTANCE_ID = 'i-0abc1234567890def';
const EXECUTION_ARN = 'arn:aws:states:eu-west-1:123456789012:execution:CpuFirstLineSupport:4f1e2d3c-aaaa-bbbb-cccc-1234567890ab';

function result(check: CheckResult['check'], passed: boolean, reason: string, checkedAt: string): CheckResult {
  return { check, passed, reason, latencyMs: 12, checkedAt };
}

const FIRST_RUN: CheckResult[] = [
  result('url', false, 'HTTP 500 from http://203.0.113.7:80/, expected 200-399', '2024-05-01T10:00:05.000Z'),
  result('route53', true, '16 of 16 Route 53 checkers report healthy (100%, needs more than 18%)', '2024-05-01T10:00:05.000Z'),
  result('ssh', false, 'no SSH handshake within 2000 ms with 203.0.113.7:22', '2024-05-01T10:00:06.000Z'),
];

const RECOVERED_RUN: CheckResult[] = [
  result('url', true, 'HTTP 200 from http://203.0.113.7:80/ (healthy: 200-399)', '2024-05-01T10:03:10.000Z'),
  result('route53', true, '16 of 16 Route 53 checkers report healthy (100%, needs more than 18%)', '2024-05-01T10:03:11.000Z'),
  result('ssh', true, 'SSH handshake with 203.0.113.7:22 succeeded (host key ssh-ed25519)', '2024-05-01T10:03:12.000Z'),
];

const STILL_FAILING_RUN: CheckResult[] = [
  result('url', false, 'connection refused by 203.0.113.7:80', '2024-05-01T10:12:00.000Z'),
  result('route53', true, '16 of 16 Route 53 checkers report healthy (100%, needs more than 18%)', '2024-05-01T10:12:00.000Z'),
  result('ssh', false, 'connection refused by 203.0.113.7:22', '2024-05-01T10:12:01.000Z'),
];

function notifyEvent(kind: NotificationKind, overrides: Partial<NotifyEvent> = {}): NotifyEvent {
  return {
    kind,
    instanceId: INSTANCE_ID,
    parameters: {},
    firstRun: FIRST_RUN,
    lastRun: kind === 'RECOVERED' ? RECOVERED_RUN : STILL_FAILING_RUN,
    recheckCount: 3,
    incidentStartedAt: '2024-05-01T10:00:00.000Z',
    alarmEvent: { 'detail-type': 'CloudWatch Alarm State Change', 'detail': { alarmName: 'cpu-high-web-1', state: { value: 'ALARM', reason: 'Threshold Crossed' } } },
    executionId: EXECUTION_ARN,
    ...overrides,
  };
}

function text(event: NotifyEvent): string {
  return renderPlainText(buildIncidentMessage(event, { region: 'eu-west-1' }));
}

/** Never "undefined", "null", "NaN" or "[object Object]" as words of the message. */
function expectNoPlaceholders(message: string): void {
  expect(message).not.toMatch(/\bundefined\b|\bnull\b|\bNaN\b|\[object Object\]/);
}

describe('buildIncidentMessage', () => {
  test('RECOVERED names the instance, region, failed checks with reasons, re-checks, duration, alarm and execution', () => {
    const message = buildIncidentMessage(notifyEvent('RECOVERED'), { region: 'eu-west-1' });
    const plain = renderPlainText(message);

    expect(message.title).toBe(`EC2 instance ${INSTANCE_ID} (eu-west-1) recovered after a reboot`);
    expect(plain).toContain('Alarm: cpu-high-web-1');
    expect(plain).toContain('Before the reboot, 2 of 3 checks failed:');
    expect(plain).toContain('• URL check: HTTP 500 from http://203.0.113.7:80/, expected 200-399');
    expect(plain).toContain('• SSH check: no SSH handshake within 2000 ms with 203.0.113.7:22');
    expect(plain).toContain('Passed: Route 53 health check.');
    expect(plain).toContain('In the last of 3 re-checks after the reboot, all 3 checks passed');
    expect(plain).toContain('Recovery took 3 min 12 s (incident started 2024-05-01 10:00:00 UTC).');
    expect(plain).toContain(`Execution: ${EXECUTION_ARN}`);
    expect(message.executionUrl).toBe(`https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${EXECUTION_ARN}`);
    expectNoPlaceholders(plain);
  });

  test('UNRESPONSIVE says which checks still fail in the last re-check and for how long', () => {
    const plain = text(notifyEvent('UNRESPONSIVE'));

    expect(plain.split('\n')[0]).toBe(`EC2 instance ${INSTANCE_ID} (eu-west-1) unresponsive after a reboot`);
    expect(plain).toContain('In the last of 3 re-checks after the reboot, 2 of 3 checks still failed:');
    expect(plain).toContain('• URL check: connection refused by 203.0.113.7:80');
    expect(plain).toContain('• SSH check: connection refused by 203.0.113.7:22');
    expect(plain).toContain('Still failing 12 min 1 s after the incident started (2024-05-01 10:00:00 UTC).');
    expectNoPlaceholders(plain);
  });

  test('ERROR shows the Step Functions error and the Lambda error inside its Cause', () => {
    const plain = text(notifyEvent('ERROR', {
      error: {
        Error: 'Lambda.Unknown',
        Cause: JSON.stringify({ errorType: 'TypeError', errorMessage: 'Cannot read properties of undefined', trace: ['at x'] }),
      },
    }));

    expect(plain.split('\n')[0]).toBe(`CPU first-line support failed with an error for EC2 instance ${INSTANCE_ID} (eu-west-1)`);
    expect(plain).toContain('Error: Lambda.Unknown');
    expect(plain).toContain('Cause: TypeError: Cannot read properties of undefined');
    expect(plain).not.toContain('trace');
  });

  test('ERROR without a reboot never talks about "before the reboot": it names the failed state and says no reboot happened', () => {
    const plain = text(notifyEvent('ERROR', {
      lastRun: [],
      error: { Error: 'States.TaskFailed', Cause: 'DescribeInstances throttled' },
      failedState: 'Look up instance',
      rebootIssued: false,
      rebootRecorded: false,
    }));

    expect(plain).toContain('Failed state: Look up instance');
    expect(plain).toContain('Reboot: the instance was not rebooted in this execution.');
    expect(plain).toContain('Checks: 2 of 3 checks failed:');
    expect(plain).not.toMatch(/before the reboot|after the reboot|re-check/i);
    expectNoPlaceholders(plain);
  });

  test('ERROR with the reboot recorded but not issued says the budget counts a reboot that did not happen', () => {
    const plain = text(notifyEvent('ERROR', {
      lastRun: [],
      error: { Error: 'EC2.Ec2Exception', Cause: 'UnauthorizedOperation' },
      failedState: 'Reboot instance',
      rebootIssued: false,
      rebootRecorded: true,
    }));

    expect(plain).toContain('Failed state: Reboot instance');
    expect(plain).toContain('Reboot: NOT issued, but recorded in the reboot-ledger tag: the reboot budget counts a reboot that did not happen.');
    expect(plain).not.toMatch(/before the reboot/i);
  });

  test('ERROR after an issued reboot describes the runs before and after it', () => {
    const plain = text(notifyEvent('ERROR', {
      error: { Error: 'States.Timeout' }, failedState: 'Re-check instance', rebootIssued: true, rebootRecorded: true,
    }));

    expect(plain).toContain('Reboot: the instance was rebooted in this execution.');
    expect(plain).toContain('Before the reboot, 2 of 3 checks failed:');
    expect(plain).toContain('In the last of 3 re-checks after the reboot, 2 of 3 checks still failed:');
  });

  test('ERROR without the reboot fields says it is not known whether the instance was rebooted', () => {
    const plain = text(notifyEvent('ERROR', { lastRun: [], error: { Error: 'States.Runtime' } }));

    expect(plain).toContain('Reboot: the workflow did not record whether the instance was rebooted; check the execution.');
    expect(plain).not.toMatch(/before the reboot/i);
  });

  test('ESCALATION_FAILED says paging FAILED, a human must look now, and names the instance, the lost alert and the error', () => {
    const message = buildIncidentMessage(notifyEvent('ESCALATION_FAILED', {
      undeliveredKind: 'NOT_REBOOTED',
      lastRun: [],
      error: { Error: 'OpsGenieApiError', Cause: JSON.stringify({ errorType: 'OpsGenieApiError', errorMessage: 'OpsGenie refused the alert: HTTP 401' }) },
      rebootIssued: false,
    }), { region: 'eu-west-1' });
    const plain = renderPlainText(message);

    expect(message.title).toBe(`PAGING FAILED for EC2 instance ${INSTANCE_ID} (eu-west-1): the alert was not delivered; look at it now`);
    expect(plain).toContain('Paging FAILED');
    expect(plain).toContain('A human must look at the instance now.');
    expect(plain).toContain('Undelivered alert: NOT_REBOOTED (the instance failed its checks and was not rebooted).');
    expect(plain).toContain('Error: OpsGenieApiError');
    expect(plain).toContain('Cause: OpsGenieApiError: OpsGenie refused the alert: HTTP 401');
    expect(plain).not.toMatch(/before the reboot/i);
    expectNoPlaceholders(plain);
  });

  test('ERROR with a plain-text Cause shows it as given', () => {
    expect(describeWorkflowError({ Error: 'States.Timeout', Cause: 'Task timed out after 60 s' }))
      .toEqual(['Error: States.Timeout', 'Cause: Task timed out after 60 s']);
    expect(describeWorkflowError({ Cause: '{not json' })).toEqual(['Error: unnamed error', 'Cause: {not json']);
    expect(describeWorkflowError(undefined)).toEqual(['The workflow did not report which error it hit.']);
  });

  test.each(ALL_KINDS)('a minimal %s event never prints undefined or null', (kind) => {
    const minimal = { kind, instanceId: INSTANCE_ID, parameters: {} } as NotifyEvent;

    const plain = renderPlainText(buildIncidentMessage(minimal, { region: '' }));

    expect(plain).toContain(INSTANCE_ID);
    expectNoPlaceholders(plain);
  });

  test.each(ALL_KINDS)('a %s event full of nulls and junk never prints undefined or null', (kind) => {
    const junk = {
      kind,
      instanceId: INSTANCE_ID,
      parameters: {},
      firstRun: [null, {}, { check: null, passed: null, reason: null }, { Error: 'States.TaskFailed', Cause: null }, 'text', 42],
      lastRun: { not: 'an array' },
      recheckCount: null,
      incidentStartedAt: null,
      alarmEvent: { detail: { alarmName: null, state: null } },
      error: { Error: null, Cause: null },
      executionId: null,
      decision: { verdict: null, reason: null, instanceState: null, rebootsInWindow: null },
    } as unknown as NotifyEvent;

    const plain = renderPlainText(buildIncidentMessage(junk, { region: 'eu-west-1' }));

    expectNoPlaceholders(plain);
    expect(plain).toContain('unnamed check: no reason given');
    expect(plain).toContain('unnamed check: the check itself failed: States.TaskFailed');
  });

  test('a result without a check name can never read "the undefined check"', () => {
    const plain = text(notifyEvent('UNRESPONSIVE', {
      lastRun: [{ passed: false, reason: 'HTTP 500' } as unknown as CheckResult],
    }));

    expect(plain).toContain('• unnamed check: HTTP 500');
    expect(plain).not.toMatch(/undefined/);
  });

  test('multi-line and very long reasons are kept on one bounded line', () => {
    const plain = text(notifyEvent('UNRESPONSIVE', {
      lastRun: [result('url', false, `line one\nline two ${'x'.repeat(2000)}`, '2024-05-01T10:12:00.000Z')],
    }));
    const line = plain.split('\n').find((l) => l.startsWith('• URL check: line one line two'));

    expect(line).toBeDefined();
    expect(line!.length).toBeLessThanOrEqual(520);
    expect(line!.endsWith('…')).toBe(true);
  });

  test('the region falls back to the execution ARN, and the title stays within 130 characters', () => {
    const previous = process.env.AWS_REGION;
    delete process.env.AWS_REGION;
    try {
      const message = buildIncidentMessage(notifyEvent('UNRESPONSIVE', { instanceId: `i-${'f'.repeat(200)}` }));

      expect(message.title).toContain('(eu-west-1)');
      expect(message.title.length).toBeLessThanOrEqual(MAX_TITLE_LENGTH);
    } finally {
      process.env.AWS_REGION = previous;
    }
  });

  test('one re-check reads naturally, and missing re-check results are stated', () => {
    expect(text(notifyEvent('RECOVERED', { recheckCount: 1 }))).toContain('In the only re-check after the reboot, all 3 checks passed');
    expect(text(notifyEvent('UNRESPONSIVE', { lastRun: [], recheckCount: 2 }))).toContain('2 re-checks ran after the reboot; their results were not recorded.');
  });

  test('a re-check that finished before the incident started gives no duration', () => {
    const plain = text(notifyEvent('RECOVERED', { incidentStartedAt: '2024-05-01T11:00:00.000Z' }));

    expect(plain).not.toContain('Recovery took');
  });
});


/** An event as the state machine sends it for the kinds without a reboot: no lastRun, no re-checks. */
function noRebootEvent(kind: 'NOT_REBOOTED' | 'WOULD_REBOOT', decision: unknown, overrides: Partial<NotifyEvent> = {}): NotifyEvent {
  const { lastRun: _lastRun, recheckCount: _recheckCount, ...rest } = notifyEvent(kind);
  return { ...rest, decision: decision as RebootDecision, ...overrides };
}

describe('buildIncidentMessage for the kinds without a reboot', () => {
  test('NOT_REBOOTED (instance stopped) says so in the title, asks a human to look and gives the reason', () => {
    const message = buildIncidentMessage(noRebootEvent('NOT_REBOOTED', NOT_RUNNING), { region: 'us-east-1' });
    const plain = renderPlainText(message);

    expect(message.kind).toBe('NOT_REBOOTED');
    expect(message.title).toBe(`EC2 instance ${INSTANCE_ID} (us-east-1) failed its checks and was not rebooted`);
    expect(message.lines[0]).toBe('It failed its checks, but the workflow did not reboot it (the reboot decision below says why). A human must look at it.');
    expect(plain).toContain(`Reboot decision: instance ${INSTANCE_ID} is stopped; only a running instance is rebooted, so it was not rebooted`);
    expect(plain).toContain('Alarm: cpu-high-web-1');
    expect(plain).toContain('Checks: 2 of 3 checks failed:');
    expect(plain).toContain('• URL check: HTTP 500 from http://203.0.113.7:80/, expected 200-399');
    expect(plain).toContain('• SSH check: no SSH handshake within 2000 ms with 203.0.113.7:22');
    expect(plain).toContain('Passed: Route 53 health check.');
    expect(plain).toContain('Incident started 2024-05-01 10:00:00 UTC.');
    expect(plain).toContain(`Execution: ${EXECUTION_ARN}`);
    expect(plain).not.toMatch(/Before the reboot|re-check|Recovery took|Still failing/);
    expectNoPlaceholders(plain);
  });

  test('NOT_REBOOTED (budget spent) gives the budget reason', () => {
    const plain = text(noRebootEvent('NOT_REBOOTED', BUDGET_EXHAUSTED));

    expect(plain.split('\n')[0]).toBe(`EC2 instance ${INSTANCE_ID} (eu-west-1) failed its checks and was not rebooted`);
    expect(plain).toContain(`Reboot decision: ${BUDGET_EXHAUSTED.reason}`);
    expect(plain).toContain('A human must look at it.');
    expectNoPlaceholders(plain);
  });

  test('WOULD_REBOOT says dry run in the title, that nothing was done and how to turn dry run off', () => {
    const message = buildIncidentMessage(noRebootEvent('WOULD_REBOOT', DRY_RUN), { region: 'us-east-1' });
    const plain = renderPlainText(message);

    expect(message.title).toBe(`EC2 instance ${INSTANCE_ID} (us-east-1) would be rebooted (dry run)`);
    expect(message.lines[0]).toBe(
      'Dry run: it failed its checks and would have been rebooted, but nothing was done. '
      + 'To let the workflow reboot instances, set the construct prop `dryRun` to false.',
    );
    expect(plain).toContain(`Reboot decision: ${DRY_RUN.reason}`);
    expect(plain).toContain('Checks: 2 of 3 checks failed:');
    expect(plain).not.toMatch(/Before the reboot|re-check|Recovery took|Still failing/);
    expectNoPlaceholders(plain);
  });

  test('a lastRun or recheckCount sent with these kinds is not described as re-checks after a reboot', () => {
    for (const kind of ['NOT_REBOOTED', 'WOULD_REBOOT'] as const) {
      const plain = text(notifyEvent(kind, { decision: kind === 'WOULD_REBOOT' ? DRY_RUN : NOT_RUNNING }));

      expect(plain).not.toMatch(/Before the reboot|re-check|Recovery took|Still failing/);
      expect(plain).toContain('Checks: 2 of 3 checks failed:');
    }
  });

  test('no check results, and an unreadable start time, are handled without placeholders', () => {
    const plain = text(noRebootEvent('NOT_REBOOTED', NOT_RUNNING, { firstRun: undefined, incidentStartedAt: 'yesterday' }));

    expect(plain).toContain('Checks: no check results were recorded.');
    expect(plain).not.toContain('Incident started');
    expectNoPlaceholders(plain);
  });

  test('all checks passing reads naturally after "Checks:"', () => {
    const plain = text(noRebootEvent('WOULD_REBOOT', DRY_RUN, { firstRun: [RECOVERED_RUN[0]] }));

    expect(plain).toContain('Checks: the only check passed: URL check.');
  });

  test.each([
    ['missing', undefined],
    ['null', null],
    ['a string', 'rebooted'],
    ['an array', [NOT_RUNNING]],
    ['an unknown verdict without a reason', { verdict: 'MAYBE', instanceState: 'stopped', rebootsInWindow: 0 }],
    ['blank fields', { verdict: ' ', reason: '   ', instanceState: '', rebootsInWindow: -1 }],
  ])('NOT_REBOOTED with a decision that is %s says the reason was not recorded', (_what, decision) => {
    const plain = text(noRebootEvent('NOT_REBOOTED', decision));

    expect(plain).toContain('The workflow did not record why the instance was not rebooted.');
    expect(plain).not.toContain('Reboot decision:');
    expectNoPlaceholders(plain);
  });

  test('WOULD_REBOOT without a decision simply has no decision line', () => {
    const plain = text(noRebootEvent('WOULD_REBOOT', undefined));

    expect(plain).not.toContain('Reboot decision:');
    expect(plain).not.toContain('did not record');
    expectNoPlaceholders(plain);
  });

  test.each([
    [{ verdict: 'NOT_RUNNING', instanceState: 'stopped' }, 'Reboot decision: the instance is not running (state: stopped); not rebooted'],
    [{ verdict: 'not_running', reason: null }, 'Reboot decision: the instance is not running; not rebooted'],
    [{ verdict: 'BUDGET_EXHAUSTED', rebootsInWindow: 2 }, 'Reboot decision: the reboot budget is spent (2 reboots in the window); not rebooted'],
    [{ verdict: 'BUDGET_EXHAUSTED', rebootsInWindow: 1.5 }, 'Reboot decision: the reboot budget is spent; not rebooted'],
    [{ verdict: 'DRY_RUN' }, 'Reboot decision: dry run: the instance would have been rebooted'],
    [{ verdict: 'NO_ADDRESS' }, 'Reboot decision: the checks found no address to reach the instance; not rebooted'],
    [{ verdict: 42, reason: 'budget spent' }, 'Reboot decision: budget spent'],
  ])('a decision without a usable reason falls back to its verdict: %j', (decision, line) => {
    expect(describeDecision('NOT_REBOOTED', decision)).toEqual([line]);
  });

  test('a multi-line, very long reason stays on one bounded line', () => {
    const lines = describeDecision('NOT_REBOOTED', { ...NOT_RUNNING, reason: `line one\nline two ${'z'.repeat(2000)}` });

    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith('Reboot decision: line one line two z')).toBe(true);
    expect(lines[0].length).toBeLessThanOrEqual(520);
  });

  test('the titles stay within 130 characters and keep their ending for a long instance ID and region', () => {
    for (const kind of ['NOT_REBOOTED', 'WOULD_REBOOT'] as const) {
      const message = buildIncidentMessage(noRebootEvent(kind, NOT_RUNNING, { instanceId: `i-${'f'.repeat(200)}` }), { region: 'ap-southeast-2' });

      expect(message.title.length).toBeLessThanOrEqual(MAX_TITLE_LENGTH);
      expect(message.title).toMatch(kind === 'NOT_REBOOTED' ? /\(ap-southeast-2\) failed its checks and was not rebooted$/ : /\(ap-southeast-2\) would be rebooted \(dry run\)$/);
    }
  });

  test('a decision sent with a RECOVERED event is shown between the first run and the re-check', () => {
    const reason = `instance ${INSTANCE_ID} is running and 0 of 1 reboots were used in the last 1 hour`;
    const lines = text(notifyEvent('RECOVERED', { decision: { verdict: 'REBOOT', reason, instanceState: 'running', rebootsInWindow: 0, ledger: '2024-05-01T10:00:00Z' } })).split('\n');

    const before = lines.findIndex((line) => line.startsWith('Before the reboot'));
    const decision = lines.indexOf(`Reboot decision: ${reason}`);
    const after = lines.findIndex((line) => line.startsWith('In the last of 3 re-checks'));
    expect(before).toBeGreaterThan(0);
    expect(decision).toBeGreaterThan(before);
    expect(after).toBeGreaterThan(decision);
  });
});

describe('readRebootDecision', () => {
  test('keeps a well-formed decision, without the ledger', () => {
    expect(readRebootDecision({ ...DRY_RUN, ledger: '2024-05-01T10:00:00Z' })).toEqual({
      verdict: 'DRY_RUN', reason: DRY_RUN.reason, instanceState: 'running', rebootsInWindow: 0,
    });
  });

  test('keeps only the readable fields, and reads the verdict in any case', () => {
    expect(readRebootDecision({ verdict: 'budget_exhausted', reason: 7, instanceState: ['x'], rebootsInWindow: '1' }))
      .toEqual({ verdict: 'BUDGET_EXHAUSTED' });
    expect(readRebootDecision({ verdict: 'PANIC', reason: ' spent ' })).toEqual({ reason: 'spent' });
  });

  test.each([undefined, null, 'NOT_RUNNING', 42, [], {}, { verdict: 'PANIC' }, { reason: '' }, { instanceState: 'stopped', rebootsInWindow: 0 }])(
    '%j gives nothing to show', (value) => {
      expect(readRebootDecision(value)).toBeUndefined();
    },
  );
});

describe('helpers', () => {
  test.each([
    [0, 'under 1 s'],
    [999, 'under 1 s'],
    [1_000, '1 s'],
    [45_500, '45 s'],
    [60_000, '1 min'],
    [192_000, '3 min 12 s'],
    [3_600_000, '1 h'],
    [3_900_000, '1 h 5 min'],
    [90_000_000, '1 d 1 h'],
    [NaN, 'under 1 s'],
  ])('formatDuration(%d) is "%s"', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });

  test('incidentDurationMs uses the latest checkedAt of the run', () => {
    const outcomes = normalizeCheckResults(RECOVERED_RUN);

    expect(incidentDurationMs('2024-05-01T10:00:00.000Z', outcomes)).toBe(192_000);
    expect(incidentDurationMs('not a date', outcomes)).toBeUndefined();
    expect(incidentDurationMs('2024-05-01T10:00:00.000Z', [])).toBeUndefined();
  });

  test('checkLabel names every known check and never says undefined', () => {
    expect(checkLabel('url')).toBe('URL check');
    expect(checkLabel('route53')).toBe('Route 53 health check');
    expect(checkLabel('ssh')).toBe('SSH check');
    expect(checkLabel('ping')).toBe('ping check');
    expect(checkLabel(undefined)).toBe('unnamed check');
    expect(checkLabel('')).toBe('unnamed check');
  });

  test('normalizeCheckResults flattens Parallel output and treats only passed === true as passed', () => {
    const outcomes = normalizeCheckResults([[FIRST_RUN[0]], FIRST_RUN[1], { check: 'ssh', passed: 'true', reason: 'x' }]);

    expect(outcomes.map((o) => [o.label, o.passed])).toEqual([['URL check', false], ['Route 53 health check', true], ['SSH check', false]]);
  });

  test('failedCheckNames lists the failed checks, or nothing', () => {
    expect(failedCheckNames(FIRST_RUN)).toBe('URL check, SSH check');
    expect(failedCheckNames(RECOVERED_RUN)).toBeUndefined();
    expect(failedCheckNames(undefined)).toBeUndefined();
  });

  test('executionConsoleUrl only links commercial-partition executions', () => {
    expect(executionConsoleUrl(EXECUTION_ARN)).toContain('https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/');
    expect(executionConsoleUrl('arn:aws-cn:states:cn-north-1:123456789012:execution:sm:x')).toBeUndefined();
    expect(executionConsoleUrl('not an arn')).toBeUndefined();
  });
});
