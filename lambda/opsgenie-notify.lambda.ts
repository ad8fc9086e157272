/**
 * Raises an OpsGenie alert (`POST /v2/alerts`) for the notification, using an API key read
 * from Secrets Manager; for kind 'RESOLVED', closes the incident's alert by its alias
 * (`POST /v2/alerts/{alias}/close?identifierType=alias`). Jira Service Management's alert API
 * is the same API under another base URL.
 *
 * Parameters (`event.parameters`): `destination` (required: which of the function's configured
 * `{secretArn, baseUrl}` to use, see `readDestination`), `team` (blank: no responders),
 * `priority` ('P1'..'P5', blank: 'P3'). The key's secret and the base URL (e.g.
 * https://api.opsgenie.com or https://api.eu.opsgenie.com) are the function's configuration.
 *
 * OpsGenie keeps one open alert per alias and only counts a create with the alias of an open
 * alert, without notifying anyone. So the alias is per incident (instance and execution,
 * see {@link alertAlias}): a new incident pages again even while an older alert is open, and a
 * retried create of one incident never pages twice.
 *
 * Throws `OpsGenieApiError` when OpsGenie refuses the alert for good (a 4xx other than 408 and
 * 429), and `NotifierUnavailableError` when it cannot be reached, rate-limits or fails on its
 * side beyond the handler's retry budget. A 202 means "Request will be processed": OpsGenie
 * processes the request asynchronously, so the answer is the request ID, not the alert's.
 *
 * @see https://docs.opsgenie.com/docs/alert-api#create-alert
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from './shared/aws-errors';
import { bodySnippet, fetchOnce, HttpRequest, HttpResponse, isRetryableStatus } from './shared/http';
import { InvalidEventError } from './shared/invalid-event-error';
import { failedCheckNames, IncidentMessage, MAX_TITLE_LENGTH, readRebootDecision, renderPlainText, truncate } from './shared/message';
import {
  DeliveryOptions, deadlineFromContext, deliverNotification, LambdaContextLike, NotificationContext, NotifierDefinition, NotifierUnavailableError,
  readParameter,
} from './shared/notifier';
import { NotifyEvent, NotifyResult } from '../src/contract';
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
const LIMITS = { note: 25_000, alias: 512, description: 15_000, entity: 512, tag: 50, detailsTotal: 8_000, teamName: 100 };

/** The OpsGenie notifier's parameters (the key's secret and the base URL are the destination's). */
export interface OpsGenieParameters {
  /** Empty: no responders. */
  readonly team: string;
  readonly priority: OpsGeniePriority;
}

/**
 * Thrown when OpsGenie refuses the alert for good (a 4xx other than 408 and 429, e.g. an
 * invalid key or payload). Retrying cannot help. Transient failures are `NotifierUnavailableError`.
 */
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
    team: truncate(readParameter(HANDLER, parameters, 'team', ''), LIMITS.teamName),
    priority: priority as OpsGeniePriority,
  };
}

/** Alias suffixes of the kinds that must not de-duplicate with the incident's alert. */
const ALIAS_SUFFIXES: Partial<Record<NotifyEvent['kind'], string>> = {
  RECOVERED: ':recovered',
  WOULD_REBOOT: ':dry-run',
  ESCALATION_FAILED: ':escalation-failed',
};

/** The execution name: the last segment of an execution ARN; `undefined` when there is none. */
export function executionName(executionId: unknown): string | undefined {
  if (typeof executionId !== 'string') {
    return undefined;
  }
  const name = executionId.trim().split(':').pop()?.trim();
  return name !== undefined && name !== '' ? name : undefined;
}

/**
 * The alert alias: one per incident, `cpu-first-line-support:<instanceId>:<execution name>`.
 * OpsGenie keeps one open alert per alias and only counts a create with the alias of an open
 * alert (no new notification), so a per-instance alias would keep a second incident silent
 * while the first alert is still open. Per incident, a retried create (the state machine
 * retries) still de-duplicates, and two instances never merge. Without an execution ID the
 * alias is per instance. A RECOVERED notice gets `...:recovered`, a dry run ('WOULD_REBOOT')
 * `...:dry-run`, and a lost page ('ESCALATION_FAILED') `...:escalation-failed`, so none of them
 * is swallowed by, or adds to, the incident's alert. At most 512 characters.
 *
 * @see https://docs.opsgenie.com/docs/alert-api#create-alert
 */
