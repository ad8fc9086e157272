import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { notifierFunction, validateEndpointUrl } from './destinations';
import { INotifier, NotifierConfig } from './notifier';
import { validateNotEmpty, withoutTrailingSlash } from '../validation';

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

/** OpsGenie alerts, through the stack's one OpsGenie notifier function. */
export class OpsGenieNotifier implements INotifier {
  constructor(private readonly options: OpsGenieNotifierOptions) {
    if (options.team !== undefined) {
      validateNotEmpty('team', options.team);
    }
  }

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
