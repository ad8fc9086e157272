/**
 * The `cpu-first-line-support` command: fire drills and incident listings for deployed
 * `CpuFirstLineSupport` constructs. Bundled with esbuild (AWS SDK included) into
 * assets/cli/cpu-first-line-support/index.js, the package's `bin`.
 */
import { version } from '../package.json';
import { drillCommand } from './commands/drill';
import { incidentsCommand } from './commands/incidents';
import { UsageError } from './shared/args';
import { Io, processIo } from './shared/io';

export const MAIN_HELP = [
  'Usage: cpu-first-line-support <command> [options]',
  '',
  'Works with the state machines that the cdk-cpu-first-line-support construct deploys.',
  '',
  'Commands:',
  '  drill      Start a fire drill (a dry run by default, --live for a real incident) and follow it',
  '  incidents  List recent executions with their outcome; drills are marked',
  '',
  'Options:',
  '  -h, --help     Show this help (or a command\'s: cpu-first-line-support <command> --help)',
  '  -v, --version  Show the version',
  '',
  'AWS credentials and the default region come from the usual AWS SDK sources (environment, profile, SSO).',
  '',
].join('\n');

const COMMANDS: Record<string, (argv: readonly string[], io: Io) => Promise<number>> = {
  drill: drillCommand,
  incidents: incidentsCommand,
};

/** Runs the CLI with `argv` (the words after the program name); resolves with the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.out(MAIN_HELP);
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-v') {
    io.out(version);
    return 0;
  }
  const command = COMMANDS[first];
  if (!command) {
    io.err(`error: unknown command "${first}"`);
    io.err('Run "cpu-first-line-support --help" for the commands.');
    return 2;
  }
  try {
    return await command(rest, io);
  } catch (error: any) {
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}`);
      io.err(`Run "cpu-first-line-support ${first} --help" for usage.`);
      return 2;
    }
    io.err(`error: ${error?.name && error.name !== 'Error' ? `${error.name}: ` : ''}${error?.message ?? String(error)}`);
    return 1;
  }
}

if (require.main === module) {
  run(process.argv.slice(2), processIo()).then((code) => {
    process.exitCode = code;
  }, (error) => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exitCode = 1;
  });
}
