import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { notifierFunction, validateEndpointUrl } from './destinations';
import { INotifier, NotifierConfig } from './notifier';
import { validateNotEmpty, withoutTrailingSlash } from '../validation';

/** Options for `Notifier.slack()`. */
export interface SlackNotifierOptions {
  /**
   * The Secrets Manager secret whose value (`SecretString`) is the Slack bot token
   * (`xoxb-...`). The app needs the `chat:write` scope and must be in the channel.
   *
   * The token is read at run time by the notifier function; it never appears in the
   * template, in environment variables, in logs or in the execution history.
   */
  readonly botToken: secretsmanager.ISecret;

  /**
   * The channel to post to: a channel ID such as `C0123456789` (preferred: it survives
   * renames) or a name such as `#ops`.
   */
  readonly channel: string;

  /**
   * The base URL of the Slack Web API.
   *
   * Must be `https://`: the bot token is sent to it. Plain `http://` is accepted only for a
   * loopback host (`127.0.0.1`, `localhost`, `[::1]`), for local tests against a fake Slack.
   *
   * @default 'https://slack.com/api' (GovSlack workspaces use 'https://slack-gov.com/api')
   */
  readonly apiBaseUrl?: string;
}

/** A Slack channel, through the stack's one Slack notifier function. */
export class SlackNotifier implements INotifier {
  constructor(private readonly options: SlackNotifierOptions) {
    validateNotEmpty('channel', options.channel);
    if (options.apiBaseUrl !== undefined) {
      validateEndpointUrl('apiBaseUrl', options.apiBaseUrl, 'https://slack.com/api');
    }
  }

  public bind(scope: Construct): NotifierConfig {
    const { fn, destination } = notifierFunction(scope, 'CpuFirstLineSupportSlackNotifier', 'slack-notify',
      'cdk-cpu-first-line-support: posts recovery and escalation messages to Slack', this.options.botToken,
      withoutTrailingSlash(this.options.apiBaseUrl ?? 'https://slack.com/api'));
    return {
      handler: fn,
      parameters: {
        destination,
        channel: this.options.channel,
      },
      nonRetryableErrors: ['SlackApiError'],
    };
  }
}
