/**
 * What every notifier handler does, in one place: validate the event, find the destination
 * (endpoint and secret) in the function's own configuration, read the credential from Secrets
 * Manager, build the message, send it with retries, judge the answer, log the decision.
 * A notifier only supplies its parameters, request and answer interpretation.
 *
 * Failures are thrown under two kinds of names, which the state machine tells apart:
 * - {@link NotifierUnavailableError}: the service is unreachable, times out, rate-limits or
 *   fails on its side; the state machine retries it with a long backoff.
 * - the notifier's own refusal error (`SlackApiError`, `OpsGenieApiError`): the service refused
 *   the message for good (a wrong channel, a revoked key); retrying cannot help.
 */
import { errorMessage, errorName } from './aws-errors';
import { bodySnippet, DEFAULT_RETRY_POLICY, fetchWithRetry, HttpDeliveryError, HttpRequest, HttpResponse, parseRetryAfter, RetryPolicy } from './http';
import { InvalidEventError } from './invalid-event-error';
import { logDecision, REDACTED, redactError, redactText } from './log';
import { buildIncidentMessage, failedCheckNames, IncidentMessage, readRebootDecision } from './message';
import { parseCredentialUrl, readSecretEndpoint } from './secret-endpoint';
import { forgetSecret, getSecretString } from './secrets';
import { describeValue, Fields, readOneOf, requireObject, requireString } from './validate';
import { NotificationKind, NotifyEvent, NotifyResult, RebootDecision } from '../../src/contract';

/** The kinds a notifier accepts. */
export const NOTIFICATION_KINDS: readonly NotificationKind[] = [
  'RECOVERED', 'UNRESPONSIVE', 'ERROR', 'NOT_REBOOTED', 'WOULD_REBOOT', 'ESCALATION_FAILED', 'RESOLVED',
];

/**
 * Thrown by every notifier when delivery failed for a transient reason: the service could not
 * be reached or did not answer in time, answered HTTP 5xx, 408 or 429, or (Slack) a transient
 * `ok: false` error such as `ratelimited`. The message says what happened, with the
 * `Retry-After` the service asked for. Retrying later may succeed: the state machine does,
 * with a backoff, since the handler's own short retries did not help.
 */
export class NotifierUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotifierUnavailableError';
  }
}

/**
 * Prefix of the notifier function's environment variables that configure its destinations:
 * `NOTIFIER_DESTINATION_<key>` = `{"secretArn":"...","baseUrl":"https://..."}`, where `<key>`
 * is what `parameters.destination` names. The construct sets them (src/notifier.ts).
 */
export const DESTINATION_ENV_PREFIX = 'NOTIFIER_DESTINATION_';

/** The parameters an event may no longer carry: the endpoint and secret are the function's configuration. */
const FORBIDDEN_PARAMETERS = ['tokenSecretArn', 'apiKeySecretArn', 'secretArn', 'apiBaseUrl', 'baseUrl'];

/** Where a notification goes, as the function's configuration says. */
export interface Destination {
  /** The key `parameters.destination` names. */
  readonly key: string;
  /** The ARN of the secret holding the credential for `baseUrl` (or the endpoint itself, see {@link NotifierDefinition.endpointInSecret}). */
  readonly secretArn: string;
  /**
   * The service's base URL, without trailing slashes; '' for a notifier whose endpoint is the
   * secret's value ({@link NotifierDefinition.endpointInSecret}).
   */
  readonly baseUrl: string;
}

/** Everything a notifier needs to build its request. */
export interface NotificationContext<P> {
  readonly event: NotifyEvent;
  readonly parameters: P;
  readonly destination: Destination;
  readonly message: IncidentMessage;
  /** The credential read from Secrets Manager; goes into a header, never into a log. */
  readonly secret: string;
}

