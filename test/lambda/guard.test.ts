import { emfErrors, emfMetrics } from './support/emf-spec';
import {
  decideReboot,
  describeWindow,
  firstSchedule,
  formatLedger,
  handler,
  inspect,
  inspectInstance,
  nextSchedule,
  parseLedger,
  PAUSE_TAG_KEY,
  readGuardEvent,
  REBOOT_LEDGER_TAG_KEY,
  runGuard,
} from '../../lambda/guard.lambda';
import { DescribedReservations, InspectEvent, RebootGuardEvent, RecheckSchedule, RecordOutcomeEvent, ScheduleEvent } from '../../src/contract';

const INSTANCE_ID = 'i-0123456789abcdef0';
const NOW = Date.parse('2026-11-26T03:00:00Z');
const S = 1000;

function described(state: string, tags: Record<string, string> = {}, extra: Record<string, unknown> = {}): DescribedReservations {
  return [{
    Instances: [{
      InstanceId: INSTANCE_ID,
      State: { Name: state },
      PublicIpAddress: '203.0.113.7',
      PrivateIpAddress: '10.0.0.7',
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      ...extra,
    }],
  }];
}

function inspectEvent(overrides: Partial<InspectEvent> = {}): InspectEvent {
  return { step: 'INSPECT', instanceId: INSTANCE_ID, lookup: { Reservations: described('running') }, leaseSeconds: 900, ...overrides };
}

function rebootEvent(overrides: Partial<RebootGuardEvent> = {}): RebootGuardEvent {
  return {
    step: 'REBOOT',
    instanceId: INSTANCE_ID,
    lookup: { Reservations: described('running') },
    maxReboots: 1,
    rebootWindowSeconds: 3600,
    dryRun: false,
    gracePeriodSeconds: 120,
    deadlineSeconds: 600,
    ...overrides,
  };
}

function scheduleEvent(schedule: Partial<RecheckSchedule>, intervalSeconds = 30): ScheduleEvent {
  return {
    step: 'SCHEDULE',
    instanceId: INSTANCE_ID,
    intervalSeconds,
    schedule: { waitSeconds: 0, nextRecheckAt: NOW, deadlineAt: NOW + 600 * S, deadlineReached: false, ...schedule },
  };
}

describe('reading the event', () => {
  test('accepts INSPECT, REBOOT and SCHEDULE events', () => {
    expect(readGuardEvent(inspectEvent())).toMatchObject({ step: 'INSPECT', leaseSeconds: 900 });
    expect(readGuardEvent(rebootEvent())).toMatchObject({ step: 'REBOOT', checks: [], gracePeriodSeconds: 120, deadlineSeconds: 600 });
    expect(readGuardEvent(scheduleEvent({ nextRecheckAt: NOW }))).toMatchObject({
      step: 'SCHEDULE', intervalSeconds: 30, schedule: { nextRecheckAt: NOW, deadlineAt: NOW + 600 * S, deadlineReached: false },
    });
  });

  test.each([
    ['not an object', 'INSPECT', /`event` must be a JSON object/],
    ['an unknown step', { step: 'ADMIT', instanceId: INSTANCE_ID }, /`step` must be one of "INSPECT", "REBOOT", "SCHEDULE", "RECORD", got "ADMIT"/],
    ['no instance ID', { step: 'REBOOT' }, /`instanceId` must be a non-empty string/],
    ['no lookup', { ...inspectEvent(), lookup: undefined }, /`lookup` must be the answer of DescribeInstances/],
    ['reservations that are not a list', { ...inspectEvent(), lookup: { Reservations: {} } }, /`lookup.Reservations` must be the Reservations list/],
    ['a lease under a minute', inspectEvent({ leaseSeconds: 5 }), /`leaseSeconds` must be an integer from 60/],
    ['a budget of zero', rebootEvent({ maxReboots: 0 }), /`maxReboots` must be an integer from 1 to 10, got 0/],
    ['a window under a minute', rebootEvent({ rebootWindowSeconds: 5 }), /`rebootWindowSeconds` must be an integer from 60/],
    ['a dry run that is not a boolean', { ...rebootEvent(), dryRun: 'yes' }, /`dryRun` must be true or false, got "yes"/],
    ['checks that are not a list', { ...rebootEvent(), checks: {} }, /`checks` must be a list of check results/],
    ['a deadline of zero', rebootEvent({ deadlineSeconds: 0 }), /`deadlineSeconds` must be an integer from 1/],
    ['a schedule without times', { ...scheduleEvent({}), schedule: { nextRecheckAt: 'soon', deadlineAt: NOW } }, /`schedule.nextRecheckAt` must be a time in epoch milliseconds/],
    ['a schedule that is not an object', { ...scheduleEvent({}), schedule: 5 }, /`schedule`/],
    ['an interval of zero', scheduleEvent({}, 0), /`intervalSeconds` must be an integer from 1/],
  ])('rejects %s with InvalidEventError', (_, event, message) => {
    expect(() => readGuardEvent(event)).toThrow(message);
    expect(() => readGuardEvent(event)).toThrow(expect.objectContaining({ name: 'InvalidEventError' }));
  });
});

