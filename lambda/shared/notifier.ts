/**
 * What every notifier handler does, in one place: validate the event, read the credential
 * from Secrets Manager, build the message, send it with retries, judge the answer, log the
 * decision. A notifier only supplies its parameters, request and answer interpretation.
 */
import { errorMessage, errorName } from './aws-errors';
import { DEFAULT_RETRY_POLICY, fetchWithRetry, HttpRequest, HttpResponse, RetryPolicy } from './http';
import { InvalidEventError } from './invalid-event-error';
import { logDecision } from './log';
import { buildIncidentMessage, failedCheckNames, IncidentMessage, readRebootDecision } from './message';
import { forgetSecret, getSecretString } from './secrets';
import { NotificationKind, NotifyEvent, NotifyResult, RebootDecision } from './types';
import { describeValue, Fields, readOneOf, requireObject, requireString } from './validate';

/** The kinds a notifier accepts. */
export const NOTIFICATION_KINDS: readonly NotificationKind[] = ['RECOVERED', 'UNRESPONSIVE', 'ERROR', 'NOT_REBOOTED', 'WOULD_REBOOT'];

/** Everything a notifier needs to build its request. */
export interface NotificationContext<P> {
  readonly event: NotifyEvent;
  readonly parameters: P;
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
  /** Reads and validates `event.parameters`; throws InvalidEventError. */
  readParameters(parameters: Fields): P;
  /** The ARN of the secret holding the credential. */
  secretArn(parameters: P): string;
  /** The HTTP request that delivers the message. */
  buildRequest(context: NotificationContext<P>): HttpRequest;
  /** Whether an answer is worth another attempt; defaults to 429 and 5xx. */
  isRetryable?(response: HttpResponse): boolean;
  /** Judges the final answer: returns the delivery reference, or throws an Error saying why delivery failed. */
  interpretResponse(response: HttpResponse, parameters: P): string | undefined;
  /** Fields worth logging about the parameters (never the credential). */
  describeParameters?(parameters: P): Record<string, unknown>;
}

/** Options of {@link deliverNotification}, mainly for tests. */
export interface DeliveryOptions {
  /** Overrides parts of {@link DEFAULT_RETRY_POLICY}. */
  readonly retryPolicy?: Partial<RetryPolicy>;
}

/**
 * Validates the common fields of a notifier event; throws InvalidEventError.
 *
 * The optional fields are only informative and are read defensively: `decision` keeps its
 * readable fields (see {@link readRebootDecision}) and is left out when it has neither a known
 * verdict nor a reason, so a malformed decision never fails the notification.
 */
export function validateNotifyEvent(handler: string, value: unknown): { event: NotifyEvent; parameters: Fields } {
  const fields = requireObject(handler, value);
  const kind = readOneOf(handler, fields, 'kind', NOTIFICATION_KINDS);
  const instanceId = requireString(handler, fields, 'instanceId');
  const parameters = requireObject(handler, fields.parameters, 'parameters');
  const { decision: rawDecision, ...rest } = value as NotifyEvent;
  const decision = readRebootDecision(rawDecision);
  // Only the readable fields are kept (never the ledger, which no message needs), so the
  // decision may lack fields its type declares: every reader goes through readRebootDecision.
  const event: NotifyEvent = decision !== undefined
    ? { ...rest, kind, instanceId, decision: decision as RebootDecision }
    : { ...rest, kind, instanceId };
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
 * Delivers the notification for `value` with `definition`.
 *
 * @throws InvalidEventError for a malformed event; an Error when the credential cannot be read
 * or the service refuses the message after the retry budget
 */
export async function deliverNotification<P>(
  definition: NotifierDefinition<P>,
  value: unknown,
  options: DeliveryOptions = {},
): Promise<NotifyResult> {
  const { event, parameters: rawParameters } = validateNotifyEvent(definition.handler, value);
  const parameters = definition.readParameters(rawParameters);
  const secret = await getSecretString(definition.secretArn(parameters));
  const message = buildIncidentMessage(event);
  const request = definition.buildRequest({ event, parameters, message, secret });
  const logFields = {
    kind: event.kind,
    instanceId: event.instanceId,
    executionId: event.executionId,
    failedFirst: failedCheckNames(event.firstRun),
    failedLast: failedCheckNames(event.lastRun),
    rebootVerdict: event.decision?.verdict,
    ...definition.describeParameters?.(parameters),
  };
  let response: HttpResponse;
  let reference: string | undefined;
  try {
    response = await fetchWithRetry(request, {
      handler: definition.handler,
      policy: { ...DEFAULT_RETRY_POLICY, ...options.retryPolicy },
      isRetryable: definition.isRetryable?.bind(definition),
    });
    reference = definition.interpretResponse(response, parameters);
  } catch (error) {
    // The credential may have been rotated or revoked: read it again next time.
    forgetSecret(definition.secretArn(parameters));
    logDecision(definition.handler, 'not-delivered', { ...logFields, error: errorName(error), message: errorMessage(error) });
    throw error;
  }
  logDecision(definition.handler, 'delivered', { ...logFields, status: response.status, attempts: response.attempts, reference });
  return reference !== undefined
    ? { delivered: true, notifier: definition.notifier, reference }
    : { delivered: true, notifier: definition.notifier };
}

/**
 * Reads a base URL parameter: an http(s) URL without query or fragment, returned without
 * trailing slashes (so `${base}/path` never doubles them); blank means `fallback`.
 */
export function readBaseUrl(handler: string, parameters: Fields, name: string, fallback: string): string {
  const value = readParameter(handler, parameters, name, fallback);
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash || url.username || url.password) {
    throw new InvalidEventError(
      `${handler}: \`parameters.${name}\` must be an http(s) URL without credentials, query or fragment, got ${JSON.stringify(value)}`,
    );
  }
  return value.replace(/\/+$/, '');
}
