/**
 * The event contract between the state machine and the handlers, one module for both sides:
 * the workflow in `src/` builds these events in the state machine definition (typed, so a
 * renamed field fails to compile there), and the handlers in `lambda/` read and answer them.
 * Types and plain constants only: the handler bundles import it without aws-cdk-lib.
 */

/** The checks a run can execute. */
export type CheckName = 'url' | 'route53' | 'ssh';

/** Which address of the instance a check connects to. */
export type AddressType = 'PUBLIC' | 'PRIVATE';

/** The result of one check in one run. Every check handler answers with exactly this shape. */
export interface CheckResult {
  /** Which check this is. */
  readonly check: CheckName;
  /** Whether the check passed. */
  readonly passed: boolean;
  /** One sentence for humans: what was observed, e.g. "HTTP 500 from http://203.0.113.7:80/". */
  readonly reason: string;
  /** How long the check took, in milliseconds. */
  readonly latencyMs: number;
  /** When the check finished (ISO 8601). */
  readonly checkedAt: string;
  /** What was checked: a URL, host:port or a health-check ID, when known. */
  readonly target?: string;
}

/**
 * What the workflow knows about the instance, from its own `DescribeInstances` call (the
 * `ec2:describeInstances` SDK integration, retried by Step Functions), as the guard's INSPECT
 * step reads it. The checks and the reboot decision use this view: none of them calls EC2, so
 * a slow or failing lookup is a workflow error, never a failed check.
 */
export interface InstanceView {
  readonly instanceId: string;
  /** Whether EC2 knows the instance. */
  readonly found: boolean;
  /** The EC2 state name ('running', 'stopped', ...); 'not found' when `found` is false. */
  readonly state: string;
  /** The public IPv4 address, when the instance has one. */
  readonly publicIp?: string;
  /** The private IPv4 address, when the instance has one. */
  readonly privateIp?: string;
  /** Whether the pause tag pauses the workflow (present, with any value but "false"). */
  readonly paused: boolean;
  /** The pause tag's value, when it pauses the workflow. */
  readonly pauseTagValue?: string;
  /** The reboot-ledger tag's value; '' when the instance has none. */
  readonly rebootLedger: string;
}

/** Input of `url-check.lambda.ts`. */
export interface UrlCheckEvent {
  readonly instanceId: string;
  /** The instance as looked up in this run; needed unless `url` is set. */
  readonly instance?: InstanceView;
  /** An explicit URL; when set, protocol/port/path/addressType are ignored. */
  readonly url?: string;
  /** 'http' or 'https', used with the instance's address. */
  readonly protocol?: string;
  readonly port?: number;
  /** Path starting with '/'. */
  readonly path?: string;
  readonly addressType?: AddressType;
  /** HTTP method, e.g. 'GET' or 'HEAD'. */
  readonly method: string;
  /** Accepted status codes, as in ELB matchers: "200", "200,204" or "200-399". */
  readonly healthyHttpCodes: string;
  readonly timeoutMs: number;
  /**
   * Whether an https URL's certificate must be valid for the host (chain and name).
   * @default true
   */
  readonly verifyCertificate?: boolean;
}

/** Input of `ssh-check.lambda.ts`. */
export interface SshCheckEvent {
  readonly instanceId: string;
  /** The instance as looked up in this run. */
  readonly instance: InstanceView;
  readonly port: number;
  readonly addressType: AddressType;
  readonly timeoutMs: number;
}

/** Input of `route53-check.lambda.ts`. */
export interface Route53CheckEvent {
  readonly healthCheckId: string;
  /**
   * The `HealthCheckObservations` of `GetHealthCheckStatus`, as the Step Functions SDK
   * integration (`route53:getHealthCheckStatus`) answers them; the function only judges them.
   */
  readonly observations: ReadonlyArray<{
    readonly Region?: string;
    readonly IPAddress?: string;
    readonly StatusReport?: { readonly Status?: string; readonly CheckedTime?: string | number };
  }>;
}

