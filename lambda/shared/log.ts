/**
 * Structured logs: one JSON line per decision, so CloudWatch Logs Insights can query them.
 *
 * Never pass a secret value (token, API key, Authorization header) in the fields; as a
 * second line of defence, fields whose name looks like a credential are replaced.
 */

/** Field names whose values are never written, whatever they hold. */
const CREDENTIAL_FIELD = /^(authorization|token|apikey|api_key|password|secret|secretstring|secretvalue|key)$/i;

/** Replaces the value of every credential-looking field (top level only) with "[redacted]". */
export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  const redacted: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    redacted[name] = CREDENTIAL_FIELD.test(name) ? '[redacted]' : value;
  }
  return redacted;
}

/** Writes one INFO line: `{"level":"INFO","handler":...,"decision":...,...fields}`. */
export function logDecision(handler: string, decision: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ level: 'INFO', handler, decision, ...redactFields(fields) }));
}

/** Writes one WARN line, for something that went wrong but was handled (e.g. a retried request). */
export function logWarning(handler: string, event: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ level: 'WARN', handler, event, ...redactFields(fields) }));
}
