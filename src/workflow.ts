import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { NotifierConfig } from './notifier';

/** Which check a workflow check is: it decides what the check's task is given. */
export type WorkflowCheckKind = 'url' | 'ssh' | 'route53';

/** One enabled check: which function runs it and with which (static) event. */
export interface WorkflowCheck {
  readonly kind: WorkflowCheckKind;
  /** Human name used in state names, e.g. "URL". */
  readonly title: string;
  readonly handler: lambda.IFunction;
  /** The check's static event (see `lambda/shared/types.ts`); the workflow adds what it looked up. */
  readonly event: { [key: string]: unknown };
}

/** Keep watching while the alarm stays in ALARM. */
export interface WorkflowWatch {
  /** The name of the alarm whose state is read. */
  readonly alarmName: string;
  /** The wait between two watch cycles. */
  readonly interval: Duration;
  /** The most watch cycles in one execution. */
  readonly maxCycles: number;
}

/** Everything the workflow needs, resolved from the construct's props. */
export interface WorkflowSettings {
  /** The instance ID, or its placeholder in a shared definition. */
  readonly instanceId: string;
  readonly checks: WorkflowCheck[];
  readonly recovery?: NotifierConfig;
  readonly escalation: NotifierConfig;
  readonly gracePeriod: Duration;
  readonly interval: Duration;
  readonly deadline: Duration;
  /** The guard function (see `lambda/guard.lambda.ts`). */
  readonly guard: lambda.IFunction;
  /** The stack's incident-lock table. */
  readonly lockTable: dynamodb.ITable;
  /** How long a lock holds unless renewed: it is renewed before each re-check and each watch cycle. */
  readonly leaseSeconds: number;
  /** At most this many reboots within `rebootWindow`. */
  readonly maxReboots: number;
  readonly rebootWindow: Duration;
  /** Replace the reboot by a notice to `dryRunNotifier`. */
  readonly dryRun: boolean;
  /** Who hears "would reboot" in dry run. */
  readonly dryRunNotifier: NotifierConfig;
  /** The tag on the instance that records the library's reboots. */
  readonly rebootLedgerTagKey: string;
  /** Keep watching while the alarm stays in ALARM; undefined: end after one incident. */
  readonly watch?: WorkflowWatch;
}

/**
 * The `iamResources` of every AWS API task. They only feed the policy that CDK would add to a
 * state machine's role; the workflow role (`roles.ts`) takes no such policy and grants each
 * action on this instance's resources itself.
 */
const WORKFLOW_ROLE_GRANTS = ['*'];

/** Thrown by handlers for a malformed event; retrying cannot help. */
const INVALID_EVENT_ERROR = 'InvalidEventError';

/** Thrown by the URL check when a certificate was not accepted: a configuration error, never a verdict. */
const CERTIFICATE_ERROR = 'CertificateError';

/** What DynamoDB answers when the incident lock is held by another execution. */
const LOCK_HELD_ERROR = 'DynamoDB.ConditionalCheckFailedException';

/** The retry policy of every check and guard task (on top of the Lambda service-error retry). */
const CHECK_RETRY: sfn.RetryProps = {
  errors: [sfn.Errors.ALL],
  interval: Duration.seconds(2),
  maxAttempts: 2,
  backoffRate: 2,
};

/** The retry policy of the AWS API tasks (looking up, locking, tagging, rebooting). */
const AWS_API_RETRY: sfn.RetryProps = {
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

/** The states where an execution's outcome is decided; each leads on to the end. */
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
] as const;

/** One of {@link OUTCOMES}. */
export type Outcome = typeof OUTCOMES[number];

const OUTCOME_COMMENTS: Record<Outcome, string> = {
  'All good': 'Every check passed: the high CPU is not hurting the instance.',
  'Already handled': 'Another execution holds the incident lock of this instance; a second one must not reboot again.',
  'Paused': 'The instance carries the pause tag: the alarm is recorded in this execution and nothing else is done.',
  'Recovered': 'The instance passed its checks again after the reboot.',
  'Escalated': 'The instance was still unhealthy at the deadline; a human was told.',
  'Escalated without reboot': 'The instance failed its checks but was not running, its reboot budget was spent, or it had no address to check; a human was told.',
  'Dry run': 'Dry run: the instance failed its checks; the reboot was announced, not done.',
  'Escalated after error': 'The workflow hit an unexpected error and told the escalation notifier.',
  'Escalation failed': 'The escalation notifier could not be reached; the recovery notifier, if any, was told, and the execution fails so the stack\'s execution-failure alarm fires.',
};

