/** Small formatters shared by the commands. */
import { parseArn } from './target';

/** A duration for people: "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(seconds / 3600)} h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')} min`;
}

/** The elapsed time at the start of a progress line, e.g. "+  12.3s". */
export function formatElapsed(ms: number): string {
  return `+${(Math.max(0, ms) / 1000).toFixed(1).padStart(6)}s`;
}

/** A time in UTC, to the second: "2025-01-31 23:59:59Z". */
export function formatTime(date: Date | undefined): string {
  return date ? `${date.toISOString().slice(0, 19).replace('T', ' ')}Z` : '-';
}

/** The AWS console's page of an execution. */
export function consoleLink(executionArn: string): string {
  const arn = parseArn(executionArn);
  const region = arn?.region ?? 'us-east-1';
  const host = arn?.partition === 'aws-cn' ? `${region}.console.amazonaws.cn`
    : arn?.partition === 'aws-us-gov' ? 'console.amazonaws-us-gov.com' : `${region}.console.aws.amazon.com`;
  return `https://${host}/states/home?region=${region}#/v2/executions/details/${encodeURIComponent(executionArn)}`;
}

/** Parses a JSON document, or answers undefined. */
export function parseJson(text: string | undefined): any {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A one-line, bounded description of a Step Functions error: `Error: message`. */
export function describeError(error: string | undefined, cause: string | undefined, max = 240): string {
  // A Lambda function's error arrives as a JSON cause: `{"errorType": ..., "errorMessage": ...}`.
  const parsed = parseJson(cause);
  const message = typeof parsed?.errorMessage === 'string' ? parsed.errorMessage : cause;
  const text = [error ?? 'Error', message].filter((s) => s).join(': ').replace(/\s+/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A plain-text table with left-aligned columns. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}
