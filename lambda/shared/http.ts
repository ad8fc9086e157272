/**
 * HTTP with Node's built-in `fetch`: one request with a timeout, describing network failures
 * in words, and bounded retries honouring `Retry-After` for the notifiers.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from './aws-errors';
import { logWarning } from './log';

/** A request to send; the body is already serialised. */
export interface HttpRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** A complete response, body read as text. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  /** How many attempts it took to get this response. */
  readonly attempts: number;
}

/** How a request is retried. All durations are in milliseconds. */
export interface RetryPolicy {
  /** Attempts in total, including the first. */
  readonly maxAttempts: number;
  /** Timeout of one attempt, from sending the request to reading the whole body. */
  readonly attemptTimeoutMs: number;
  /** Wait before the first retry when the server gives no `Retry-After`; doubled for each further retry. */
  readonly backoffMs: number;
  /**
   * The longest `Retry-After` waited out inside the handler. A longer one (or one that does not
   * fit in the budget left) ends the retries at once: the last response is returned.
   */
  readonly maxRetryAfterMs: number;
  /** No attempt starts, and no attempt runs, beyond this time after the first one started. */
  readonly totalBudgetMs: number;
}

/**
 * The notifiers' policy: 3 attempts of at most 8 s, waits of 0.5 s, 1 s, or the server's
 * `Retry-After` when it is at most 10 s, all within 30 s. With the Secrets Manager read
 * (bounded by its client's timeouts) this stays inside the 60 s Lambda timeout. A longer
 * `Retry-After` is not waited out here: the caller hands the failure to the state machine,
 * whose retries wait longer.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  attemptTimeoutMs: 8_000,
  backoffMs: 500,
  maxRetryAfterMs: 10_000,
  totalBudgetMs: 30_000,
};

/** Thrown when no usable response arrived within the retry budget (network errors, timeouts). */
export class HttpDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HttpDeliveryError';
  }
}

interface ErrorWithCause {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
}

/** Finds the innermost error that carries a Node.js error code (`fetch` wraps them in `cause`). */
function rootCause(error: unknown): ErrorWithCause {
  let current = error as ErrorWithCause;
  for (let depth = 0; depth < 5; depth++) {
    if (typeof current?.code === 'string' || typeof current?.cause !== 'object' || current.cause === null) {
      break;
    }
    current = current.cause as ErrorWithCause;
  }
  return current ?? {};
}

/** Whether an error from `fetch` (or from reading a body) is the abort of our timeout signal. */
export function isTimeoutError(error: unknown): boolean {
  const name = (error as ErrorWithCause | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError' || rootCause(error).code === 'UND_ERR_CONNECT_TIMEOUT';
}

/**
 * Describes why a `fetch` failed, in words: "no answer within 2000 ms", "connection refused by
 * 127.0.0.1:8080", "DNS lookup failed for example.invalid (ENOTFOUND)", "TLS error: ...".
 */
export function describeFetchError(error: unknown, url: string, timeoutMs: number): string {
  if (isTimeoutError(error)) {
    return `no answer within ${timeoutMs} ms from ${url}`;
  }
  const cause = rootCause(error);
  const code = typeof cause.code === 'string' ? cause.code : undefined;
  const message = typeof cause.message === 'string' ? cause.message : errorMessage(error);
  let host = url;
  let hostname = url;
  try {
    ({ host, hostname } = new URL(url));
  } catch {
    // keep the URL as given
  }
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused by ${host}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `DNS lookup failed for ${hostname} (${code})`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `connection reset by ${host} (${code})`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return `${host} is unreachable (${code})`;
    default:
      break;
  }
  if (code && (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT') || code.startsWith('UNABLE_TO'))) {
    return `TLS error talking to ${host}: ${message} (${code})`;
  }
  return `request to ${url} failed: ${message}${code ? ` (${code})` : ''}`;
}

/**
 * Sends one request and reads the whole body, all within `timeoutMs`. Redirects are not
 * followed. Rejects on network errors and on the timeout (see {@link describeFetchError}).
 */
export async function fetchOnce(request: HttpRequest, timeoutMs: number): Promise<Omit<HttpResponse, 'attempts'>> {
  const signal = AbortSignal.timeout(timeoutMs);
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    redirect: 'manual',
    signal,
  });
  const body = await response.text();
  return { status: response.status, headers: response.headers, body };
}

/**
 * Whether a response status is transient, worth another attempt by default: 408 Request
 * Timeout, 429 Too Many Requests or any 5xx.
 */
export function isRetryableStatus(response: Pick<HttpResponse, 'status'>): boolean {
  return response.status === 408 || response.status === 429 || response.status >= 500;
}

