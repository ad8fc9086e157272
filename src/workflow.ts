import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { NotifierConfig } from './notifier';

/** One enabled check: which function runs it and with which (static) event. */
export interface WorkflowCheck {
  /** Human name used in state names, e.g. "URL". */
  readonly title: string;
  readonly handler: lambda.IFunction;
  /** The check's event (see `lambda/shared/types.ts`). */
  readonly event: { [key: string]: unknown };
}

/** Everything the workflow needs, resolved from the construct's props. */
export interface WorkflowSettings {
  readonly instanceId: string;
  /** The instance's ARN, the only resource the reboot may touch. */
  readonly instanceArn: string;
  readonly checks: WorkflowCheck[];
  readonly recovery?: NotifierConfig;
  readonly escalation: NotifierConfig;
  readonly gracePeriod: Duration;
  readonly interval: Duration;
  /** How many re-checks run at most after the reboot. */
  readonly maxRechecks: number;
  /** The guard function (see `lambda/guard.lambda.ts`). */
  readonly guard: lambda.IFunction;
  /** The state machine's own ARN, for `ListExecutions`. */
  readonly stateMachineArn: string;
  /** At most this many reboots within `rebootWindow`. */
  readonly maxReboots: number;
  readonly rebootWindow: Duration;
  /** Replace the reboot by a notice to `dryRunNotifier`. */
  readonly dryRun: boolean;
  /** Who hears "would reboot" in dry run. */
  readonly dryRunNotifier: NotifierConfig;
  /** The tag on the instance that records the library's reboots. */
  readonly rebootLedgerTagKey: string;
}

/** The retry policy of every check task (on top of the Lambda service-error retry). */
const CHECK_RETRY: sfn.RetryProps = {
  errors: [sfn.Errors.ALL],
  interval: Duration.seconds(2),
  maxAttempts: 2,
  backoffRate: 2,
};

/** The retry policy of the AWS API tasks (listing executions, tagging, rebooting). */
const AWS_API_RETRY: sfn.RetryProps = {
  errors: [sfn.Errors.ALL],
  interval: Duration.seconds(2),
  maxAttempts: 3,
  backoffRate: 2,
};

/** The retry policy of every notification task. */
const NOTIFY_RETRY: sfn.RetryProps = {
  errors: [sfn.Errors.ALL],
  interval: Duration.seconds(10),
  maxAttempts: 2,
  backoffRate: 2,
};

/** Thrown by handlers for a malformed event; retrying cannot help. */
const INVALID_EVENT_ERROR = 'InvalidEventError';

/**
 * Thrown by the notifiers when the service refused the message for good (Slack's
 * `ok: false`, an OpsGenie 4xx); the handlers already retried what was transient.
 */
const REFUSED_ERRORS = [INVALID_EVENT_ERROR, 'SlackApiError', 'OpsGenieApiError'];

/**
 * Builds the state machine definition:
 *
 * Start incident → Find running executions → Admit incident
 *   → (an earlier execution handles it) Already handled
 *   → (the instance carries the pause tag) Paused
 *   → Check instance → (healthy) All good
 *                    → Decide reboot → (not running, budget spent, no address) Notify not rebooted → Escalated without reboot
 *                                    → (dry run) Notify would reboot → Dry run
 *                                    → Record reboot → Reboot instance → Wait for reboot → Re-check instance
 *                                      → Count re-check → (healthy) Notify recovered → Recovered
 *                                                       → (deadline) Notify unresponsive → Escalated
 *                                                       → Wait before re-check → Re-check instance
 * Any unexpected error → Notify error → Escalated after error
 */