export function alertAlias(instanceId: string, kind: NotifyEvent['kind'], executionId?: string): string {
  const suffix = ALIAS_SUFFIXES[kind] ?? '';
  const execution = executionName(executionId);
  const incident = execution !== undefined ? `${ALIAS_PREFIX}:${instanceId}:${execution}` : `${ALIAS_PREFIX}:${instanceId}`;
  return truncate(incident, LIMITS.alias - suffix.length) + suffix;
}

/** Kinds that inform and never page: sent at P5 whatever the configured priority. */
const INFORMATIONAL_KINDS: ReadonlySet<NotifyEvent['kind']> = new Set(['RECOVERED', 'WOULD_REBOOT']);

/** The alert priority: P5 for a recovery and a dry run (information, never a page), else the configured one. */
export function alertPriority(kind: NotifyEvent['kind'], configured: OpsGeniePriority): OpsGeniePriority {
  return INFORMATIONAL_KINDS.has(kind) ? 'P5' : configured;
}

/**
 * Alert details (a string-to-string map): only fields that are known, each value cut so the
 * whole map stays within OpsGenie's limit.
 */
export function buildAlertDetails(event: NotifyEvent, region: string | undefined): Record<string, string> {
  // Without a reboot there is no "before the reboot" and no re-check: an ERROR or a lost page
  // says whether the reboot was issued.
  const rebooted = event.kind === 'RECOVERED' || event.kind === 'UNRESPONSIVE'
    || ((event.kind === 'ERROR' || event.kind === 'ESCALATION_FAILED') && event.rebootIssued === true);
  const failure = event.kind === 'ERROR' || event.kind === 'ESCALATION_FAILED';
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
    error: failure ? event.error?.Error : undefined,
    failedState: failure ? event.failedState : undefined,
    rebootIssued: failure && typeof event.rebootIssued === 'boolean' ? String(event.rebootIssued) : undefined,
    rebootRecorded: failure && typeof event.rebootRecorded === 'boolean' ? String(event.rebootRecorded) : undefined,
    undeliveredKind: event.kind === 'ESCALATION_FAILED' ? event.undeliveredKind : undefined,
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
    alias: alertAlias(event.instanceId, event.kind, event.executionId),
    description: truncate(renderPlainText(message), LIMITS.description),
    ...(parameters.team !== '' ? { responders: [{ type: 'team', name: parameters.team }] } : {}),
    // A recovery or a dry-run notice is information, never a page.
    priority: alertPriority(event.kind, parameters.priority),
    entity: truncate(event.instanceId, LIMITS.entity),
    source: ALERT_SOURCE,
    tags: event.kind === 'WOULD_REBOOT' ? [ALIAS_PREFIX, event.kind, 'dry-run'] : [ALIAS_PREFIX, event.kind],
    details: buildAlertDetails(event, region),
  };
}

/**
 * The JSON body of `POST /v2/alerts/{alias}/close?identifierType=alias`, which closes the
 * incident's alert when the escalated incident is over (kind 'RESOLVED'). Closing is asynchronous
 * like creating: the answer is a request ID, confirmed the same way.
 *
 * @see https://docs.opsgenie.com/docs/alert-api#close-alert
 */
export function buildClosePayload(message: IncidentMessage): Record<string, unknown> {
  return { source: ALERT_SOURCE, note: truncate(renderPlainText(message), LIMITS.note) };
}

/**
 * Judges OpsGenie's final, non-transient answer (202 `{ result, took, requestId }`): returns
 * the request ID. A 202 only says "Request will be processed": OpsGenie creates the alert
 * asynchronously.
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

/** How long and how often the notifier asks OpsGenie whether an accepted alert was processed. */
export const CONFIRMATION_POLICY = { attempts: 4, firstWaitMs: 250, timeoutMs: 5_000 };

