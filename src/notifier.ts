import * as crypto from 'crypto';
import { Stack, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { HandlerName, NOTIFIER_FUNCTION_TIMEOUT, sharedFunction } from './handlers';
import { validateNotEmpty, withoutTrailingSlash } from './validation';

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
   * @param baseUrl an `https://` URL without the `/v2/alerts` path, since the API key is sent
   * to it; plain `http://` is accepted only for a loopback host (`127.0.0.1`, `localhost`,
   * `[::1]`), for local tests against a fake OpsGenie
   */
  public static custom(baseUrl: string): OpsGenieEndpoint {
    validateEndpointUrl('endpoint', baseUrl, 'https://api.opsgenie.com');
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
      validateEndpointUrl('apiBaseUrl', options.apiBaseUrl, 'https://slack.com/api');
    }
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
    if (options.team !== undefined) {
      validateNotEmpty('team', options.team);
    }
    return new OpsGenieNotifier(options);
  }
}

/** Host names that may be called over plain http: loopback only, for local tests. */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * Throws unless `value` is an `https://` URL (or `http://` on a loopback host) without
 * credentials, query or fragment: the notifier sends its credential to it.
 */
function validateEndpointUrl(prop: string, value: string, example: string): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const secure = url !== undefined && (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname)));
  if (!url || !secure || url.search || url.hash || url.username || url.password || /\s/.test(value)) {
    throw new Error(`\`${prop}\` must be an https:// URL without credentials, query or fragment, such as "${example}" `
      + `(plain http:// only for a loopback host: ${LOOPBACK_HOSTS.join(', ')}), got "${value}"`);
  }
}

/** Prefix of the notifier function's destination variables; the handlers read the same (lambda/shared/notifier.ts). */
const DESTINATION_ENV_PREFIX = 'NOTIFIER_DESTINATION_';

/** The destination variables already set on each notifier function (environment variables cannot be read back). */
const configuredDestinations = new WeakMap<lambda.IFunction, Set<string>>();

/**
 * The stack's one function for a notifier handler, configured with one more destination: the
 * endpoint and the secret to send to it, as an environment variable
 * `NOTIFIER_DESTINATION_<key>` = `{"secretArn": ..., "baseUrl": ...}` (a reference, never the
 * secret value). The function may read `secret`. Returns the function and the destination's
 * key, which the workflow passes as `parameters.destination`: whoever invokes the function can
 * only pick one of its configured destinations, never send the credential elsewhere.
 *
 * The key is a short hash of the secret and the endpoint, stable across synths, so several
 * notifiers in one stack share the function and the same destination is configured once.
 */
function notifierFunction(
  scope: Construct, id: string, handler: HandlerName, description: string, secret: secretsmanager.ISecret, baseUrl: string,
): { readonly fn: lambda.IFunction; readonly destination: string } {
  const stack = Stack.of(scope);
  const fn = sharedFunction(scope, { id, handler, description, timeout: NOTIFIER_FUNCTION_TIMEOUT });
  const target = { secretArn: secret.secretArn, baseUrl };
  const destination = crypto.createHash('sha256').update(JSON.stringify(stack.resolve(target))).digest('hex').slice(0, 12).toUpperCase();
  const variable = `${DESTINATION_ENV_PREFIX}${destination}`;
  const configured = configuredDestinations.get(fn) ?? new Set<string>();
  configuredDestinations.set(fn, configured);
  if (!configured.has(variable)) {
    configured.add(variable);
    fn.addEnvironment(variable, stack.toJsonString(target));
    secret.grantRead(fn);
  }
  return { fn, destination };
}

class SlackNotifier implements INotifier {
  constructor(private readonly options: SlackNotifierOptions) {}

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

class OpsGenieNotifier implements INotifier {
  constructor(private readonly options: OpsGenieNotifierOptions) {}

  public bind(scope: Construct): NotifierConfig {
    const { fn, destination } = notifierFunction(scope, 'CpuFirstLineSupportOpsGenieNotifier', 'opsgenie-notify',
      'cdk-cpu-first-line-support: raises OpsGenie alerts', this.options.apiKey,
      (this.options.endpoint ?? OpsGenieEndpoint.US).baseUrl);
    return {
      handler: fn,
      parameters: {
        destination,
        team: this.options.team ?? '',
        priority: this.options.priority ?? OpsGeniePriority.P3,
      },
      nonRetryableErrors: ['OpsGenieApiError'],
    };
  }
}
