import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { OpsGenieNotifier, OpsGenieNotifierOptions } from './opsgenie';
import { SlackNotifier, SlackNotifierOptions } from './slack';

/**
 * What a notifier hands to the workflow when it is bound to a `CpuFirstLineSupport`.
 */
export interface NotifierConfig {
  /**
   * The Lambda function the workflow invokes to deliver a notification.
   *
   * It receives `{ kind, instanceId, parameters, firstRun, lastRun, recheckCount,
   * incidentStartedAt, alarmEvent, error, executionId, decision, failedState, rebootIssued,
   * rebootRecorded, undeliveredKind }`, where `kind` is `RECOVERED`, `UNRESPONSIVE`, `ERROR`,
   * `NOT_REBOOTED`, `WOULD_REBOOT` or `ESCALATION_FAILED` (the escalation notifier could not
   * deliver `undeliveredKind`; sent to the recovery notifier), and must throw when the message
   * was not delivered.
   */
  readonly handler: lambda.IFunction;

  /**
   * Settings passed to the handler as `parameters` in every invocation.
   *
   * They appear in the state machine definition and the execution history, and anyone allowed
   * to invoke the function can choose them: never put a secret, a secret's ARN or an endpoint
   * here. Keep those in the function's own configuration (its environment) and let the
   * parameters only name which one to use.
   */
  readonly parameters: { [key: string]: string };

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
}
