import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Outcome, Resolution } from './contract';
import { NotifierConfig } from './notifiers/notifier';
import { allPassed, checkRunState } from './workflow-checks';
import { notifyState } from './workflow-notify';
import {
  ALARM_STATE_PATH,
  AWS_API_RETRY,
  inspectTask,
  LOCK_HELD_ERROR,
  lockTask,
  lookUpTask,
  readAlarmTask,
  statePath,
  TaskContext,
} from './workflow-tasks';

/**
 * The two loops that keep an execution going after an outcome: watching an alarm that stays
 * in ALARM after a quiet outcome, and following an escalated incident until it is over.
 */

/** How often and how long to keep reading the alarm and checking the instance. */
export interface WorkflowWatch {
  /** The name of the alarm whose state is read. */
  readonly alarmName: string;
  /** The wait between two cycles. */
  readonly interval: Duration;
  /** The most cycles in one execution. */
  readonly maxCycles: number;
}

/** What the loops need from the workflow that builds them. */
export interface LoopContext {
  readonly tasks: TaskContext;
  readonly leaseSeconds: number;
  /** Where a loop goes when it stops: release the lock and end. */
  readonly stop: sfn.IChainable;
}

/**
 * Reads the alarm's state; while it is still in ALARM, counts the cycle, waits and starts a
 * new incident at `next`.
 */
export function watchLoop(loop: LoopContext, watch: WorkflowWatch, next: sfn.IChainable): sfn.IChainable {
  const { scope } = loop.tasks;
  const readAlarm = readAlarmTask(scope, 'Read alarm state', watch.alarmName,
    'An alarm that stays in ALARM starts no new execution: this one keeps watching until it leaves ALARM.');
  // The watch is a courtesy after an outcome that stands: if the alarm cannot be read, stop watching.
  readAlarm.addCatch(loop.stop, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
  const countCycle = new sfn.Pass(scope, 'Count watch cycle', {
    parameters: { 'count.$': 'States.MathAdd($.watch.count, 1)' },
    resultPath: statePath('watch'),
  });
  const wait = new sfn.Wait(scope, 'Wait to watch', {
    comment: 'The alarm is still in ALARM: checks the instance again after the watch interval.',
    time: sfn.WaitTime.duration(watch.interval),
  });
  return readAlarm.next(new sfn.Choice(scope, 'Alarm still on?')
    .when(sfn.Condition.and(
      sfn.Condition.isPresent(ALARM_STATE_PATH),
      sfn.Condition.stringEquals(ALARM_STATE_PATH, 'ALARM'),
      sfn.Condition.numberLessThan(statePath('watch', 'count'), watch.maxCycles),
    ), countCycle.next(wait).next(next))
    .otherwise(loop.stop));
}

/**
 * After an escalation: every interval, checks the instance (and reads its alarm). Once every
 * check passes, tells the escalation notifier RESOLVED (which closes the alert it raised for
 * this incident) and ends with `resolved`. An alarm back to OK alone resolves nothing: a hung
 * instance's CPU can drop while it stays down. Stops quietly, leaving the alert open, after
 * `maxCycles`, when the instance is paused, or when a step fails: the escalation stands, and a
 * human is on it.
 */
export function followUpLoop(
  loop: LoopContext, follow: WorkflowWatch, escalation: NotifierConfig, resolved: sfn.IChainable,
): sfn.IChainable {
  const { scope, instanceId } = loop.tasks;
  const quiet = <T extends sfn.TaskStateBase | sfn.Parallel>(state: T): T => {
    state.addCatch(loop.stop, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
    return state;
  };
  const wait = new sfn.Wait(scope, 'Wait to follow up', {
    comment: 'The incident was escalated: looks again after the watch interval, to close the alert once it is over.',
    time: sfn.WaitTime.duration(follow.interval),
  });
  const readAlarm = readAlarmTask(scope, 'Read alarm to follow up', follow.alarmName, 'Is the alarm back to OK? Said in the resolution.');
  const lookUp = quiet(lookUpTask(loop.tasks, 'Look up to follow up'));
  lookUp.addRetry(AWS_API_RETRY);
  // The alarm's state only words the resolution: if it cannot be read, the checks still decide.
  readAlarm.addCatch(lookUp, { errors: [sfn.Errors.ALL], resultPath: '$.alarm' });
  const inspect = quiet(inspectTask(loop.tasks, 'Inspect to follow up', loop.leaseSeconds));
  const renewLock = quiet(lockTask(loop.tasks, 'Renew lock to follow up',
    'Keeps the incident lock while following up, so that the alarm firing again does not start a second incident.', true));
  renewLock.addRetry({ errors: [LOCK_HELD_ERROR], maxAttempts: 0 });
  renewLock.addRetry(AWS_API_RETRY);
  const check = quiet(checkRunState(loop.tasks, 'Follow-up check', 'Follow-up check', statePath('lastRun')));
  const notify = notifyState(scope, 'Notify resolved', escalation, { kind: 'RESOLVED', instanceId });
  // An alert that cannot be closed stays open: a human closes it.
  notify.addCatch(loop.stop, { errors: [sfn.Errors.ALL], resultPath: '$.resolveError' });
  notify.next(resolved);
  const countCycle = new sfn.Pass(scope, 'Count follow-up', {
    parameters: { 'count.$': 'States.MathAdd($.followUp.count, 1)' },
    resultPath: statePath('followUp'),
  });
  countCycle.next(new sfn.Choice(scope, 'Keep following up?')
    .when(sfn.Condition.numberLessThan(statePath('followUp', 'count'), follow.maxCycles), wait)
    .otherwise(loop.stop));
  const alarmOk = sfn.Condition.and(sfn.Condition.isPresent(ALARM_STATE_PATH), sfn.Condition.stringEquals(ALARM_STATE_PATH, 'OK'));

  wait.next(readAlarm).next(lookUp)
    .next(inspect)
    .next(renewLock)
    .next(new sfn.Choice(scope, 'Paused since the escalation?')
      .when(sfn.Condition.booleanEquals(statePath('inspection', 'instance', 'paused'), true), loop.stop)
      .otherwise(check.next(new sfn.Choice(scope, 'Healthy since the escalation?')
        .when(sfn.Condition.and(allPassed(loop.tasks.checks, statePath('lastRun')), alarmOk), resolution(loop, 'Resolved with alarm OK', 'ALARM_OK').next(notify))
        .when(allPassed(loop.tasks.checks, statePath('lastRun')), resolution(loop, 'Resolved by checks', 'CHECKS_PASSED').next(notify))
        .otherwise(countCycle))));
  return wait;
}

/** Records why and when the escalated incident was found over, at `$.resolution`. */
function resolution(loop: LoopContext, id: string, reason: Resolution): sfn.Pass {
  return new sfn.Pass(loop.tasks.scope, id, {
    parameters: { 'reason': reason, 'at.$': '$$.State.EnteredTime' },
    resultPath: statePath('resolution'),
  });
}

/** The outcomes after which an execution may keep watching the alarm (a resolved escalation included: its alarm may still be on). */
export const QUIET_OUTCOMES: readonly Outcome[] = ['All good', 'Recovered', 'Paused', 'Resolved'];

/** The outcomes after which an execution follows the escalated incident until it is over. */
export const FOLLOWED_OUTCOMES: readonly Outcome[] = ['Escalated', 'Escalated without reboot'];
