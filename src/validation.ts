import { Duration, Token } from 'aws-cdk-lib';

/**
 * Synth-time validation helpers. Each throws an Error whose message names the prop in
 * backticks, the value received and what is allowed. Unresolved tokens are skipped:
 * their value is only known at deploy time.
 */

/** An http:// or https:// URL with a host and an optional path, without spaces. */
export const HTTP_URL = /^https?:\/\/[^\s/]+(\/[^\s]*)?$/;

/** Removes the trailing slashes of a base URL, so that paths can be appended with one. */
export function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Formats a value for an error message. */
function show(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : String(value);
}

/** Throws unless `value` matches `pattern`. */
export function validatePattern(prop: string, value: string | undefined, pattern: RegExp, allowed: string): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!pattern.test(value)) {
    throw new Error(`\`${prop}\` must be ${allowed}, got ${show(value)}`);
  }
}

/** Throws unless `value` is a non-empty string (after trimming). */
export function validateNotEmpty(prop: string, value: string | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (value.trim().length === 0) {
    throw new Error(`\`${prop}\` must not be empty, got ${show(value)}`);
  }
}

/** Throws unless `value` is an integer within [min, max]. */
export function validateInteger(prop: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`\`${prop}\` must be a whole number from ${min} to ${max}, got ${show(value)}`);
  }
}

/** Throws unless `value` is a finite number within [min, max]. */
export function validateNumber(prop: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`\`${prop}\` must be a number from ${min} to ${max}, got ${show(value)}`);
  }
}

/** Throws unless the duration `value` lies within [min, max]. */
export function validateDuration(
  prop: string,
  value: Duration | undefined,
  min: Duration,
  max: Duration,
): void {
  if (value === undefined || value.isUnresolved()) {
    return;
  }
  const ms = value.toMilliseconds();
  if (ms < min.toMilliseconds() || ms > max.toMilliseconds()) {
    throw new Error(
      `\`${prop}\` must be from ${min.toHumanString()} to ${max.toHumanString()}, got ${value.toHumanString()}`,
    );
  }
}