/** What a notification is about. */
export type NotificationKind =
  /** The instance failed its checks, was rebooted and passed them again. */
  | 'RECOVERED'
  /** The instance still failed its checks when the re-check deadline passed. */
  | 'UNRESPONSIVE'
  /** The workflow itself hit an unexpected error; a human must look. */
  | 'ERROR'
  /**
   * The instance failed its checks but was not rebooted: it is not running, its reboot
   * budget is spent, or its checks found no address. `decision.reason` says which; a human
   * must look.
   */
  | 'NOT_REBOOTED'
  /** Dry run: the instance failed its checks and would have been rebooted. */
  | 'WOULD_REBOOT'
  /**
   * The escalation notifier could not deliver a notification for good (after every retry):
   * nobody was paged. Sent to the recovery notifier; `undeliveredKind` is the notification that
   * was lost and `error` why. A human must look at the instance now.
   */
  | 'ESCALATION_FAILED'
  /**
   * The incident that was escalated (UNRESPONSIVE or NOT_REBOOTED) is over: the instance passes
   * every check again (`resolution` says whether its alarm is back to OK too). Sent to the
   * escalation notifier, which closes or resolves the alert it raised for the incident (same
   * execution, same alias or dedup key).
   */
  | 'RESOLVED';

/** Why an escalated incident was resolved. */
export type Resolution =
  /** The instance passed every check again; its alarm was not (known to be) back to OK. */
  | 'CHECKS_PASSED'
  /** The instance passed every check again, and its alarm is back to OK. */
  | 'ALARM_OK';

/**
 * The states where an execution's outcome is decided (the execution output's `outcome`), in
 * the workflow (`src/workflow.ts`), the metrics and the command-line tool.
 */
export const OUTCOMES = [
  'All good',
  'Already handled',
  'Paused',
  'Recovered',
  'Escalated',
  'Escalated without reboot',
  'Dry run',
  'Escalated after error',
  'Escalation failed',
  'Resolved',
] as const;

/** One of {@link OUTCOMES}. */
export type Outcome = typeof OUTCOMES[number];

/** The error a Step Functions Catch hands over: `{ Error, Cause }`. */
export interface WorkflowError {
  readonly Error?: string;
  readonly Cause?: string;
}

/** Input of every notifier handler (`*-notify.lambda.ts`). */
export interface NotifyEvent {
  readonly kind: NotificationKind;
  readonly instanceId: string;
  /**
   * Notifier-specific settings from `INotifier.bind()`: `destination` (which of the function's
   * configured endpoints and secrets to use) and harmless settings such as a channel or a
   * priority. Never a secret, a secret's ARN or an endpoint: those live in the function's own
   * configuration, so whoever may invoke the function cannot send the credential elsewhere.
   */
  readonly parameters: Record<string, string>;
  /** Results of the checks before the reboot. */
  readonly firstRun?: CheckResult[];
  /** Results of the last re-check after the reboot. */
  readonly lastRun?: CheckResult[];
  /** How many re-checks ran after the reboot. */
  readonly recheckCount?: number;
  /** When the execution started (ISO 8601), i.e. when the alarm fired. */
  readonly incidentStartedAt?: string;
  /** The EventBridge event that started the execution (a CloudWatch alarm state change), if any. */
  readonly alarmEvent?: unknown;
  /**
   * The Step Functions error: for kind 'ERROR' the workflow's error, for kind
   * 'ESCALATION_FAILED' why the escalation notifier could not deliver.
   */
  readonly error?: WorkflowError;
  /**
   * The Step Functions execution ID (ARN), for a link in the message; its last segment (the
   * execution name) names the incident, e.g. in the OpsGenie alias.
   */
  readonly executionId?: string;
  /** Why the instance was or was not rebooted, for kinds 'NOT_REBOOTED' and 'WOULD_REBOOT'. */
  readonly decision?: RebootDecision;
  /** For kinds 'ERROR' and 'ESCALATION_FAILED': the name of the state that failed. */
  readonly failedState?: string;
  /**
   * For kinds 'ERROR' and 'ESCALATION_FAILED': whether `RebootInstances` succeeded in this
   * execution. Anything but `true` means no reboot is known to have happened.
   */
  readonly rebootIssued?: boolean;
  /**
   * For kinds 'ERROR' and 'ESCALATION_FAILED': whether this execution wrote the reboot-ledger
   * tag (which the reboot budget counts), whether or not the reboot followed.
   */
  readonly rebootRecorded?: boolean;
  /** For kind 'ESCALATION_FAILED': the kind of the notification the escalation notifier could not deliver. */
  readonly undeliveredKind?: NotificationKind;
  /** For kind 'RESOLVED': why the escalated incident is over. */
  readonly resolution?: Resolution;
  /** For kind 'RESOLVED': when the workflow found it over (ISO 8601). */
  readonly resolvedAt?: string;
  /** True when the execution is a fire drill (see {@link DrillInput}): the message must say so. */
  readonly drill?: boolean;
}

