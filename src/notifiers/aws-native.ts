import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { INotifier, NotifierConfig } from './notifier';

/**
 * The notifiers that need no function: the workflow publishes to SNS or puts an event on
 * EventBridge itself, and `Notifier.all()`, which tells several notifiers.
 */

/** SNS messages, published by the workflow with the Step Functions integration for Amazon SNS. */
export class SnsTopicNotifier implements INotifier {
  constructor(private readonly topic: sns.ITopic) {
    // A FIFO topic needs a message group ID, which these messages do not have: SNS would refuse every one.
    if (topic.fifo) {
      throw new Error('`Notifier.snsTopic()` needs a standard topic: a FIFO topic would refuse messages without a message group ID');
    }
  }

  public bind(_scope: Construct): NotifierConfig {
    return { topic: this.topic };
  }
}

/** Options for `Notifier.eventBridge()`. */
export interface EventBridgeNotifierOptions {
  /**
   * The event bus to put the events on.
   *
   * @default - the account's default event bus in the stack's region
   */
  readonly eventBus?: events.IEventBus;
}

/** EventBridge events, put by the workflow with the Step Functions integration for EventBridge. */
export class EventBridgeNotifier implements INotifier {
  constructor(private readonly options: EventBridgeNotifierOptions) {}

  public bind(scope: Construct): NotifierConfig {
    const eventBus = this.options.eventBus
      ?? (scope.node.tryFindChild('DefaultEventBus') as events.IEventBus | undefined)
      ?? events.EventBus.fromEventBusName(scope, 'DefaultEventBus', 'default');
    return { eventBus };
  }
}

/** Several notifiers, each told every message. */
export class AllNotifier implements INotifier {
  constructor(private readonly notifiers: INotifier[]) {
    if (notifiers.length === 0) {
      throw new Error('`Notifier.all()` needs at least one notifier');
    }
  }

  public bind(scope: Construct): NotifierConfig {
    return { notifiers: this.notifiers.map((notifier) => notifier.bind(scope)) };
  }
}
