/**
 * Small helpers that read and check the fields of a handler's event. Each failure throws an
 * `InvalidEventError` whose message names the handler, the field, the value received and
 * what is allowed, e.g. 'url-check: `timeoutMs` must be a positive number, got "abc"'.
 */
import { InvalidEventError } from './invalid-event-error';

/** The longest timeout a handler accepts: the Lambda maximum of 15 minutes. */
export const MAX_TIMEOUT_MS = 900_000;

/** A plain object whose fields are read by name. */
export type Fields = Record<string, unknown>;

/**
 * Describes a value for an error message without ever printing a huge or multi-line blob:
 * strings are quoted, missing values read "nothing".
 */
export function describeValue(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The error for a field that is not as expected: '<handler>: `<field>` <expectation>, got <value>'. */
export function invalid(handler: string, field: string, expectation: string, value: unknown): InvalidEventError {
  return new InvalidEventError(`${handler}: \`${field}\` ${expectation}, got ${describeValue(value)}`);
}

/** Checks that the event is a JSON object and returns it. */
export function requireObject(handler: string, value: unknown, field = 'event'): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(handler, field, 'must be a JSON object', value);
  }
  return value as Fields;
}

/** Reads a required, non-blank string field. */
export function requireString(handler: string, fields: Fields, field: string): string {
  const value = fields[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalid(handler, field, 'must be a non-empty string', value);
  }
  return value.trim();
}

/** Reads an optional string field; `undefined`, `null` and blank strings all mean "not set". */
export function optionalString(handler: string, fields: Fields, field: string): string | undefined {
  const value = fields[field];
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw invalid(handler, field, 'must be a string when set', value);
  }
  return value.trim();
}

/** Reads a required timeout in milliseconds: a positive number up to {@link MAX_TIMEOUT_MS}. */
export function requireTimeoutMs(handler: string, fields: Fields, field: string): number {
  const value = fields[field];
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(handler, field, 'must be a positive number', value);
  }
  if (value > MAX_TIMEOUT_MS) {
    throw invalid(handler, field, `must be at most ${MAX_TIMEOUT_MS} (15 minutes)`, value);
  }
  return Math.round(value);
}

/** Reads a TCP port (an integer from 1 to 65535); returns `fallback` when the field is not set. */
export function readPort(handler: string, fields: Fields, field: string, fallback?: number): number {
  const value = fields[field];
  if ((value === undefined || value === null) && fallback !== undefined) {
    return fallback;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw invalid(handler, field, 'must be an integer port from 1 to 65535', value);
  }
  return value;
}

/**
 * Reads a field that must be one of `allowed` (compared case-insensitively, answered in the
 * spelling of `allowed`); returns `fallback` when the field is not set and a fallback is given.
 */
export function readOneOf<T extends string>(
  handler: string,
  fields: Fields,
  field: string,
  allowed: readonly T[],
  fallback?: T,
): T {
  const value = fields[field];
  if ((value === undefined || value === null || value === '') && fallback !== undefined) {
    return fallback;
  }
  const match = typeof value === 'string'
    ? allowed.find((candidate) => candidate.toLowerCase() === value.trim().toLowerCase())
    : undefined;
  if (match === undefined) {
    throw invalid(handler, field, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`, value);
  }
  return match;
}

/** Reads an integer field from `min` to `max`. */
export function readInteger(handler: string, fields: Fields, field: string, min: number, max: number): number {
  const value = fields[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(handler, field, `must be an integer from ${min} to ${max}`, value);
  }
  return value;
}

/**
 * Reads a boolean field; returns `fallback` when the field is not set (`undefined` or `null`)
 * and a fallback is given.
 */
export function readBoolean(handler: string, fields: Fields, field: string, fallback?: boolean): boolean {
  const value = fields[field];
  if ((value === undefined || value === null) && fallback !== undefined) {
    return fallback;
  }
  if (typeof value !== 'boolean') {
    throw invalid(handler, field, fallback !== undefined ? 'must be true or false when set' : 'must be true or false', value);
  }
  return value;
}
