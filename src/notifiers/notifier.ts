import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AllNotifier, EventBridgeNotifier, EventBridgeNotifierOptions, SnsTopicNotifier } from './aws-native';
import { JiraServiceManagementNotifierOptions, jiraServiceManagementNotifier } from './jira-service-management';
import { OpsGenieNotifier, OpsGenieNotifierOptions } from './opsgenie';
import { PagerDutyNotifier, PagerDutyNotifierOptions } from './pagerduty';
import { SlackNotifier, SlackNotifierOptions } from './slack';
import { MicrosoftTeamsNotifier, MicrosoftTeamsNotifierOptions } from './teams';

/**
 * What a notifier hands to the workflow when it is bound to a `CpuFirstLineSupport`: exactly
 * one of `handler` (a Lambda function), `topic` (an SNS topic), `eventBus` (an EventBridge event
 * bus) and `notifiers` (several of these).
 */
export interface NotifierConfig {
  /**
   * The Lambda function the workflow invokes to deliver a notification.
   *
   * It receives `{ kind, instanceId, parameters, firstRun, lastRun, recheckCount,
   * incidentStartedAt, alarmEvent, error, executionId, decision, failedState, rebootIssued,
   * rebootRecorded, undeliveredKind, resolution, resolvedAt, drill }`, where `kind` is
   * `RECOVERED`, `UNRESPONSIVE`, `ERROR`, `NOT_REBOOTED`, `WOULD_REBOOT`, `ESCALATION_FAILED`
   * (the escalation notifier could not deliver `undeliveredKind`; sent to the recovery notifier)
   * or `RESOLVED` (an escalated incident is over: close what the escalation opened), and must
   * throw when the message was not delivered.
   *
   * @default - no function
   */
  readonly handler?: lambda.IFunction;

  /**
   * Settings passed to the handler as `parameters` in every invocation.
   *
   * They appear in the state machine definition and the execution history, and anyone allowed
   * to invoke the function can choose them: never put a secret, a secret's ARN or an endpoint
   * here. Keep those in the function's own configuration (its environment) and let the
   * parameters only name which one to use.
   *
   * @default - none
   */
  readonly parameters?: { [key: string]: string };

  /**
   * The error names (as the handler throws them) that mean the message was refused for good,
   * so the workflow does not retry them: e.g. a wrong channel or a revoked key.
   *
   * Every other error (a timeout, an unreachable or rate-limiting service) is retried by the
   * workflow with a backoff before it gives up.
   *
   * @default - none: the workflow retries every error but InvalidEventError
   */
  readonly nonRetryableErrors?: string[];

  /**
   * The SNS topic the workflow publishes to itself, with the Step Functions integration for
   * Amazon SNS (no function, no secret). See `Notifier.snsTopic()` for the message.
   *
   * @default - no topic
   */
  readonly topic?: sns.ITopic;

  /**
   * The EventBridge event bus the workflow puts an event on itself, with the Step Functions
   * integration for EventBridge. See `Notifier.eventBridge()` for the events.
   *
   * @default - no event bus
   */
  readonly eventBus?: events.IEventBus;

  /**
   * Several notifiers, each told every message: see `Notifier.all()`.
   *
   * @default - one notifier
   */
  readonly notifiers?: NotifierConfig[];
}

/**
 * A destination for the workflow's messages: that an instance recovered, that it is still
 * unresponsive after a reboot, or that the workflow itself failed.
 *
 * Use the factories of `Notifier`, or implement this interface to deliver messages
 * somewhere else.
 */
export interface INotifier {
  /**
   * Called once per `CpuFirstLineSupport` that uses this notifier.
   *
   * @param scope the `CpuFirstLineSupport` construct
   */
  bind(scope: Construct): NotifierConfig;
}

/**
 * Factories for the notifiers this library ships.
 */
export abstract class Notifier {
  /**
   * Posts a message to a Slack channel with `chat.postMessage`.
   *
   * @see https://api.slack.com/methods/chat.postMessage
   */
  public static slack(options: SlackNotifierOptions): INotifier {
    return new SlackNotifier(options);
  }

