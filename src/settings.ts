import { Duration } from 'aws-cdk-lib';
import { CHECK_FUNCTION_TIMEOUT, NOTIFIER_FUNCTION_TIMEOUT } from './handlers';
import { RebootBudget, RecheckOptions, WatchOptions } from './options';

/**
 * The construct's options with their defaults filled in, and the bounds derived from them:
 * timeouts, the lock's lease, the most re-checks and history events.
 */

/** More re-checks than this would crowd the execution history; see `RecheckOptions`. */
export const MAX_RECHECKS = 200;

/** More watch cycles than this would crowd the execution history (25,000 events); see `WatchOptions`. */
export const MAX_WATCH_CYCLES = 200;

/** Beyond this many history events at worst, synth warns: Step Functions fails an execution past 25,000. */
export const MAX_HISTORY_EVENTS = 20_000;

/** The watch options with their defaults filled in. */
export interface WatchPolicy {
  readonly interval: Duration;
  readonly maxDuration: Duration;
  readonly maxCycles: number;
  /** Follow an escalated incident at the same interval, for as long, and resolve it once it is over. */
  readonly resolveEscalations: boolean;
}

/** The re-check options with their defaults filled in. */
export function recheckPolicy(options: RecheckOptions = {}): Required<RecheckOptions> {
  return {
    gracePeriod: options.gracePeriod ?? Duration.seconds(30),
    interval: options.interval ?? Duration.seconds(30),
    deadline: options.deadline ?? Duration.minutes(10),
  };
}

/** The watch options with their defaults filled in; undefined when watching is off. */
export function watchPolicy(options: WatchOptions = {}): WatchPolicy | undefined {
  if (options.enabled === false) {
    return undefined;
  }
  const interval = options.interval ?? Duration.minutes(5);
  const maxDuration = options.maxDuration ?? Duration.hours(6);
  const maxCycles = Math.max(1, Math.floor(maxDuration.toSeconds() / interval.toSeconds()));
  return { interval, maxDuration, maxCycles, resolveEscalations: options.resolveEscalations ?? true };
}

/** The reboot budget with its defaults filled in. */
export function rebootBudget(budget: RebootBudget = {}): Required<RebootBudget> {
  return { maxReboots: budget.maxReboots ?? 1, window: budget.window ?? Duration.hours(1) };
}

/** The most re-checks after a reboot: one after the grace period, then one per interval until the deadline, the last at it. */
export function maxRechecks(gracePeriod: Duration, interval: Duration, deadline: Duration): number {
  return 2 + Math.floor((deadline.toSeconds() - gracePeriod.toSeconds()) / interval.toSeconds());
}

/**
 * A bound on one cycle (an incident) that no healthy run reaches: every task at its Lambda
 * timeout with all retries, notifications with their 270 s of retries, and every wait.
 */
export function incidentTimeout(gracePeriod: Duration, interval: Duration, deadline: Duration): Duration {
  const attempts = 3; // the first try and two retries
  const taskSeconds = attempts * Math.max(CHECK_FUNCTION_TIMEOUT.toSeconds(), NOTIFIER_FUNCTION_TIMEOUT.toSeconds()) + 30;
  const notifySeconds = 6 * NOTIFIER_FUNCTION_TIMEOUT.toSeconds() + 270;
  const rechecks = maxRechecks(gracePeriod, interval, deadline);
  // Per run: look up, inspect, lock, check, look up, decide, tag, reboot; per re-check: look up, inspect, check, schedule.
  return Duration.seconds(deadline.toSeconds() + (8 + 4 * rechecks) * taskSeconds + 3 * notifySeconds);
}

/**
 * How long the incident lock holds unless renewed. The lock is taken at the start and renewed
 * before each re-check and at each watch cycle, so the longest time between two renewals is the
 * longest wait plus the tasks around it: notifications with all their retries (three in a row
 * at worst: the escalation, an error alert, the other channel) and the lookups and checks. The
 * lock of an execution that died (aborted, say) lapses within this time.
 */
export function lockLease(gracePeriod: Duration, interval: Duration, watchInterval?: Duration): Duration {
  const longestWait = Math.max(gracePeriod.toSeconds(), interval.toSeconds(), watchInterval?.toSeconds() ?? 0);
  const notifySeconds = 6 * NOTIFIER_FUNCTION_TIMEOUT.toSeconds() + 270;
  return Duration.seconds(longestWait + 3 * notifySeconds + 15 * 60);
}

/**
 * A bound on an execution: two incidents, plus every watch cycle at its interval and five
 * minutes of tasks, and as many follow-up cycles after an escalation. An execution that hits it
 * ends TIMED_OUT, which the execution-failure alarm catches.
 */
export function executionTimeout(incident: Duration, watch?: WatchPolicy): Duration {
  const cycleSeconds = watch ? watch.maxCycles * (watch.interval.toSeconds() + 300) : 0;
  const loops = watch?.resolveEscalations ? 2 : 1;
  return Duration.seconds(2 * incident.toSeconds() + loops * cycleSeconds + 15 * 60);
}

/**
 * The history events one execution needs at worst, counted from the states each part enters
 * (a Lambda or SDK task writes 5 events, a Pass, Choice or Wait 2, a run of three checks
 * about 24): about 60 per quiet watch cycle, 30 per reboot and 55 per re-check. Every cycle
 * may be quiet, and as many as the reboot budget allows may reboot and re-check until the
 * deadline; then an escalation may be followed for as many cycles.
 */
export function worstCaseHistoryEvents(rechecks: number, watch: WatchPolicy, budget: Required<RebootBudget>): number {
  const cycles = watch.maxCycles + 1;
  const windows = Math.ceil(watch.maxDuration.toSeconds() / budget.window.toSeconds()) + 1;
  const rebootCycles = Math.min(cycles, budget.maxReboots * windows);
  // Following an escalation: about 60 events per cycle, as many cycles as watching.
  const followUp = watch.resolveEscalations ? watch.maxCycles * 60 : 0;
  return cycles * 60 + rebootCycles * (30 + rechecks * 55) + followUp;
}
