/**
 * `cpu-first-line-support incidents`: ListExecutions (newest first, paginated with nextToken,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html) and
 * DescribeExecution for each execution's input and output.
 */
import { DescribeExecutionCommand, ExecutionListItem, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { deployedDefinition, fakeIo, OTHER_DEFINITION, serveStateMachines } from './cli-fakes';
import { run } from '../../cli/cpu-first-line-support';

const sfn = mockClient(SFNClient);
const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:CpuFirstLineSupport-Api';
const NOW = Date.parse('2025-03-04T12:00:00.000Z');

interface Fixture { item: ExecutionListItem; input: unknown; output?: unknown; error?: string; cause?: string }

const execution = (
  name: string, status: string, start: string, stop: string | undefined, input: unknown, output?: unknown, error?: string,
): Fixture => ({
  item: {
    executionArn: `arn:aws:states:us-east-1:123456789012:execution:CpuFirstLineSupport-Api:${name}`,
    stateMachineArn: ARN,
    name,
    status: status as any,
    startDate: new Date(start),
    stopDate: stop ? new Date(stop) : undefined,
  },
  input,
  output,
  error,
  cause: error ? 'nobody was paged' : undefined,
});

const ALARM = { 'detail-type': 'CloudWatch Alarm State Change', 'detail': { alarmName: 'cpu-Api' } };
const FIXTURES: Fixture[] = [
  execution('drill-20250304T115900Z-aa11bb22', 'RUNNING', '2025-03-04T11:59:00Z', undefined, { drill: { live: true, requestedBy: 'bob@ci' } }),
  execution('drill-20250304T110000Z-cc33dd44', 'SUCCEEDED', '2025-03-04T11:00:00Z', '2025-03-04T11:00:08.500Z',
    { drill: { live: false, requestedBy: 'alice@laptop' } }, { outcome: 'Dry run' }),
  execution('4f9c1f0e-alarm', 'SUCCEEDED', '2025-03-03T22:10:00Z', '2025-03-03T22:14:05Z', ALARM, { outcome: 'Recovered' }),
  execution('0b1e2d3c-alarm', 'FAILED', '2025-03-02T01:00:00Z', '2025-03-02T01:20:00Z', ALARM, undefined, 'EscalationFailed'),
];

/** Serves the fixtures newest first, `pageSize` a page (or fewer when maxResults asks for fewer). */
function serve(fixtures: Fixture[], pageSize = 2): void {
  sfn.on(ListExecutionsCommand).callsFake(async (input) => {
    const matching = fixtures.filter((f) => !input.statusFilter || f.item.status === input.statusFilter);
    const offset = input.nextToken ? Number(input.nextToken) : 0;
    const end = Math.min(matching.length, offset + Math.min(pageSize, input.maxResults || 100));
    return { executions: matching.slice(offset, end).map((f) => f.item), nextToken: end < matching.length ? String(end) : undefined };
  });
  sfn.on(DescribeExecutionCommand).callsFake(async (input) => {
    const f = fixtures.find((x) => x.item.executionArn === input.executionArn)!;
    return {
      ...f.item,
      input: JSON.stringify(f.input),
      output: f.output === undefined ? undefined : JSON.stringify(f.output),
      error: f.error,
      cause: f.cause,
    };
  });
}

beforeEach(() => {
  sfn.reset();
  serveStateMachines(sfn, { [ARN]: deployedDefinition() });
});

test('a state machine that is not a CpuFirstLineSupport one: exit code 2, naming it, nothing listed', async () => {
  const other = 'arn:aws:states:us-east-1:123456789012:stateMachine:OrderPipeline';
  serveStateMachines(sfn, { [other]: OTHER_DEFINITION });
  const io = fakeIo({ now: NOW });
  expect(await run(['incidents', '--state-machine-arn', other], io)).toBe(2);
  expect(io.stderr[0]).toMatch(new RegExp(`^error: state machine ${other} is not a CpuFirstLineSupport state machine`));
  expect(io.stdout).toHaveLength(0);
  expect(sfn.commandCalls(ListExecutionsCommand)).toHaveLength(0);
});

test('prints a table: start, duration, status, outcome, drill or alarm, name; newest first', async () => {
  serve(FIXTURES);
  const io = fakeIo({ now: NOW });
  expect(await run(['incidents', '--state-machine-arn', ARN], io)).toBe(0);
  expect(io.stdout).toHaveLength(5);
  expect(io.stdout[0].split(/ {2,}/)).toEqual(['STARTED (UTC)', 'DURATION', 'STATUS', 'OUTCOME', 'STARTED BY', 'NAME']);
  // Columns line up: every row starts each column where the header does.
  const header = io.stdout[0];
  const cols = ['DURATION', 'STATUS', 'OUTCOME', 'STARTED BY', 'NAME'].map((h) => header.indexOf(h));
  const rows = io.stdout.slice(1);
  expect(rows.map((r) => cols.map((c) => r.slice(c).split(/ {2,}/)[0]))).toEqual([
    ['1 min 00 s so far', 'RUNNING', '-', 'drill (live)', 'drill-20250304T115900Z-aa11bb22'],
    ['8.5 s', 'SUCCEEDED', 'Dry run', 'drill', 'drill-20250304T110000Z-cc33dd44'],
    ['4 min 05 s', 'SUCCEEDED', 'Recovered', 'alarm', '4f9c1f0e-alarm'],
    ['20 min 00 s', 'FAILED', '(EscalationFailed)', 'alarm', '0b1e2d3c-alarm'],
  ]);
  expect(rows.map((r) => r.slice(0, 20))).toEqual(['2025-03-04 11:59:00Z', '2025-03-04 11:00:00Z', '2025-03-03 22:10:00Z', '2025-03-02 01:00:00Z']);
});

test('--json prints every field, machine-readable', async () => {
  serve(FIXTURES);
  const io = fakeIo({ now: NOW });
  expect(await run(['incidents', '--state-machine-arn', ARN, '--json'], io)).toBe(0);
  const rows = JSON.parse(io.stdout.join('\n'));
  expect(rows).toHaveLength(4);
  expect(rows[0]).toEqual({
    name: 'drill-20250304T115900Z-aa11bb22',
    executionArn: FIXTURES[0].item.executionArn,
    status: 'RUNNING',
    startDate: '2025-03-04T11:59:00.000Z',
    stopDate: null,
    durationMs: 60_000,
    outcome: null,
    drill: { live: true, requestedBy: 'bob@ci' },
    error: null,
  });
  expect(rows[1]).toMatchObject({ outcome: 'Dry run', durationMs: 8_500, drill: { live: false, requestedBy: 'alice@laptop' } });
  expect(rows[2]).toMatchObject({ outcome: 'Recovered', drill: null, status: 'SUCCEEDED' });
  expect(rows[3]).toMatchObject({ outcome: null, status: 'FAILED', error: 'EscalationFailed: nobody was paged' });
});

test('--max stops listing (and describing) once it has enough, across pages', async () => {
  serve(FIXTURES, 2);
  const io = fakeIo({ now: NOW });
  expect(await run(['incidents', '--state-machine-arn', ARN, '--max', '3', '--json'], io)).toBe(0);
  expect(JSON.parse(io.stdout.join('\n')).map((r: any) => r.name)).toEqual(FIXTURES.slice(0, 3).map((f) => f.item.name));
  expect(sfn.commandCalls(ListExecutionsCommand).map((c) => [c.args[0].input.nextToken, c.args[0].input.maxResults])).toEqual([[undefined, 3], ['2', 1]]);
  expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(3);
});

test('--status filters on the server, whatever its case', async () => {
  serve(FIXTURES);
  const io = fakeIo({ now: NOW });
  expect(await run(['incidents', '--state-machine-arn', ARN, '--status', 'failed', '--json'], io)).toBe(0);
  expect(sfn.commandCalls(ListExecutionsCommand)[0].args[0].input.statusFilter).toBe('FAILED');
  expect(JSON.parse(io.stdout.join('\n')).map((r: any) => r.name)).toEqual(['0b1e2d3c-alarm']);
});

test('a state machine without executions', async () => {
  serve([]);
  const io = fakeIo({ now: NOW });
  expect(await run(['incidents', '--state-machine-arn', ARN], io)).toBe(0);
  expect(io.stdout).toEqual(['No executions.']);
});

test.each([
  ['a bad status', ['--status', 'DONE'], /--status must be one of ABORTED, FAILED, PENDING_REDRIVE, RUNNING, SUCCEEDED, TIMED_OUT, got "DONE"/],
  ['--max 0', ['--max', '0'], /--max must be a whole number of at least 1/],
  ['--max 2.5', ['--max', '2.5'], /--max must be a whole number/],
  ['--max -1', ['--max', '-1'], /--max needs a value|--max must be/],
])('fails with exit code 2 on %s', async (_label, extra, message) => {
  const io = fakeIo();
  expect(await run(['incidents', '--state-machine-arn', ARN, ...extra], io)).toBe(2);
  expect(io.stderr[0]).toMatch(message);
  expect(sfn.calls()).toHaveLength(0);
});
