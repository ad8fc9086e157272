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
  InstanceView,
  NotificationKind,
  NotifyEvent,
  RebootDecision,
  RebootGuardEvent,
  Route53CheckEvent,
  ScheduleEvent,
  SshCheckEvent,
  UrlCheckEvent,
  WorkflowError,
} from './contract';
import { NotifierConfig } from './notifiers/notifier';

/**
 * The states of one workflow, as task factories: each builds one state from the event contract
 * (`contract.ts`), so that a field the handlers no longer read fails to compile here.
 */

/** Thrown by handlers for a malformed event; retrying cannot help. */
const INVALID_EVENT_ERROR = 'InvalidEventError';

/** Thrown by the URL check when a certificate was not accepted: a configuration error, never a verdict. */
const CERTIFICATE_ERROR = 'CertificateError';

/** What DynamoDB answers when the incident lock is held by another execution. */
export const LOCK_HELD_ERROR = 'DynamoDB.ConditionalCheckFailedException';

/**
 * The `iamResources` of every AWS API task. They only feed the policy that CDK would add to a
 * state machine's role; the workflow role (`role.ts`) takes no such policy and grants each
 * action on this instance's resources itself.
 */
export const WORKFLOW_ROLE_GRANTS = ['*'];

/** The retry policy of every check and guard task (on top of the Lambda service-error retry). */
const CHECK_RETRY: sfn.RetryProps = {
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

/** One enabled check: which function runs it and with which static event. */
export type WorkflowCheck = {
  /** Human name used in state names, e.g. "URL". */
  readonly title: string;
  readonly handler: lambda.IFunction;
} & (
  /** The workflow adds the instance it looked up. */
  | { readonly kind: 'url'; readonly event: Omit<UrlCheckEvent, 'instance'> }
  | { readonly kind: 'ssh'; readonly event: Omit<SshCheckEvent, 'instance'> }
  /** The workflow adds what the Route 53 checkers observed. */
  | { readonly kind: 'route53'; readonly event: Omit<Route53CheckEvent, 'observations'> }
);

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
function fromState<T>(path: string): T {
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
export function decideRebootTask(context: TaskContext, decision: Omit<RebootGuardEvent, 'step' | 'instanceId' | 'lookup' | 'checks'>): tasks.LambdaInvoke {
  const event: RebootGuardEvent = {
    step: 'REBOOT',
    instanceId: context.instanceId,
    lookup: fromState(statePath('lookup')),
    maxReboots: decision.maxReboots,
    rebootWindowSeconds: decision.rebootWindowSeconds,
    dryRun: decision.dryRun,
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

/** A Parallel state that runs every check once and puts the results, in order, at `resultPath`. */
export function checkRunState(context: TaskContext, id: string, verb: string, resultPath: string): sfn.Parallel {
  const run = new sfn.Parallel(context.scope, id, {
    comment: 'Runs every enabled check at once; each answers { check, passed, reason, latencyMs, checkedAt }.',
    resultPath,
  });
  for (const check of context.checks) {
    run.branch(checkBranch(context.scope, check, verb));
  }
  return run;
}

function checkBranch(scope: Construct, check: WorkflowCheck, verb: string): sfn.IChainable {
  const invoke = (payload: UrlCheckEvent | SshCheckEvent | Route53CheckEvent) => {
    const task = new tasks.LambdaInvoke(scope, `${verb} ${check.title}`, {
      lambdaFunction: check.handler,
      payload: sfn.TaskInput.fromObject(payload),
      outputPath: '$.Payload',
      retryOnServiceExceptions: true,
    });
    task.addRetry({ errors: [INVALID_EVENT_ERROR, CERTIFICATE_ERROR], maxAttempts: 0 });
    task.addRetry(CHECK_RETRY);
    return task;
  };
  if (check.kind !== 'route53') {
    return invoke({ ...check.event, instance: fromState<InstanceView>(statePath('inspection', 'instance')) });
  }
  const status = new tasks.CallAwsService(scope, `${verb} ${check.title} status`, {
    comment: 'Reads what the Route 53 checkers see; the function only judges it.',
    service: 'route53',
    action: 'getHealthCheckStatus',
    parameters: { HealthCheckId: check.event.healthCheckId },
    iamResources: WORKFLOW_ROLE_GRANTS,
    resultSelector: { 'observations.$': '$.HealthCheckObservations' },
    resultPath: statePath('healthCheckStatus'),
  });
  status.addRetry(AWS_API_RETRY);
  return status.next(invoke({ ...check.event, observations: fromState(statePath('healthCheckStatus', 'observations')) }));
}

/** True when every check result at `path` passed. */
export function allPassed(checks: WorkflowCheck[], path: string): sfn.Condition {
  const passed: keyof CheckResult = 'passed';
  const conditions = checks.map((_, i) => sfn.Condition.booleanEquals(`${path}[${i}].${passed}`, true));
  return conditions.length === 1 ? conditions[0] : sfn.Condition.and(...conditions);
}

/** A task that hands the incident to a notifier, retrying all but the notifier's refusals. */
export function notifyTask(scope: Construct, id: string, notifier: NotifierConfig, event: Pick<NotifyEvent, 'kind' | 'instanceId'>): tasks.LambdaInvoke {
  const { kind } = event;
  const payload: NotifyEvent = {
    kind,
    instanceId: event.instanceId,
    parameters: notifier.parameters,
    firstRun: fromState(statePath('firstRun')),
    lastRun: fromState(statePath('lastRun')),
    recheckCount: fromState(statePath('recheck', 'count')),
    incidentStartedAt: fromState(statePath('incidentStartedAt')),
    alarmEvent: fromState(statePath('alarmEvent')),
    executionId: fromState(statePath('executionId')),
    rebootRecorded: fromState(statePath('reboot', 'recorded')),
    rebootIssued: fromState(statePath('reboot', 'issued')),
    ...(kind === 'ERROR' ? { error: fromState(statePath('error')), failedState: fromState(statePath('failedState')) } : {}),
    ...(kind === 'ESCALATION_FAILED'
      ? { error: fromState(statePath('escalationError')), undeliveredKind: fromState(statePath('undeliveredKind')) }
      : {}),
    ...(kind === 'NOT_REBOOTED' || kind === 'WOULD_REBOOT' ? { decision: fromState(statePath('rebootDecision')) } : {}),
  };
  const task = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: notifier.handler,
    payload: sfn.TaskInput.fromObject(payload),
    resultSelector: { 'delivery.$': '$.Payload' },
    resultPath: '$.notification',
    retryOnServiceExceptions: true,
  });
  task.addRetry({ errors: [INVALID_EVENT_ERROR, ...(notifier.nonRetryableErrors ?? [])], maxAttempts: 0 });
  task.addRetry(NOTIFY_RETRY);
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
  };
}
