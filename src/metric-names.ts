/**
 * The CloudWatch metrics of the automation itself: one module for both sides. The guard's
 * 'RECORD' step (`lambda/guard.lambda.ts`) writes them in the embedded metric format, and the
 * construct's `metricXxx()` methods and the dashboard read them. No imports: the handler
 * bundles import this file without aws-cdk-lib.
 *
 * A fire drill records no metric (it only logs what it would have recorded), so drills never
 * feed the alarms and dashboards built on these metrics.
 */

/** The CloudWatch namespace of every metric the automation records. */
export const METRICS_NAMESPACE = 'CpuFirstLineSupport';

/** The one dimension of every metric: the ID of the EC2 instance. */
export const INSTANCE_DIMENSION = 'InstanceId';

/** The names of the metrics the automation records. */
export const METRIC_NAMES = {
  /** One per outcome of an incident (every outcome but 'Already handled' and 'Resolved'), each watch cycle of an alarm that stays on included. */
  incidents: 'Incidents',
  /** Every check passed. */
  allGood: 'AllGood',
  /** The instance passed its checks again after the reboot. */
  recovered: 'Recovered',
  /** A human was told the instance needs one: unresponsive after the reboot, not rebooted, or a workflow error. */
  escalated: 'Escalated',
  /** The escalation notifier could not be reached. */
  escalationFailed: 'EscalationFailed',
  /** An escalated incident is over: the instance passes every check again. */
  resolved: 'Resolved',
  /** The instance carries the pause tag. */
  paused: 'Paused',
  /** Dry run: the reboot was announced, not done. */
  dryRun: 'DryRun',
  /** 1 when the incident rebooted the instance, 0 when it did not. */
  reboots: 'Reboots',
  /** Seconds from the start of the incident to the recovery. */
  timeToRecovery: 'TimeToRecovery',
  /** Seconds from the start of the incident to its resolution. */
  timeToResolve: 'TimeToResolve',
} as const;

/** The name of a metric the automation records. */
export type MetricName = typeof METRIC_NAMES[keyof typeof METRIC_NAMES];

/** The CloudWatch unit of a metric: counts, or durations in seconds. */
export type MetricUnit = 'Count' | 'Seconds';

/** Every metric the automation records, with its unit. */
export const METRIC_UNITS: Readonly<Record<MetricName, MetricUnit>> = {
  Incidents: 'Count',
  AllGood: 'Count',
  Recovered: 'Count',
  Escalated: 'Count',
  EscalationFailed: 'Count',
  Resolved: 'Count',
  Paused: 'Count',
  DryRun: 'Count',
  Reboots: 'Count',
  TimeToRecovery: 'Seconds',
  TimeToResolve: 'Seconds',
};

/** Every metric name, in the order of {@link METRIC_NAMES}. */
export const ALL_METRIC_NAMES: readonly MetricName[] = Object.values(METRIC_NAMES);

/** What one outcome records. */
export interface OutcomeMetrics {
  /** Count metrics recorded as 1. */
  readonly counts: readonly MetricName[];
  /** Whether `Reboots` is recorded: 1 when the incident rebooted the instance, else 0. */
  readonly reboots: boolean;
  /** A duration metric recorded as the seconds from the start of the incident to the outcome. */
  readonly duration?: MetricName;
}

const { incidents, allGood, recovered, escalated, escalationFailed, resolved, paused, dryRun, timeToRecovery, timeToResolve } = METRIC_NAMES;

/**
 * What each outcome of the workflow (its `OUTCOMES`, and 'Resolved') records.
 *
 * - 'Already handled' records nothing: another execution handles the incident and records it.
 * - 'Resolved' follows an escalation that was recorded already (as `Incidents`, `Escalated` and
 *   `Reboots`), so it records `Resolved` and `TimeToResolve` only: an incident counts once.
 */
export const OUTCOME_METRICS: Readonly<Record<string, OutcomeMetrics>> = {
  'All good': { counts: [incidents, allGood], reboots: true },
  'Already handled': { counts: [], reboots: false },
  'Paused': { counts: [incidents, paused], reboots: true },
  'Recovered': { counts: [incidents, recovered], reboots: true, duration: timeToRecovery },
  'Escalated': { counts: [incidents, escalated], reboots: true },
  'Escalated without reboot': { counts: [incidents, escalated], reboots: true },
  'Dry run': { counts: [incidents, dryRun], reboots: true },
  'Escalated after error': { counts: [incidents, escalated], reboots: true },
  'Escalation failed': { counts: [incidents, escalationFailed], reboots: true },
  'Resolved': { counts: [resolved], reboots: false, duration: timeToResolve },
};

/** Every outcome the guard's 'RECORD' step accepts. */
export const RECORDED_OUTCOMES: readonly string[] = Object.keys(OUTCOME_METRICS);
