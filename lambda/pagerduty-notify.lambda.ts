/**
 * Sends the notification to PagerDuty's Events API v2, with the integration's routing key read
 * from Secrets Manager:
 *
 * - UNRESPONSIVE, NOT_REBOOTED and ERROR `trigger` an alert (`POST /v2/enqueue`) with the
 *   incident's `dedup_key` (see {@link dedupKey}), at the configured severity;
 * - ESCALATION_FAILED (sent to a recovery notifier: the escalation notifier could not page)
 *   triggers its own alert, `...:escalation-failed`, always `critical`: it must page;
 * - RESOLVED `resolve`s the incident's alert (same `dedup_key`);
 * - RECOVERED and WOULD_REBOOT are information: a Change Event (`POST /v2/change/enqueue`),
 *   which PagerDuty shows on the service and never pages anyone for.
 *
 * Parameters (`event.parameters`): `destination` (required: which of the function's configured
 * `{secretArn, baseUrl}` to use, see `readDestination`) and `severity` ('critical', 'error',
 * 'warning' or 'info'; blank: 'error'). The routing key's secret and the base URL
 * (https://events.pagerduty.com or https://events.eu.pagerduty.com) are the function's
 * configuration. The routing key travels in the JSON body, never in a header or URL; the shared
 * delivery strips it from every log line, error and result.
 *
 * PagerDuty answers 202 when it accepted the event (processing is asynchronous), 400 when the
 * event is invalid (not retried: `PagerDutyApiError`), 429 when it rate-limits and 5xx when it
 * fails (retried, then `NotifierUnavailableError`).
 *
 * @see https://developer.pagerduty.com/docs/events-api-v2/overview/
 * @see https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
 * @see https://developer.pagerduty.com/docs/events-api-v2/send-change-events/
 */
import { ALERT_SOURCE, buildAlertDetails, executionName } from './opsgenie-notify.lambda';
import { bodySnippet, HttpRequest, HttpResponse, isRetryableStatus } from './shared/http';
import { InvalidEventError } from './shared/invalid-event-error';
import { IncidentMessage, renderPlainText, truncate } from './shared/message';
import {
  DeliveryOptions, deadlineFromContext, deliverNotification, LambdaContextLike, NotificationContext, NotifierDefinition, readParameter,
} from './shared/notifier';
import { Fields } from './shared/validate';
import { NotificationKind, NotifyEvent, NotifyResult } from '../src/contract';

const HANDLER = 'pagerduty-notify';

/** PagerDuty's US (default) Events API. */
export const DEFAULT_PAGERDUTY_BASE_URL = 'https://events.pagerduty.com';

/** The prefix of every dedup key: the same incident key as OpsGenie's alias. */
const DEDUP_PREFIX = 'cpu-first-line-support';

const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
/** A PagerDuty event severity. */
export type PagerDutySeverity = (typeof SEVERITIES)[number];

/** The Events API v2's field limits (characters). */
export const PAGERDUTY_LIMITS = { summary: 1_024, dedupKey: 255, source: 255, detail: 1_000, description: 8_000 };

/** The PagerDuty notifier's parameters (the routing key's secret and the base URL are the destination's). */
export interface PagerDutyParameters {
  readonly severity: PagerDutySeverity;
}

/**
 * Thrown when PagerDuty refuses the event for good (HTTP 400 "invalid event", e.g. a wrong
 * routing key, or another 4xx but 408 and 429). Retrying cannot help. Transient failures
 * are `NotifierUnavailableError`.
 */
export class PagerDutyApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PagerDutyApiError';
  }
}

/** Reads and validates the parameters; throws InvalidEventError. */
export function readPagerDutyParameters(parameters: Fields): PagerDutyParameters {
  const severity = readParameter(HANDLER, parameters, 'severity', 'error').toLowerCase();
  if (!(SEVERITIES as readonly string[]).includes(severity)) {
    throw new InvalidEventError(`${HANDLER}: \`parameters.severity\` must be one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(parameters.severity)}`);
  }
  return { severity: severity as PagerDutySeverity };
}

/** What the notifier sends for each kind. */
export type PagerDutyAction = 'trigger' | 'resolve' | 'change';

