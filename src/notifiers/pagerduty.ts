import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { notifierFunction, validateEndpointUrl } from './destinations';
import { INotifier, NotifierConfig } from './notifier';
import { withoutTrailingSlash } from '../validation';

/**
 * The severity of a PagerDuty alert event: how impacted the instance is. PagerDuty shows it
 * and may use it to set the urgency and priority of the incident.
 *
 * @see https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
 */
export enum PagerDutySeverity {
  /** Critical. */
  CRITICAL = 'critical',
  /** Error. */
  ERROR = 'error',
  /** Warning. */
  WARNING = 'warning',
  /** Informational. */
  INFO = 'info',
}

/**
 * Where the PagerDuty Events API v2 lives.
 *
 * @see https://developer.pagerduty.com/docs/events-api-v2/overview/
 */
export class PagerDutyEndpoint {
  /** The US service region: `https://events.pagerduty.com`. */
  public static readonly US = new PagerDutyEndpoint('https://events.pagerduty.com');

  /** The EU service region: `https://events.eu.pagerduty.com`. */
  public static readonly EU = new PagerDutyEndpoint('https://events.eu.pagerduty.com');

  /**
   * Any other base URL that serves the PagerDuty Events API v2 (`POST <baseUrl>/v2/enqueue`
   * and `POST <baseUrl>/v2/change/enqueue`), such as a proxy.
   *
   * @param baseUrl an `https://` URL without the `/v2/enqueue` path, since the routing key is
   * sent to it; plain `http://` is accepted only for a loopback host (`127.0.0.1`, `localhost`,
   * `[::1]`), for local tests against a fake PagerDuty
   */
  public static custom(baseUrl: string): PagerDutyEndpoint {
    validateEndpointUrl('endpoint', baseUrl, 'https://events.pagerduty.com');
    return new PagerDutyEndpoint(withoutTrailingSlash(baseUrl));
  }

  private constructor(
    /** The base URL, without a trailing slash. */
    public readonly baseUrl: string,
  ) {}
}

/** Options for `Notifier.pagerDuty()`. */
export interface PagerDutyNotifierOptions {
  /**
   * The Secrets Manager secret whose value (`SecretString`) is the integration key (routing
   * key) of an Events API v2 integration on the PagerDuty service to page.
   *
   * The key is read at run time by the notifier function; it never appears in the template,
   * in environment variables, in logs or in the execution history.
   */
  readonly routingKey: secretsmanager.ISecret;

  /**
   * The severity of the alerts that page for an incident. A lost page (the escalation
   * notifier failed) is always sent as `critical`; a recovery and a dry run are change events,
   * which have no severity and never page.
   *
   * @default PagerDutySeverity.ERROR
   */
  readonly severity?: PagerDutySeverity;

  /**
   * The PagerDuty service region to call.
   *
   * @default PagerDutyEndpoint.US
   */
  readonly endpoint?: PagerDutyEndpoint;
}

const SEVERITIES: readonly string[] = Object.values(PagerDutySeverity);

/** PagerDuty alerts and change events, through the stack's one PagerDuty notifier function. */
export class PagerDutyNotifier implements INotifier {
  constructor(private readonly options: PagerDutyNotifierOptions) {
    if (options.severity !== undefined && !SEVERITIES.includes(options.severity)) {
      throw new Error(`\`severity\` must be one of ${SEVERITIES.join(', ')} (a PagerDutySeverity), got ${JSON.stringify(options.severity)}`);
    }
  }

  public bind(scope: Construct): NotifierConfig {
    const { fn, destination } = notifierFunction(scope, 'CpuFirstLineSupportPagerDutyNotifier', 'pagerduty-notify',
      'cdk-cpu-first-line-support: sends PagerDuty events', this.options.routingKey,
      (this.options.endpoint ?? PagerDutyEndpoint.US).baseUrl);
    return {
      handler: fn,
      parameters: {
        destination,
        severity: this.options.severity ?? PagerDutySeverity.ERROR,
      },
      nonRetryableErrors: ['PagerDutyApiError'],
    };
  }
}