/** The parts in which notifiers differ. */
export interface NotifierDefinition<P> {
  /** The notifier's name in results, e.g. 'slack'. */
  readonly notifier: string;
  /** The handler's name in logs and errors, e.g. 'slack-notify'. */
  readonly handler: string;
  /** The service and call in error messages, e.g. 'Slack chat.postMessage'. */
  readonly service: string;
  /**
   * The endpoint is the secret: the secret's value is the whole URL to post to (a webhook URL
   * that carries its own signature, such as a Teams Workflows URL with `sig=`). The destination
   * is then `{"secretArn": ...}` without a base URL, and the secret's value is checked (an
   * `https://` URL; plain `http://` only on a loopback host) before anything is sent. The URL,
   * its path and each of its query values are redacted wherever they appear; logs show its host.
   */
  readonly endpointInSecret?: true;
  /** Reads and validates `event.parameters` (the harmless settings); throws InvalidEventError. */
  readParameters(parameters: Fields): P;
  /** The HTTP request that delivers the message. */
  buildRequest(context: NotificationContext<P>): HttpRequest;
  /** Whether an answer is transient (worth another attempt); defaults to 408, 429 and 5xx. */
  isTransient(response: HttpResponse): boolean;
  /** A short description of a transient answer beyond its status, e.g. Slack's error code. */
  describeTransient?(response: HttpResponse): string | undefined;
  /**
   * Judges a final, non-transient answer: returns the delivery reference, or throws the
   * notifier's refusal error saying why delivery failed.
   */
  interpretResponse(response: HttpResponse, parameters: P): string | undefined;
  /** Fields worth logging about the parameters (never the credential). */
  describeParameters?(parameters: P): Record<string, unknown>;
  /**
   * For a service that accepts a message before it processes it: confirms that the accepted
   * message (`reference`) was processed. Throws the refusal error when it was not, and
   * NotifierUnavailableError when it is still pending at the end of its budget.
   */
  confirm?(context: NotificationContext<P> & { readonly reference: string | undefined; readonly redact: (text: string) => string }): Promise<void>;
}

/** Options of {@link deliverNotification}. */
export interface DeliveryOptions {
  /** Overrides parts of {@link DEFAULT_RETRY_POLICY} (for tests). */
  readonly retryPolicy?: Partial<RetryPolicy>;
  /**
   * No attempt runs after this time (epoch ms); see {@link deadlineFromContext}.
   * @default - only the retry policy's total budget
   */
  readonly deadlineMs?: number;
  /** Where the destinations are configured. @default process.env */
  readonly environment?: Record<string, string | undefined>;
}

/** What a handler keeps free of its Lambda time for reading the secret's answer, logging and returning. */
export const DEADLINE_MARGIN_MS = 3_000;

/** The part of the Lambda context the notifiers read. */
export interface LambdaContextLike {
  getRemainingTimeInMillis?(): number;
}

/** The time (epoch ms) by which the handler must have stopped sending: the Lambda deadline less a margin. */
export function deadlineFromContext(context: LambdaContextLike | undefined, nowMs: number = Date.now()): number | undefined {
  const remaining = context?.getRemainingTimeInMillis?.();
  return typeof remaining === 'number' && Number.isFinite(remaining) ? nowMs + remaining - DEADLINE_MARGIN_MS : undefined;
}

/**
 * Validates the common fields of a notifier event; throws InvalidEventError.
 *
 * The optional fields are only informative and are read defensively: `decision` keeps its
 * readable fields (see {@link readRebootDecision}) and is left out when it has neither a known
 * verdict nor a reason, so a malformed decision never fails the notification; the flags and
 * names of an ERROR or ESCALATION_FAILED are kept only when they have the right type.
 */
export function validateNotifyEvent(handler: string, value: unknown): { event: NotifyEvent; parameters: Fields } {
  const fields = requireObject(handler, value);
  const kind = readOneOf(handler, fields, 'kind', NOTIFICATION_KINDS);
  const instanceId = requireString(handler, fields, 'instanceId');
  const parameters = requireObject(handler, fields.parameters, 'parameters');
  const { decision: rawDecision, failedState, rebootIssued, rebootRecorded, undeliveredKind, ...rest } = value as NotifyEvent;
  const decision = readRebootDecision(rawDecision);
  const undelivered = typeof undeliveredKind === 'string'
    ? NOTIFICATION_KINDS.find((candidate) => candidate === undeliveredKind.trim().toUpperCase())
    : undefined;
  // Only the readable fields are kept (never the ledger, which no message needs), so the
  // decision may lack fields its type declares: every reader goes through readRebootDecision.
  const event: NotifyEvent = {
    ...rest,
    kind,
    instanceId,
    ...(decision !== undefined ? { decision: decision as RebootDecision } : {}),
    ...(typeof failedState === 'string' && failedState.trim() !== '' ? { failedState: failedState.trim() } : {}),
    ...(typeof rebootIssued === 'boolean' ? { rebootIssued } : {}),
    ...(typeof rebootRecorded === 'boolean' ? { rebootRecorded } : {}),
    ...(undelivered !== undefined ? { undeliveredKind: undelivered } : {}),
  };
  return { event, parameters };
}

