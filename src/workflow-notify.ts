import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { NotifyEvent } from './contract';
import { EVENT_DETAIL_TYPES, LEADS, NOTIFICATION_SOURCE, TITLE_TEMPLATES } from './notification-text';
import { NotifierConfig } from './notifiers/notifier';
import { fromState, INVALID_EVENT_ERROR, NOTIFY_RETRY, statePath } from './workflow-tasks';

/**
 * The states that hand a notification to a notifier: a Lambda invocation, an SNS publish, an
 * EventBridge event, or all of several. Whichever it is, the caller gets one state to catch
 * and chain, and finds `$.notification.delivery` = `{ delivered, notifier, reference }` after it.
 */

/** One state that delivers a notification: a task, or a Parallel state around several. */
export type NotifyState = tasks.LambdaInvoke | tasks.EventBridgePutEvents | sfn.Parallel;

/** The states built here; their retries are their own (see `WorkflowBuilder.guarded`). */
export const NOTIFY_STATES = new WeakSet<sfn.State>();

/** Which notification, to whom. */
export type Notification = Pick<NotifyEvent, 'kind' | 'instanceId'>;

/** What each notifier ends its state with: the delivery at `$.notification`, or only the delivery inside `Notifier.all()`. */
interface Placement {
  readonly resultPath: string;
  readonly outputPath?: string;
}

const TOP_LEVEL: Placement = { resultPath: '$.notification' };
const IN_BRANCH: Placement = { resultPath: '$.notification', outputPath: '$.notification.delivery' };

/** The state that hands the incident to `notifier`, retrying all but the notifier's refusals. */
export function notifyState(scope: Construct, id: string, notifier: NotifierConfig, notification: Notification): NotifyState {
  return build(scope, id, notifier, notification, TOP_LEVEL);
}

function build(scope: Construct, id: string, notifier: NotifierConfig, notification: Notification, placement: Placement): NotifyState {
  const state = notifier.handler ? invoke(scope, id, notifier, notification, placement)
    : notifier.topic ? publish(scope, id, notifier.topic, notification, placement)
      : notifier.eventBus ? putEvent(scope, id, notifier.eventBus, notification, placement)
        : all(scope, id, notifier.notifiers ?? [], notification, placement);
  NOTIFY_STATES.add(state);
  return state;
}

/** The event a notifier function receives. */
export function notifyPayload(notifier: NotifierConfig, { kind, instanceId }: Notification): NotifyEvent {
  return {
    kind,
    instanceId,
    parameters: notifier.parameters ?? {},
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
    ...(kind === 'RESOLVED'
      ? { resolution: fromState(statePath('resolution', 'reason')), resolvedAt: fromState(statePath('resolution', 'at')) }
      : {}),
    drill: fromState(statePath('drill', 'active')),
  };
}

function invoke(scope: Construct, id: string, notifier: NotifierConfig, notification: Notification, placement: Placement): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: notifier.handler!,
    payload: sfn.TaskInput.fromObject(notifyPayload(notifier, notification)),
    resultSelector: { 'delivery.$': '$.Payload' },
    ...placement,
    retryOnServiceExceptions: true,
  });
  task.addRetry({ errors: [INVALID_EVENT_ERROR, ...(notifier.nonRetryableErrors ?? [])], maxAttempts: 0 });
  task.addRetry(NOTIFY_RETRY);
  return task;
}

/** The title of `kind` for an SNS message or an event, with the drill's prefix: a `States.Format` expression. */
function formattedTitle({ kind, instanceId }: Notification): string {
  // The instance ID is not escaped: it may be the `${InstanceId}` placeholder, which CloudFormation fills in.
  const title = TITLE_TEMPLATES[kind].split('{instance}').map(escapeFormat).join(`EC2 instance ${instanceId}`);
  return `States.Format('{}${title}', ${statePath('drill', 'label')})`;
}

