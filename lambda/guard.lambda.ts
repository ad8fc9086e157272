/**
 * The guard: the workflow's safety decisions and its clock. It calls no AWS API: the state
 * machine looks the instance up itself (the `ec2:describeInstances` SDK integration, retried by
 * Step Functions) and hands the answer over, so a slow or failing lookup is a workflow error,
 * never a verdict about the instance.
 *
 * - 'INSPECT': turns the `DescribeInstances` answer into the {@link InstanceView} the checks and
 *   the workflow's choices read (state, addresses, pause tag, reboot ledger), and gives the
 *   times of the incident lock (now, and when a lock taken now lapses).
 * - 'REBOOT', when the checks failed, from a lookup made right before: the instance is rebooted
 *   only while it is `running`, not paused, reachable at an address, and within its reboot
 *   budget, read from the reboot-ledger tag on the instance itself. In dry run, REBOOT becomes
 *   DRY_RUN. A REBOOT comes with the re-check schedule, counted from this decision.
 * - 'SCHEDULE', after each re-check: the next re-check starts one interval after the start of
 *   the previous one (at once when that time has passed), never after the deadline; once the
 *   deadline has passed, the workflow escalates. The deadline is a clock, not a count.
 * - 'RECORD', after each outcome: records the outcome as CloudWatch metrics in the embedded
 *   metric format (one log line, no API call; see `src/metric-names.ts`). A fire drill records
 *   no metric: it only logs what it would have recorded.
 *
 * A malformed event throws InvalidEventError.
 */
import { findDescribedInstance, isNoAddressReason, PAUSE_TAG_KEY, toInstanceView } from './shared/instance-address';
import { logDecision } from './shared/log';
import { outcomeDocument, outcomeMetricValues, writeEmf } from './shared/metrics';
import { formatUtc } from './shared/time';
import {
  CheckResult,
  DescribedReservations,
  MAX_REBOOTS_PER_WINDOW,
  DescribeInstancesAnswer,
  InspectEvent,
  Inspection,
  InstanceView,
  RebootDecision,
  RebootGuardEvent,
  RecheckSchedule,
  RecordedOutcome,
  RecordOutcomeEvent,
  ScheduleEvent,
} from '../src/contract';
import { RECORDED_OUTCOMES } from '../src/metric-names';
import { invalid, readBoolean, readInteger, readOneOf, requireObject, requireString } from './shared/validate';

const HANDLER = 'guard';

// The tag keys are defined once, where the instance view is built.
export { PAUSE_TAG_KEY, REBOOT_LEDGER_TAG_KEY } from './shared/instance-address';

/** EC2 allows tag values of at most 256 characters. */
const MAX_TAG_VALUE_LENGTH = 256;


/** The longest lock lease and re-check deadline the guard accepts: more than any execution lives. */
const MAX_SECONDS = 400 * 86_400;

/** A validated guard event. */
export type GuardEvent = InspectEvent | RebootGuardEvent | ScheduleEvent | RecordOutcomeEvent;

/** What the guard answers. */
export type GuardAnswer = Inspection | RebootDecision | RecheckSchedule | RecordedOutcome;

/**
 * The event's `lookup`, the whole `DescribeInstances` answer of the SDK integration (so that a
 * missing list is an answer, not a runtime error of the state machine), with its `Reservations`
 * checked; none when the answer has no `Reservations`.
 */
function readLookup(fields: Record<string, unknown>): DescribeInstancesAnswer {
  const lookup = fields.lookup;
  if (typeof lookup !== 'object' || lookup === null || Array.isArray(lookup)) {
    throw invalid(HANDLER, 'lookup', 'must be the answer of DescribeInstances', lookup);
  }
  const reservations = (lookup as { Reservations?: unknown }).Reservations ?? [];
  if (!Array.isArray(reservations)) {
    throw invalid(HANDLER, 'lookup.Reservations', 'must be the Reservations list of a DescribeInstances answer', reservations);
  }
  return { Reservations: reservations as DescribedReservations };
}

