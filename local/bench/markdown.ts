/** Markdown tables and number formats for `npm run bench`. */

/** Column alignment: left for text, right for numbers. */
export type Align = 'l' | 'r';

/** A GitHub-flavoured Markdown table. Cells must not contain `|`. */
export function table(headers: string[], rows: string[][], align: Align[] = []): string {
  const rule = headers.map((_, i) => (align[i] === 'r' ? '---:' : '---'));
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(rule), ...rows.map(line)].join('\n');
}

/** Milliseconds, with one decimal below 10 ms. */
export function ms(value: number): string {
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value).toLocaleString('en-US')} ms`;
}

/** Seconds, with up to one decimal. */
export function seconds(value: number): string {
  return `${Number.isInteger(value) ? value : value.toFixed(1)} s`;
}

/** Bytes as decimal kilobytes (1 KB = 1,000 bytes). */
export function kb(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} KB`;
}

/** Bytes as decimal megabytes (1 MB = 1,000,000 bytes). */
export function mb(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(2)} MB`;
}

/** US dollars with enough digits to show fractions of a cent. */
export function usd(value: number): string {
  return `$${value.toFixed(value < 0.01 ? 6 : 4)}`;
}

/** The verdict of a target. */
export function verdict(passed: boolean): string {
  return passed ? 'PASS' : '**MISS**';
}
