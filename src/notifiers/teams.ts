import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { notifierFunction } from './destinations';
import { INotifier, NotifierConfig } from './notifier';

/** Options for `Notifier.microsoftTeams()`. */
export interface MicrosoftTeamsNotifierOptions {
  /**
   * The Secrets Manager secret whose value (`SecretString`) is the HTTP POST URL of a Teams
   * workflow that starts with the trigger "When a Teams webhook request is received" (the
   * Workflows app's replacement of the retired Office 365 connectors), for example one made
   * from the template "Post to a channel when a webhook request is received". Let anyone
   * trigger the workflow: its URL carries a signature (`sig=`), which is the credential.
   *
   * The URL must be `https://`. It is read at run time by the notifier function and checked
   * before anything is sent; it never appears in the template, in environment variables, in
   * logs or in the execution history. When the workflow's owner regenerates the URL or deletes
   * the workflow, store the new URL in the secret: until then, deliveries are refused.
   *
   * @see https://learn.microsoft.com/en-us/connectors/teams/?tabs=text1#microsoft-teams-webhook
   */
  readonly webhookUrl: secretsmanager.ISecret;
}

/**
 * A Teams channel or chat, through a Workflows webhook and the stack's one Teams notifier
 * function: each message is an Adaptive Card with the title, the details, the instance, kind,
 * region and execution, and a link to the execution in the console.
 */
export class MicrosoftTeamsNotifier implements INotifier {
  constructor(private readonly options: MicrosoftTeamsNotifierOptions) {}

  public bind(scope: Construct): NotifierConfig {
    // No base URL: the secret's value is the endpoint.
    const { fn, destination } = notifierFunction(scope, 'CpuFirstLineSupportTeamsNotifier', 'teams-notify',
      'cdk-cpu-first-line-support: posts recovery and escalation messages to Microsoft Teams', this.options.webhookUrl, undefined);
    return {
      handler: fn,
      parameters: { destination },
      nonRetryableErrors: ['TeamsApiError'],
    };
  }
}