describe('INSPECT', () => {
  test('a found instance: state, addresses, ledger, not paused', () => {
    const tags = { [REBOOT_LEDGER_TAG_KEY]: '2026-11-26T02:30:00Z' };
    expect(inspect(inspectEvent({ lookup: { Reservations: described('running', tags) } }), NOW).instance).toEqual({
      instanceId: INSTANCE_ID,
      found: true,
      state: 'running',
      publicIp: '203.0.113.7',
      privateIp: '10.0.0.7',
      paused: false,
      rebootLedger: '2026-11-26T02:30:00Z',
    });
  });

  test.each([
    ['no reservations', []],
    ['reservations without instances', [{}, { Instances: [] }]],
    ['another instance only', [{ Instances: [{ InstanceId: 'i-other', State: { Name: 'running' } }] }]],
  ])('an instance EC2 does not know (%s) is an answer, not an error', (_, reservations) => {
    expect(inspect(inspectEvent({ lookup: { Reservations: reservations as DescribedReservations } }), NOW).instance).toEqual({
      instanceId: INSTANCE_ID, found: false, state: 'not found', paused: false, rebootLedger: '',
    });
  });

  test('an instance with the pause tag is paused; "false" does not pause; an empty value does', () => {
    const paused = inspect(inspectEvent({ lookup: { Reservations: described('running', { [PAUSE_TAG_KEY]: 'patching until 06:00' }) } }), NOW).instance;
    expect(paused).toMatchObject({ paused: true, pauseTagValue: 'patching until 06:00' });
    expect(inspectInstance(INSTANCE_ID, described('running', { [PAUSE_TAG_KEY]: 'FALSE' })).paused).toBe(false);
    expect(inspectInstance(INSTANCE_ID, described('running', { [PAUSE_TAG_KEY]: '' })).paused).toBe(true);
  });

  test('gives the lock times in epoch seconds: now, and now plus the lease', () => {
    expect(inspect(inspectEvent({ leaseSeconds: 900 }), NOW + 999).lock).toEqual({ now: String(NOW / S), leaseUntil: String(NOW / S + 900) });
  });
});

