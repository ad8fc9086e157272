/** The CLI's own argument parser. */
import { helpText, OptionSpec, parseArgs, UsageError } from '../../cli/shared/args';

const SPECS: OptionSpec[] = [
  { name: 'stack', kind: 'string', valueName: '<name>', description: 'A stack' },
  { name: 'max', kind: 'number', valueName: '<n>', default: 20, description: 'At most' },
  { name: 'json', kind: 'flag', description: 'JSON' },
  { name: 'follow', kind: 'flag', negatable: true, default: true, description: 'Follow' },
  { name: 'yes', kind: 'flag', short: 'y', description: 'Yes' },
];

test('reads --name value, --name=value, flags, short flags and positionals; absent options take their defaults', () => {
  expect(parseArgs(['a', '--stack', 'S', '--max=5', '--json', '-y', 'b'], SPECS)).toEqual({
    options: { stack: 'S', max: 5, json: true, yes: true, follow: true },
    positionals: ['a', 'b'],
  });
  expect(parseArgs([], SPECS).options).toEqual({ max: 20, follow: true });
});

test('--no-<flag> turns off a negatable flag; the last word wins', () => {
  expect(parseArgs(['--no-follow'], SPECS).options.follow).toBe(false);
  expect(parseArgs(['--no-follow', '--follow'], SPECS).options.follow).toBe(true);
});

test('"--" ends the options; a value may start with a single dash', () => {
  expect(parseArgs(['--stack', '-odd-', '--', '--json'], SPECS)).toEqual({ options: { stack: '-odd-', max: 20, follow: true }, positionals: ['--json'] });
});

test.each([
  [['--nope'], /unknown option --nope/],
  [['--no-json'], /unknown option --no-json/],
  [['--no-stack', 'x'], /unknown option --no-stack/],
  [['--stack'], /--stack needs a value <name>/],
  [['--stack', '--json'], /--stack needs a value/],
  [['--stack='], /--stack needs a value/],
  [['--json=yes'], /--json takes no value/],
  [['--max', 'ten'], /--max must be a non-negative number, got "ten"/],
  [['--max', '1e3'], /--max must be a non-negative number/],
  [['-x'], /unknown option -x/],
])('fails on %j', (argv, message) => {
  expect(() => parseArgs(argv, SPECS)).toThrow(UsageError);
  expect(() => parseArgs(argv, SPECS)).toThrow(message);
});

test('the help text lists every option, aligned, with its value, alias, negation and default', () => {
  const text = helpText('tool [options]', 'Does things.', SPECS);
  expect(text.split('\n')).toEqual([
    'Usage: tool [options]',
    '',
    'Does things.',
    '',
    'Options:',
    '      --stack <name>  A stack',
    '      --max <n>       At most (default: 20)',
    '      --json          JSON',
    '      --[no-]follow   Follow',
    '  -y, --yes           Yes',
    '',
  ]);
});
