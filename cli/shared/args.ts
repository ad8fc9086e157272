/**
 * A small command-line parser: `--name value`, `--name=value`, boolean flags, `--no-<flag>` for
 * flags that default to true, and `--` to end the options. Anything it cannot read is a
 * {@link UsageError}, which the CLI reports with exit code 2.
 */

/** A mistake in the command line: the CLI prints it with a hint and exits with code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One option of a command. */
export interface OptionSpec {
  /** The long name, without the dashes. */
  readonly name: string;
  /** 'flag' takes no value; 'string' and 'number' take one. */
  readonly kind: 'flag' | 'string' | 'number';
  /** One line for the help text. */
  readonly description: string;
  /** The value's placeholder in the help text, e.g. '<arn>'. */
  readonly valueName?: string;
  /** A one-letter alias, e.g. 'h'. */
  readonly short?: string;
  /** For flags that are on by default: `--no-<name>` turns them off. */
  readonly negatable?: boolean;
  /** The value when the option is absent. */
  readonly default?: string | number | boolean;
}

/** What `parseArgs` read. */
export interface ParsedArgs {
  /** Option values by long name (absent options with a default carry the default). */
  readonly options: Record<string, string | number | boolean | undefined>;
  /** The words that are not options, in order. */
  readonly positionals: string[];
}

function findSpec(specs: readonly OptionSpec[], word: string): { spec: OptionSpec; negated: boolean } | undefined {
  if (word.startsWith('--')) {
    const name = word.slice(2);
    const direct = specs.find((s) => s.name === name);
    if (direct) return { spec: direct, negated: false };
    const negated = name.startsWith('no-') ? specs.find((s) => s.negatable && s.name === name.slice(3)) : undefined;
    return negated ? { spec: negated, negated: true } : undefined;
  }
  const short = specs.find((s) => s.short !== undefined && word === `-${s.short}`);
  return short ? { spec: short, negated: false } : undefined;
}

function readValue(spec: OptionSpec, raw: string | undefined): string | number {
  if (raw === undefined || raw === '') {
    throw new UsageError(`--${spec.name} needs a value${spec.valueName ? ` ${spec.valueName}` : ''}`);
  }
  if (spec.kind === 'number') {
    const value = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || !Number.isFinite(value)) {
      throw new UsageError(`--${spec.name} must be a non-negative number, got "${raw}"`);
    }
    return value;
  }
  return raw;
}

/**
 * Reads `argv` (the words after the command) against `specs`.
 * @throws UsageError for an unknown option, a missing value or a bad number
 */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const options: Record<string, string | number | boolean | undefined> = {};
  for (const spec of specs) {
    if (spec.default !== undefined) options[spec.name] = spec.default;
  }
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!word.startsWith('-') || word === '-') {
      positionals.push(word);
      continue;
    }
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    const key = eq >= 0 ? word.slice(0, eq) : word;
    const found = findSpec(specs, key);
    if (!found) throw new UsageError(`unknown option ${key}`);
    const { spec, negated } = found;
    if (spec.kind === 'flag') {
      if (eq >= 0) throw new UsageError(`${key} takes no value`);
      options[spec.name] = !negated;
      continue;
    }
    if (negated) throw new UsageError(`unknown option ${key}`);
    const raw = eq >= 0 ? word.slice(eq + 1) : argv[++i];
    if (eq < 0 && raw !== undefined && raw.startsWith('--')) {
      throw new UsageError(`--${spec.name} needs a value${spec.valueName ? ` ${spec.valueName}` : ''}`);
    }
    options[spec.name] = readValue(spec, raw);
  }
  return { options, positionals };
}

/** The help text of a command: usage line, description and one line per option. */
export function helpText(usage: string, description: string, specs: readonly OptionSpec[]): string {
  const label = (s: OptionSpec) => {
    const long = s.negatable ? `--[no-]${s.name}` : `--${s.name}`;
    const names = s.short ? `-${s.short}, ${long}` : `    ${long}`;
    return s.valueName ? `${names} ${s.valueName}` : names;
  };
  const width = Math.max(...specs.map((s) => label(s).length));
  const lines = specs.map((s) => {
    const dflt = s.default !== undefined && s.kind !== 'flag' ? ` (default: ${s.default})` : '';
    return `  ${label(s).padEnd(width)}  ${s.description}${dflt}`;
  });
  return [`Usage: ${usage}`, '', description, '', 'Options:', ...lines, ''].join('\n');
}