describe('REBOOT', () => {
  test('a paused instance is not rebooted, before anything else is considered', () => {
    const tags = { [PAUSE_TAG_KEY]: 'maintenance', [REBOOT_LEDGER_TAG_KEY]: '2026-11-26T02:30:00Z' };
    // Paused wins over a stopped state and a spent budget.
    for (const state of ['running', 'stopped']) {
      const decision = decideReboot(rebootEvent({ lookup: { Reservations: described(state, tags) } }), NOW);
      expect(decision).toMatchObject({ verdict: 'PAUSED', ledger: '', previousLedger: '2026-11-26T02:30:00Z' });
      expect(decision.reason).toContain(`${PAUSE_TAG_KEY}=maintenance`);
      expect(decision.schedule).toBeUndefined();
    }
  });

  test.each(['stopped', 'stopping', 'terminated', 'shutting-down', 'pending'])('a %s instance is not rebooted, and the reason says so', (state) => {
    const decision = decideReboot(rebootEvent({ lookup: { Reservations: described(state) } }), NOW);
    expect(decision).toMatchObject({ verdict: 'NOT_RUNNING', instanceState: state, ledger: '' });
    expect(decision.reason).toBe(`instance ${INSTANCE_ID} is ${state}; only a running instance is rebooted, so it was not rebooted`);
    expect(decision.schedule).toBeUndefined();
  });

  test('an instance EC2 does not know is not rebooted', () => {
    expect(decideReboot(rebootEvent({ lookup: { Reservations: [] } }), NOW)).toMatchObject({
      verdict: 'NOT_RUNNING',
      instanceState: 'not found',
      reason: expect.stringContaining('was not found'),
    });
  });

  test('checks that found no address do not lead to a reboot; one real failure besides does', () => {
    const noAddress = { check: 'url', passed: false, reason: `no address: instance ${INSTANCE_ID} has no public IP address (state: running)`, latencyMs: 3, checkedAt: '' } as const;
    const decision = decideReboot(rebootEvent({ checks: [noAddress, { ...noAddress, check: 'ssh' }] }), NOW);
    expect(decision.verdict).toBe('NO_ADDRESS');
    expect(decision.reason).toContain('has no public IP address');
    const real = { check: 'route53', passed: false, reason: '0 of 16 Route 53 checkers report healthy', latencyMs: 1, checkedAt: '' } as const;
    expect(decideReboot(rebootEvent({ checks: [noAddress, real] }), NOW).verdict).toBe('REBOOT');
  });

  test('a spent budget escalates without rebooting, and says when the last reboots were', () => {
    const tags = { [REBOOT_LEDGER_TAG_KEY]: '2026-11-26T02:30:00Z' };
    const decision = decideReboot(rebootEvent({ lookup: { Reservations: described('running', tags) } }), NOW);
    expect(decision).toMatchObject({ verdict: 'BUDGET_EXHAUSTED', rebootsInWindow: 1, ledger: '', previousLedger: '2026-11-26T02:30:00Z' });
    expect(decision.reason).toBe('1 reboot by cpu-first-line-support in the last 1 hour (at 2026-11-26 02:30:00 UTC); '
      + 'the budget is 1 per 1 hour, so it was not rebooted again');
    expect(decision.schedule).toBeUndefined();
  });

  test('dry run answers DRY_RUN where it would reboot, writes no ledger, and still respects the budget and the state', () => {
    expect(decideReboot(rebootEvent({ dryRun: true }), NOW)).toMatchObject({
      verdict: 'DRY_RUN', ledger: '', reason: expect.stringContaining('would have been rebooted'),
    });
    expect(decideReboot(rebootEvent({ dryRun: true, lookup: { Reservations: described('stopped') } }), NOW).verdict).toBe('NOT_RUNNING');
    const spent = described('running', { [REBOOT_LEDGER_TAG_KEY]: '2026-11-26T02:30:00Z' });
    expect(decideReboot(rebootEvent({ dryRun: true, lookup: { Reservations: spent } }), NOW).verdict).toBe('BUDGET_EXHAUSTED');
  });

  test('a running instance within its budget is rebooted: the new ledger, the previous one, and the schedule from now', () => {
    const decision = decideReboot(rebootEvent({ gracePeriodSeconds: 120, deadlineSeconds: 600 }), NOW);
    expect(decision).toEqual({
      verdict: 'REBOOT',
      reason: `instance ${INSTANCE_ID} is running and 0 of 1 reboots were used in the last 1 hour`,
      instanceState: 'running',
      rebootsInWindow: 0,
      ledger: '2026-11-26T03:00:00Z',
      previousLedger: '',
      schedule: { waitSeconds: 120, nextRecheckAt: NOW + 120 * S, deadlineAt: NOW + 600 * S, deadlineReached: false },
    });
  });

  test('reboots older than the window no longer count, and drop out of the ledger; the previous ledger is kept as it was', () => {
    const previous = '2026-11-26T01:00:00Z 2026-11-26T02:30:00Z garbage';
    const decision = decideReboot(rebootEvent({ maxReboots: 2, lookup: { Reservations: described('running', { [REBOOT_LEDGER_TAG_KEY]: previous }) } }), NOW);
    expect(decision).toMatchObject({
      verdict: 'REBOOT', rebootsInWindow: 1, ledger: '2026-11-26T02:30:00Z 2026-11-26T03:00:00Z', previousLedger: previous,
    });
  });

  test('the first re-check is never after the deadline', () => {
    expect(firstSchedule(NOW, 900, 600)).toEqual({
      waitSeconds: 600, nextRecheckAt: NOW + 600 * S, deadlineAt: NOW + 600 * S, deadlineReached: false,
    });
    expect(firstSchedule(NOW, 0, 600)).toMatchObject({ waitSeconds: 0, nextRecheckAt: NOW });
  });

  test('the ledger fits a tag value (256 characters), newest kept', () => {
    const times = Array.from({ length: 20 }, (_, i) => NOW - i * 60_000).reverse();
    const ledger = formatLedger(times);
    expect(ledger.length).toBeLessThanOrEqual(256);
    expect(parseLedger(ledger).at(-1)).toBe(NOW);
    expect(parseLedger(ledger).length).toBe(12);
    expect(parseLedger(undefined)).toEqual([]);
  });

  test.each([[3600, '1 hour'], [7200, '2 hours'], [5400, '90 minutes'], [90, '90 seconds'], [60, '1 minute']])('describes a %i s window as "%s"', (seconds, text) => {
    expect(describeWindow(seconds)).toBe(text);
  });
});

