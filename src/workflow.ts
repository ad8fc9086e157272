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
}

/** The retry policy of every check task (on top of the Lambda service-error retry). */
const CHECK_RETRY: sfn.RetryProps = {
  errors: [sfn.Errors.ALL],
  interval: Duration.seconds(2),
  maxAttempts: 2,
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
 * Start incident → Check instance → (healthy) All good
 *                                 → Reboot instance → Wait for reboot → Re-check instance
 *                                   → Count re-check → (healthy) Notify recovered → Recovered
 *                                                    → (deadline) Notify unresponsive → Escalated
 *                                                    → Wait before re-check → Re-check instance
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

  const firstRun = catchInto(checkRun(scope, 'Check instance', 'Check', settings.checks, '$.firstRun'));

  const reboot = catchInto(new tasks.CallAwsService(scope, 'Reboot instance', {
    comment: `Reboots ${settings.instanceId}.`,
    service: 'ec2',
    action: 'rebootInstances',
    parameters: { InstanceIds: [settings.instanceId] },
    iamResources: [settings.instanceArn],
    resultPath: sfn.JsonPath.DISCARD,
  }));
  reboot.addRetry({ errors: [sfn.Errors.ALL], interval: Duration.seconds(5), maxAttempts: 3, backoffRate: 2 });

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

  return start
    .next(firstRun)
    .next(new sfn.Choice(scope, 'Healthy?')
      .when(allPassed(settings.checks, '$.firstRun'), new sfn.Succeed(scope, 'All good', {
        comment: 'Every check passed: the high CPU is not hurting the instance.',
      }))
      .otherwise(reboot
        .next(waitForReboot)
        .next(recheck)
        .next(countRecheck)
        .next(new sfn.Choice(scope, 'Healthy again?')
          .when(allPassed(settings.checks, '$.lastRun'), onRecovered)
          .when(sfn.Condition.numberGreaterThanEquals('$.recheck.count', settings.maxRechecks), onUnresponsive)
          .otherwise(waitBeforeRecheck.next(recheck)))));
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
  kind: 'RECOVERED' | 'UNRESPONSIVE' | 'ERROR',
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
    }),
    resultSelector: { 'delivery.$': '$.Payload' },
    resultPath: '$.notification',
    retryOnServiceExceptions: true,
  });
  task.addRetry({ errors: REFUSED_ERRORS, maxAttempts: 0 });
  task.addRetry(NOTIFY_RETRY);
  return task;
}