  /**
   * Creates an alert with the OpsGenie Alert API v2. Every incident (an instance and one
   * execution of the workflow) has its own alias: a new incident pages even while an older
   * alert for the instance is still open, a retried create of one incident never pages twice,
   * and two instances never merge into one alert. A recovery and a dry run are sent at P5.
   *
   * @see https://docs.opsgenie.com/docs/alert-api#create-alert
   */
  public static opsGenie(options: OpsGenieNotifierOptions): INotifier {
    return new OpsGenieNotifier(options);
  }

  /**
   * Creates an alert in Jira Service Management (Operations), the successor of OpsGenie, with
   * its alert API for integrations (`https://api.atlassian.com/jsm/ops/integration/v2/alerts`,
   * the same API as OpsGenie's, with the API key of a JSM "API" integration). The alerts behave
   * as `Notifier.opsGenie()`'s: one alias per incident, P5 for information, closed by its alias
   * when the escalated incident is resolved.
   *
   * @see https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v2/api-group-integration-events/
   */
  public static jiraServiceManagement(options: JiraServiceManagementNotifierOptions): INotifier {
    return jiraServiceManagementNotifier(options);
  }

  /**
   * Sends events to PagerDuty with the Events API v2. An escalation triggers an alert whose
   * dedup key is the incident's (an instance and one execution), so a retried trigger never
   * pages twice; the resolution of the escalated incident resolves it by that key. A recovery
   * and a dry run are sent as change events, which never page.
   *
   * @see https://developer.pagerduty.com/docs/events-api-v2-overview
   */
  public static pagerDuty(options: PagerDutyNotifierOptions): INotifier {
    return new PagerDutyNotifier(options);
  }

  /**
   * Posts an Adaptive Card to a Microsoft Teams channel or chat through a Workflows webhook (the
   * "When a Teams webhook request is received" trigger that replaces Office 365 connectors).
   *
   * @see https://support.microsoft.com/en-us/office/create-incoming-webhooks-with-workflows-for-microsoft-teams-8ae491c7-0394-4861-ba59-055e33f75498
   */
  public static microsoftTeams(options: MicrosoftTeamsNotifierOptions): INotifier {
    return new MicrosoftTeamsNotifier(options);
  }

  /**
   * Publishes to an SNS topic with the Step Functions integration for Amazon SNS: no function,
   * no secret. Subscribe e-mail addresses to it, or Slack and Microsoft Teams channels through
   * Amazon Q Developer in chat applications (formerly AWS Chatbot).
   *
   * The message is an Amazon Q Developer custom notification, as JSON (`{"version": "1.0",
   * "source": "custom", "content": {"title", "description"}, "metadata": {...}}`), whose
   * `metadata.additionalContext` holds the instance, the kind and the execution; its title is
   * also the subject, which e-mail shows. Message attributes `kind` and `instanceId` allow
   * subscription filters.
   * An encrypted topic's key must let the workflow role use it (`kms:GenerateDataKey*`,
   * `kms:Decrypt`): the library grants it when the topic exposes its key.
   *
   * @see https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html
   */
  public static snsTopic(topic: sns.ITopic): INotifier {
    return new SnsTopicNotifier(topic);
  }

  /**
   * Puts an event on an EventBridge event bus with the Step Functions integration for
   * EventBridge, for other automation to react to. The events have the source
   * `cdk-cpu-first-line-support` and one of the detail types `Instance Recovered`, `Instance
   * Unresponsive`, `Instance Not Rebooted`, `Workflow Error`, `Reboot Announced` (dry run),
   * `Escalation Failed` and `Incident Resolved`; the detail holds the notification's fields
   * (`kind`, `instanceId`, `executionId`, `incidentStartedAt`, the check results, `drill`...).
   */
  public static eventBridge(options: EventBridgeNotifierOptions = {}): INotifier {
    return new EventBridgeNotifier(options);
  }

  /**
   * Tells every one of `notifiers` each message, at the same time. Each is retried on its own;
   * the notification counts as delivered only when all of them delivered it, so an escalation
   * that one of them could not deliver takes the "escalation failed" path (the other notifier
   * is told, the execution fails and the execution-failure alarm fires).
   */
  public static all(...notifiers: INotifier[]): INotifier {
    return new AllNotifier(notifiers);
  }
}
