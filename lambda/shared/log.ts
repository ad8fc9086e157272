/**
 * Structured logs: one JSON line per decision, so CloudWatch Logs Insights can query them.
 *
 * Never pass a secret value (token, API key, Authorization header) in the fields. As further
 * lines of defence, fields whose name looks like a credential are replaced, and every line is
 * passed through {@link redactText}: the secret values read in this process (see
 * {@link registerSecretValue}) and `Bearer <x>` / `GenieKey <x>` / `Basic <x>` credentials are
 * replaced, wherever they appear (an error message, a response body an endpoint echoed, ...).
 */

/** Field names whose values are never written, whatever they hold. */
const CREDENTIAL_FIELD = /^(authorization|token|apikey|api_key|password|secret|secretstring|secretvalue|key)$/i;

/** What replaces a credential. */
export const REDACTED = '[redacted]';

/** Authorization schemes followed by a credential, as they appear in headers and echoes of them. */
const CREDENTIAL_PATTERN = /\b(Bearer|GenieKey|Basic)(\s+|%20|\+)[^\s"'\\,;&]+/gi;

/** Shorter values are not registered: replacing them would garble unrelated text. */
const MIN_SECRET_LENGTH = 6;

const secretValues = new Set<string>();

/**
 * Registers a secret value read in this process, so that {@link redactText} (and so every log
 * line and every notifier error message) replaces it wherever it appears.
 */
export function registerSecretValue(value: string): void {
  if (value.length >= MIN_SECRET_LENGTH) {
    secretValues.add(value);
  }
}

/** Forgets every registered secret value (for tests). */
export function clearSecretValues(): void {
  secretValues.clear();
}

/**
 * Removes credentials from a text: every registered secret value (also JSON- or URL-encoded,
 * as an echo may carry it) and every `Bearer <x>`, `GenieKey <x>` or `Basic <x>` credential.
 */
export function redactText(text: string): string {
  let result = text;
  // Longest first, so a secret that contains another is replaced whole.
  for (const value of [...secretValues].sort((a, b) => b.length - a.length)) {
    for (const form of new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)])) {
      result = result.split(form).join(REDACTED);
    }
  }
  return result.replace(CREDENTIAL_PATTERN, (_match, scheme: string, space: string) => `${scheme}${space}${REDACTED}`);
}

/**
 * Returns `error` with credentials removed from its message and stack (see {@link redactText}),
 * keeping its class and name, so Step Functions still matches on the name.
 */
export function redactError<T>(error: T): T {
  if (error instanceof Error) {
    const message = redactText(error.message);
    if (message !== error.message) {
      error.message = message;
    }
    if (typeof error.stack === 'string') {
      error.stack = redactText(error.stack);
    }
  }
  return error;
}

/** Replaces the value of every credential-looking field (top level only) with "[redacted]". */
export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  const redacted: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    redacted[name] = CREDENTIAL_FIELD.test(name) ? REDACTED : value;
  }
  return redacted;
}

/** Writes one INFO line: `{"level":"INFO","handler":...,"decision":...,...fields}`. */
export function logDecision(handler: string, decision: string, fields: Record<string, unknown> = {}): void {
  console.log(redactText(JSON.stringify({ level: 'INFO', handler, decision, ...redactFields(fields) })));
}

/** Writes one WARN line, for something that went wrong but was handled (e.g. a retried request). */
export function logWarning(handler: string, event: string, fields: Record<string, unknown> = {}): void {
  console.log(redactText(JSON.stringify({ level: 'WARN', handler, event, ...redactFields(fields) })));
}
