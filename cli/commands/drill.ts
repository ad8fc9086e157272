/**
 * `cpu-first-line-support drill`: starts a fire drill for one deployed instance's state
 * machine and follows it to the end.
 */
import { randomBytes } from 'crypto';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { DrillInput } from '../../src/contract';
import { helpText, OptionSpec, parseArgs, UsageError } from '../shared/args';
import { consoleLink, describeError, formatDuration, formatTime } from '../shared/format';
import { HistoryReader, ProgressTracker } from '../shared/history';
import { Clients, Io } from '../shared/io';
import { PAUSE_TAG_KEY } from '../shared/outcomes';
import { resolveStateMachine, TARGET_OPTIONS, targetOptions, targetRegion } from '../shared/target';

export const DRILL_OPTIONS: readonly OptionSpec[] = [
  ...TARGET_OPTIONS,
  { name: 'live', kind: 'flag', description: 'Start a real incident: the real checks decide, and the instance may be rebooted' },
  { name: 'yes', kind: 'flag', short: 'y', description: 'With --live: do not ask for confirmation' },
  { name: 'follow', kind: 'flag', negatable: true, default: true, description: 'Follow the execution to its end (--no-follow: start it, print its ARN)' },
  { name: 'poll-interval', kind: 'number', valueName: '<seconds>', default: 2, description: 'Seconds between two reads of the execution history' },
  { name: 'help', kind: 'flag', short: 'h', description: 'Show this help' },
];

export const DRILL_HELP = helpText(
  'cpu-first-line-support drill (--state-machine-arn <arn> | --stack <name> [--construct <id>]) [options]',
  [
    'Starts a fire drill of one CpuFirstLineSupport state machine and follows it.',
    '',
    'By default the drill is a dry run: the workflow runs the real checks, treats them as failed,',
    'decides as in an incident and sends the "would reboot" notice marked DRILL. It never reboots.',
    'With --live it is a real incident: the real checks decide, and an instance that fails them',
    'may be rebooted; --live asks for confirmation on a terminal, or needs --yes.',
    '',
    'A drill is a health test: it ends with a "Result:" line and an exit code.',
    '',
    'Exit codes:',
    '  0  The drill passed: the execution succeeded with an expected outcome. A dry-run drill expects',
    '     "Dry run"; a --live drill accepts any outcome but "Escalated after error" and "Already handled".',
    `     "Paused" passes too, with a note: the instance carries the ${PAUSE_TAG_KEY} tag, so`,
    '     the workflow stopped before its checks. With --no-follow: the execution started.',
    '  1  The drill failed: the execution failed, timed out or was aborted; or it ended with another',
    '     outcome ("Already handled": a real incident is in progress on the instance); or an AWS call',
    '     failed; or --live was not confirmed.',
    '  2  Usage error, including a target that is not a CpuFirstLineSupport state machine.',
  ].join('\n'),
  DRILL_OPTIONS,
);

/** The execution name of a drill: `drill-<UTC timestamp>-<random>`. */
export function drillExecutionName(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `drill-${stamp}-${randomBytes(4).toString('hex')}`;
}

/** The execution input of a drill (see `DrillInput` in src/contract.ts). */
export function drillInput(live: boolean, requestedBy: string): DrillInput {
  return { drill: { live, requestedBy } };
}

async function confirmLive(io: Io, stateMachineArn: string): Promise<boolean> {
  if (!io.interactive) {
    throw new UsageError('--live starts a real incident that may reboot the instance: confirm with --yes (no terminal to ask on)');
  }
  const answer = await io.ask(`Start a LIVE incident on ${stateMachineArn}? The instance may be rebooted. Type "live" to go on: `);
  return answer.trim().toLowerCase() === 'live';
}