/** The kinds that page (`trigger`), that close (`resolve`), and that only inform (a Change Event). */
export function pagerDutyAction(kind: NotificationKind): PagerDutyAction {
  switch (kind) {
    case 'RESOLVED':
      return 'resolve';
    case 'RECOVERED':
    case 'WOULD_REBOOT':
      return 'change';
    default:
      return 'trigger';
  }
}

/**
 * The alert's `dedup_key`: one per incident, `cpu-first-line-support:<instanceId>:<execution
 * name>`, the scheme of OpsGenie's alias. PagerDuty applies a trigger with the key of an open
 * alert to that alert (no new page) and a resolve to it, so a retried trigger never pages twice,
 * a new incident pages even while an older alert is open, two instances never merge, and the
 * RESOLVED event closes exactly what the incident's trigger opened. Without an execution ID the
 * key is per instance. A lost page ('ESCALATION_FAILED') gets `...:escalation-failed`, so it is
 * never swallowed by an open alert of the incident. At most 255 characters.
 *
 * @see https://developer.pagerduty.com/docs/events-api-v2/trigger-events/#alert-de-duplication
 */
export function dedupKey(instanceId: string, kind: NotificationKind, executionId?: string): string {
  const suffix = kind === 'ESCALATION_FAILED' ? ':escalation-failed' : '';
  const execution = executionName(executionId);
  const incident = execution !== undefined ? `${DEDUP_PREFIX}:${instanceId}:${execution}` : `${DEDUP_PREFIX}:${instanceId}`;
  return truncate(incident, PAGERDUTY_LIMITS.dedupKey - suffix.length) + suffix;
}

/** The severity of a trigger: a lost page is always critical (it must page), else the configured one. */
export function triggerSeverity(kind: NotificationKind, configured: PagerDutySeverity): PagerDutySeverity {
  return kind === 'ESCALATION_FAILED' ? 'critical' : configured;
}

/** The PD-CEF `class` of each kind: what kind of problem this is. */
const EVENT_CLASSES: Record<NotificationKind, string> = {
  UNRESPONSIVE: 'unresponsive after reboot',
  NOT_REBOOTED: 'failed checks, not rebooted',
  ERROR: 'workflow error',
  ESCALATION_FAILED: 'paging failed',
  RECOVERED: 'recovered after reboot',
  WOULD_REBOOT: 'would reboot (dry run)',
  RESOLVED: 'resolved',
};

/**
 * The `custom_details`: the facts OpsGenie's alert details carry (see `buildAlertDetails`), the
 * whole message as plain text, and `drill: 'true'` for a fire drill.
 */
export function buildCustomDetails(event: NotifyEvent, message: IncidentMessage): Record<string, string> {
  return {
    ...buildAlertDetails(event, process.env.AWS_REGION),
    ...(event.drill === true ? { drill: 'true' } : {}),
    description: truncate(renderPlainText(message), PAGERDUTY_LIMITS.description),
  };
}

/** The link to the execution in the AWS console, when there is one. */
function executionLinks(message: IncidentMessage): Array<{ href: string; text: string }> {
  return message.executionUrl !== undefined ? [{ href: message.executionUrl, text: 'Step Functions execution (AWS console)' }] : [];
}

/** The JSON body of a `trigger` (`POST /v2/enqueue`). */
export function buildTriggerEvent(
  event: NotifyEvent, parameters: PagerDutyParameters, message: IncidentMessage, routingKey: string,
): Record<string, unknown> {
  const region = process.env.AWS_REGION;
  const links = executionLinks(message);
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey(event.instanceId, event.kind, event.executionId),
    client: ALERT_SOURCE,
    ...(links.length > 0 ? { client_url: links[0].href } : {}),
    payload: {
      summary: truncate(message.title, PAGERDUTY_LIMITS.summary),
      source: truncate(event.instanceId, PAGERDUTY_LIMITS.source),
      severity: triggerSeverity(event.kind, parameters.severity),
      component: 'ec2',
      group: region !== undefined && region.trim() !== '' ? `${DEDUP_PREFIX}:${region.trim()}` : DEDUP_PREFIX,
      class: EVENT_CLASSES[event.kind],
      custom_details: buildCustomDetails(event, message),
    },
    links,
  };
}