export function buildWorkflow(scope: Construct, settings: WorkflowSettings): sfn.IChainable {
  const notifyError = notifyTask(scope, 'Notify error', settings.escalation, 'ERROR', settings.instanceId)
    .next(new sfn.Succeed(scope, 'Escalated after error', {
      comment: 'The workflow hit an unexpected error and told the escalation notifier.',
    }));
  const catchInto = <T extends sfn.TaskStateBase | sfn.Parallel>(state: T): T => {
    state.addCatch(notifyError, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    return state;
  };

  const start = new sfn.Pass(scope, 'Start incident', {
    comment: 'Keeps the alarm event and sets the defaults that later states and notifications read.',
    parameters: {
      'alarmEvent.$': '$',
      'instanceId': settings.instanceId,
      'incidentStartedAt.$': '$$.Execution.StartTime',
      'executionId.$': '$$.Execution.Id',
      'firstRun': [],
      'lastRun': [],
      'recheck': { count: 0 },
    },
  });

  const findRunning = catchInto(new tasks.CallAwsService(scope, 'Find running executions', {
    comment: 'Lists the running executions of this state machine, so that one incident is handled once.',
    service: 'sfn',
    action: 'listExecutions',
    parameters: { 'StateMachineArn.$': '$$.StateMachine.Id', 'StatusFilter': 'RUNNING', 'MaxResults': 100 },
    iamResources: [settings.stateMachineArn],
    resultSelector: { 'executions.$': '$.Executions' },
    resultPath: '$.running',
  }));
  findRunning.addRetry(AWS_API_RETRY);

  const admit = catchInto(guardTask(scope, 'Admit incident', settings.guard, {
    step: 'ADMIT',
    instanceId: settings.instanceId,
    executionId: sfn.JsonPath.stringAt('$$.Execution.Id'),
    executionStartTime: sfn.JsonPath.stringAt('$$.Execution.StartTime'),
    runningExecutions: sfn.JsonPath.listAt('$.running.executions'),
  }, ['verdict', 'reason'], '$.admission'));

  const firstRun = catchInto(checkRun(scope, 'Check instance', 'Check', settings.checks, '$.firstRun'));

  const decideReboot = catchInto(guardTask(scope, 'Decide reboot', settings.guard, {
    step: 'REBOOT',
    instanceId: settings.instanceId,
    maxReboots: settings.maxReboots,
    rebootWindowSeconds: settings.rebootWindow.toSeconds(),
    dryRun: settings.dryRun,
    checks: sfn.JsonPath.listAt('$.firstRun'),
  }, ['verdict', 'reason', 'instanceState', 'rebootsInWindow', 'ledger'], '$.rebootDecision'));

  const recordReboot = catchInto(new tasks.CallAwsService(scope, 'Record reboot', {
    comment: `Writes the reboot times of the budget window to the ${settings.rebootLedgerTagKey} tag, before the reboot.`,
    service: 'ec2',
    action: 'createTags',
    parameters: {
      Resources: [settings.instanceId],
      Tags: [{ 'Key': settings.rebootLedgerTagKey, 'Value.$': '$.rebootDecision.ledger' }],
    },
    iamResources: [settings.instanceArn],
    resultPath: sfn.JsonPath.DISCARD,
  }));
  recordReboot.addRetry(AWS_API_RETRY);

  const reboot = catchInto(new tasks.CallAwsService(scope, 'Reboot instance', {
    comment: `Reboots ${settings.instanceId}.`,
    service: 'ec2',
    action: 'rebootInstances',
    parameters: { InstanceIds: [settings.instanceId] },
    iamResources: [settings.instanceArn],
    resultPath: sfn.JsonPath.DISCARD,
  }));
  reboot.addRetry(AWS_API_RETRY);

  const waitForReboot = new sfn.Wait(scope, 'Wait for reboot', {
    comment: 'Gives the instance time to shut down and boot before the first re-check.',
    time: sfn.WaitTime.duration(settings.gracePeriod),
  });
  const recheck = catchInto(checkRun(scope, 'Re-check instance', 'Re-check', settings.checks, '$.lastRun'));
  const countRecheck = new sfn.Pass(scope, 'Count re-check', {
    parameters: { 'count.$': 'States.MathAdd($.recheck.count, 1)' },
    resultPath: '$.recheck',
  });
  const waitBeforeRecheck = new sfn.Wait(scope, 'Wait before re-check', {
    time: sfn.WaitTime.duration(settings.interval),
  });

  const recovered = new sfn.Succeed(scope, 'Recovered', { comment: 'The instance passed its checks again after the reboot.' });
  const onRecovered: sfn.IChainable = settings.recovery
    ? catchInto(notifyTask(scope, 'Notify recovered', settings.recovery, 'RECOVERED', settings.instanceId)).next(recovered)
    : recovered;
  const onUnresponsive = notifyTask(scope, 'Notify unresponsive', settings.escalation, 'UNRESPONSIVE', settings.instanceId)
    .next(new sfn.Succeed(scope, 'Escalated', { comment: 'The instance was still unhealthy at the deadline; a human was told.' }));
  const onNotRebooted = notifyTask(scope, 'Notify not rebooted', settings.escalation, 'NOT_REBOOTED', settings.instanceId)
    .next(new sfn.Succeed(scope, 'Escalated without reboot', {
      comment: 'The instance failed its checks but was not running, its reboot budget was spent, or it had no address to check; a human was told.',
    }));
  const onDryRun = catchInto(notifyTask(scope, 'Notify would reboot', settings.dryRunNotifier, 'WOULD_REBOOT', settings.instanceId))
    .next(new sfn.Succeed(scope, 'Dry run', { comment: 'Dry run: the instance failed its checks; the reboot was announced, not done.' }));

  const afterReboot = reboot
    .next(waitForReboot)
    .next(recheck)
    .next(countRecheck)
    .next(new sfn.Choice(scope, 'Healthy again?')
      .when(allPassed(settings.checks, '$.lastRun'), onRecovered)
      .when(sfn.Condition.numberGreaterThanEquals('$.recheck.count', settings.maxRechecks), onUnresponsive)
      .otherwise(waitBeforeRecheck.next(recheck)));

  return start
    .next(findRunning)
    .next(admit)
    .next(new sfn.Choice(scope, 'Admitted?')
      .when(sfn.Condition.stringEquals('$.admission.verdict', 'DUPLICATE'), new sfn.Succeed(scope, 'Already handled', {
        comment: 'An earlier execution handles this incident; a second one must not reboot again.',
      }))
      .when(sfn.Condition.stringEquals('$.admission.verdict', 'PAUSED'), new sfn.Succeed(scope, 'Paused', {
        comment: 'The instance carries the pause tag: the alarm is recorded in this execution and nothing else is done.',
      }))
      .otherwise(firstRun
        .next(new sfn.Choice(scope, 'Healthy?')
          .when(allPassed(settings.checks, '$.firstRun'), new sfn.Succeed(scope, 'All good', {
            comment: 'Every check passed: the high CPU is not hurting the instance.',
          }))
          .otherwise(decideReboot
            .next(new sfn.Choice(scope, 'Reboot allowed?')
              .when(sfn.Condition.stringEquals('$.rebootDecision.verdict', 'REBOOT'), recordReboot.next(afterReboot))
              .when(sfn.Condition.stringEquals('$.rebootDecision.verdict', 'DRY_RUN'), onDryRun)
              .otherwise(onNotRebooted))))));
}

/** A task that asks the guard for a decision and puts its answer at `resultPath`. */
function guardTask(
  scope: Construct,
  id: string,
  guard: lambda.IFunction,
  event: { [key: string]: unknown },
  fields: string[],
  resultPath: string,
): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: guard,
    payload: sfn.TaskInput.fromObject(event),
    resultSelector: Object.fromEntries(fields.map((field) => [`${field}.$`, `$.Payload.${field}`])),
    resultPath,
    retryOnServiceExceptions: true,
  });
  task.addRetry({ errors: [INVALID_EVENT_ERROR], maxAttempts: 0 });
  task.addRetry(CHECK_RETRY);
  return task;
}