/**
 * Parses a `Retry-After` header (seconds, or an HTTP date) into milliseconds from `nowMs`;
 * `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') {
    return undefined;
  }
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    return Math.round(Number(text) * 1000);
  }
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** How long to wait before a retry, and whether the server asked for it. */
export interface RetryDelay {
  readonly waitMs: number;
  /** Whether `waitMs` is the server's `Retry-After` (which must not be shortened). */
  readonly fromServer: boolean;
}

/**
 * How long to wait before retry number `retry` (1 for the first retry): the server's
 * `Retry-After` when given, as given, else `backoffMs` doubled per retry.
 */
export function retryDelayMs(
  retry: number, retryAfterHeader: string | null | undefined, policy: RetryPolicy, nowMs: number = Date.now(),
): RetryDelay {
  const retryAfter = parseRetryAfter(retryAfterHeader, nowMs);
  if (retryAfter !== undefined) {
    return { waitMs: retryAfter, fromServer: true };
  }
  return { waitMs: policy.backoffMs * 2 ** (retry - 1), fromServer: false };
}

/** Options of {@link fetchWithRetry}. */
export interface FetchWithRetryOptions {
  /** Who sends, for the logs (e.g. 'slack-notify'). */
  readonly handler: string;
  readonly policy?: RetryPolicy;
  /** Whether a response should be retried; defaults to {@link isRetryableStatus}. */
  readonly isRetryable?: (response: HttpResponse) => boolean;
  /**
   * An absolute time (epoch ms) after which no attempt may run, e.g. the Lambda deadline less
   * a margin; the earlier of this and the policy's `totalBudgetMs` applies.
   * @default - only the policy's total budget
   */
  readonly deadlineMs?: number;
  /** Makes text safe to log (removes credentials); applied to every logged failure. @default - as is */
  readonly redact?: (text: string) => string;
}

/**
 * Sends a request, retrying network errors, timeouts and retryable responses within the
 * policy's attempt and time budget (and `deadlineMs`). A `Retry-After` is waited out as given
 * when it is at most `maxRetryAfterMs` and fits in the budget; otherwise the retries stop at
 * once, since retrying sooner than the server asked is pointless.
 *
 * @returns the first non-retryable response, or the last response when the retries stopped
 * (which may be an error status: the caller judges it, and can read its `Retry-After`)
 * @throws HttpDeliveryError when the last attempt got no response at all
 */
export async function fetchWithRetry(request: HttpRequest, options: FetchWithRetryOptions): Promise<HttpResponse> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const isRetryable = options.isRetryable ?? isRetryableStatus;
  const redact = options.redact ?? ((text: string) => text);
  const deadline = Math.min(Date.now() + policy.totalBudgetMs, options.deadlineMs ?? Infinity);
  let lastResponse: HttpResponse | undefined;
  let lastFailure = 'no attempt was made';

  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    const timeoutMs = Math.max(1, Math.min(policy.attemptTimeoutMs, deadline - Date.now()));
    try {
      lastResponse = { ...(await fetchOnce(request, timeoutMs)), attempts: attempt };
      if (!isRetryable(lastResponse)) {
        return lastResponse;
      }
      lastFailure = `HTTP ${lastResponse.status}`;
    } catch (error) {
      lastResponse = undefined;
      lastFailure = redact(describeFetchError(error, request.url, timeoutMs));
    }
    if (attempt === policy.maxAttempts) {
      break;
    }
    const { waitMs, fromServer } = retryDelayMs(attempt, lastResponse?.headers.get('retry-after'), policy);
    if (fromServer && waitMs > policy.maxRetryAfterMs) {
      logWarning(options.handler, 'retry-after-too-long', { url: request.url, attempt, lastFailure, retryAfterMs: waitMs });
      break;
    }
    if (Date.now() + waitMs >= deadline) {
      logWarning(options.handler, 'retry-budget-exhausted', { url: request.url, attempt, lastFailure, waitMs });
      break;
    }
    logWarning(options.handler, 'retrying', { url: request.url, attempt, lastFailure, waitMs });
    await sleep(waitMs);
  }
  if (lastResponse) {
    return lastResponse;
  }
  throw new HttpDeliveryError(`${request.method} ${request.url} failed: ${lastFailure}`);
}

/** The first `max` characters of a response body, on one line, for error messages. */
export function bodySnippet(body: string, max = 300): string {
  const oneLine = body.replace(/\s+/g, ' ').trim();
  if (oneLine === '') {
    return '(empty body)';
  }
  return oneLine.length > max ? `${oneLine.slice(0, max)}...` : oneLine;
}
