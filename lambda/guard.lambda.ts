/**
 * The guard: the workflow's two safety decisions, taken before anything touches the instance.
 *
 * - 'ADMIT', when an execution starts: only the earliest running execution of an instance's
 *   state machine handles the incident (later ones, started by repeated alarm events, stop as
 *   DUPLICATE), and an instance that carries the pause tag is left alone (PAUSED).
 * - 'REBOOT', when the checks failed: the instance is rebooted only while it is `running`, and
 *   only within its reboot budget, read from the reboot-ledger tag on the instance itself
 *   (the times of the library's recent reboots). In dry run, REBOOT becomes DRY_RUN.
 *
 * EC2 API errors are thrown (Step Functions retries the transient ones and escalates the rest);
 * a malformed event throws InvalidEventError.
 */
import { EC2Client, Instance } from '@aws-sdk/client-ec2';
import { describeInstance, isNoAddressReason } from './shared/instance-address';
import { logDecision } from './shared/log';
import { formatUtc } from './shared/time';
import { Admission, AdmitEvent, CheckResult, RebootDecision, RebootGuardEvent } from './shared/types';
import { invalid, readBoolean, readInteger, readOneOf, requireObject, requireString } from './shared/validate';

const HANDLER = 'guard';
const ec2 = new EC2Client({});

/** While an instance carries this tag (with any value but "false"), the workflow only records alarms. */
export const PAUSE_TAG_KEY = 'cpu-first-line-support:paused';

/** The tag on the instance that holds the times of the library's recent reboots, space-separated. */
export const REBOOT_LEDGER_TAG_KEY = 'cpu-first-line-support:reboots';

/** EC2 allows tag values of at most 256 characters. */
const MAX_TAG_VALUE_LENGTH = 256;

/** The most reboots a budget may allow; the ledger holds this many times comfortably. */
export const MAX_REBOOTS_PER_WINDOW = 10;

/** A validated guard event. */
export type GuardEvent = AdmitEvent | RebootGuardEvent;

/** Reads a time as Step Functions and the SDK give it (ISO 8601 or epoch seconds); NaN when unreadable. */
export function toEpochMs(value: unknown): number {
  if (typeof value === 'number') {
    // ListExecutions through the SDK integration may answer epoch seconds.
    return value < 1e11 ? value * 1000 : value;
  }
  return typeof value === 'string' ? Date.parse(value) : NaN;
}

/**
 * Validates the event.
 *
 * @throws InvalidEventError for a missing or malformed field
 */
export function readGuardEvent(event: unknown): GuardEvent {
  const fields = requireObject(HANDLER, event);
  const step = readOneOf(HANDLER, fields, 'step', ['ADMIT', 'REBOOT'] as const);
  const instanceId = requireString(HANDLER, fields, 'instanceId');
  if (step === 'ADMIT') {
    const executionId = requireString(HANDLER, fields, 'executionId');
    const executionStartTime = requireString(HANDLER, fields, 'executionStartTime');
    if (Number.isNaN(toEpochMs(executionStartTime))) {
      throw invalid(HANDLER, 'executionStartTime', 'must be an ISO 8601 time', executionStartTime);
    }
    const running = fields.runningExecutions;
    if (!Array.isArray(running)) {
      throw invalid(HANDLER, 'runningExecutions', 'must be a list of executions', running);
    }
    return { step, instanceId, executionId, executionStartTime, runningExecutions: running };
  }
  const checks = fields.checks ?? [];
  if (!Array.isArray(checks)) {
    throw invalid(HANDLER, 'checks', 'must be a list of check results', checks);
  }
  return {
    step,
    instanceId,
    maxReboots: readInteger(HANDLER, fields, 'maxReboots', 1, MAX_REBOOTS_PER_WINDOW),
    rebootWindowSeconds: readInteger(HANDLER, fields, 'rebootWindowSeconds', 60, 7 * 86_400),
    dryRun: readBoolean(HANDLER, fields, 'dryRun'),
    checks: checks as CheckResult[],
  };
}

function tagValue(instance: Instance | undefined, key: string): string | undefined {
  return instance?.Tags?.find((tag) => tag.Key === key)?.Value;
}

/** Whether the instance's tags pause the workflow: the pause tag is present and not "false". */
export function isPaused(instance: Instance | undefined): boolean {
  const value = tagValue(instance, PAUSE_TAG_KEY);
  return value !== undefined && value.trim().toLowerCase() !== 'false';
}

/**
 * Picks the execution that handles the incident among the running ones: the earliest started,
 * ties broken by ARN. Every execution computes the same answer from the same list, so of
 * several executions started at once exactly one proceeds. This execution counts as running
 * even when the list does not show it yet.
 */
export function handlingExecution(event: AdmitEvent): string {
  const candidates = [
    { arn: event.executionId, startMs: toEpochMs(event.executionStartTime) },
    ...event.runningExecutions
      .filter((execution) => typeof execution?.ExecutionArn === 'string')
      .map((execution) => ({ arn: execution.ExecutionArn as string, startMs: toEpochMs(execution.StartDate) }))
      // An execution whose start time cannot be read cannot claim to be first.
      .filter((execution) => !Number.isNaN(execution.startMs)),
  ];
  candidates.sort((a, b) => a.startMs - b.startMs || (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
  return candidates[0].arn;
}

/** Decides 'ADMIT' for a described instance. Pure. */
export function decideAdmission(event: AdmitEvent, instance: Instance | undefined): Admission {
  const first = handlingExecution(event);
  if (first !== event.executionId) {
    return { verdict: 'DUPLICATE', reason: `execution ${first} already handles the incident of ${event.instanceId}` };
  }
  if (isPaused(instance)) {
    return {
      verdict: 'PAUSED',
      reason: `instance ${event.instanceId} carries the tag ${PAUSE_TAG_KEY}=${tagValue(instance, PAUSE_TAG_KEY)}; the alarm is recorded and nothing else is done`,
    };
  }
  return { verdict: 'PROCEED', reason: `no other execution handles ${event.instanceId} and it is not paused` };
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

/** Decides 'REBOOT' for a described instance at `nowMs`. Pure. */
export function decideReboot(event: RebootGuardEvent, instance: Instance | undefined, nowMs: number): RebootDecision {
  const { instanceId, maxReboots, rebootWindowSeconds } = event;
  const instanceState = instance ? instance.State?.Name ?? 'unknown' : 'not found';
  const windowStartMs = nowMs - rebootWindowSeconds * 1000;
  const recent = parseLedger(tagValue(instance, REBOOT_LEDGER_TAG_KEY)).filter((ms) => ms > windowStartMs && ms <= nowMs);
  const base = { instanceState, rebootsInWindow: recent.length, ledger: '' };

  if (instanceState !== 'running') {
    const what = instance ? `is ${instanceState}` : 'was not found';
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
  };
}

/** Runs the guard for a validated event. */
export async function runGuard(event: GuardEvent, client: EC2Client = ec2, nowMs: number = Date.now()): Promise<Admission | RebootDecision> {
  const { instance } = await describeInstance(client, event.instanceId);
  const answer = event.step === 'ADMIT' ? decideAdmission(event, instance) : decideReboot(event, instance, nowMs);
  const { verdict, reason } = answer;
  logDecision(HANDLER, verdict, { step: event.step, instanceId: event.instanceId, reason });
  return answer;
}

/** Lambda entry point. */
export const handler = async (event: unknown): Promise<Admission | RebootDecision> => runGuard(readGuardEvent(event));