/** A Parallel state that runs every check once and puts the results, in order, at `resultPath`. */
function checkRun(scope: Construct, id: string, verb: string, checks: WorkflowCheck[], resultPath: string): sfn.Parallel {
  const run = new sfn.Parallel(scope, id, {
    comment: 'Runs every enabled check at once; each answers { check, passed, reason, latencyMs, checkedAt }.',
    resultPath,
  });
  for (const check of checks) {
    const task = new tasks.LambdaInvoke(scope, `${verb} ${check.title}`, {
      lambdaFunction: check.handler,
      payload: sfn.TaskInput.fromObject(check.event),
      outputPath: '$.Payload',
      retryOnServiceExceptions: true,
    });
    task.addRetry({ errors: [INVALID_EVENT_ERROR], maxAttempts: 0 });
    task.addRetry(CHECK_RETRY);
    run.branch(task);
  }
  return run;
}

/** True when every check result at `path` passed. */
function allPassed(checks: WorkflowCheck[], path: string): sfn.Condition {
  const conditions = checks.map((_, i) => sfn.Condition.booleanEquals(`${path}[${i}].passed`, true));
  return conditions.length === 1 ? conditions[0] : sfn.Condition.and(...conditions);
}

/** A task that hands the incident to a notifier. */
function notifyTask(
  scope: Construct,
  id: string,
  notifier: NotifierConfig,
  kind: 'RECOVERED' | 'UNRESPONSIVE' | 'ERROR' | 'NOT_REBOOTED' | 'WOULD_REBOOT',
  instanceId: string,
): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: notifier.handler,
    payload: sfn.TaskInput.fromObject({
      kind,
      instanceId,
      parameters: notifier.parameters,
      firstRun: sfn.JsonPath.listAt('$.firstRun'),
      lastRun: sfn.JsonPath.listAt('$.lastRun'),
      recheckCount: sfn.JsonPath.numberAt('$.recheck.count'),
      incidentStartedAt: sfn.JsonPath.stringAt('$.incidentStartedAt'),
      alarmEvent: sfn.JsonPath.objectAt('$.alarmEvent'),
      executionId: sfn.JsonPath.stringAt('$.executionId'),
      ...(kind === 'ERROR' ? { error: sfn.JsonPath.objectAt('$.error') } : {}),
      ...(kind === 'NOT_REBOOTED' || kind === 'WOULD_REBOOT' ? { decision: sfn.JsonPath.objectAt('$.rebootDecision') } : {}),
    }),
    resultSelector: { 'delivery.$': '$.Payload' },
    resultPath: '$.notification',
    retryOnServiceExceptions: true,
  });
  task.addRetry({ errors: REFUSED_ERRORS, maxAttempts: 0 });
  task.addRetry(NOTIFY_RETRY);
  return task;
}
