import { DescribeInstancesCommand, EC2Client, Instance } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import {
  decideAdmission,
  decideReboot,
  describeWindow,
  formatLedger,
  handler,
  handlingExecution,
  isPaused,
  parseLedger,
  PAUSE_TAG_KEY,
  readGuardEvent,
  REBOOT_LEDGER_TAG_KEY,
  runGuard,
  toEpochMs,
} from '../../lambda/guard.lambda';
import { AdmitEvent, RebootGuardEvent } from '../../lambda/shared/types';

const INSTANCE_ID = 'i-0123456789abcdef0';
const SM = 'arn:aws:states:us-east-1:123456789012:execution:machine';
const NOW = Date.parse('2026-11-26T03:00:00Z');

function admit(self: string, start: string, running: AdmitEvent['runningExecutions']): AdmitEvent {
  return { step: 'ADMIT', instanceId: INSTANCE_ID, executionId: self, executionStartTime: start, runningExecutions: running };
}

function rebootEvent(overrides: Partial<RebootGuardEvent> = {}): RebootGuardEvent {
  return { step: 'REBOOT', instanceId: INSTANCE_ID, maxReboots: 1, rebootWindowSeconds: 3600, dryRun: false, ...overrides };
}

function instance(state: string, tags: Record<string, string> = {}): Instance {
  return { InstanceId: INSTANCE_ID, State: { Name: state as any }, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
}

describe('reading the event', () => {
  test('accepts an ADMIT event and a REBOOT event', () => {
    expect(readGuardEvent(admit(`${SM}:a`, '2026-11-26T03:00:00Z', []))).toMatchObject({ step: 'ADMIT' });
    expect(readGuardEvent(rebootEvent())).toMatchObject({ step: 'REBOOT', checks: [] });
  });

  test.each([
    ['not an object', 'ADMIT', /`event` must be a JSON object/],
    ['an unknown step', { step: 'NUKE', instanceId: INSTANCE_ID }, /`step` must be one of "ADMIT", "REBOOT", got "NUKE"/],
    ['no instance ID', { step: 'REBOOT' }, /`instanceId` must be a non-empty string/],
    ['an unreadable start time', { ...admit(`${SM}:a`, 'yesterday', []) }, /`executionStartTime` must be an ISO 8601 time, got "yesterday"/],
    ['running executions that are not a list', { ...admit(`${SM}:a`, '2026-11-26T03:00:00Z', []), runningExecutions: 'all' }, /`runningExecutions` must be a list/],
    ['a budget of zero', rebootEvent({ maxReboots: 0 }), /`maxReboots` must be an integer from 1 to 10, got 0/],
    ['a window under a minute', rebootEvent({ rebootWindowSeconds: 5 }), /`rebootWindowSeconds` must be an integer from 60/],
    ['a dry run that is not a boolean', { ...rebootEvent(), dryRun: 'yes' }, /`dryRun` must be true or false, got "yes"/],
    ['checks that are not a list', { ...rebootEvent(), checks: {} }, /`checks` must be a list of check results/],
  ])('rejects %s with InvalidEventError', (_, event, message) => {
    expect(() => readGuardEvent(event)).toThrow(message);
    expect(() => readGuardEvent(event)).toThrow(expect.objectContaining({ name: 'InvalidEventError' }));
  });
});

describe('admission: one incident per instance at a time', () => {
  test('reads ISO times and epoch seconds or milliseconds', () => {
    expect(toEpochMs('2026-11-26T03:00:00Z')).toBe(NOW);
    expect(toEpochMs(NOW / 1000)).toBe(NOW);
    expect(toEpochMs(NOW)).toBe(NOW);
    expect(toEpochMs(undefined)).toBeNaN();
  });

  test('the earliest running execution handles the incident', () => {
    const running = [
      { ExecutionArn: `${SM}:c`, StartDate: '2026-11-26T03:00:02Z' },
      { ExecutionArn: `${SM}:a`, StartDate: '2026-11-26T03:00:00Z' },
      { ExecutionArn: `${SM}:b`, StartDate: '2026-11-26T03:00:01Z' },
    ];
    expect(handlingExecution(admit(`${SM}:b`, '2026-11-26T03:00:01Z', running))).toBe(`${SM}:a`);
    expect(decideAdmission(admit(`${SM}:b`, '2026-11-26T03:00:01Z', running), instance('running'))).toEqual({
      verdict: 'DUPLICATE',
      reason: `execution ${SM}:a already handles the incident of ${INSTANCE_ID}`,
    });
    expect(decideAdmission(admit(`${SM}:a`, '2026-11-26T03:00:00Z', running), instance('running')).verdict).toBe('PROCEED');
  });

  test('executions started in the same millisecond agree on one by ARN', () => {
    const running = [`${SM}:x`, `${SM}:y`, `${SM}:z`].map((arn) => ({ ExecutionArn: arn, StartDate: '2026-11-26T03:00:00.000Z' }));
    const verdicts = running.map((r) => decideAdmission(admit(r.ExecutionArn, r.StartDate, running), undefined).verdict);
    expect(verdicts).toEqual(['PROCEED', 'DUPLICATE', 'DUPLICATE']);
  });

  test('this execution counts even when the list does not show it yet; unreadable entries claim nothing', () => {
    const running = [{ ExecutionArn: `${SM}:later`, StartDate: '2026-11-26T03:00:05Z' }, { ExecutionArn: `${SM}:odd` }, { StartDate: '2026-11-26T02:00:00Z' }];
    expect(decideAdmission(admit(`${SM}:me`, '2026-11-26T03:00:00Z', running), instance('running')).verdict).toBe('PROCEED');
  });

  test('an instance with the pause tag is left alone; "false" does not pause', () => {
    const event = admit(`${SM}:a`, '2026-11-26T03:00:00Z', []);
    const paused = decideAdmission(event, instance('running', { [PAUSE_TAG_KEY]: 'patching until 06:00' }));
    expect(paused.verdict).toBe('PAUSED');
    expect(paused.reason).toContain(`${PAUSE_TAG_KEY}=patching until 06:00`);
    expect(isPaused(instance('running', { [PAUSE_TAG_KEY]: 'FALSE' }))).toBe(false);
    expect(isPaused(instance('running', { [PAUSE_TAG_KEY]: '' }))).toBe(true);
    expect(isPaused(undefined)).toBe(false);
  });

  test('a duplicate stops even when the instance is paused: the first execution decides', () => {
    const running = [{ ExecutionArn: `${SM}:a`, StartDate: '2026-11-26T03:00:00Z' }];
    const event = admit(`${SM}:b`, '2026-11-26T03:00:01Z', running);
    expect(decideAdmission(event, instance('running', { [PAUSE_TAG_KEY]: 'true' })).verdict).toBe('DUPLICATE');
  });
});

describe('the reboot decision', () => {
  test.each(['stopped', 'stopping', 'terminated', 'shutting-down', 'pending'])('a %s instance is not rebooted, and the reason says so', (state) => {
    const decision = decideReboot(rebootEvent(), instance(state), NOW);
    expect(decision).toMatchObject({ verdict: 'NOT_RUNNING', instanceState: state, ledger: '' });
    expect(decision.reason).toBe(`instance ${INSTANCE_ID} is ${state}; only a running instance is rebooted, so it was not rebooted`);
  });

  test('an instance EC2 does not know is not rebooted', () => {
    expect(decideReboot(rebootEvent(), undefined, NOW)).toMatchObject({
      verdict: 'NOT_RUNNING',
      instanceState: 'not found',
      reason: expect.stringContaining('was not found'),
    });
  });

  test('a running instance within its budget is rebooted, and the reboot is recorded first', () => {
    const decision = decideReboot(rebootEvent(), instance('running'), NOW);
    expect(decision).toMatchObject({ verdict: 'REBOOT', rebootsInWindow: 0, ledger: '2026-11-26T03:00:00Z' });
  });

  test('a spent budget escalates without rebooting, and says when the last reboots were', () => {
    const tags = { [REBOOT_LEDGER_TAG_KEY]: '2026-11-26T02:30:00Z' };
    const decision = decideReboot(rebootEvent(), instance('running', tags), NOW);
    expect(decision.verdict).toBe('BUDGET_EXHAUSTED');
    expect(decision.reason).toBe('1 reboot by cpu-first-line-support in the last 1 hour (at 2026-11-26 02:30:00 UTC); '
      + 'the budget is 1 per 1 hour, so it was not rebooted again');
  });

  test('reboots older than the window no longer count, and drop out of the ledger', () => {
    const tags = { [REBOOT_LEDGER_TAG_KEY]: '2026-11-26T01:00:00Z 2026-11-26T02:30:00Z garbage' };
    const decision = decideReboot(rebootEvent({ maxReboots: 2 }), instance('running', tags), NOW);
    expect(decision).toMatchObject({ verdict: 'REBOOT', rebootsInWindow: 1, ledger: '2026-11-26T02:30:00Z 2026-11-26T03:00:00Z' });
  });

  test('dry run answers DRY_RUN where it would reboot, and still respects the budget and the state', () => {
    expect(decideReboot(rebootEvent({ dryRun: true }), instance('running'), NOW)).toMatchObject({
      verdict: 'DRY_RUN', ledger: '', reason: expect.stringContaining('would have been rebooted'),
    });
    expect(decideReboot(rebootEvent({ dryRun: true }), instance('stopped'), NOW).verdict).toBe('NOT_RUNNING');
  });

  test('checks that found no address do not lead to a reboot', () => {
    const checks = [
      { check: 'url', passed: false, reason: `no address: instance ${INSTANCE_ID} has no public IP address (state: running)`, latencyMs: 3, checkedAt: '' },
      { check: 'ssh', passed: false, reason: `no address: instance ${INSTANCE_ID} has no public IP address (state: running)`, latencyMs: 3, checkedAt: '' },
    ] as const;
    const decision = decideReboot(rebootEvent({ checks: [...checks] }), instance('running'), NOW);
    expect(decision.verdict).toBe('NO_ADDRESS');
    expect(decision.reason).toContain('has no public IP address');
    // One real failure besides is enough to reboot.
    const mixed = [checks[0], { check: 'route53', passed: false, reason: '0 of 16 Route 53 checkers report healthy', latencyMs: 1, checkedAt: '' }] as const;
    expect(decideReboot(rebootEvent({ checks: [...mixed] }), instance('running'), NOW).verdict).toBe('REBOOT');
  });

  test('the ledger fits a tag value (256 characters), newest kept', () => {
    const times = Array.from({ length: 20 }, (_, i) => NOW - i * 60_000).reverse();
    const ledger = formatLedger(times);
    expect(ledger.length).toBeLessThanOrEqual(256);
    expect(parseLedger(ledger).at(-1)).toBe(NOW);
    expect(parseLedger(ledger).length).toBe(12);
  });

  test.each([[3600, '1 hour'], [7200, '2 hours'], [5400, '90 minutes'], [90, '90 seconds'], [60, '1 minute']])('describes a %i s window as "%s"', (seconds, text) => {
    expect(describeWindow(seconds)).toBe(text);
  });
});

describe('the handler with EC2', () => {
  const ec2 = mockClient(EC2Client);
  afterEach(() => ec2.reset());
  afterAll(() => ec2.restore());

  test('reads the instance\'s state and tags from DescribeInstances', async () => {
    ec2.on(DescribeInstancesCommand, { InstanceIds: [INSTANCE_ID] }).resolves({
      Reservations: [{ Instances: [instance('running', { [REBOOT_LEDGER_TAG_KEY]: new Date(Date.now() - 60_000).toISOString() })] }],
    });
    const answer = await handler(rebootEvent());
    expect(answer).toMatchObject({ verdict: 'BUDGET_EXHAUSTED', rebootsInWindow: 1 });
  });

  test('an unknown instance ID is an answer, not an error', async () => {
    const notFound = Object.assign(new Error('The instance ID does not exist'), { name: 'InvalidInstanceID.NotFound' });
    ec2.on(DescribeInstancesCommand).rejects(notFound);
    expect(await runGuard(rebootEvent(), new EC2Client({}), NOW)).toMatchObject({ verdict: 'NOT_RUNNING', instanceState: 'not found' });
  });

  test('throttling and denied calls are thrown, for Step Functions to retry or escalate', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded' });
    ec2.on(DescribeInstancesCommand).rejects(throttled);
    await expect(handler(rebootEvent())).rejects.toThrow('Rate exceeded');
    const denied = Object.assign(new Error('You are not authorized'), { name: 'UnauthorizedOperation' });
    ec2.on(DescribeInstancesCommand).rejects(denied);
    await expect(handler(admit(`${SM}:a`, '2026-11-26T03:00:00Z', []))).rejects.toThrow('not authorized');
  });

  test('a malformed event is rejected before any call', async () => {
    await expect(handler({ step: 'REBOOT' })).rejects.toThrow(expect.objectContaining({ name: 'InvalidEventError' }));
    expect(ec2.calls()).toHaveLength(0);
  });
});
