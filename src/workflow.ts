import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { Outcome } from './contract';
import { DRILL_PREFIX } from './notification-text';
import { NotifierConfig } from './notifiers/notifier';
import { allPassed, checkRunState, WorkflowCheck } from './workflow-checks';
import { notifyState, NOTIFY_STATES } from './workflow-notify';
import {
  AWS_API_RETRY,
  decideRebootTask,
  incidentFields,
  inspectTask,
  LOCK_HELD_ERROR,
  lockTask,
  lookUpTask,
  rebootTask,
  recordOutcomeTask,
  releaseLockTask,
  scheduleTask,
  statePath,
  TaskContext,
  writeLedgerTask,
} from './workflow-tasks';
import { FOLLOWED_OUTCOMES, followUpLoop, QUIET_OUTCOMES, watchLoop, WorkflowWatch } from './workflow-watch';


export type { WorkflowWatch } from './workflow-watch';

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
  /** Follow an escalated incident until it is over, then resolve it; undefined: end at the escalation. */
  readonly followUp?: WorkflowWatch;
}

export { OUTCOMES } from './contract';
export type { Outcome } from './contract';

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
  'Resolved': 'After the escalation, the instance passed its checks again or its alarm returned to OK; the escalation notifier closed its alert.',
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
  private readonly context: TaskContext;
  private readonly done: sfn.Succeed;
  private readonly releaseLock: tasks.DynamoDeleteItem;
  private readonly recordOutcome: tasks.LambdaInvoke;
  private readonly notifyError: sfn.IChainable;
  private readonly escalationFailed: sfn.IChainable;
  private readonly watchStart?: sfn.Pass;

  constructor(private readonly scope: Construct, private readonly settings: WorkflowSettings) {
    this.context = { scope, instanceId: settings.instanceId, lockTable: settings.lockTable, guard: settings.guard, checks: settings.checks };
    this.done = new sfn.Succeed(scope, 'Done');
    this.releaseLock = releaseLockTask(this.context, 'Release lock', 'Releases the incident lock of the instance, if this execution holds it.');
    // A lock that cannot be released lapses at its lease; the outcome stands.
    this.releaseLock.addCatch(this.done, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
    this.releaseLock.next(this.done);
    if (settings.watch) {
      this.watchStart = new sfn.Pass(scope, 'Start watch cycle', {
        comment: 'A new cycle of checks for the alarm that is still in ALARM: a new incident, nothing of the last one carried over.',
        parameters: {
          ...incidentFields(settings.instanceId),
          'incidentStartedAt.$': '$$.State.EnteredTime',
          'alarmEvent.$': statePath('alarmEvent'),
          'watch.$': statePath('watch'),
          // Each watch cycle is a real incident, even after a live drill: its messages are not marked as a drill.
          'drill': { active: false, dryRun: settings.dryRun, simulateFailure: false, label: '' },
        },
      });
    }
    this.recordOutcome = recordOutcomeTask(this.context, 'Record outcome');
    this.routeAfterOutcome(this.recordOutcome);
    this.escalationFailed = this.buildEscalationFailed();
    this.notifyError = this.escalate('Notify error', 'ERROR', 'Escalated after error');
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
        'drill': { active: false, dryRun: settings.dryRun, simulateFailure: false, label: '' },
      },
    });

    const takeLock = lockTask(this.context, 'Take lock', 'One incident per instance: the lock is taken with a conditional write, so of two '
      + 'executions started by one alarm (EventBridge delivers at least once) only one proceeds. A lock lapses at its lease unless renewed.', false);
    takeLock.addCatch(this.outcome('Already handled'), { errors: [LOCK_HELD_ERROR], resultPath: sfn.JsonPath.DISCARD });
    this.guarded(takeLock, [LOCK_HELD_ERROR]);

    const paused = this.outcome('Paused');
    const allGood = this.outcome('All good');
    const lookUp = this.guarded(lookUpTask(this.context, 'Look up instance'));
    const firstRun = this.guarded(checkRunState(this.context, 'Check instance', 'Check', statePath('firstRun')));
    const decideReboot = this.decideReboot();
    // A drill that simulates a failure treats the checks as failed, whatever they found.
    const healthy = sfn.Condition.and(
      allPassed(settings.checks, statePath('firstRun')),
      sfn.Condition.booleanEquals(statePath('drill', 'simulateFailure'), false),
    );

    const pausedChoice = new sfn.Choice(scope, 'Paused?')
      .when(sfn.Condition.booleanEquals(statePath('inspection', 'instance', 'paused'), true), paused)
      .otherwise(firstRun
        .next(new sfn.Choice(scope, 'Healthy?')
          .when(healthy, allGood)
          .otherwise(this.guarded(lookUpTask(this.context, 'Look up before reboot')).next(decideReboot))));
    takeLock.next(pausedChoice);
    // A drill that reboots nothing takes no lock: a real alarm meanwhile is handled as usual, never "Already handled".
    lookUp
      .next(this.inspect('Inspect instance'))
      .next(new sfn.Choice(scope, 'Drill without lock?')
        .when(sfn.Condition.booleanEquals(statePath('drill', 'simulateFailure'), true), pausedChoice)
        .otherwise(takeLock));
    this.watchStart?.next(lookUp);
    start.next(this.startDrill(lookUp));
    return start;
  }

  /**
   * An execution started by a drill (its input has `drill`, see `DrillInput`): by default a dry
   * run that treats the checks as failed; a live drill is an incident as if the alarm fired.
   */
  private startDrill(next: sfn.IChainable): sfn.Choice {
    const { scope, settings } = this;
    const drill = (id: string, comment: string, dryRun: boolean, simulateFailure: boolean) => new sfn.Pass(scope, id, {
      comment,
      result: sfn.Result.fromObject({ active: true, dryRun, simulateFailure, label: DRILL_PREFIX }),
      resultPath: statePath('drill'),
    }).next(next);
    return new sfn.Choice(scope, 'Drill?')
      .when(sfn.Condition.and(sfn.Condition.isPresent('$.alarmEvent.drill.live'), sfn.Condition.booleanEquals('$.alarmEvent.drill.live', true)),
        drill('Start live drill', 'A live drill: the real checks decide, as if the alarm had fired.', settings.dryRun, false))
      .when(sfn.Condition.isPresent('$.alarmEvent.drill'),
        drill('Start drill', 'A drill: the checks run but count as failed, and the reboot is announced, never done.', true, true))
      .otherwise(next);
  }

  /** Reboot decision and what follows it. */
  private decideReboot(): sfn.IChainable {
    const { settings, scope } = this;
    const decide = this.guarded(decideRebootTask(this.context, {
      maxReboots: settings.maxReboots,
      rebootWindowSeconds: settings.rebootWindow.toSeconds(),
      gracePeriodSeconds: settings.gracePeriod.toSeconds(),
      deadlineSeconds: settings.deadline.toSeconds(),
    }));

    const recordReboot = this.guarded(writeLedgerTask(this.context, 'Record reboot',
      `Writes the reboot times of the budget window to the ${settings.rebootLedgerTagKey} tag, before the reboot.`,
      settings.rebootLedgerTagKey, statePath('rebootDecision', 'ledger'), true));
    // A reboot that fails after the ledger was written gives the budget back before escalating.
    const restoreLedger = writeLedgerTask(this.context, 'Restore reboot ledger',
      'The reboot failed: writes the ledger back as it was, so the budget does not count a reboot that did not happen.',
      settings.rebootLedgerTagKey, statePath('rebootDecision', 'previousLedger'), false);
    restoreLedger.addRetry(AWS_API_RETRY);
    restoreLedger.addCatch(this.notifyError, { errors: [sfn.Errors.ALL], resultPath: '$.restoreError' });
    restoreLedger.next(this.notifyError);

    const reboot = rebootTask(this.context);
    reboot.addCatch(this.failedAt('Reboot instance', restoreLedger), { errors: [sfn.Errors.ALL], resultPath: statePath('error') });

    const waitBeforeRecheck = new sfn.Wait(scope, 'Wait before re-check', {
      comment: 'Waits until the next re-check is due: the grace period after the reboot, then one interval after the previous re-check started.',
      time: sfn.WaitTime.secondsPath(statePath('rebootDecision', 'schedule', 'waitSeconds')),
    });
    this.recheckLoop(waitBeforeRecheck);

    const onDryRun = this.guarded(notifyState(scope, 'Notify would reboot', settings.dryRunNotifier, { kind: 'WOULD_REBOOT', instanceId: settings.instanceId }))
      .next(this.outcome('Dry run'));
    const onNotRebooted = this.escalate('Notify not rebooted', 'NOT_REBOOTED', 'Escalated without reboot');
    // A drill that simulates a failure only announces: whatever the verdict (but a pause), it pages nobody.
    const simulated = sfn.Condition.and(
      sfn.Condition.booleanEquals(statePath('drill', 'simulateFailure'), true),
      sfn.Condition.not(sfn.Condition.stringEquals(statePath('rebootDecision', 'verdict'), 'PAUSED')),
    );
    return decide.next(new sfn.Choice(scope, 'Reboot allowed?')
      .when(simulated, onDryRun)
      .when(sfn.Condition.stringEquals(statePath('rebootDecision', 'verdict'), 'REBOOT'), recordReboot.next(reboot).next(waitBeforeRecheck))
      .when(sfn.Condition.stringEquals(statePath('rebootDecision', 'verdict'), 'DRY_RUN'), onDryRun)
      .when(sfn.Condition.stringEquals(statePath('rebootDecision', 'verdict'), 'PAUSED'), this.outcome('Paused'))
      .otherwise(onNotRebooted));
  }

  /** After each wait: look up, renew the lock, re-check; recovered, escalated at the deadline, or wait again. */
  private recheckLoop(waitBeforeRecheck: sfn.Wait): void {
    const { settings, scope } = this;
    const recheck = this.guarded(checkRunState(this.context, 'Re-check instance', 'Re-check', statePath('lastRun')));
    const countRecheck = new sfn.Pass(scope, 'Count re-check', {
      parameters: { 'count.$': 'States.MathAdd($.recheck.count, 1)' },
      resultPath: statePath('recheck'),
    });
    const schedule = this.guarded(scheduleTask(this.context, settings.interval.toSeconds()));

    const recovered = this.outcome('Recovered');
    const onRecovered: sfn.IChainable = settings.recovery
      ? this.guarded(notifyState(scope, 'Notify recovered', settings.recovery, { kind: 'RECOVERED', instanceId: settings.instanceId })).next(recovered)
      : recovered;
    const onUnresponsive = this.escalate('Notify unresponsive', 'UNRESPONSIVE', 'Escalated');
    const paused = this.outcome('Paused');
    const renewLock = this.guarded(lockTask(this.context, 'Renew lock',
      'Renews the incident lock, which this execution must still hold: a lost lock is an error, never a reason to go on.', true), [LOCK_HELD_ERROR]);

    waitBeforeRecheck
      .next(this.guarded(lookUpTask(this.context, 'Look up before re-check')))
      .next(this.inspect('Inspect before re-check'))
      .next(renewLock)
      .next(new sfn.Choice(scope, 'Paused since the reboot?')
        .when(sfn.Condition.booleanEquals(statePath('inspection', 'instance', 'paused'), true), paused)
        .otherwise(recheck
          .next(countRecheck)
          .next(new sfn.Choice(scope, 'Healthy again?')
            .when(allPassed(settings.checks, statePath('lastRun')), onRecovered)
            .otherwise(schedule
              .next(new sfn.Choice(scope, 'Deadline passed?')
                .when(sfn.Condition.booleanEquals(statePath('rebootDecision', 'schedule', 'deadlineReached'), true), onUnresponsive)
                .otherwise(waitBeforeRecheck))))));
  }

  /** The state that sets an outcome, then records it; created once per outcome. */
  private outcome(name: Outcome): sfn.Pass {
    const existing = this.scope.node.tryFindChild(name) as sfn.Pass | undefined;
    if (existing) {
      return existing;
    }
    const state = new sfn.Pass(this.scope, name, {
      comment: OUTCOME_COMMENTS[name],
      result: sfn.Result.fromString(name),
      resultPath: statePath('outcome'),
    });
    state.next(this.recordOutcome);
    return state;
  }

  /**
   * Records the outcome as metrics, then: an execution that does not hold the lock ends; after a
   * quiet outcome it keeps watching the alarm, after an escalation it follows the incident until
   * it is over; else it releases the lock and ends.
   */
  private routeAfterOutcome(record: tasks.LambdaInvoke): void {
    const { scope, settings } = this;
    const next = new sfn.Choice(scope, 'After the outcome')
      .when(sfn.Condition.stringEquals(statePath('outcome'), 'Already handled'), this.done);
    const loop = { tasks: this.context, leaseSeconds: settings.leaseSeconds, stop: this.releaseLock };
    const anyOf = (outcomes: readonly Outcome[]) => sfn.Condition.or(...outcomes.map((o) => sfn.Condition.stringEquals(statePath('outcome'), o)));
    if (settings.watch && this.watchStart) {
      next.when(anyOf(QUIET_OUTCOMES), watchLoop(loop, settings.watch, this.watchStart));
    }
    if (settings.followUp) {
      next.when(anyOf(FOLLOWED_OUTCOMES), followUpLoop(loop, settings.followUp, settings.escalation, this.outcome('Resolved')));
    }
    next.otherwise(this.releaseLock);
    record.addCatch(next, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
    record.next(next);
  }

  /** Tells the escalation notifier; if it cannot, tells the recovery notifier that paging failed. */
  private escalate(id: string, kind: 'UNRESPONSIVE' | 'ERROR' | 'NOT_REBOOTED', outcome: Outcome): sfn.IChainable {
    const task = notifyState(this.scope, id, this.settings.escalation, { kind, instanceId: this.settings.instanceId });
    const undelivered = new sfn.Pass(this.scope, `Undelivered: ${id}`, {
      result: sfn.Result.fromString(kind),
      resultPath: statePath('undeliveredKind'),
    });
    undelivered.next(this.escalationFailed);
    task.addCatch(undelivered, { errors: [sfn.Errors.ALL], resultPath: statePath('escalationError') });
    return task.next(this.outcome(outcome));
  }

  /** The path of an escalation that could not be delivered: the other channel, then a failed execution. */
  private buildEscalationFailed(): sfn.IChainable {
    const { scope, settings } = this;
    const releaseBeforeFailing = releaseLockTask(this.context, 'Release lock before failing');
    const fail = new sfn.Fail(scope, 'Escalation failed', {
      comment: OUTCOME_COMMENTS['Escalation failed'],
      error: 'EscalationFailed',
      cause: 'The escalation notifier could not deliver the message; see the execution history.',
    });
    releaseBeforeFailing.addCatch(fail, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
    releaseBeforeFailing.next(fail);
    const record = recordOutcomeTask(this.context, 'Record failed escalation');
    record.addCatch(releaseBeforeFailing, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
    const recordFailure = new sfn.Pass(scope, 'Paging failed', {
      result: sfn.Result.fromString('Escalation failed'),
      resultPath: statePath('outcome'),
    }).next(record).next(releaseBeforeFailing);
    if (!settings.recovery) {
      return recordFailure;
    }
    const tellOther = notifyState(scope, 'Notify escalation failed', settings.recovery, { kind: 'ESCALATION_FAILED', instanceId: settings.instanceId });
    tellOther.addCatch(recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.otherChannelError' });
    return tellOther.next(recordFailure);
  }

  /** Turns the lookup into the instance view (and the lock's times). */
  private inspect(id: string): tasks.LambdaInvoke {
    return this.guarded(inspectTask(this.context, id, this.settings.leaseSeconds));
  }

  /** Adds the catch of unexpected errors to `state`: note the state's name, then escalate. */
  private guarded<T extends sfn.TaskStateBase | sfn.Parallel>(state: T, extraNoRetry: string[] = []): T {
    if (state instanceof sfn.TaskStateBase && !(state instanceof tasks.LambdaInvoke) && !NOTIFY_STATES.has(state)) {
      if (extraNoRetry.length > 0) state.addRetry({ errors: extraNoRetry, maxAttempts: 0 });
      state.addRetry(AWS_API_RETRY);
    }
    state.addCatch(this.failedAt(state.id, this.notifyError), { errors: [sfn.Errors.ALL], resultPath: statePath('error') });
    return state;
  }

  /** A Pass state that records which state failed, before `next`. */
  private failedAt(stateName: string, next: sfn.IChainable): sfn.IChainable {
    return new sfn.Pass(this.scope, `Failed: ${stateName}`, {
      result: sfn.Result.fromString(stateName),
      resultPath: statePath('failedState'),
    }).next(next);
  }
}
