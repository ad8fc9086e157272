/** Recognising AWS SDK errors that are worth retrying. */

/** Error names that AWS services use for throttling and passing server-side trouble. */
const TRANSIENT_ERROR_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'PriorRequestNotComplete',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** Network error codes of Node.js that mean "try again later". */
const TRANSIENT_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

interface AwsErrorLike {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/**
 * Whether an error from an AWS SDK call is transient (throttling, a 5xx, a network blip), so
 * the handler should throw it and let Step Functions retry, rather than report a failed check.
 */
export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) {
    return false;
  }
  const e = error as AwsErrorLike;
  if (typeof e.name === 'string' && TRANSIENT_ERROR_NAMES.has(e.name)) {
    return true;
  }
  if (e.$retryable) {
    return true;
  }
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) {
    return true;
  }
  return typeof e.code === 'string' && TRANSIENT_NETWORK_CODES.has(e.code);
}

/** The name of an error, or "Error" when it has none. */
export function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? name : 'Error';
}

/** The message of an error, or its string form. */
export function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