/**
 * Reads a string parameter. Blank or missing values give `fallback`, or throw InvalidEventError
 * when there is none.
 */
export function readParameter(handler: string, parameters: Fields, name: string, fallback?: string): string {
  const value = parameters[name];
  if (typeof value === 'string' && value.trim() !== '') {
    return value.trim();
  }
  if ((value === undefined || value === null || value === '') && fallback !== undefined) {
    return fallback;
  }
  throw new InvalidEventError(`${handler}: \`parameters.${name}\` must be a non-empty string, got ${describeValue(value)}`);
}

/**
 * Checks an endpoint base URL: `https://`, or plain `http://` only on a loopback host
 * (127.0.0.1, localhost, ::1: the local fakes), without credentials, query or fragment.
 *
 * @returns the URL without trailing slashes, or a sentence saying what is wrong
 */
export function checkEndpointUrl(value: string): { url: string } | { problem: string } {
  const parsed = parseCredentialUrl(value);
  if (!('url' in parsed)) {
    return parsed;
  }
  const { url } = parsed;
  if (url.search || url.hash || url.username || url.password) {
    return { problem: 'must have no credentials, query or fragment' };
  }
  return { url: value.replace(/\/+$/, '') };
}

/**
 * Finds the destination `parameters.destination` names in the function's configuration
 * ({@link DESTINATION_ENV_PREFIX}). The event names a destination, never an endpoint or a
 * secret, so whoever may invoke the function cannot make it send the credential elsewhere.
 *
 * @throws InvalidEventError for an event that carries an endpoint or secret, a missing or
 * unknown destination, or a configuration that is not `{secretArn, baseUrl}` with an allowed URL
 */
export function readDestination(
  handler: string,
  parameters: Fields,
  environment: Record<string, string | undefined> = process.env,
  options: { readonly endpointInSecret?: boolean } = {},
): Destination {
  const forbidden = FORBIDDEN_PARAMETERS.filter((name) => parameters[name] !== undefined);
  if (forbidden.length > 0) {
    throw new InvalidEventError(`${handler}: \`parameters.${forbidden[0]}\` is not accepted: the endpoint and its secret come from the function's configuration; name it with \`parameters.destination\``);
  }
  const key = readParameter(handler, parameters, 'destination');
  if (!/^[A-Za-z0-9_]{1,64}$/.test(key)) {
    throw new InvalidEventError(`${handler}: \`parameters.destination\` must be letters, digits or _ (at most 64), got ${describeValue(key)}`);
  }
  const variable = `${DESTINATION_ENV_PREFIX}${key}`;
  const raw = environment[variable];
  if (raw === undefined || raw.trim() === '') {
    throw new InvalidEventError(`${handler}: unknown destination ${JSON.stringify(key)}: the function has no ${variable} variable (bind the notifier to this stack's construct)`);
  }
  let config: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    config = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed as Record<string, unknown> : undefined;
  } catch {
    config = undefined;
  }
  const secretArn = typeof config?.secretArn === 'string' ? config.secretArn.trim() : '';
  if (options.endpointInSecret === true) {
    // The secret's value is the endpoint: a base URL beside it would be a second, unused endpoint.
    if (secretArn === '' || config?.baseUrl !== undefined) {
      throw new InvalidEventError(`${handler}: ${variable} must be JSON {"secretArn": "..."} (the endpoint is the secret's value, no baseUrl)`);
    }
    return { key, secretArn, baseUrl: '' };
  }
  const baseUrl = typeof config?.baseUrl === 'string' ? config.baseUrl.trim() : '';
  if (secretArn === '' || baseUrl === '') {
    throw new InvalidEventError(`${handler}: ${variable} must be JSON {"secretArn": "...", "baseUrl": "https://..."}`);
  }
  const checked = checkEndpointUrl(baseUrl);
  if ('problem' in checked) {
    throw new InvalidEventError(`${handler}: the base URL of destination ${key} ${checked.problem}, got ${JSON.stringify(baseUrl)}`);
  }
  return { key, secretArn, baseUrl: checked.url };
}