/**
 * Confirms that OpsGenie processed the alert it accepted. OpsGenie answers `202 Accepted`
 * before it processes a create request, and a request can still fail then (an unknown
 * responder team, say): `GET /v2/alerts/requests/{requestId}` tells
 * (https://docs.opsgenie.com/docs/alert-api#get-request-status). Asks up to 4 times, after
 * 0.25, 0.5, 1 and 2 s; 404 means "not processed yet".
 *
 * @param closing the request closes an alert: one that OpsGenie processed without closing anything
 * (no open alert had the alias) is done, not refused
 * @throws OpsGenieApiError when OpsGenie processed the request and did not create the alert;
 * NotifierUnavailableError when it was still not processed (the workflow sends it again: the
 * same alias only adds to the alert if the first one was created meanwhile)
 */
export async function confirmOpsGenieRequest(
  baseUrl: string,
  secret: string,
  requestId: string | undefined,
  redact: (text: string) => string,
  policy = CONFIRMATION_POLICY,
  closing = false,
): Promise<void> {
  if (requestId === undefined) {
    throw new NotifierUnavailableError('OpsGenie accepted the alert without a requestId, so it cannot be confirmed; the workflow retries later');
  }
  let last = 'no answer';
  for (let attempt = 0; attempt < policy.attempts; attempt++) {
    await sleep(policy.firstWaitMs * 2 ** attempt);
    try {
      const answer = await fetchOnce({
        url: `${baseUrl}/v2/alerts/requests/${encodeURIComponent(requestId)}`,
        method: 'GET',
        headers: { Authorization: `GenieKey ${secret}` },
      }, policy.timeoutMs);
      if (answer.status === 200) {
        const data = (JSON.parse(answer.body) as { data?: { isSuccess?: unknown; status?: unknown } }).data;
        if (data?.isSuccess === true) return;
        // A close that found no open alert (a human closed it, or it was never created) leaves nothing open: done.
        if (data?.isSuccess === false && closing) return;
        if (data?.isSuccess === false) {
          throw new OpsGenieApiError(redact(`OpsGenie accepted the alert but did not create it: ${String(data.status ?? 'no status')} (request ${requestId})`));
        }
      }
      last = `HTTP ${answer.status}: ${redact(bodySnippet(answer.body))}`;
    } catch (error) {
      if (error instanceof OpsGenieApiError) throw error;
      last = redact(errorMessage(error));
    }
  }
  throw new NotifierUnavailableError(`OpsGenie accepted the alert but had not processed it after ${policy.attempts} checks (${last}); the workflow retries later`);
}

/** The OpsGenie notifier, as plugged into {@link deliverNotification}. */
export const OPSGENIE_NOTIFIER: NotifierDefinition<OpsGenieParameters> = {
  notifier: 'opsgenie',
  handler: HANDLER,
  service: 'OpsGenie Alert API',
  readParameters: readOpsGenieParameters,
  buildRequest: ({ event, parameters, destination, message, secret }: NotificationContext<OpsGenieParameters>): HttpRequest => {
    const headers = { 'Authorization': `GenieKey ${secret}`, 'Content-Type': 'application/json; charset=utf-8' };
    if (event.kind === 'RESOLVED') {
      const alias = encodeURIComponent(alertAlias(event.instanceId, event.kind, event.executionId));
      return {
        url: `${destination.baseUrl}/v2/alerts/${alias}/close?identifierType=alias`,
        method: 'POST',
        headers,
        body: JSON.stringify(buildClosePayload(message)),
      };
    }
    return { url: `${destination.baseUrl}/v2/alerts`, method: 'POST', headers, body: JSON.stringify(buildAlertPayload(event, parameters, message)) };
  },
  isTransient: isRetryableStatus,
  interpretResponse: (response) => interpretOpsGenieResponse(response),
  describeParameters: (parameters) => ({ team: parameters.team, priority: parameters.priority }),
  confirm: ({ event, destination, secret, reference, redact }) =>
    confirmOpsGenieRequest(destination.baseUrl, secret, reference, redact, CONFIRMATION_POLICY, event.kind === 'RESOLVED'),
};

/** Raises the OpsGenie alert; `options` set the deadline and tune the retries (for tests). */
export async function notifyOpsGenie(event: NotifyEvent, options: DeliveryOptions = {}): Promise<NotifyResult> {
  return deliverNotification(OPSGENIE_NOTIFIER, event, options);
}

/** Lambda entry point: every attempt ends before the function's own timeout. */
export const handler = async (event: NotifyEvent, context?: LambdaContextLike): Promise<NotifyResult> =>
  notifyOpsGenie(event, { deadlineMs: deadlineFromContext(context) });