describe('SCHEDULE', () => {
  test('the next re-check is due one interval after the previous one was due', () => {
    expect(nextSchedule(scheduleEvent({ nextRecheckAt: NOW }, 30), NOW)).toEqual({
      waitSeconds: 30, nextRecheckAt: NOW + 30 * S, deadlineAt: NOW + 600 * S, deadlineReached: false,
    });
  });

  test('a long check does not push the schedule: due at t, finished at t+8 s, interval 30 s: wait 22 s', () => {
    expect(nextSchedule(scheduleEvent({ nextRecheckAt: NOW }, 30), NOW + 8 * S)).toMatchObject({
      waitSeconds: 22, nextRecheckAt: NOW + 30 * S, deadlineReached: false,
    });
  });

  test('when the next time has passed, the re-check starts at once, without a burst of catch-up re-checks', () => {
    const late = nextSchedule(scheduleEvent({ nextRecheckAt: NOW }, 30), NOW + 95 * S);
    expect(late).toEqual({ waitSeconds: 0, nextRecheckAt: NOW + 95 * S, deadlineAt: NOW + 600 * S, deadlineReached: false });
    // The one after is an interval after the late start, not after the missed due times.
    expect(nextSchedule(scheduleEvent({ nextRecheckAt: late.nextRecheckAt }, 30), NOW + 96 * S)).toMatchObject({
      waitSeconds: 29, nextRecheckAt: NOW + 125 * S,
    });
  });

  test('never after the deadline: the last re-check is due at the deadline', () => {
    const schedule = nextSchedule(scheduleEvent({ nextRecheckAt: NOW + 580 * S }, 30), NOW + 581 * S);
    expect(schedule).toEqual({ waitSeconds: 19, nextRecheckAt: NOW + 600 * S, deadlineAt: NOW + 600 * S, deadlineReached: false });
    expect(nextSchedule(scheduleEvent({ nextRecheckAt: schedule.nextRecheckAt }, 30), NOW + 601 * S).deadlineReached).toBe(true);
  });

  test('once the deadline has passed (or the last re-check was due at it), the deadline is reached', () => {
    const atDeadline = nextSchedule(scheduleEvent({ nextRecheckAt: NOW + 590 * S }, 30), NOW + 600 * S);
    expect(atDeadline).toMatchObject({ waitSeconds: 0, deadlineReached: true });
    expect(nextSchedule(scheduleEvent({ nextRecheckAt: NOW }, 30), NOW + 700 * S)).toMatchObject({ waitSeconds: 0, deadlineReached: true });
    expect(nextSchedule(scheduleEvent({ nextRecheckAt: NOW + 600 * S }, 30), NOW + 599 * S)).toMatchObject({ deadlineReached: true });
  });

  test('a whole incident: the number of re-checks follows the clock, not a count', () => {
    let schedule = firstSchedule(NOW, 60, 300);
    let now = schedule.nextRecheckAt;
    let rechecks = 0;
    while (!schedule.deadlineReached && rechecks < 100) {
      rechecks++;
      now += 8 * S; // each re-check takes 8 s
      schedule = nextSchedule(scheduleEvent(schedule, 60), now);
      now += schedule.waitSeconds * S;
    }
    // Due at +60, +120, +180, +240, +300 s.
    expect(rechecks).toBe(5);
    expect(now).toBeLessThanOrEqual(NOW + 300 * S + 8 * S);
  });
});

describe('the handler', () => {
  test('runs each step on the guard\'s clock', () => {
    expect(runGuard(readGuardEvent(inspectEvent()), NOW)).toMatchObject({ instance: { found: true }, lock: { now: String(NOW / S) } });
    expect(runGuard(readGuardEvent(rebootEvent()), NOW)).toMatchObject({ verdict: 'REBOOT' });
    expect(runGuard(readGuardEvent(scheduleEvent({ nextRecheckAt: NOW })), NOW + 8 * S)).toMatchObject({ waitSeconds: 22 });
  });

  test('answers with the current time by default', async () => {
    const before = Math.floor(Date.now() / S);
    const answer = await handler(inspectEvent({ leaseSeconds: 60 })) as any;
    expect(Number(answer.lock.now)).toBeGreaterThanOrEqual(before);
    expect(Number(answer.lock.leaseUntil)).toBe(Number(answer.lock.now) + 60);
  });

  test('a malformed event is rejected', async () => {
    await expect(handler({ step: 'REBOOT' })).rejects.toThrow(expect.objectContaining({ name: 'InvalidEventError' }));
  });
});

