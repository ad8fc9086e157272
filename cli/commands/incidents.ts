/**
 * `cpu-first-line-support incidents`: the recent executions of one instance's state machine,
 * with their outcome, and which of them were drills.
 */
import { DescribeExecutionCommand, DescribeExecutionCommandOutput, ExecutionListItem, ExecutionStatus, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { helpText, OptionSpec, parseArgs, UsageError } from '../shared/args';
import { formatDuration, formatTime, parseJson, table } from '../shared/format';
import { Clients, Io } from '../shared/io';
import { resolveStateMachine, TARGET_OPTIONS, targetOptions, targetRegion } from '../shared/target';

const STATUSES: readonly string[] = Object.values(ExecutionStatus);

export const INCIDENTS_OPTIONS: readonly OptionSpec[] = [
  ...TARGET_OPTIONS,
  { name: 'max', kind: 'number', valueName: '<n>', default: 20, description: 'List at most this many executions, newest first' },
  { name: 'status', kind: 'string', valueName: '<status>', description: `Only executions in this status: ${STATUSES.join(', ')}` },
  { name: 'json', kind: 'flag', description: 'Print JSON (one array) instead of a table' },
  { name: 'help', kind: 'flag', short: 'h', description: 'Show this help' },
];

export const INCIDENTS_HELP = helpText(
  'cpu-first-line-support incidents (--state-machine-arn <arn> | --stack <name> [--construct <id>]) [options]',
  [
    'Lists the recent executions of one CpuFirstLineSupport state machine: when each started, how',
    'long it took, its status and its outcome; fire drills are marked as such.',
  ].join('\n'),
  INCIDENTS_OPTIONS,
);

/** One execution as `incidents` reports it (the shape of `--json`). */
export interface IncidentRow {
  readonly name: string;
  readonly executionArn: string;
  readonly status: string;
  readonly startDate: string | null;
  readonly stopDate: string | null;
  /** Until now for a running execution. */
  readonly durationMs: number | null;
  /** The execution output's `outcome`; null while running or when the execution failed. */
  readonly outcome: string | null;
  /** The drill settings of a fire drill; null for an execution started by the alarm. */
  readonly drill: { readonly live: boolean; readonly requestedBy: string | null } | null;
  /** Why a failed, timed-out or aborted execution ended. */
  readonly error: string | null;
}

async function listExecutions(clients: Clients, stateMachineArn: string, max: number, status: string | undefined): Promise<ExecutionListItem[]> {
  const executions: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.sfn.send(new ListExecutionsCommand({
      stateMachineArn,
      statusFilter: status as ExecutionStatus | undefined,
      maxResults: Math.min(1000, max - executions.length),
      nextToken,
    }));
    executions.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken && executions.length < max);
  return executions.slice(0, max);
}

/** `DescribeExecution` for each execution, a few at a time. */
async function describeAll(clients: Clients, executions: readonly ExecutionListItem[]): Promise<DescribeExecutionCommandOutput[]> {
  const described: DescribeExecutionCommandOutput[] = new Array(executions.length);
  let next = 0;
  const worker = async () => {
    while (next < executions.length) {
      const index = next++;
      described[index] = await clients.sfn.send(new DescribeExecutionCommand({ executionArn: executions[index].executionArn }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, executions.length) }, worker));
  return described;
}

/** The row of one execution. */
export function incidentRow(item: ExecutionListItem, described: DescribeExecutionCommandOutput | undefined, now: number): IncidentRow {
  const start = item.startDate ?? described?.startDate;
  const stop = item.stopDate ?? described?.stopDate;
  const input = parseJson(described?.input);
  const output = parseJson(described?.output);
  const drill = input && typeof input === 'object' && 'drill' in input
    ? { live: input.drill?.live === true, requestedBy: typeof input.drill?.requestedBy === 'string' ? input.drill.requestedBy : null }
    : null;
  return {
    name: item.name ?? '',
    executionArn: item.executionArn ?? '',
    status: item.status ?? described?.status ?? 'UNKNOWN',
    startDate: start ? new Date(start).toISOString() : null,
    stopDate: stop ? new Date(stop).toISOString() : null,
    durationMs: start ? (stop ? new Date(stop).getTime() : now) - new Date(start).getTime() : null,
    outcome: typeof output?.outcome === 'string' ? output.outcome : null,
    drill,
    error: described?.error ? [described.error, described.cause].filter((s) => s).join(': ') : null,
  };
}

function printTable(io: Io, rows: readonly IncidentRow[]): void {
  if (rows.length === 0) {
    io.out('No executions.');
    return;
  }
  const cells = rows.map((r) => [
    formatTime(r.startDate ? new Date(r.startDate) : undefined),
    r.durationMs === null ? '-' : `${formatDuration(r.durationMs)}${r.status === 'RUNNING' ? ' so far' : ''}`,
    r.status,
    r.outcome ?? (r.error ? `(${r.error.split(':')[0]})` : '-'),
    r.drill ? (r.drill.live ? 'drill (live)' : 'drill') : 'alarm',
    r.name,
  ]);
  table(['STARTED (UTC)', 'DURATION', 'STATUS', 'OUTCOME', 'STARTED BY', 'NAME'], cells).forEach((line) => io.out(line));
}

/** Runs `incidents`; resolves with the exit code. */
export async function incidentsCommand(argv: readonly string[], io: Io): Promise<number> {
  const { options, positionals } = parseArgs(argv, INCIDENTS_OPTIONS);
  if (options.help) {
    io.out(INCIDENTS_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`incidents takes no arguments, got "${positionals.join(' ')}"`);
  const target = targetOptions(options);
  const max = Number(options.max);
  if (!Number.isInteger(max) || max < 1) throw new UsageError(`--max must be a whole number of at least 1, got ${options.max}`);
  const status = typeof options.status === 'string' ? options.status.toUpperCase() : undefined;
  if (status !== undefined && !STATUSES.includes(status)) {
    throw new UsageError(`--status must be one of ${STATUSES.join(', ')}, got "${options.status}"`);
  }
  const clients = io.clients(targetRegion(target));
  const stateMachineArn = await resolveStateMachine(clients, target, 'incidents');
  const executions = await listExecutions(clients, stateMachineArn, max, status);
  const described = await describeAll(clients, executions);
  const rows = executions.map((item, i) => incidentRow(item, described[i], io.now()));
  if (options.json) {
    io.out(JSON.stringify(rows, null, 2));
  } else {
    printTable(io, rows);
  }
  return 0;
}
