// The public notifier API. The notifier classes stay internal: `Notifier`'s factories create them.
export * from './notifier';
export type { SlackNotifierOptions } from './slack';
export { OpsGenieEndpoint, OpsGeniePriority } from './opsgenie';
export type { OpsGenieNotifierOptions } from './opsgenie';
export type { JiraServiceManagementNotifierOptions } from './jira-service-management';
export { PagerDutyEndpoint, PagerDutySeverity } from './pagerduty';
export type { PagerDutyNotifierOptions } from './pagerduty';
export type { MicrosoftTeamsNotifierOptions } from './teams';
export type { EventBridgeNotifierOptions } from './aws-native';