/**
 * Builds the state machine definition:
 *
 * Start incident → Look up instance → Inspect instance → Take lock (held elsewhere: Already handled)
 *   → (paused) Paused
 *   → Check instance → (healthy) All good
 *                    → Look up before reboot → Decide reboot
 *                        → (paused) Paused; (not running, budget spent, no address) Notify not rebooted → Escalated without reboot
 *                        → (dry run) Notify would reboot → Dry run
 *                        → Record reboot → Reboot instance (fails: Restore reboot ledger → error)
 *                          → Wait before re-check → Look up before re-check → Inspect before re-check → Renew lock → (paused) Paused
 *                          → Re-check instance → (healthy) Notify recovered → Recovered
 *                                              → Schedule re-check → (deadline passed) Notify unresponsive → Escalated
 *                                                                  → Wait before re-check
 * All good, Recovered, Paused → (the alarm still in ALARM) Wait to watch → Look up instance ...
 * Any unexpected error → Failed: <state> → Notify error → Escalated after error
 * An escalation that cannot be delivered → Notify escalation failed (recovery notifier) → Escalation failed (execution FAILED)
 * Every outcome → Release lock → Done
 */
export function buildWorkflow(scope: Construct, settings: WorkflowSettings): sfn.IChainable {
  return new WorkflowBuilder(scope, settings).build();
}

class WorkflowBuilder {
  private readonly done: sfn.Succeed;
  private readonly releaseLock: tasks.DynamoDeleteItem;
  private readonly notifyError: sfn.IChainable;
  private readonly escalationFailed: sfn.IChainable;
  private readonly watchStart?: sfn.Pass;
  private readonly watchChain?: sfn.IChainable;

