import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { INotifier, NotifierConfig } from './notifier';

/** What the construct does with a notifier: bind it once, check its config, and list what the workflow must be allowed to use. */

/** A notifier bound to `scope`, as a plain, checked object whichever language implemented the notifier. */
export function bindNotifier(scope: Construct, notifier: INotifier, prop: string): NotifierConfig {
  return copyConfig(notifier.bind(scope), prop);
}

function copyConfig(config: NotifierConfig, prop: string): NotifierConfig {
  const targets = [config.handler, config.topic, config.eventBus, config.notifiers].filter((target) => target !== undefined);
  if (targets.length !== 1) {
    throw new Error(`\`${prop}\`: a notifier's bind() must return exactly one of handler, topic, eventBus and notifiers, got ${targets.length}`);
  }
  if (config.notifiers !== undefined && config.notifiers.length === 0) {
    throw new Error(`\`${prop}\`: a notifier's bind() returned an empty list of notifiers`);
  }
  if ((config.parameters !== undefined || config.nonRetryableErrors !== undefined) && config.handler === undefined) {
    throw new Error(`\`${prop}\`: parameters and nonRetryableErrors are for a notifier with a handler`);
  }
  return {
    ...(config.handler ? { handler: config.handler, parameters: { ...config.parameters } } : {}),
    ...(config.nonRetryableErrors !== undefined ? { nonRetryableErrors: [...config.nonRetryableErrors] } : {}),
    ...(config.topic ? { topic: config.topic } : {}),
    ...(config.eventBus ? { eventBus: config.eventBus } : {}),
    ...(config.notifiers ? { notifiers: config.notifiers.map((inner, i) => copyConfig(inner, `${prop}[${i}]`)) } : {}),
  };
}

/** Every notifier a config stands for: itself, or each of its notifiers. */
function flatten(config: NotifierConfig): NotifierConfig[] {
  return config.notifiers ? config.notifiers.flatMap(flatten) : [config];
}

/** The functions, topics and event buses the workflow delivers notifications through. */
export interface NotificationTargets {
  readonly functions: lambda.IFunction[];
  readonly topics: sns.ITopic[];
  readonly eventBuses: events.IEventBus[];
}

/** What the workflow must be allowed to invoke, publish to or put events on, without repeats. */
export function notificationTargets(configs: NotifierConfig[]): NotificationTargets {
  const all = configs.flatMap(flatten);
  const unique = <T>(items: Array<T | undefined>): T[] => [...new Set(items.filter((item): item is T => item !== undefined))];
  return {
    functions: unique(all.map((c) => c.handler)),
    topics: unique(all.map((c) => c.topic)),
    eventBuses: unique(all.map((c) => c.eventBus)),
  };
}