describe('RECORD', () => {
  const STARTED = '2026-11-26T02:47:30Z';

  function recordEvent(overrides: Partial<RecordOutcomeEvent> = {}): RecordOutcomeEvent {
    return { step: 'RECORD', instanceId: INSTANCE_ID, outcome: 'Recovered', incidentStartedAt: STARTED, rebootIssued: true, drill: false, ...overrides };
  }

  /** Runs the guard on `event` at NOW and answers what it answered and the lines it logged. */
  function record(event: unknown): { answer: unknown; lines: string[] } {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const answer = runGuard(readGuardEvent(event), NOW);
      return { answer, lines: log.mock.calls.map((call) => String(call[0])) };
    } finally {
      log.mockRestore();
    }
  }

  test('accepts a RECORD event, the outcome in any case', () => {
    expect(readGuardEvent({ ...recordEvent(), outcome: 'escalated WITHOUT reboot' })).toEqual(recordEvent({ outcome: 'Escalated without reboot' }));
  });

  test.each([
    ['an unknown outcome', { ...recordEvent(), outcome: 'Exploded' }, /`outcome` must be one of "All good", .*got "Exploded"/],
    ['no outcome', { ...recordEvent(), outcome: undefined }, /`outcome` must be one of/],
    ['no incident start', { ...recordEvent(), incidentStartedAt: undefined }, /`incidentStartedAt` must be a non-empty string/],
    ['an incident start that is no time', recordEvent({ incidentStartedAt: 'yesterday' }), /`incidentStartedAt` must be a time in ISO 8601, got "yesterday"/],
    ['a reboot flag that is not a boolean', { ...recordEvent(), rebootIssued: 'true' }, /`rebootIssued` must be true or false, got "true"/],
    ['no drill flag', { ...recordEvent(), drill: undefined }, /`drill` must be true or false/],
    ['no instance ID', { ...recordEvent(), instanceId: ' ' }, /`instanceId` must be a non-empty string/],
  ])('refuses %s', (_name, event, error) => {
    expect(() => readGuardEvent(event)).toThrow(expect.objectContaining({ name: 'InvalidEventError', message: expect.stringMatching(error) }));
  });

  test('records an outcome as one EMF log line, timed on the guard\'s clock', () => {
    const { answer, lines } = record(recordEvent());
    expect(answer).toEqual({ recorded: true });
    expect(lines).toHaveLength(1);
    expect(emfErrors(lines[0])).toEqual([]);
    const metrics = emfMetrics(lines[0]);
    expect(Object.fromEntries(Object.entries(metrics).map(([name, m]) => [name, m.value]))).toEqual({
      Incidents: 1, Recovered: 1, Reboots: 1, TimeToRecovery: 750,
    });
    expect(metrics.TimeToRecovery).toMatchObject({ unit: 'Seconds', namespace: 'CpuFirstLineSupport', dimensions: { InstanceId: INSTANCE_ID } });
    expect(JSON.parse(lines[0])).toMatchObject({ _aws: { Timestamp: NOW }, handler: 'guard', outcome: 'Recovered', incidentStartedAt: STARTED });
  });

  test('a drill records no metric, and logs what it would have recorded', () => {
    const { answer, lines } = record(recordEvent({ outcome: 'Escalated', drill: true }));
    expect(answer).toEqual({ recorded: false });
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]);
    expect(line._aws).toBeUndefined();
    expect(line).toMatchObject({ decision: 'DRILL_NOT_RECORDED', outcome: 'Escalated', wouldRecord: ['Incidents=1', 'Escalated=1', 'Reboots=1'] });
  });

  test('an execution that found the incident handled elsewhere records nothing', () => {
    const { answer, lines } = record(recordEvent({ outcome: 'Already handled', rebootIssued: false }));
    expect(answer).toEqual({ recorded: false });
    expect(lines.map((l) => JSON.parse(l)._aws)).toEqual([undefined]);
  });

  test('the handler refuses a malformed RECORD event', async () => {
    await expect(handler({ ...recordEvent(), outcome: 'Exploded' })).rejects.toThrow(expect.objectContaining({ name: 'InvalidEventError' }));
  });
});
