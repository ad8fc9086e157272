/** The top-level help and version, every command's --help, and unknown commands. */
import { fakeIo } from './cli-fakes';
import { run } from '../../cli/cpu-first-line-support';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json');

test('--help lists the commands; exit code 0', async () => {
  for (const flag of ['--help', '-h', 'help']) {
    const io = fakeIo();
    expect(await run([flag], io)).toBe(0);
    expect(io.stdout[0]).toBe('Usage: cpu-first-line-support <command> [options]');
    expect(io.stdout.join('\n')).toMatch(/^ {2}drill {6}Start a fire drill/m);
    expect(io.stdout.join('\n')).toMatch(/^ {2}incidents {2}List recent executions/m);
  }
});

test('no command prints the help as a usage error (exit code 2)', async () => {
  const io = fakeIo();
  expect(await run([], io)).toBe(2);
  expect(io.stdout[0]).toMatch(/^Usage:/);
});

test('--version prints the package version', async () => {
  const io = fakeIo();
  expect(await run(['--version'], io)).toBe(0);
  expect(io.stdout).toEqual([version]);
});

test.each([
  ['drill', ['--state-machine-arn <arn>', '--stack <name>', '--construct <id>', '--region <region>', '--live', '-y, --yes', '--[no-]follow', '--poll-interval <seconds>'],
    /dry run.*never reboots/s],
  ['incidents', ['--state-machine-arn <arn>', '--stack <name>', '--construct <id>', '--region <region>', '--max <n>', '--status <status>', '--json'],
    /Lists the recent executions/],
])('%s --help documents every option, calls no AWS API, exit code 0', async (command, options, description) => {
  for (const flag of ['--help', '-h']) {
    const io = fakeIo();
    // Even with other options around it, --help wins and no client is made.
    expect(await run([command, '--stack', 'S', flag], io)).toBe(0);
    const text = io.stdout.join('\n');
    expect(io.stdout[0]).toBe(`Usage: cpu-first-line-support ${command} (--state-machine-arn <arn> | --stack <name> [--construct <id>]) [options]`);
    expect(text).toMatch(description);
    for (const option of options) expect(text).toContain(option);
    expect(io.regions).toHaveLength(0);
  }
});

test('drill --help documents its exit codes, "Paused" included', async () => {
  const io = fakeIo();
  expect(await run(['drill', '--help'], io)).toBe(0);
  const text = io.stdout.join('\n');
  expect(text).toMatch(/^Exit codes:\n {2}0 {2}The drill passed: .*\n.*"Dry run"; a --live drill accepts any outcome but "Escalated after error" and "Already handled"/m);
  expect(text).toMatch(/"Paused" passes too, with a note: the instance carries the cpu-first-line-support:paused tag/);
  expect(text).toMatch(/^ {2}1 {2}The drill failed/m);
  expect(text).toMatch(/^ {2}2 {2}Usage error, including a target that is not a CpuFirstLineSupport state machine/m);
});

test('an unknown command is a usage error', async () => {
  const io = fakeIo();
  expect(await run(['reboot'], io)).toBe(2);
  expect(io.stderr).toEqual(['error: unknown command "reboot"', 'Run "cpu-first-line-support --help" for the commands.']);
});
