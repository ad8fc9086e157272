import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  CheckResult,
  DescribeInstancesAnswer,
  InspectEvent,
  Inspection,
  NotificationKind,
  RebootDecision,
  RebootGuardEvent,
  RecordOutcomeEvent,
  Resolution,
  Route53CheckEvent,
  ScheduleEvent,
  WorkflowError,
} from './contract';
import type { WorkflowCheck } from './workflow-checks';

/**
 * The states of one workflow, as task factories: each builds one state from the event contract
 * (`contract.ts`), so that a field the handlers no longer read fails to compile here.
 */

/** Thrown by handlers for a malformed event; retrying cannot help. */
export const INVALID_EVENT_ERROR = 'InvalidEventError';


/** What DynamoDB answers when the incident lock is held by another execution. */
export const LOCK_HELD_ERROR = 'DynamoDB.ConditionalCheckFailedException';

/**
 * The `iamResources` of every AWS API task. They only feed the policy that CDK would add to a
 * state machine's role; the workflow role (`role.ts`) takes no such policy and grants each
 * action on this instance's resources itself.
 */
export const WORKFLOW_ROLE_GRANTS = ['*'];

/** The retry policy of every check and guard task (on top of the Lambda service-error retry). */
export const CHECK_RETRY: sfn.RetryProps = {
  errors: [sfn.Errors.ALL],
  interval: Duration.seconds(2),
  maxAttempts: 2,
  backoffRate: 2,
};

/** The retry policy of the AWS API tasks (looking up, locking, tagging, rebooting). */
export const AWS_API_RETRY: sfn.RetryProps = {
  errors: [sfn.Errors.ALL],
  interval: Duration.seconds(2),
  maxAttempts: 3,
  backoffRate: 2,
};

/**
 * The retry policy of every notification task: a notifier that is down, rate-limits or times
 * out is tried again after 10, 20, 40, 80 and 120 seconds (270 s in all), so a paging service
 * that is briefly unavailable does not lose the page.
 */
export const NOTIFY_RETRY: sfn.RetryProps = {
  errors: [sfn.Errors.ALL],
  interval: Duration.seconds(10),
  maxAttempts: 5,
  backoffRate: 2,
  maxDelay: Duration.seconds(120),
};

/** Where the workflow keeps what it learns in its state: `$.<field>`. */
export interface ExecutionState {
  readonly instanceId: string;
  readonly executionId: string;
  readonly incidentStartedAt: string;
  readonly alarmEvent: unknown;
  /** This run's `DescribeInstances` answer. */
  readonly lookup: DescribeInstancesAnswer;
  /** The guard's answer to 'INSPECT'. */
  readonly inspection: Inspection;
  /** The guard's answer to 'REBOOT', whose schedule each 'SCHEDULE' replaces. */
  readonly rebootDecision: RebootDecision;
  readonly firstRun: CheckResult[];
  readonly lastRun: CheckResult[];
  readonly recheck: { readonly count: number };
  readonly reboot: { readonly recorded: boolean; readonly issued: boolean };
  readonly watch: { readonly count: number };
  readonly healthCheckStatus: { readonly observations: Route53CheckEvent['observations'] };
  readonly error: WorkflowError;
  readonly escalationError: WorkflowError;
  readonly failedState: string;
  readonly undeliveredKind: NotificationKind;
  /** Whether this execution is a fire drill, and what the drill changes (see `DrillInput`). */
  readonly drill: {
    readonly active: boolean;
    readonly dryRun: boolean;
    readonly simulateFailure: boolean;
    /** The title prefix of the workflow's own messages (SNS, EventBridge): 'DRILL: ' or ''. */
    readonly label: string;
  };
  /** The follow-up cycles after an escalation. */
  readonly followUp: { readonly count: number };
  /** Why and when an escalated incident was found over. */
  readonly resolution: { readonly reason: Resolution; readonly at: string };
  /** The outcome state's name, set by each outcome. */
  readonly outcome: string;
}

/** The paths into a value of type `T`, as tuples of keys. */
type KeyPath<T> = T extends readonly unknown[] ? never : {
  [K in keyof T & string]: [K] | [K, ...KeyPath<NonNullable<T[K]>>];
}[keyof T & string];

/** The JSONPath of a field of the execution state, checked by the compiler, e.g. `$.inspection.instance.paused`. */
export function statePath(...keys: KeyPath<ExecutionState>): string {
  return `$.${keys.join('.')}`;
}

/** The value at `path` of the state when the task runs, typed as the contract field it fills. */
export function fromState<T>(path: string): T {
  return sfn.JsonPath.objectAt(path) as unknown as T;
}