function readEpochMs(fields: Record<string, unknown>, field: string): number {
  const value = fields[field];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalid(HANDLER, `schedule.${field}`, 'must be a time in epoch milliseconds', value);
  }
  return value;
}

/** The fields of a 'RECORD' event; `outcome` in the spelling of the workflow's outcomes. */
function readRecordEvent(fields: Record<string, unknown>, instanceId: string): RecordOutcomeEvent {
  const incidentStartedAt = requireString(HANDLER, fields, 'incidentStartedAt');
  if (Number.isNaN(Date.parse(incidentStartedAt))) {
    throw invalid(HANDLER, 'incidentStartedAt', 'must be a time in ISO 8601', incidentStartedAt);
  }
  return {
    step: 'RECORD',
    instanceId,
    outcome: readOneOf(HANDLER, fields, 'outcome', RECORDED_OUTCOMES),
    incidentStartedAt,
    rebootIssued: readBoolean(HANDLER, fields, 'rebootIssued'),
    drill: readBoolean(HANDLER, fields, 'drill'),
  };
}

/**
 * Validates the event.
 *
 * @throws InvalidEventError for a missing or malformed field
 */
export function readGuardEvent(event: unknown): GuardEvent {
  const fields = requireObject(HANDLER, event);
  const step = readOneOf(HANDLER, fields, 'step', ['INSPECT', 'REBOOT', 'SCHEDULE', 'RECORD'] as const);
  const instanceId = requireString(HANDLER, fields, 'instanceId');
  if (step === 'RECORD') {
    return readRecordEvent(fields, instanceId);
  }
  if (step === 'INSPECT') {
    return {
      step,
      instanceId,
      lookup: readLookup(fields),
      leaseSeconds: readInteger(HANDLER, fields, 'leaseSeconds', 60, MAX_SECONDS),
    };
  }
  if (step === 'SCHEDULE') {
    const schedule = requireObject(HANDLER, fields.schedule, 'schedule');
    return {
      step,
      instanceId,
      intervalSeconds: readInteger(HANDLER, fields, 'intervalSeconds', 1, MAX_SECONDS),
      schedule: {
        waitSeconds: 0,
        nextRecheckAt: readEpochMs(schedule, 'nextRecheckAt'),
        deadlineAt: readEpochMs(schedule, 'deadlineAt'),
        deadlineReached: false,
      },
    };
  }
  const checks = fields.checks ?? [];
  if (!Array.isArray(checks)) {
    throw invalid(HANDLER, 'checks', 'must be a list of check results', checks);
  }
  return {
    step,
    instanceId,
    lookup: readLookup(fields),
    maxReboots: readInteger(HANDLER, fields, 'maxReboots', 1, MAX_REBOOTS_PER_WINDOW),
    rebootWindowSeconds: readInteger(HANDLER, fields, 'rebootWindowSeconds', 60, 7 * 86_400),
    dryRun: readBoolean(HANDLER, fields, 'dryRun'),
    checks: checks as CheckResult[],
    gracePeriodSeconds: readInteger(HANDLER, fields, 'gracePeriodSeconds', 0, MAX_SECONDS),
    deadlineSeconds: readInteger(HANDLER, fields, 'deadlineSeconds', 1, MAX_SECONDS),
  };
}

/** The instance with `instanceId` in a `DescribeInstances` answer, as the workflow sees it. */
export function inspectInstance(instanceId: string, reservations: DescribedReservations): InstanceView {
  return toInstanceView(instanceId, findDescribedInstance(reservations, instanceId));
}

/** Answers 'INSPECT' at `nowMs`. Pure. */
export function inspect(event: InspectEvent, nowMs: number): Inspection {
  const now = Math.floor(nowMs / 1000);
  // DynamoDB numbers travel as strings in the Step Functions DynamoDB integration (`"N": "..."`).
  return {
    instance: inspectInstance(event.instanceId, event.lookup.Reservations ?? []),
    lock: { now: String(now), leaseUntil: String(now + event.leaseSeconds) },
  };
}

