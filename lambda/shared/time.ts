/** Times for humans, as every message and reason writes them. */

/** Epoch milliseconds as "2024-05-01 10:00:00 UTC". */
export function formatUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