/** Runs `drill`; resolves with the exit code. */
export async function drillCommand(argv: readonly string[], io: Io): Promise<number> {
  const { options, positionals } = parseArgs(argv, DRILL_OPTIONS);
  if (options.help) {
    io.out(DRILL_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`drill takes no arguments, got "${positionals.join(' ')}"`);
  const target = targetOptions(options);
  const live = options.live === true;
  if (options.yes && !live) throw new UsageError('--yes only confirms --live');
  const clients = io.clients(targetRegion(target));
  const stateMachineArn = await resolveStateMachine(clients, target, 'drill');
  if (live && !options.yes && !(await confirmLive(io, stateMachineArn))) {
    io.err('Cancelled: no execution started.');
    return 1;
  }

  const started = await clients.sfn.send(new StartExecutionCommand({
    stateMachineArn,
    name: drillExecutionName(io.now()),
    input: JSON.stringify(drillInput(live, io.user)),
  }));
  const executionArn = started.executionArn!;
  if (options.follow === false) {
    io.out(executionArn);
    return 0;
  }
  io.out(`Started ${live ? 'a LIVE incident (the instance may be rebooted)' : 'a dry-run drill (no reboot)'} on ${stateMachineArn}`);
  io.out(`Execution: ${executionArn}`);
  io.out('');
  const tracker = await follow(clients, io, executionArn, Number(options['poll-interval']) * 1000, started.startDate);
  printSummary(io, tracker, executionArn);
  const verdict = drillVerdict(live, tracker.end!.status, tracker.outcome);
  io.out(`Result:    ${verdict.result}`);
  return verdict.code;
}

/** Whether a drill passed (exit code 0) or failed (1), and why, in one line. */
export interface DrillVerdict {
  readonly code: 0 | 1;
  readonly result: string;
}

const IN_PROGRESS = 'a real incident is in progress on this instance (another execution holds its incident lock); '
  + 'see "cpu-first-line-support incidents"';
const ERROR_ESCALATED = 'the workflow hit an unexpected error and escalated it; see the execution\'s history';

/**
 * The verdict of a drill that ran to its end, from the execution's status and outcome. A
 * dry-run drill passes with "Dry run"; a live drill with any outcome but "Escalated after
 * error" and "Already handled"; either passes with "Paused", noting the pause tag.
 */
export function drillVerdict(live: boolean, status: string, outcome: string | undefined): DrillVerdict {
  if (status !== 'SUCCEEDED') return { code: 1, result: `FAILED: the execution did not succeed (${status})` };
  if (outcome === undefined) return { code: 1, result: 'FAILED: the execution succeeded without an outcome' };
  if (outcome === 'Paused') {
    return {
      code: 0,
      result: `passed, but the instance is PAUSED: it carries the ${PAUSE_TAG_KEY} tag, so the workflow stopped before its checks `
        + 'and this drill tested nothing past them. Remove the tag to drill the whole workflow.',
    };
  }
  if (!live) {
    if (outcome === 'Dry run') return { code: 0, result: 'passed: the dry run ended "Dry run" (the reboot was announced, not done)' };
    const why = outcome === 'Already handled' ? `: ${IN_PROGRESS}` : outcome === 'Escalated after error' ? `: ${ERROR_ESCALATED}` : '';
    return { code: 1, result: `FAILED: a dry-run drill should end "Dry run" (or "Paused" on a paused instance), it ended "${outcome}"${why}` };
  }
  if (outcome === 'Already handled') return { code: 1, result: `FAILED: ${IN_PROGRESS}; this drill checked nothing` };
  if (outcome === 'Escalated after error') return { code: 1, result: `FAILED: ${ERROR_ESCALATED}` };
  return { code: 0, result: `passed: the live drill ended "${outcome}"` };
}

/** Reads the history every `intervalMs` and prints each new event's lines, until the execution ends. */
export async function follow(clients: Clients, io: Io, executionArn: string, intervalMs: number, startedAt?: Date): Promise<ProgressTracker> {
  const reader = new HistoryReader(clients.sfn, executionArn);
  const tracker = new ProgressTracker(startedAt);
  for (;;) {
    for (const event of await reader.poll()) {
      tracker.lines(event).forEach((line) => io.out(line));
    }
    if (tracker.end) return tracker;
    await io.sleep(intervalMs);
  }
}

/** The outcome, status, duration, messages sent and console link. */
export function printSummary(io: Io, tracker: ProgressTracker, executionArn: string): void {
  const end = tracker.end!;
  const duration = tracker.startedAt ? formatDuration(end.at.getTime() - tracker.startedAt.getTime()) : '-';
  io.out('');
  io.out(`Outcome:   ${tracker.outcome ?? '(none)'}`);
  io.out(`Status:    ${end.status}${end.status === 'SUCCEEDED' ? '' : ` (${describeError(end.error, end.cause)})`}`);
  io.out(`Duration:  ${duration} (${formatTime(tracker.startedAt)} to ${formatTime(end.at)})`);
  if (tracker.messages.length === 0) {
    io.out('Messages:  none');
  } else {
    io.out('Messages:');
    for (const m of tracker.messages) {
      io.out(`  - ${m.state}: delivered by ${m.notifier ?? 'the notifier'}${m.reference ? `, reference ${m.reference}` : ''}`);
    }
  }
  io.out(`Console:   ${consoleLink(executionArn)}`);
}
