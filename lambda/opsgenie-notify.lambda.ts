/**
 * Raises an OpsGenie alert (`POST /v2/alerts`) for the notification, using an API key read
 * from Secrets Manager.
 *
 * Parameters (`event.parameters`): `apiKeySecretArn` (required), `baseUrl` (default
 * https://api.opsgenie.com; https://api.eu.opsgenie.com for the EU instance, or any base),
 * `team` (blank: no responders), `priority` ('P1'..'P5', blank: 'P3').
 *
 * The alert's alias is per instance, so repeated alerts for one instance are de-duplicated by
 * OpsGenie and two instances never merge; a dry run ('WOULD_REBOOT') has an alias of its own,
 * so it never touches a real alert. Throws when OpsGenie refuses the alert (non-2xx)
 * or cannot be reached within the retry budget.
 */
import { bodySnippet, HttpRequest, HttpResponse } from './shared/http';
import { InvalidEventError } from './shared/invalid-event-error';
import { failedCheckNames, IncidentMessage, MAX_TITLE_LENGTH, readRebootDecision, renderPlainText, truncate } from './shared/message';
import { DeliveryOptions, deliverNotification, NotificationContext, NotifierDefinition, readBaseUrl, readParameter } from './shared/notifier';
import { NotifyEvent, NotifyResult } from './shared/types';
import { Fields } from './shared/validate';

const HANDLER = 'opsgenie-notify';

/** OpsGenie's US (default) API. */
export const DEFAULT_OPSGENIE_BASE_URL = 'https://api.opsgenie.com';

/** The `source` of every alert, and the prefix of aliases and tags. */
export const ALERT_SOURCE = 'cdk-cpu-first-line-support';
const ALIAS_PREFIX = 'cpu-first-line-support';

const PRIORITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;
/** An OpsGenie alert priority. */
export type OpsGeniePriority = (typeof PRIORITIES)[number];

/** OpsGenie's field limits (characters). */
const LIMITS = { alias: 512, description: 15_000, entity: 512, tag: 50, detailsTotal: 8_000, teamName: 100 };

/** The OpsGenie notifier's parameters. */
export interface OpsGenieParameters {
  readonly apiKeySecretArn: string;
  readonly baseUrl: string;
  /** Empty: no responders. */
  readonly team: string;
  readonly priority: OpsGeniePriority;
}

/** Thrown when OpsGenie does not accept the alert. */
export class OpsGenieApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OpsGenieApiError';
  }
}

/** Reads and validates the parameters; throws InvalidEventError. */
export function readOpsGenieParameters(parameters: Fields): OpsGenieParameters {
  const priority = readParameter(HANDLER, parameters, 'priority', 'P3').toUpperCase();
  if (!(PRIORITIES as readonly string[]).includes(priority)) {
    throw new InvalidEventError(`${HANDLER}: \`parameters.priority\` must be one of ${PRIORITIES.join(', ')}, got ${JSON.stringify(parameters.priority)}`);
  }
  return {
    apiKeySecretArn: readParameter(HANDLER, parameters, 'apiKeySecretArn'),
    baseUrl: readBaseUrl(HANDLER, parameters, 'baseUrl', DEFAULT_OPSGENIE_BASE_URL),
    team: truncate(readParameter(HANDLER, parameters, 'team', ''), LIMITS.teamName),
    priority: priority as OpsGeniePriority,
  };
}

/** Alias suffixes of the kinds that must not de-duplicate with the instance's alert. */
const ALIAS_SUFFIXES: Partial<Record<NotifyEvent['kind'], string>> = {
  RECOVERED: ':recovered',
  WOULD_REBOOT: ':dry-run',
};

/**
 * The alert alias: one per instance (`cpu-first-line-support:<instanceId>`), so OpsGenie
 * de-duplicates repeated alerts for one instance (UNRESPONSIVE, NOT_REBOOTED, ERROR) and never
 * merges two instances. A RECOVERED notification gets its own alias (`...:recovered`), so it
 * is not swallowed by a still-open alert of the same instance; a dry run ('WOULD_REBOOT') gets
 * `...:dry-run`, so it never adds to or de-duplicates with a real alert.
 */
export function alertAlias(instanceId: string, kind: NotifyEvent['kind']): string {
  const suffix = ALIAS_SUFFIXES[kind] ?? '';
  return truncate(`${ALIAS_PREFIX}:${instanceId}`, LIMITS.alias - suffix.length) + suffix;
}

/**
 * Alert details (a string-to-string map): only fields that are known, each value cut so the
 * whole map stays within OpsGenie's limit.
 */