/** What every task factory needs. */
export interface TaskContext {
  readonly scope: Construct;
  /** The instance ID, or its placeholder in a shared definition. */
  readonly instanceId: string;
  readonly lockTable: dynamodb.ITable;
  readonly guard: lambda.IFunction;
  readonly checks: WorkflowCheck[];
}

/**
 * A conditional write of the incident lock with the lease of `$.inspection.lock`. Taking it
 * succeeds when nobody holds it, its lease has lapsed, or this execution holds it; renewing it
 * (`renew`) only when this execution still holds it.
 */
export function lockTask(context: TaskContext, id: string, comment: string, renew: boolean): tasks.DynamoPutItem {
  const me = tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Id'));
  return new tasks.DynamoPutItem(context.scope, id, {
    comment,
    table: context.lockTable,
    item: {
      instanceId: tasks.DynamoAttributeValue.fromString(context.instanceId),
      holder: me,
      leaseUntil: tasks.DynamoAttributeValue.numberFromString(sfn.JsonPath.stringAt(statePath('inspection', 'lock', 'leaseUntil'))),
    },
    conditionExpression: renew ? 'holder = :me' : 'attribute_not_exists(instanceId) OR leaseUntil < :now OR holder = :me',
    expressionAttributeValues: {
      ...(renew ? {} : { ':now': tasks.DynamoAttributeValue.numberFromString(sfn.JsonPath.stringAt(statePath('inspection', 'lock', 'now'))) }),
      ':me': me,
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
}

/** Deletes the incident lock if this execution holds it; a lock held by another is left alone. */
export function releaseLockTask(context: TaskContext, id: string, comment?: string): tasks.DynamoDeleteItem {
  const task = new tasks.DynamoDeleteItem(context.scope, id, {
    comment,
    table: context.lockTable,
    key: { instanceId: tasks.DynamoAttributeValue.fromString(context.instanceId) },
    conditionExpression: 'holder = :me',
    expressionAttributeValues: { ':me': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Id')) },
    resultPath: sfn.JsonPath.DISCARD,
  });
  task.addRetry({ errors: [LOCK_HELD_ERROR], maxAttempts: 0 });
  task.addRetry(AWS_API_RETRY);
  return task;
}

/**
 * Writes the reboot-ledger tag from `valuePath` (the `ec2:createTags` SDK integration) and
 * records at `$.reboot` whether a reboot is now recorded (none is issued yet).
 */
export function writeLedgerTask(
  context: TaskContext, id: string, comment: string, tagKey: string, valuePath: string, recorded: boolean,
): tasks.CallAwsService {
  return new tasks.CallAwsService(context.scope, id, {
    comment,
    service: 'ec2',
    action: 'createTags',
    parameters: {
      Resources: [context.instanceId],
      Tags: [{ 'Key': tagKey, 'Value.$': valuePath }],
    },
    iamResources: WORKFLOW_ROLE_GRANTS,
    resultSelector: { recorded, issued: false },
    resultPath: statePath('reboot'),
  });
}

/** Reboots the instance, retried, and records at `$.reboot` that the reboot was issued. */
export function rebootTask(context: TaskContext): tasks.CallAwsService {
  const task = new tasks.CallAwsService(context.scope, 'Reboot instance', {
    comment: `Reboots ${context.instanceId}.`,
    service: 'ec2',
    action: 'rebootInstances',
    parameters: { InstanceIds: [context.instanceId] },
    iamResources: WORKFLOW_ROLE_GRANTS,
    resultSelector: { recorded: true, issued: true },
    resultPath: statePath('reboot'),
  });
  task.addRetry(AWS_API_RETRY);
  return task;
}

/** Looks the instance up with `DescribeInstances`; its whole answer goes to `$.lookup`. */
export function lookUpTask(context: TaskContext, id: string): tasks.CallAwsService {
  return new tasks.CallAwsService(context.scope, id, {
    comment: 'Looks the instance up once for this run: its state, addresses and tags. A lookup that fails is an error, never a verdict.',
    service: 'ec2',
    action: 'describeInstances',
    parameters: { InstanceIds: [context.instanceId] },
    iamResources: WORKFLOW_ROLE_GRANTS,
    // The whole answer: a field it lacks is then the guard's to judge, not a runtime error here.
    resultPath: statePath('lookup'),
  });
}

/** Turns the lookup into the instance view (and the lock's times) at `$.inspection`. */
export function inspectTask(context: TaskContext, id: string, leaseSeconds: number): tasks.LambdaInvoke {
  const event: InspectEvent = {
    step: 'INSPECT',
    instanceId: context.instanceId,
    lookup: fromState(statePath('lookup')),
    leaseSeconds,
  };
  return guardTask(context, id, event, statePath('inspection'));
}

/** Asks the guard whether to reboot, from the lookup just made; the answer goes to `$.rebootDecision`. */
export function decideRebootTask(
  context: TaskContext, decision: Omit<RebootGuardEvent, 'step' | 'instanceId' | 'lookup' | 'checks' | 'dryRun'>,
): tasks.LambdaInvoke {
  const event: RebootGuardEvent = {
    step: 'REBOOT',
    instanceId: context.instanceId,
    lookup: fromState(statePath('lookup')),
    maxReboots: decision.maxReboots,
    rebootWindowSeconds: decision.rebootWindowSeconds,
    // The construct's setting, or a drill's: set at the start of the execution.
    dryRun: fromState(statePath('drill', 'dryRun')),
    checks: fromState(statePath('firstRun')),
    gracePeriodSeconds: decision.gracePeriodSeconds,
    deadlineSeconds: decision.deadlineSeconds,
  };
  return guardTask(context, 'Decide reboot', event, statePath('rebootDecision'));
}

/** Asks the guard when the next re-check is due; the answer replaces `$.rebootDecision.schedule`. */
export function scheduleTask(context: TaskContext, intervalSeconds: number): tasks.LambdaInvoke {
  const event: ScheduleEvent = {
    step: 'SCHEDULE',
    instanceId: context.instanceId,
    schedule: fromState(statePath('rebootDecision', 'schedule')),
    intervalSeconds,
  };
  return guardTask(context, 'Schedule re-check', event, statePath('rebootDecision', 'schedule'));
}

/** A task that asks the guard and puts its answer at `resultPath`. */
function guardTask(context: TaskContext, id: string, event: InspectEvent | RebootGuardEvent | ScheduleEvent, resultPath: string): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(context.scope, id, {
    lambdaFunction: context.guard,
    payload: sfn.TaskInput.fromObject(event),
    // The guard's answer itself, not the Lambda response around it, goes to `resultPath`.
    payloadResponseOnly: true,
    resultPath,
    retryOnServiceExceptions: true,
  });
  task.addRetry({ errors: [INVALID_EVENT_ERROR], maxAttempts: 0 });
  task.addRetry(CHECK_RETRY);
  return task;
}

/** The fields every incident (the first, and each watch cycle) starts with. */
export function incidentFields(instanceId: string): { [key: string]: unknown } {
  return {
    'instanceId': instanceId,
    'executionId.$': '$$.Execution.Id',
    'firstRun': [],
    'lastRun': [],
    'recheck': { count: 0 },
    'reboot': { recorded: false, issued: false },
    'followUp': { count: 0 },
  };
}

/**
 * Asks the guard to record the outcome at `$.outcome` as metrics (a log line in the embedded
 * metric format). Metrics are a courtesy: a failure to record them never changes the outcome.
 */
export function recordOutcomeTask(context: TaskContext, id: string): tasks.LambdaInvoke {
  const event: RecordOutcomeEvent = {
    step: 'RECORD',
    instanceId: context.instanceId,
    outcome: fromState(statePath('outcome')),
    incidentStartedAt: fromState(statePath('incidentStartedAt')),
    rebootIssued: fromState(statePath('reboot', 'issued')),
    drill: fromState(statePath('drill', 'active')),
  };
  const task = new tasks.LambdaInvoke(context.scope, id, {
    comment: 'Records the outcome as CloudWatch metrics (embedded metric format); a failure here changes nothing else.',
    lambdaFunction: context.guard,
    payload: sfn.TaskInput.fromObject(event),
    payloadResponseOnly: true,
    resultPath: sfn.JsonPath.DISCARD,
    retryOnServiceExceptions: true,
  });
  task.addRetry({ errors: [INVALID_EVENT_ERROR], maxAttempts: 0 });
  task.addRetry(CHECK_RETRY);
  return task;
}

/** Reads the state of the alarm named `alarmName` into `$.alarm`, retried. */
export function readAlarmTask(scope: Construct, id: string, alarmName: string, comment: string): tasks.CallAwsService {
  const task = new tasks.CallAwsService(scope, id, {
    comment,
    service: 'cloudwatch',
    action: 'describeAlarms',
    parameters: { AlarmNames: [alarmName], AlarmTypes: ['MetricAlarm'] },
    iamResources: WORKFLOW_ROLE_GRANTS,
    resultPath: '$.alarm',
  });
  task.addRetry(AWS_API_RETRY);
  return task;
}

/** The state value of the alarm read by {@link readAlarmTask}. */
export const ALARM_STATE_PATH = '$.alarm.MetricAlarms[0].StateValue';