/** Escapes a literal for a `States.Format` template: braces, quotes and backslashes. */
function escapeFormat(text: string): string {
  return text.replace(/[\\{}']/g, (c) => `\\${c}`);
}

/**
 * Publishes to an SNS topic: a Parallel state around composing the message (a Pass state:
 * intrinsic functions only read the state) and publishing it. The message is an Amazon Q
 * Developer custom notification, as JSON; its title is also the subject (which e-mail uses).
 */
function publish(scope: Construct, id: string, topic: NotifierConfig['topic'] & {}, notification: Notification, placement: Placement): sfn.Parallel {
  const { kind, instanceId } = notification;
  const compose = new sfn.Pass(scope, `${id}: compose`, {
    comment: 'An Amazon Q Developer custom notification (https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html).',
    parameters: {
      'subject.$': formattedTitle(notification),
      'custom': {
        version: '1.0',
        source: 'custom',
        content: {
          'textType': 'client-markdown',
          'title.$': formattedTitle(notification),
          'description.$': `States.Format('${escapeFormat(LEADS[kind])} Execution: {}', $.executionId)`,
        },
        metadata: {
          'threadId.$': '$.executionId',
          'eventType': kind,
          // String values only, as Amazon Q Developer's schema asks.
          'additionalContext': {
            'instanceId': instanceId, 'kind': kind, 'executionId.$': '$.executionId', 'drill.$': `States.Format('{}', ${statePath('drill', 'active')})`,
          },
        },
      },
    },
    resultPath: '$.sns',
  });
  const send = new tasks.SnsPublish(scope, `${id}: publish`, {
    topic,
    subject: sfn.JsonPath.stringAt('$.sns.subject'),
    message: sfn.TaskInput.fromText(sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.sns.custom'))),
    messageAttributes: {
      kind: { value: kind },
      instanceId: { value: instanceId },
    },
    resultSelector: { delivery: { 'delivered': true, 'notifier': 'sns', 'reference.$': '$.MessageId' } },
    resultPath: '$.notification',
  });
  send.addRetry(NOTIFY_RETRY);
  const parallel = new sfn.Parallel(scope, id, {
    comment: 'Publishes the notification to the SNS topic.',
    resultSelector: { 'delivery.$': '$[0].notification.delivery' },
    ...placement,
  });
  return parallel.branch(compose.next(send));
}

/** Puts an event on an EventBridge bus; the detail holds the notification's fields. */
function putEvent(
  scope: Construct, id: string, eventBus: NotifierConfig['eventBus'] & {}, notification: Notification, placement: Placement,
): tasks.EventBridgePutEvents {
  const { parameters: _parameters, ...detail } = notifyPayload({}, notification);
  const task = new tasks.EventBridgePutEvents(scope, id, {
    entries: [{
      eventBus,
      source: NOTIFICATION_SOURCE,
      detailType: EVENT_DETAIL_TYPES[notification.kind],
      detail: sfn.TaskInput.fromObject({ ...detail, 'title.$': formattedTitle(notification) }),
    }],
    resultSelector: { delivery: { 'delivered': true, 'notifier': 'eventbridge', 'reference.$': '$.Entries[0].EventId' } },
    ...placement,
  });
  task.addRetry(NOTIFY_RETRY);
  return task;
}

/**
 * Tells every notifier at once, each retried on its own: a notifier that fails does not stop the
 * others. Then fails with `NotificationFailed` unless all of them delivered.
 */
function all(scope: Construct, id: string, notifiers: NotifierConfig[], notification: Notification, placement: Placement): sfn.Parallel {
  const each = new sfn.Parallel(scope, `${id}: each`, { comment: 'Every notifier at once.' });
  notifiers.forEach((notifier, i) => {
    const name = `${id} (${i + 1})`;
    const state = build(scope, name, notifier, notification, IN_BRANCH);
    const failed = new sfn.Pass(scope, `${name} failed`, {
      parameters: { 'delivered': false, 'notifier': name, 'error.$': '$.notifyError' },
    });
    state.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.notifyError' });
    // Whatever a notifier function answers (its contract is only to throw when it did not deliver), the branch says delivered.
    const delivered = new sfn.Pass(scope, `${name} delivered`, {
      parameters: { 'delivered': true, 'notifier': name, 'delivery.$': '$' },
    });
    each.branch(state.next(delivered));
  });
  const failures = notifiers.map((_, i) => sfn.Condition.booleanEquals(`$[${i}].delivered`, false));
  const check = new sfn.Choice(scope, `${id}: delivered by all?`)
    .when(failures.length === 1 ? failures[0] : sfn.Condition.or(...failures), new sfn.Fail(scope, `${id}: not delivered by all`, {
      error: 'NotificationFailed',
      cause: 'Not every notifier delivered the notification; see the execution history.',
    }))
    .otherwise(new sfn.Pass(scope, `${id}: delivered`, { parameters: { 'delivered': true, 'notifier': 'all', 'deliveries.$': '$' } }));
  const parallel = new sfn.Parallel(scope, id, {
    comment: 'Tells every notifier; delivered only when all of them delivered.',
    resultSelector: { 'delivery.$': '$[0]' },
    ...placement,
  });
  return parallel.branch(each.next(check));
}
