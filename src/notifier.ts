import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { HandlerName, NOTIFIER_FUNCTION_TIMEOUT, sharedFunction } from './handlers';
import { HTTP_URL, validateNotEmpty, validatePattern, withoutTrailingSlash } from './validation';

/**
 * What a notifier hands to the workflow when it is bound to a `CpuFirstLineSupport`.
 */
export interface NotifierConfig {
  /**
   * The Lambda function the workflow invokes to deliver a notification.
   *
   * It receives `{ kind, instanceId, parameters, firstRun, lastRun, recheckCount,
   * incidentStartedAt, alarmEvent, error, executionId }`, where `kind` is `RECOVERED`,
   * `UNRESPONSIVE` or `ERROR`, and must throw when the message was not delivered.
   */
  readonly handler: lambda.IFunction;

  /**
   * Settings passed to the handler as `parameters` in every invocation.
   *
   * They appear in the state machine definition and the execution history: never put a
   * secret value here, only a reference to one (such as a secret's ARN).
   */
  readonly parameters: { [key: string]: string };
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
   * @default 'https://slack.com/api' (GovSlack workspaces use 'https://slack-gov.com/api')
   */
  readonly apiBaseUrl?: string;
}

/** The priority of an OpsGenie alert. */
export enum OpsGeniePriority {
  /** Critical. */
  P1 = 'P1',
  /** High. */
  P2 = 'P2',
  /** Moderate; OpsGenie's own default. */
  P3 = 'P3',
  /** Low. */
  P4 = 'P4',
  /** Informational. */
  P5 = 'P5',
}

/**
 * Where the OpsGenie Alert API lives.
 *
 * @see https://docs.opsgenie.com/docs/alert-api
 */
export class OpsGenieEndpoint {
  /** The US service: `https://api.opsgenie.com`. */
  public static readonly US = new OpsGenieEndpoint('https://api.opsgenie.com');

  /** The EU service: `https://api.eu.opsgenie.com`. */
  public static readonly EU = new OpsGenieEndpoint('https://api.eu.opsgenie.com');

  /**
   * Any other base URL that serves the OpsGenie Alert API v2 (`POST <baseUrl>/v2/alerts`
   * with a `GenieKey` authorization), such as a proxy or a successor of OpsGenie.
   *
   * @param baseUrl an `https://` (or `http://`) URL without the `/v2/alerts` path
   */
  public static custom(baseUrl: string): OpsGenieEndpoint {
    validatePattern('endpoint', baseUrl, HTTP_URL, 'an http(s) URL such as "https://api.opsgenie.com"');
    return new OpsGenieEndpoint(withoutTrailingSlash(baseUrl));
  }

  private constructor(
    /** The base URL, without a trailing slash. */
    public readonly baseUrl: string,
  ) {}
}

/** Options for `Notifier.opsGenie()`. */
export interface OpsGenieNotifierOptions {
  /**
   * The Secrets Manager secret whose value (`SecretString`) is the OpsGenie API key of an
   * API integration (sent as `Authorization: GenieKey <key>`).
   *
   * The key is read at run time by the notifier function; it never appears in the
   * template, in environment variables, in logs or in the execution history.
   */
  readonly apiKey: secretsmanager.ISecret;

  /**
   * The team to route the alert to, as a responder.
   *
   * @default - no responder: the alert follows the API integration's own routing
   */
  readonly team?: string;

  /**
   * The alert's priority.
   *
   * @default OpsGeniePriority.P3
   */
  readonly priority?: OpsGeniePriority;

  /**
   * The OpsGenie service to call.
   *
   * @default OpsGenieEndpoint.US
   */
  readonly endpoint?: OpsGenieEndpoint;
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
    validateNotEmpty('channel', options.channel);
    if (options.apiBaseUrl !== undefined) {
      validatePattern('apiBaseUrl', options.apiBaseUrl, HTTP_URL, 'an http(s) URL such as "https://slack.com/api"');
    }
    return new SlackNotifier(options);
  }

  /**
   * Creates an alert with the OpsGenie Alert API v2. Every alert for one instance has the
   * same alias, so a repeated incident adds to the open alert instead of paging again,
   * and two instances never merge into one alert.
   *
   * @see https://docs.opsgenie.com/docs/alert-api#create-alert
   */
  public static opsGenie(options: OpsGenieNotifierOptions): INotifier {
    if (options.team !== undefined) {
      validateNotEmpty('team', options.team);
    }
    return new OpsGenieNotifier(options);
  }
}

/** The stack's one function for a notifier handler, allowed to read `secret`. */
function notifierFunction(scope: Construct, id: string, handler: HandlerName, description: string, secret: secretsmanager.ISecret): lambda.IFunction {
  const fn = sharedFunction(scope, { id, handler, description, timeout: NOTIFIER_FUNCTION_TIMEOUT });
  secret.grantRead(fn);
  return fn;
}

class SlackNotifier implements INotifier {
  constructor(private readonly options: SlackNotifierOptions) {}

  public bind(scope: Construct): NotifierConfig {
    const handler = notifierFunction(scope, 'CpuFirstLineSupportSlackNotifier', 'slack-notify',
      'cdk-cpu-first-line-support: posts recovery and escalation messages to Slack', this.options.botToken);
    return {
      handler,
      parameters: {
        tokenSecretArn: this.options.botToken.secretArn,
        channel: this.options.channel,
        apiBaseUrl: withoutTrailingSlash(this.options.apiBaseUrl ?? 'https://slack.com/api'),
      },
    };
  }
}

class OpsGenieNotifier implements INotifier {
  constructor(private readonly options: OpsGenieNotifierOptions) {}

  public bind(scope: Construct): NotifierConfig {
    const handler = notifierFunction(scope, 'CpuFirstLineSupportOpsGenieNotifier', 'opsgenie-notify',
      'cdk-cpu-first-line-support: raises OpsGenie alerts', this.options.apiKey);
    return {
      handler,
      parameters: {
        apiKeySecretArn: this.options.apiKey.secretArn,
        baseUrl: (this.options.endpoint ?? OpsGenieEndpoint.US).baseUrl,
        team: this.options.team ?? '',
        priority: this.options.priority ?? OpsGeniePriority.P3,
      },
    };
  }
}