/** The message of a {@link NotifierUnavailableError} for a transient answer. */
function transientMessage<P>(definition: NotifierDefinition<P>, response: HttpResponse): string {
  const detail = definition.describeTransient?.(response);
  const header = response.headers.get('retry-after');
  const retryAfterMs = parseRetryAfter(header);
  const retryAfter = retryAfterMs !== undefined
    ? `; Retry-After: ${header!.trim()} (${Math.ceil(retryAfterMs / 1000)} s)`
    : '';
  return `${definition.service} is unavailable: HTTP ${response.status}${detail ? ` (${detail})` : ''} after ${response.attempts} attempt(s)${retryAfter}: `
    + `${bodySnippet(response.body)}; the workflow retries later`;
}

/**
 * Delivers the notification for `value` with `definition`.
 *
 * Every error message and log line is stripped of the credential (see `redactText`): an
 * endpoint that echoes the request headers in an error body must not put the key into the
 * execution history.
 *
 * @throws InvalidEventError for a malformed event or an unknown destination;
 * NotifierUnavailableError for a transient failure; the notifier's refusal error when the
 * service refused the message; an Error when the credential cannot be read
 */
export async function deliverNotification<P>(
  definition: NotifierDefinition<P>,
  value: unknown,
  options: DeliveryOptions = {},
): Promise<NotifyResult> {
  const { event, parameters: rawParameters } = validateNotifyEvent(definition.handler, value);
  const parameters = definition.readParameters(rawParameters);
  const environment = options.environment ?? process.env;
  const destination = readDestination(definition.handler, rawParameters, environment, { endpointInSecret: definition.endpointInSecret });
  const secret = await getSecretString(destination.secretArn);
  let endpoint: { url: URL; parts: string[] } | undefined;
  if (definition.endpointInSecret) {
    try {
      endpoint = readSecretEndpoint(definition.handler, destination.secretArn, secret);
    } catch (error) {
      forgetSecret(destination.secretArn);
      logDecision(definition.handler, 'not-delivered', { kind: event.kind, instanceId: event.instanceId, destination: destination.key, error: errorName(error), message: errorMessage(error) });
      throw error;
    }
  }
  // An endpoint that is the secret is never shown, nor its path, query or signature alone.
  const secretForms = [secret, ...(endpoint?.parts ?? [])];
  const redact = (text: string): string => redactText(secretForms.reduce((result, form) => result.split(form).join(REDACTED), text));
  const message = buildIncidentMessage(event);
  const request = definition.buildRequest({ event, parameters, destination, message, secret });
  const logFields = {
    kind: event.kind,
    instanceId: event.instanceId,
    executionId: event.executionId,
    destination: destination.key,
    ...(endpoint ? { host: endpoint.url.host } : { baseUrl: destination.baseUrl }),
    failedFirst: failedCheckNames(event.firstRun),
    failedLast: failedCheckNames(event.lastRun),
    rebootVerdict: event.decision?.verdict,
    undeliveredKind: event.undeliveredKind,
    ...definition.describeParameters?.(parameters),
  };
  let response: HttpResponse;
  let reference: string | undefined;
  try {
    try {
      response = await fetchWithRetry(request, {
        handler: definition.handler,
        policy: { ...DEFAULT_RETRY_POLICY, ...options.retryPolicy },
        isRetryable: definition.isTransient.bind(definition),
        deadlineMs: options.deadlineMs,
        redact,
      });
    } catch (error) {
      if (error instanceof HttpDeliveryError) {
        throw new NotifierUnavailableError(`${definition.service} is unavailable: ${error.message}; the workflow retries later`);
      }
      throw error;
    }
    // Redacted before anything quotes it: a snippet cut at 300 characters could otherwise keep
    // half of an echoed secret, which no pattern would then recognise.
    response = { ...response, body: redact(response.body) };
    if (definition.isTransient(response)) {
      throw new NotifierUnavailableError(transientMessage(definition, response));
    }
    reference = definition.interpretResponse(response, parameters);
    await definition.confirm?.({ event, parameters, destination, message, secret, reference, redact });
  } catch (error) {
    const safe = redactError(error);
    if (safe instanceof Error) {
      safe.message = redact(safe.message);
      safe.stack = safe.stack !== undefined ? redact(safe.stack) : undefined;
    }
    // The credential may have been rotated or revoked: read it again next time.
    forgetSecret(destination.secretArn);
    logDecision(definition.handler, 'not-delivered', { ...logFields, error: errorName(safe), message: redact(errorMessage(safe)) });
    throw safe;
  }
  logDecision(definition.handler, 'delivered', { ...logFields, status: response.status, attempts: response.attempts, reference });
  return reference !== undefined
    ? { delivered: true, notifier: definition.notifier, reference }
    : { delivered: true, notifier: definition.notifier };
}