/** What a notifier handler answers when the message was delivered. */
export interface NotifyResult {
  readonly delivered: true;
  readonly notifier: string;
  /** Slack's message timestamp or OpsGenie's request ID. */
  readonly reference?: string;
}

/**
 * The answer of the `ec2:describeInstances` SDK integration, as the workflow hands it to the
 * guard: `Reservations[].Instances[]` with EC2's PascalCase fields (only those read here).
 */
export type DescribedReservations = ReadonlyArray<{
  readonly Instances?: ReadonlyArray<{
    readonly InstanceId?: string;
    readonly State?: { readonly Name?: string };
    readonly PublicIpAddress?: string;
    readonly PrivateIpAddress?: string;
    readonly Tags?: ReadonlyArray<{ readonly Key?: string; readonly Value?: string }>;
  }>;
}>;

/** The whole answer of the `ec2:describeInstances` SDK integration: a missing list is the guard's to judge, not a runtime error. */
export interface DescribeInstancesAnswer {
  readonly Reservations?: DescribedReservations;
}

/**
 * Input of `guard.lambda.ts`, step 'INSPECT': turn this run's `DescribeInstances` answer into an
 * {@link InstanceView}, and give the times of the incident lock.
 */
export interface InspectEvent {
  readonly step: 'INSPECT';
  readonly instanceId: string;
  /** This run's `DescribeInstances` answer. */
  readonly lookup: DescribeInstancesAnswer;
  /** How long the incident lock taken with this inspection holds, at most. */
  readonly leaseSeconds: number;
}

/** What the guard answers to 'INSPECT'. */
export interface Inspection {
  readonly instance: InstanceView;
  /**
   * The incident lock's times, in epoch seconds, as decimal strings (DynamoDB numbers travel
   * as strings): now, and when a lock taken or renewed now lapses.
   */
  readonly lock: { readonly now: string; readonly leaseUntil: string };
}

/** When to re-check, on the guard's clock (epoch milliseconds). */
export interface RecheckSchedule {
  /** How long the workflow waits before the next re-check. */
  readonly waitSeconds: number;
  /** When the next re-check is due to start. */
  readonly nextRecheckAt: number;
  /** No re-check starts after this time: the deadline of the re-checks. */
  readonly deadlineAt: number;
  /** Whether the deadline has passed: escalate instead of re-checking. */
  readonly deadlineReached: boolean;
}

/** Input of `guard.lambda.ts`, step 'REBOOT': may the workflow reboot the instance now? */
export interface RebootGuardEvent {
  readonly step: 'REBOOT';
  readonly instanceId: string;
  /** The `DescribeInstances` answer taken right before this decision. */
  readonly lookup: DescribeInstancesAnswer;
  /** At most this many reboots by this library per instance within `rebootWindowSeconds`. */
  readonly maxReboots: number;
  readonly rebootWindowSeconds: number;
  /** Dry run: decide as usual, but answer DRY_RUN instead of REBOOT. */
  readonly dryRun: boolean;
  /** The results of the checks that failed (or passed) before the decision. */
  readonly checks?: CheckResult[];
  /** The first re-check comes this long after the reboot. */
  readonly gracePeriodSeconds: number;
  /** No re-check starts later than this after the reboot. */
  readonly deadlineSeconds: number;
}