/** The reboot times recorded in a ledger tag value; unreadable entries are ignored. */
export function parseLedger(value: string | undefined): number[] {
  return (value ?? '')
    .split(/\s+/)
    .map((entry) => Date.parse(entry))
    .filter((ms) => !Number.isNaN(ms))
    .sort((a, b) => a - b);
}

/** A ledger tag value: the given times (seconds precision), newest last, at most 256 characters. */
export function formatLedger(timesMs: number[]): string {
  const entries = timesMs.map((ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  while (entries.join(' ').length > MAX_TAG_VALUE_LENGTH) {
    entries.shift();
  }
  return entries.join(' ');
}

/** "1 hour", "90 minutes", "45 seconds": a window for humans. */
export function describeWindow(seconds: number): string {
  const unit = (n: number, name: string) => `${n} ${name}${n === 1 ? '' : 's'}`;
  if (seconds % 3600 === 0) return unit(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return unit(seconds / 60, 'minute');
  return unit(seconds, 'second');
}

/** The re-check schedule of a reboot decided at `nowMs`: the first re-check after the grace period. */
export function firstSchedule(nowMs: number, gracePeriodSeconds: number, deadlineSeconds: number): RecheckSchedule {
  const deadlineAt = nowMs + deadlineSeconds * 1000;
  const nextRecheckAt = Math.min(nowMs + gracePeriodSeconds * 1000, deadlineAt);
  return { waitSeconds: Math.floor((nextRecheckAt - nowMs) / 1000), nextRecheckAt, deadlineAt, deadlineReached: false };
}

/**
 * Answers 'SCHEDULE' at `nowMs`, after a re-check that was due at `schedule.nextRecheckAt`.
 * Pure.
 *
 * The next re-check is due one interval after the previous one was due, so the time the
 * checks take does not add up; if that time has passed already, the next re-check starts at
 * once. No re-check is due after the deadline, and the last one is due at it: the workflow
 * escalates no later than the deadline plus the slowest check's timeout. Waits are rounded
 * down to whole seconds (ASL waits in seconds), so a re-check never starts after it is due.
 */
export function nextSchedule(event: ScheduleEvent, nowMs: number): RecheckSchedule {
  const { deadlineAt, nextRecheckAt: previousAt } = event.schedule;
  if (nowMs >= deadlineAt || previousAt >= deadlineAt) {
    return { waitSeconds: 0, nextRecheckAt: previousAt, deadlineAt, deadlineReached: true };
  }
  const nextRecheckAt = Math.min(Math.max(previousAt + event.intervalSeconds * 1000, nowMs), deadlineAt);
  return { waitSeconds: Math.max(0, Math.floor((nextRecheckAt - nowMs) / 1000)), nextRecheckAt, deadlineAt, deadlineReached: false };
}

/** Decides 'REBOOT' for the instance as looked up right before, at `nowMs`. Pure. */
export function decideReboot(event: RebootGuardEvent, nowMs: number): RebootDecision {
  const { instanceId, maxReboots, rebootWindowSeconds } = event;
  const instance = inspectInstance(instanceId, event.lookup.Reservations ?? []);
  const windowStartMs = nowMs - rebootWindowSeconds * 1000;
  const recent = parseLedger(instance.rebootLedger).filter((ms) => ms > windowStartMs && ms <= nowMs);
  const base = { instanceState: instance.state, rebootsInWindow: recent.length, ledger: '', previousLedger: instance.rebootLedger };

  if (instance.paused) {
    return {
      ...base,
      verdict: 'PAUSED',
      reason: `instance ${instanceId} was paused (tag ${PAUSE_TAG_KEY}=${instance.pauseTagValue ?? ''}) during the incident, so it was not rebooted`,
    };
  }
  if (instance.state !== 'running') {
    const what = instance.found ? `is ${instance.state}` : 'was not found';
    return { ...base, verdict: 'NOT_RUNNING', reason: `instance ${instanceId} ${what}; only a running instance is rebooted, so it was not rebooted` };
  }
  const failed = (event.checks ?? []).filter((check) => check?.passed !== true);
  if (failed.length > 0 && failed.every((check) => isNoAddressReason(check.reason))) {
    return {
      ...base,
      verdict: 'NO_ADDRESS',
      reason: `the checks found no address to reach instance ${instanceId} (${failed[0].reason}); a reboot would not give it one, so it was not rebooted`,
    };
  }
  const window = describeWindow(rebootWindowSeconds);
  if (recent.length >= maxReboots) {
    const times = recent.map(formatUtc).join(', ');
    return {
      ...base,
      verdict: 'BUDGET_EXHAUSTED',
      reason: `${recent.length} reboot${recent.length === 1 ? '' : 's'} by cpu-first-line-support in the last ${window} (at ${times}); `
        + `the budget is ${maxReboots} per ${window}, so it was not rebooted again`,
    };
  }
  if (event.dryRun) {
    return { ...base, verdict: 'DRY_RUN', reason: `dry run: instance ${instanceId} would have been rebooted (${recent.length} of ${maxReboots} reboots used in the last ${window})` };
  }
  return {
    ...base,
    verdict: 'REBOOT',
    reason: `instance ${instanceId} is running and ${recent.length} of ${maxReboots} reboots were used in the last ${window}`,
    ledger: formatLedger([...recent, nowMs]),
    schedule: firstSchedule(nowMs, event.gracePeriodSeconds, event.deadlineSeconds),
  };
}

/**
 * Answers 'RECORD' at `nowMs`: writes the outcome's metrics as one EMF log line. A drill, and an
 * outcome that records no metric ('Already handled'), write one ordinary log line instead, naming
 * the metrics a drill would have recorded. Answers whether metrics were recorded.
 */
export function recordOutcome(event: RecordOutcomeEvent, nowMs: number): RecordedOutcome {
  const { instanceId, outcome, incidentStartedAt, rebootIssued, drill } = event;
  const report = { outcome, rebootIssued, incidentStartedAtMs: Date.parse(incidentStartedAt) };
  const properties = { level: 'INFO', handler: HANDLER, decision: 'RECORDED', step: event.step, outcome, incidentStartedAt, rebootIssued };
  const document = drill ? undefined : outcomeDocument(instanceId, report, nowMs, properties);
  if (document === undefined) {
    const wouldRecord = outcomeMetricValues(report, nowMs).map(({ name, value }) => `${name}=${value}`);
    logDecision(HANDLER, drill ? 'DRILL_NOT_RECORDED' : 'NOTHING_TO_RECORD', { step: event.step, instanceId, outcome, drill, wouldRecord });
    return { recorded: false };
  }
  writeEmf(document);
  return { recorded: true };
}

/** Runs the guard for a validated event at `nowMs` (the guard's clock). */
export function runGuard(event: GuardEvent, nowMs: number = Date.now()): GuardAnswer {
  if (event.step === 'RECORD') {
    return recordOutcome(event, nowMs);
  }
  if (event.step === 'INSPECT') {
    const answer = inspect(event, nowMs);
    const { state, paused, found } = answer.instance;
    logDecision(HANDLER, paused ? 'PAUSED' : 'INSPECTED', { step: event.step, instanceId: event.instanceId, found, state, paused });
    return answer;
  }
  if (event.step === 'SCHEDULE') {
    const answer = nextSchedule(event, nowMs);
    logDecision(HANDLER, answer.deadlineReached ? 'DEADLINE_REACHED' : 'RECHECK', {
      step: event.step,
      instanceId: event.instanceId,
      nextRecheckAt: new Date(answer.nextRecheckAt).toISOString(),
      deadlineAt: new Date(answer.deadlineAt).toISOString(),
      waitSeconds: answer.waitSeconds,
    });
    return answer;
  }
  const answer = decideReboot(event, nowMs);
  logDecision(HANDLER, answer.verdict, { step: event.step, instanceId: event.instanceId, reason: answer.reason });
  return answer;
}

/** Lambda entry point. */
export const handler = async (event: unknown): Promise<GuardAnswer> => runGuard(readGuardEvent(event));