  constructor(private readonly scope: Construct, private readonly settings: WorkflowSettings) {
    this.done = new sfn.Succeed(scope, 'Done');
    this.releaseLock = new tasks.DynamoDeleteItem(scope, 'Release lock', {
      comment: 'Releases the incident lock of the instance, if this execution holds it.',
      table: settings.lockTable,
      key: { instanceId: tasks.DynamoAttributeValue.fromString(settings.instanceId) },
      conditionExpression: 'holder = :me',
      expressionAttributeValues: { ':me': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Id')) },
      resultPath: sfn.JsonPath.DISCARD,
    });
    this.releaseLock.addRetry({ errors: [LOCK_HELD_ERROR], maxAttempts: 0 });
    this.releaseLock.addRetry(AWS_API_RETRY);
    // A lock that cannot be released lapses at its lease; the outcome stands.
    this.releaseLock.addCatch(this.done, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
    this.releaseLock.next(this.done);

    this.escalationFailed = this.buildEscalationFailed();
    this.notifyError = this.escalate('Notify error', 'ERROR', 'Escalated after error');
    if (settings.watch) {
      this.watchStart = new sfn.Pass(scope, 'Start watch cycle', {
        comment: 'A new cycle of checks for the alarm that is still in ALARM: a new incident, nothing of the last one carried over.',
        parameters: {
          ...incidentFields(settings.instanceId),
          'incidentStartedAt.$': '$$.State.EnteredTime',
          'alarmEvent.$': '$.alarmEvent',
          'watch.$': '$.watch',
        },
      });
      this.watchChain = this.watch(settings.watch, this.watchStart);
    }
  }

  public build(): sfn.IChainable {
    const { settings, scope } = this;
    const start = new sfn.Pass(scope, 'Start incident', {
      comment: 'Keeps the alarm event and sets the defaults that later states and notifications read.',
      parameters: {
        ...incidentFields(settings.instanceId),
        'alarmEvent.$': '$',
        'incidentStartedAt.$': '$$.Execution.StartTime',
        'watch': { count: 0 },
      },
    });

    const takeLock = this.lockTask('Take lock', 'One incident per instance: the lock is taken with a conditional write, so of two executions started by '
      + 'one alarm (EventBridge delivers at least once) only one proceeds. A lock lapses at its lease unless renewed.', false);
    takeLock.addCatch(this.outcome('Already handled', { holdsLock: false }), { errors: [LOCK_HELD_ERROR], resultPath: sfn.JsonPath.DISCARD });
    this.guarded(takeLock, [LOCK_HELD_ERROR]);

    const paused = this.outcome('Paused');
    const allGood = this.outcome('All good');
    const lookUp = this.lookUp('Look up instance');
    const firstRun = this.checkRun('Check instance', 'Check', '$.firstRun');
    const decideReboot = this.decideReboot();

    const chain = lookUp
      .next(this.inspect('Inspect instance'))
      .next(takeLock)
      .next(new sfn.Choice(scope, 'Paused?')
        .when(sfn.Condition.booleanEquals('$.inspection.instance.paused', true), paused)
        .otherwise(firstRun
          .next(new sfn.Choice(scope, 'Healthy?')
            .when(this.allPassed('$.firstRun'), allGood)
            .otherwise(this.lookUp('Look up before reboot').next(decideReboot)))));
    this.watchStart?.next(lookUp);
    return start.next(chain);
  }

  /**
   * A conditional write of the incident lock with the lease of `$.inspection.lock`. Taking it
   * succeeds when nobody holds it, its lease has lapsed, or this execution holds it; renewing it
   * (`renew`) only when this execution still holds it.
   */
  private lockTask(id: string, comment: string, renew = true): tasks.DynamoPutItem {
    const me = tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Id'));
    const task = new tasks.DynamoPutItem(this.scope, id, {
      comment,
      table: this.settings.lockTable,
      item: {
        instanceId: tasks.DynamoAttributeValue.fromString(this.settings.instanceId),
        holder: me,
        leaseUntil: tasks.DynamoAttributeValue.numberFromString(sfn.JsonPath.stringAt('$.inspection.lock.leaseUntil')),
      },
      conditionExpression: renew ? 'holder = :me' : 'attribute_not_exists(instanceId) OR leaseUntil < :now OR holder = :me',
      expressionAttributeValues: {
        ...(renew ? {} : { ':now': tasks.DynamoAttributeValue.numberFromString(sfn.JsonPath.stringAt('$.inspection.lock.now')) }),
        ':me': me,
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    return renew ? this.guarded(task, [LOCK_HELD_ERROR]) : task;
  }

  /**
   * Writes the reboot-ledger tag from `valuePath` (the `ec2:createTags` SDK integration) and
   * records at `$.reboot` whether a reboot is now recorded (none is issued yet).
   */
  private writeLedger(id: string, comment: string, valuePath: string, recorded: boolean): tasks.CallAwsService {
    return new tasks.CallAwsService(this.scope, id, {
      comment,
      service: 'ec2',
      action: 'createTags',
      parameters: {
        Resources: [this.settings.instanceId],
        Tags: [{ 'Key': this.settings.rebootLedgerTagKey, 'Value.$': valuePath }],
      },
      iamResources: WORKFLOW_ROLE_GRANTS,
      resultSelector: { recorded, issued: false },
      resultPath: '$.reboot',
    });
  }

  /** Reboot decision and what follows it. */
  private decideReboot(): sfn.IChainable {
    const { settings, scope } = this;
    const decide = this.guardTask('Decide reboot', {
      step: 'REBOOT',
      instanceId: settings.instanceId,
      lookup: sfn.JsonPath.objectAt('$.lookup'),
      maxReboots: settings.maxReboots,
      rebootWindowSeconds: settings.rebootWindow.toSeconds(),
      dryRun: settings.dryRun,
      checks: sfn.JsonPath.listAt('$.firstRun'),
      gracePeriodSeconds: settings.gracePeriod.toSeconds(),
      deadlineSeconds: settings.deadline.toSeconds(),
    }, '$.rebootDecision');

    const recordReboot = this.guarded(this.writeLedger('Record reboot',
      `Writes the reboot times of the budget window to the ${settings.rebootLedgerTagKey} tag, before the reboot.`,
      '$.rebootDecision.ledger', true));
    // A reboot that fails after the ledger was written gives the budget back before escalating.
    const restoreLedger = this.writeLedger('Restore reboot ledger',
      'The reboot failed: writes the ledger back as it was, so the budget does not count a reboot that did not happen.',
      '$.rebootDecision.previousLedger', false);
    restoreLedger.addRetry(AWS_API_RETRY);
    restoreLedger.addCatch(this.notifyError, { errors: [sfn.Errors.ALL], resultPath: '$.restoreError' });
    restoreLedger.next(this.notifyError);

    const reboot = new tasks.CallAwsService(scope, 'Reboot instance', {
      comment: `Reboots ${settings.instanceId}.`,
      service: 'ec2',
      action: 'rebootInstances',
      parameters: { InstanceIds: [settings.instanceId] },
      iamResources: WORKFLOW_ROLE_GRANTS,
      resultSelector: { recorded: true, issued: true },
      resultPath: '$.reboot',
    });
    reboot.addRetry(AWS_API_RETRY);
    reboot.addCatch(this.failedAt('Reboot instance', restoreLedger), { errors: [sfn.Errors.ALL], resultPath: '$.error' });

    const waitBeforeRecheck = new sfn.Wait(scope, 'Wait before re-check', {
      comment: 'Waits until the next re-check is due: the grace period after the reboot, then one interval after the previous re-check started.',
      time: sfn.WaitTime.secondsPath('$.rebootDecision.schedule.waitSeconds'),
    });
    const recheck = this.checkRun('Re-check instance', 'Re-check', '$.lastRun');
    const countRecheck = new sfn.Pass(scope, 'Count re-check', {
      parameters: { 'count.$': 'States.MathAdd($.recheck.count, 1)' },
      resultPath: '$.recheck',
    });
    const schedule = this.guardTask('Schedule re-check', {
      step: 'SCHEDULE',
      instanceId: settings.instanceId,
      schedule: sfn.JsonPath.objectAt('$.rebootDecision.schedule'),
      intervalSeconds: settings.interval.toSeconds(),
    }, '$.rebootDecision.schedule');

    const recovered = this.outcome('Recovered');
    const onRecovered: sfn.IChainable = settings.recovery
      ? this.guarded(this.notifyTask('Notify recovered', settings.recovery, 'RECOVERED')).next(recovered)
      : recovered;
    const onUnresponsive = this.escalate('Notify unresponsive', 'UNRESPONSIVE', 'Escalated');
    const onNotRebooted = this.escalate('Notify not rebooted', 'NOT_REBOOTED', 'Escalated without reboot');
    const onDryRun = this.guarded(this.notifyTask('Notify would reboot', settings.dryRunNotifier, 'WOULD_REBOOT'))
      .next(this.outcome('Dry run'));
    const paused = this.outcome('Paused');

    waitBeforeRecheck
      .next(this.lookUp('Look up before re-check'))
      .next(this.inspect('Inspect before re-check'))
      .next(this.lockTask('Renew lock', 'Renews the incident lock, which this execution must still hold: a lost lock is an error, never a reason to go on.'))
      .next(new sfn.Choice(scope, 'Paused since the reboot?')
        .when(sfn.Condition.booleanEquals('$.inspection.instance.paused', true), paused)
        .otherwise(recheck
          .next(countRecheck)
          .next(new sfn.Choice(scope, 'Healthy again?')
            .when(this.allPassed('$.lastRun'), onRecovered)
            .otherwise(schedule
              .next(new sfn.Choice(scope, 'Deadline passed?')
                .when(sfn.Condition.booleanEquals('$.rebootDecision.schedule.deadlineReached', true), onUnresponsive)
                .otherwise(waitBeforeRecheck))))));

    return decide.next(new sfn.Choice(scope, 'Reboot allowed?')
      .when(sfn.Condition.stringEquals('$.rebootDecision.verdict', 'REBOOT'), recordReboot.next(reboot).next(waitBeforeRecheck))
      .when(sfn.Condition.stringEquals('$.rebootDecision.verdict', 'DRY_RUN'), onDryRun)
      .when(sfn.Condition.stringEquals('$.rebootDecision.verdict', 'PAUSED'), paused)
      .otherwise(onNotRebooted));
  }

  /**
   * The state that records an outcome, then (for the quiet outcomes, while the alarm is still
   * in ALARM) keeps watching, else releases the lock and ends. Created once per outcome.
   */
  private outcome(name: Outcome, options: { holdsLock?: boolean } = {}): sfn.Pass {
    const existing = this.scope.node.tryFindChild(name) as sfn.Pass | undefined;
    if (existing) {
      return existing;
    }
    const state = new sfn.Pass(this.scope, name, {
      comment: OUTCOME_COMMENTS[name],
      result: sfn.Result.fromString(name),
      resultPath: '$.outcome',
    });
    if (options.holdsLock === false) {
      state.next(this.done);
    } else if (this.settings.watch && (name === 'All good' || name === 'Recovered' || name === 'Paused')) {
      state.next(this.watchChain!);
    } else {
      state.next(this.releaseLock);
    }
    return state;
  }

  /** Reads the alarm's state; while it is still in ALARM, waits and runs the checks again. */
  private watch(watch: WorkflowWatch, watchStart: sfn.Pass): sfn.IChainable {
    const { scope } = this;
    const readAlarm = new tasks.CallAwsService(scope, 'Read alarm state', {
      comment: 'An alarm that stays in ALARM starts no new execution: this one keeps watching until it leaves ALARM.',
      service: 'cloudwatch',
      action: 'describeAlarms',
      parameters: { AlarmNames: [watch.alarmName], AlarmTypes: ['MetricAlarm'] },
      iamResources: WORKFLOW_ROLE_GRANTS,
      resultPath: '$.alarm',
    });
    readAlarm.addRetry(AWS_API_RETRY);
    // The watch is a courtesy after an outcome that stands: if the alarm cannot be read, stop watching.
    readAlarm.addCatch(this.releaseLock, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
    const countCycle = new sfn.Pass(scope, 'Count watch cycle', {
      parameters: { 'count.$': 'States.MathAdd($.watch.count, 1)' },
      resultPath: '$.watch',
    });
    const wait = new sfn.Wait(scope, 'Wait to watch', {
      comment: 'The alarm is still in ALARM: checks the instance again after the watch interval.',
      time: sfn.WaitTime.duration(watch.interval),
    });
    return readAlarm.next(new sfn.Choice(scope, 'Alarm still on?')
      .when(sfn.Condition.and(
        sfn.Condition.isPresent('$.alarm.MetricAlarms[0].StateValue'),
        sfn.Condition.stringEquals('$.alarm.MetricAlarms[0].StateValue', 'ALARM'),
        sfn.Condition.numberLessThan('$.watch.count', watch.maxCycles),
      ), countCycle.next(wait).next(watchStart))
      .otherwise(this.releaseLock));
  }

  /** Tells the escalation notifier; if it cannot, tells the recovery notifier that paging failed. */
  private escalate(id: string, kind: 'UNRESPONSIVE' | 'ERROR' | 'NOT_REBOOTED', outcome: Outcome): sfn.IChainable {
    const task = this.notifyTask(id, this.settings.escalation, kind);
    const undelivered = new sfn.Pass(this.scope, `Undelivered: ${id}`, {
      result: sfn.Result.fromString(kind),
      resultPath: '$.undeliveredKind',
    });
    undelivered.next(this.escalationFailed);
    task.addCatch(undelivered, { errors: [sfn.Errors.ALL], resultPath: '$.escalationError' });
    return task.next(this.outcome(outcome));
  }

  /** The path of an escalation that could not be delivered: the other channel, then a failed execution. */
  private buildEscalationFailed(): sfn.IChainable {
    const { scope, settings } = this;
    const releaseBeforeFailing = new tasks.DynamoDeleteItem(scope, 'Release lock before failing', {
      table: settings.lockTable,
      key: { instanceId: tasks.DynamoAttributeValue.fromString(settings.instanceId) },
      conditionExpression: 'holder = :me',
      expressionAttributeValues: { ':me': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Id')) },
      resultPath: sfn.JsonPath.DISCARD,
    });
    const fail = new sfn.Fail(scope, 'Escalation failed', {
      comment: OUTCOME_COMMENTS['Escalation failed'],
      error: 'EscalationFailed',
      cause: 'The escalation notifier could not deliver the message; see the execution history.',
    });
    releaseBeforeFailing.addRetry({ errors: [LOCK_HELD_ERROR], maxAttempts: 0 });
    releaseBeforeFailing.addRetry(AWS_API_RETRY);
    releaseBeforeFailing.addCatch(fail, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
    releaseBeforeFailing.next(fail);
    if (!settings.recovery) {
      return releaseBeforeFailing;
    }
    const tellOther = this.notifyTask('Notify escalation failed', settings.recovery, 'ESCALATION_FAILED');
    tellOther.addCatch(releaseBeforeFailing, { errors: [sfn.Errors.ALL], resultPath: '$.otherChannelError' });
    return tellOther.next(releaseBeforeFailing);
  }

  /** Adds the catch of unexpected errors to `state`: note the state's name, then escalate. */
  private guarded<T extends sfn.TaskStateBase | sfn.Parallel>(state: T, extraNoRetry: string[] = []): T {
    if (state instanceof sfn.TaskStateBase && !(state instanceof tasks.LambdaInvoke)) {
      if (extraNoRetry.length > 0) state.addRetry({ errors: extraNoRetry, maxAttempts: 0 });
      state.addRetry(AWS_API_RETRY);
    }
    state.addCatch(this.failedAt(state.id, this.notifyError), { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    return state;
  }

  /** A Pass state that records which state failed, before `next`. */
  private failedAt(stateName: string, next: sfn.IChainable): sfn.IChainable {
    return new sfn.Pass(this.scope, `Failed: ${stateName}`, {
      result: sfn.Result.fromString(stateName),
      resultPath: '$.failedState',
    }).next(next);
  }

  /** Looks the instance up with `DescribeInstances`, retried; its answer goes to `$.lookup`. */
  private lookUp(id: string): tasks.CallAwsService {
    return this.guarded(new tasks.CallAwsService(this.scope, id, {
      comment: 'Looks the instance up once for this run: its state, addresses and tags. A lookup that fails is an error, never a verdict.',
      service: 'ec2',
      action: 'describeInstances',
      parameters: { InstanceIds: [this.settings.instanceId] },
      iamResources: WORKFLOW_ROLE_GRANTS,
      // The whole answer: a field it lacks is then the guard's to judge, not a runtime error here.
      resultPath: '$.lookup',
    }));
  }

  /** Turns the lookup into the instance view (and the lock's times) at `$.inspection`. */
  private inspect(id: string): tasks.LambdaInvoke {
    return this.guardTask(id, {
      step: 'INSPECT',
      instanceId: this.settings.instanceId,
      lookup: sfn.JsonPath.objectAt('$.lookup'),
      leaseSeconds: this.settings.leaseSeconds,
    }, '$.inspection');
  }

  /** A task that asks the guard and puts its answer at `resultPath`. */
  private guardTask(id: string, event: { [key: string]: unknown }, resultPath: string): tasks.LambdaInvoke {
    const task = new tasks.LambdaInvoke(this.scope, id, {
      lambdaFunction: this.settings.guard,
      payload: sfn.TaskInput.fromObject(event),
      // The guard's answer itself, not the Lambda response around it, goes to `resultPath`.
      payloadResponseOnly: true,
      resultPath,
      retryOnServiceExceptions: true,
    });
    task.addRetry({ errors: [INVALID_EVENT_ERROR], maxAttempts: 0 });
    task.addRetry(CHECK_RETRY);
    return this.guarded(task);
  }

  /** A Parallel state that runs every check once and puts the results, in order, at `resultPath`. */
  private checkRun(id: string, verb: string, resultPath: string): sfn.Parallel {
    const run = new sfn.Parallel(this.scope, id, {
      comment: 'Runs every enabled check at once; each answers { check, passed, reason, latencyMs, checkedAt }.',
      resultPath,
    });
    for (const check of this.settings.checks) {
      run.branch(this.checkBranch(check, verb));
    }
    return this.guarded(run);
  }

  private checkBranch(check: WorkflowCheck, verb: string): sfn.IChainable {
    const invoke = (payload: { [key: string]: unknown }) => {
      const task = new tasks.LambdaInvoke(this.scope, `${verb} ${check.title}`, {
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
      return invoke({ ...check.event, instance: sfn.JsonPath.objectAt('$.inspection.instance') });
    }
    const status = new tasks.CallAwsService(this.scope, `${verb} ${check.title} status`, {
      comment: 'Reads what the Route 53 checkers see; the function only judges it.',
      service: 'route53',
      action: 'getHealthCheckStatus',
      parameters: { HealthCheckId: check.event.healthCheckId },
      iamResources: WORKFLOW_ROLE_GRANTS,
      resultSelector: { 'observations.$': '$.HealthCheckObservations' },
      resultPath: '$.healthCheckStatus',
    });
    status.addRetry(AWS_API_RETRY);
    return status.next(invoke({ ...check.event, observations: sfn.JsonPath.listAt('$.healthCheckStatus.observations') }));
  }

  /** True when every check result at `path` passed. */
  private allPassed(path: string): sfn.Condition {
    const conditions = this.settings.checks.map((_, i) => sfn.Condition.booleanEquals(`${path}[${i}].passed`, true));
    return conditions.length === 1 ? conditions[0] : sfn.Condition.and(...conditions);
  }

  /** A task that hands the incident to a notifier, retrying all but the notifier's refusals. */
  private notifyTask(
    id: string,
    notifier: NotifierConfig,
    kind: 'RECOVERED' | 'UNRESPONSIVE' | 'ERROR' | 'NOT_REBOOTED' | 'WOULD_REBOOT' | 'ESCALATION_FAILED',
  ): tasks.LambdaInvoke {
    const task = new tasks.LambdaInvoke(this.scope, id, {
      lambdaFunction: notifier.handler,
      payload: sfn.TaskInput.fromObject({
        kind,
        instanceId: this.settings.instanceId,
        parameters: notifier.parameters,
        firstRun: sfn.JsonPath.listAt('$.firstRun'),
        lastRun: sfn.JsonPath.listAt('$.lastRun'),
        recheckCount: sfn.JsonPath.numberAt('$.recheck.count'),
        incidentStartedAt: sfn.JsonPath.stringAt('$.incidentStartedAt'),
        alarmEvent: sfn.JsonPath.objectAt('$.alarmEvent'),
        executionId: sfn.JsonPath.stringAt('$.executionId'),
        rebootRecorded: sfn.JsonPath.stringAt('$.reboot.recorded'),
        rebootIssued: sfn.JsonPath.stringAt('$.reboot.issued'),
        ...(kind === 'ERROR' ? { error: sfn.JsonPath.objectAt('$.error'), failedState: sfn.JsonPath.stringAt('$.failedState') } : {}),
        ...(kind === 'ESCALATION_FAILED'
          ? { error: sfn.JsonPath.objectAt('$.escalationError'), undeliveredKind: sfn.JsonPath.stringAt('$.undeliveredKind') }
          : {}),
        ...(kind === 'NOT_REBOOTED' || kind === 'WOULD_REBOOT' ? { decision: sfn.JsonPath.objectAt('$.rebootDecision') } : {}),
      }),
      resultSelector: { 'delivery.$': '$.Payload' },
      resultPath: '$.notification',
      retryOnServiceExceptions: true,
    });
    task.addRetry({ errors: [INVALID_EVENT_ERROR, ...(notifier.nonRetryableErrors ?? [])], maxAttempts: 0 });
    task.addRetry(NOTIFY_RETRY);
    return task;
  }
}

/** The fields every incident (the first, and each watch cycle) starts with. */
function incidentFields(instanceId: string): { [key: string]: unknown } {
  return {
    'instanceId': instanceId,
    'executionId.$': '$$.Execution.Id',
    'firstRun': [],
    'lastRun': [],
    'recheck': { count: 0 },
    'reboot': { recorded: false, issued: false },
  };
}