/** The most reboots a budget may allow (the construct validates it, the guard checks it): the ledger tag (256 characters) keeps 12 times. */
export const MAX_REBOOTS_PER_WINDOW = 10;

/** Every verdict of the reboot decision; see `RebootDecision.verdict`. */
export const REBOOT_VERDICTS = ['REBOOT', 'DRY_RUN', 'NOT_RUNNING', 'BUDGET_EXHAUSTED', 'NO_ADDRESS', 'PAUSED'] as const;

/** A verdict of the reboot decision. */
export type RebootVerdict = typeof REBOOT_VERDICTS[number];

/** What the guard answers to 'REBOOT'. */
export interface RebootDecision {
  /**
   * REBOOT: reboot, after writing `ledger` to the instance's reboot-ledger tag.
   * DRY_RUN: would reboot. NOT_RUNNING: the instance is not running (or not found).
   * BUDGET_EXHAUSTED: the reboot budget of the window is spent. NO_ADDRESS: every failed
   * check failed because the instance has no address to check, which a reboot cannot fix.
   * PAUSED: the instance was paused (its pause tag set) since the incident started.
   */
  readonly verdict: RebootVerdict;
  /** One sentence for humans: why. */
  readonly reason: string;
  /** The instance's state, e.g. 'running' or 'stopped'; 'not found' when EC2 does not know it. */
  readonly instanceState: string;
  /** Reboots by this library within the window, before this one. */
  readonly rebootsInWindow: number;
  /**
   * For REBOOT: the new value of the reboot-ledger tag (the reboot times in the window, this
   * one last); empty for the other verdicts.
   */
  readonly ledger: string;
  /** The ledger tag's value before this decision, to restore when the reboot fails. */
  readonly previousLedger?: string;
  /** For REBOOT: when to re-check, counted from this decision. */
  readonly schedule?: RecheckSchedule;
}

/** Input of `guard.lambda.ts`, step 'SCHEDULE', after a re-check: when is the next one? */
export interface ScheduleEvent {
  readonly step: 'SCHEDULE';
  readonly instanceId: string;
  /** The schedule the re-check that just ran was started by. */
  readonly schedule: RecheckSchedule;
  /** Re-checks start this long after the start of the previous one. */
  readonly intervalSeconds: number;
}

/**
 * The input of an execution started as a fire drill (by the `cpu-first-line-support drill`
 * command), instead of an alarm's state-change event.
 *
 * - By default a drill is a dry run that treats the checks as failed whatever they found: it
 *   runs every check for real, decides as in an incident, and sends the "would reboot" notice,
 *   marked as a drill, whatever the decision (but a pause). It never reboots, pages nobody and
 *   takes no incident lock.
 * - With `live: true` it is an incident as if the alarm had fired: the real checks decide, and
 *   an instance that fails them is rebooted (unless the construct is in dry run). A drill can
 *   never force the reboot of an instance that passes its checks.
 */
export interface DrillInput {
  readonly drill: {
    /** Run as a real incident. @default false */
    readonly live?: boolean;
    /** Who started the drill, for the execution history. */
    readonly requestedBy?: string;
  };
}

/**
 * Input of `guard.lambda.ts`, step 'RECORD', after each outcome: record the outcome as
 * CloudWatch metrics in the embedded metric format (a log line, no API call).
 */
export interface RecordOutcomeEvent {
  readonly step: 'RECORD';
  readonly instanceId: string;
  /** The outcome state's name, one of the workflow's `OUTCOMES` (e.g. 'Recovered'). */
  readonly outcome: string;
  /** When the incident started (ISO 8601). */
  readonly incidentStartedAt: string;
  /** Whether the instance was rebooted in this incident. */
  readonly rebootIssued: boolean;
  /** True for a fire drill. */
  readonly drill: boolean;
}

/** What the guard answers to 'RECORD'. */
export interface RecordedOutcome {
  readonly recorded: boolean;
}
