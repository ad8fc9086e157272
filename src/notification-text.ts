import type { NotificationKind } from './contract';

/**
 * What each kind of notification says first, shared by the notifier handlers
 * (`lambda/shared/message.ts`) and the notifiers that the workflow sends itself (SNS,
 * EventBridge). Plain constants: the handler bundles import it without aws-cdk-lib.
 */

/** The title of each kind; `{instance}` stands for "EC2 instance <id> (<region>)". */
export const TITLE_TEMPLATES: Record<NotificationKind, string> = {
  RECOVERED: '{instance} recovered after a reboot',
  UNRESPONSIVE: '{instance} unresponsive after a reboot',
  NOT_REBOOTED: '{instance} failed its checks and was not rebooted',
  WOULD_REBOOT: '{instance} would be rebooted (dry run)',
  ESCALATION_FAILED: 'PAGING FAILED for {instance}: the alert was not delivered; look at it now',
  RESOLVED: 'RESOLVED: {instance} is healthy again after its escalation',
  ERROR: 'CPU first-line support failed with an error for {instance}',
};

/** The opening sentence of each kind: what happened and what the reader should do. */
export const LEADS: Record<NotificationKind, string> = {
  RECOVERED: 'It failed its checks, was rebooted, and passes them again. No action needed.',
  UNRESPONSIVE: 'It failed its checks, was rebooted, and still fails them. A human must look at it.',
  NOT_REBOOTED: 'It failed its checks, but the workflow did not reboot it (the reboot decision below says why). A human must look at it.',
  WOULD_REBOOT: 'Dry run: it failed its checks and would have been rebooted, but nothing was done. '
    + 'To let the workflow reboot instances, set the construct prop `dryRun` to false.',
  ESCALATION_FAILED: 'Paging FAILED: the escalation notifier could not deliver its alert, even after every retry '
    + '(with several notifiers, at least one of them could not), so nobody may have been paged. A human must look at the instance now.',
  RESOLVED: 'The incident that was escalated is over; its alert is closed. No action needed unless a human is still working on it.',
  ERROR: 'The workflow that checks and reboots the instance stopped with an error. A human must look at the instance and the workflow.',
};

/** The EventBridge detail type of each kind (`Notifier.eventBridge()`). */
export const EVENT_DETAIL_TYPES: Record<NotificationKind, string> = {
  RECOVERED: 'Instance Recovered',
  UNRESPONSIVE: 'Instance Unresponsive',
  NOT_REBOOTED: 'Instance Not Rebooted',
  WOULD_REBOOT: 'Reboot Announced',
  ESCALATION_FAILED: 'Escalation Failed',
  RESOLVED: 'Incident Resolved',
  ERROR: 'Workflow Error',
};

/** The source of every event and the prefix of every message this library sends. */
export const NOTIFICATION_SOURCE = 'cdk-cpu-first-line-support';

/** The title prefix of a drill's notifications. */
export const DRILL_PREFIX = 'DRILL: ';
