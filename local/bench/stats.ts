/** Small statistics for `npm run bench`. */

/** The median of some numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The sum of some numbers. */
export function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
