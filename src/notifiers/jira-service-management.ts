import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { INotifier } from './notifier';
import { OpsGenieEndpoint, OpsGenieNotifier, OpsGeniePriority } from './opsgenie';

/**
 * Jira Service Management (Operations) serves OpsGenie's alert API for integrations under its own
 * base URL, with the same `GenieKey` authorization: its notifier is the OpsGenie notifier there.
 *
 * @see https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v2/api-group-integration-events/
 */
export const JIRA_SERVICE_MANAGEMENT_BASE_URL = 'https://api.atlassian.com/jsm/ops/integration';

/** Options for `Notifier.jiraServiceManagement()`. */
export interface JiraServiceManagementNotifierOptions {
  /**
   * The Secrets Manager secret whose value (`SecretString`) is the API key of a Jira Service
   * Management "API" integration (sent as `Authorization: GenieKey <key>`).
   *
   * The key is read at run time by the notifier function; it never appears in the template,
   * in environment variables, in logs or in the execution history.
   */
  readonly apiKey: secretsmanager.ISecret;

  /**
   * The team to route the alert to, as a responder.
   *
   * @default - no responder: the alert follows the integration's own routing
   */
  readonly team?: string;

  /**
   * The alert's priority (Jira Service Management uses OpsGenie's P1 to P5).
   *
   * @default OpsGeniePriority.P3
   */
  readonly priority?: OpsGeniePriority;
}

/** The OpsGenie notifier, pointed at Jira Service Management's alert API. */
export function jiraServiceManagementNotifier(options: JiraServiceManagementNotifierOptions): INotifier {
  return new OpsGenieNotifier({ ...options, endpoint: OpsGenieEndpoint.custom(JIRA_SERVICE_MANAGEMENT_BASE_URL) });
}