export function buildAlertDetails(event: NotifyEvent, region: string | undefined): Record<string, string> {
  // Without a reboot (NOT_REBOOTED, WOULD_REBOOT) there is no "before the reboot" and no re-check.
  const rebooted = event.kind !== 'NOT_REBOOTED' && event.kind !== 'WOULD_REBOOT';
  const decision = readRebootDecision(event.decision);
  const candidates: Record<string, unknown> = {
    instanceId: event.instanceId,
    kind: event.kind,
    region,
    executionId: event.executionId,
    incidentStartedAt: event.incidentStartedAt,
    recheckCount: rebooted && typeof event.recheckCount === 'number' ? String(event.recheckCount) : undefined,
    failedChecksBeforeReboot: rebooted ? failedCheckNames(event.firstRun) : undefined,
    failedChecksLastRecheck: rebooted ? failedCheckNames(event.lastRun) : undefined,
    failedChecks: rebooted ? undefined : failedCheckNames(event.firstRun),
    rebootVerdict: decision?.verdict,
    rebootReason: decision?.reason,
    instanceState: decision?.instanceState,
    rebootsInWindow: decision?.rebootsInWindow !== undefined ? String(decision.rebootsInWindow) : undefined,
    error: event.kind === 'ERROR' ? event.error?.Error : undefined,
  };
  const details: Record<string, string> = {};
  for (const [key, value] of Object.entries(candidates)) {
    if (typeof value === 'string' && value.trim() !== '') {
      details[key] = truncate(value.trim(), 500);
    }
  }
  return details;
}

/** The JSON body of `POST /v2/alerts`. */
export function buildAlertPayload(event: NotifyEvent, parameters: OpsGenieParameters, message: IncidentMessage): Record<string, unknown> {
  const region = process.env.AWS_REGION;
  return {
    message: truncate(message.title, MAX_TITLE_LENGTH),
    alias: alertAlias(event.instanceId, event.kind),
    description: truncate(renderPlainText(message), LIMITS.description),
    ...(parameters.team !== '' ? { responders: [{ type: 'team', name: parameters.team }] } : {}),
    // A dry-run notice is information, never a page.
    priority: event.kind === 'WOULD_REBOOT' ? 'P5' : parameters.priority,
    entity: truncate(event.instanceId, LIMITS.entity),
    source: ALERT_SOURCE,
    tags: event.kind === 'WOULD_REBOOT' ? [ALIAS_PREFIX, event.kind, 'dry-run'] : [ALIAS_PREFIX, event.kind],
    details: buildAlertDetails(event, region),
  };
}

/**
 * Judges OpsGenie's answer (202 `{ result, took, requestId }`): returns the request ID.
 *
 * @throws OpsGenieApiError for a non-2xx status, with the status and a body snippet
 */
export function interpretOpsGenieResponse(response: HttpResponse): string | undefined {
  if (response.status < 200 || response.status >= 300) {
    throw new OpsGenieApiError(`OpsGenie refused the alert: HTTP ${response.status} after ${response.attempts} attempt(s): ${bodySnippet(response.body)}`);
  }
  try {
    const answer = JSON.parse(response.body) as { requestId?: unknown };
    return typeof answer.requestId === 'string' ? answer.requestId : undefined;
  } catch {
    return undefined;
  }
}

/** The OpsGenie notifier, as plugged into {@link deliverNotification}. */
export const OPSGENIE_NOTIFIER: NotifierDefinition<OpsGenieParameters> = {
  notifier: 'opsgenie',
  handler: HANDLER,
  readParameters: readOpsGenieParameters,
  secretArn: (parameters) => parameters.apiKeySecretArn,
  buildRequest: ({ event, parameters, message, secret }: NotificationContext<OpsGenieParameters>): HttpRequest => ({
    url: `${parameters.baseUrl}/v2/alerts`,
    method: 'POST',
    headers: {
      'Authorization': `GenieKey ${secret}`,
      'Content-Type': 'application/json; charset=utf-8',
    },
    body: JSON.stringify(buildAlertPayload(event, parameters, message)),
  }),
  interpretResponse: (response) => interpretOpsGenieResponse(response),
  describeParameters: (parameters) => ({ baseUrl: parameters.baseUrl, team: parameters.team, priority: parameters.priority }),
};

/** Raises the OpsGenie alert; `options` tune the retries (for tests). */
export async function notifyOpsGenie(event: NotifyEvent, options: DeliveryOptions = {}): Promise<NotifyResult> {
  return deliverNotification(OPSGENIE_NOTIFIER, event, options);
}

/** Lambda entry point. */
export const handler = async (event: NotifyEvent): Promise<NotifyResult> => notifyOpsGenie(event);
