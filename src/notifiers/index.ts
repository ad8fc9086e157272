// The public notifier API. The notifier classes stay internal: `Notifier`'s factories create them.
export * from './notifier';
export type { SlackNotifierOptions } from './slack';
export { OpsGenieEndpoint, OpsGeniePriority } from './opsgenie';
export type { OpsGenieNotifierOptions } from './opsgenie';