/** The JSON body of a `resolve` (`POST /v2/enqueue`), which closes the incident's alert. */
export function buildResolveEvent(event: NotifyEvent, routingKey: string): Record<string, unknown> {
  return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey(event.instanceId, event.kind, event.executionId) };
}

/**
 * The JSON body of a Change Event (`POST /v2/change/enqueue`), for a recovery or a dry run:
 * shown on the service, never paged.
 *
 * @see https://developer.pagerduty.com/docs/events-api-v2/send-change-events/
 */
export function buildChangeEvent(event: NotifyEvent, message: IncidentMessage, routingKey: string): Record<string, unknown> {
  return {
    routing_key: routingKey,
    payload: {
      summary: truncate(message.title, PAGERDUTY_LIMITS.summary),
      source: truncate(event.instanceId, PAGERDUTY_LIMITS.source),
      custom_details: buildCustomDetails(event, message),
    },
    links: executionLinks(message),
  };
}

/**
 * Judges PagerDuty's final, non-transient answer. A 2xx (202 `{ status: "success", message:
 * "Event processed", dedup_key }`) means accepted: returns the `dedup_key` PagerDuty
 * answered (a Change Event has none: `undefined`).
 *
 * @throws PagerDutyApiError for any other status (400 `{ status: "invalid event", message,
 * errors }`), with what PagerDuty said
 */
export function interpretPagerDutyResponse(response: HttpResponse): string | undefined {
  let answer: { status?: unknown; message?: unknown; errors?: unknown; dedup_key?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(response.body);
    answer = typeof parsed === 'object' && parsed !== null ? parsed as typeof answer : {};
  } catch {
    answer = {};
  }
  if (response.status < 200 || response.status >= 300) {
    const errors = Array.isArray(answer.errors) ? answer.errors.filter((e): e is string => typeof e === 'string') : [];
    const said = typeof answer.message === 'string'
      ? `${typeof answer.status === 'string' ? `${answer.status}: ` : ''}${answer.message}${errors.length > 0 ? ` (${errors.join('; ')})` : ''}`
      : bodySnippet(response.body);
    throw new PagerDutyApiError(`PagerDuty refused the event: HTTP ${response.status} after ${response.attempts} attempt(s): ${truncate(said, 500)}`);
  }
  return typeof answer.dedup_key === 'string' && answer.dedup_key !== '' ? answer.dedup_key : undefined;
}

/** The HTTP request for the event: a trigger or resolve to `/v2/enqueue`, a Change Event to `/v2/change/enqueue`. */
export function buildPagerDutyRequest({ event, parameters, destination, message, secret }: NotificationContext<PagerDutyParameters>): HttpRequest {
  const action = pagerDutyAction(event.kind);
  const body = action === 'change' ? buildChangeEvent(event, message, secret)
    : action === 'resolve' ? buildResolveEvent(event, secret)
      : buildTriggerEvent(event, parameters, message, secret);
  return {
    url: `${destination.baseUrl}${action === 'change' ? '/v2/change/enqueue' : '/v2/enqueue'}`,
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  };
}

/** The PagerDuty notifier, as plugged into {@link deliverNotification}. */
export const PAGERDUTY_NOTIFIER: NotifierDefinition<PagerDutyParameters> = {
  notifier: 'pagerduty',
  handler: HANDLER,
  service: 'PagerDuty Events API v2',
  readParameters: readPagerDutyParameters,
  buildRequest: buildPagerDutyRequest,
  isTransient: isRetryableStatus,
  interpretResponse: (response) => interpretPagerDutyResponse(response),
  describeParameters: (parameters) => ({ severity: parameters.severity }),
};

/** Sends the PagerDuty event; `options` set the deadline and tune the retries (for tests). */
export async function notifyPagerDuty(event: NotifyEvent, options: DeliveryOptions = {}): Promise<NotifyResult> {
  return deliverNotification(PAGERDUTY_NOTIFIER, event, options);
}

/** Lambda entry point: every attempt ends before the function's own timeout. */
export const handler = async (event: NotifyEvent, context?: LambdaContextLike): Promise<NotifyResult> =>
  notifyPagerDuty(event, { deadlineMs: deadlineFromContext(context) });
