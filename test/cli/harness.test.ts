/**
 * The CLI against the real state machine: the construct's definition runs locally
 * (local/harness.ts, real handlers, fake instance and notifiers on 127.0.0.1), and its events,
 * turned into GetExecutionHistory events, are what `drill` follows through the mocked SFN client.
 *
 * The events follow the Step Functions API reference, "HistoryEvent"
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html): a
 * Task state is entered, its task scheduled and started, then it fails (and, when a Retrier
 * applies, is scheduled again) or succeeds, and the state exits. aws-local-stepfunctions logs
 * a state's output but not the task's raw result, so TaskSucceeded carries none here; the
 * CLI reads deliveries from TaskStateExited.
 */
import { DescribeStateMachineCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { fakeIo, GrowingHistory, HistoryBuilder, serveStateMachines } from './cli-fakes';
import { run } from '../../cli/cpu-first-line-support';
import { clearSecretCache } from '../../lambda/shared/secrets';
import { awsError, FakeInstance, FakeNotifiers, mockAws } from '../../local/fakes';
import { alarmEvent, allStates, renderWorkflow, RunReport, runWorkflow } from '../../local/harness';
import { exampleStack, INSTANCE_ID, OPSGENIE_KEY, OPSGENIE_KEY_ARN, SLACK_TOKEN, SLACK_TOKEN_ARN } from '../../local/scenarios';
import { CpuFirstLineSupport } from '../../src';

/** `arn:aws:states:::lambda:invoke` → resourceType 'lambda', resource 'invoke', as TaskScheduled names them. */
function taskResource(resource: string): { resourceType: string; resource: string } {
  const service = resource.replace(/^arn:[^:]+:states:::/, '');
  const cut = service.lastIndexOf(':');
  return cut > 0 ? { resourceType: service.slice(0, cut), resource: service.slice(cut + 1) } : { resourceType: 'lambda', resource: service };
}

/** The local runner's events as GetExecutionHistory would list them. */
function toHistory(construct: CpuFirstLineSupport, report: RunReport) {
  const states = allStates(renderWorkflow(construct).definition);
  const h = new HistoryBuilder(report.events[0].timestamp);
  const failed = new Set<string>();
  for (const e of report.events) {
    const ms = e.timestamp - report.events[0].timestamp;
    const name: string | undefined = e.state?.name;
    // The state's type as deployed: the harness runs Wait states (and Pass states that read the
    // entered time) as local tasks.
    const state = name ? states[name] : undefined;
    const type: string = state?.Type ?? '';
    const task = type === 'Task' ? taskResource(state.Resource) : undefined;
    const schedule = () => {
      h.add(ms, 'TaskScheduled', { taskScheduledEventDetails: { ...task, region: 'us-east-1', parameters: JSON.stringify(state.Parameters ?? {}) } }, name);
      h.add(ms, 'TaskStarted', { taskStartedEventDetails: task }, name);
    };
    if (e.type === 'ExecutionStarted') {
      h.add(ms, 'ExecutionStarted', { executionStartedEventDetails: { input: JSON.stringify(e.input), roleArn: 'arn:aws:iam::123456789012:role/workflow' } });
    } else if (e.type === 'StateEntered') {
      failed.delete(name!);
      h.entered(ms, type, name!, e.state.input);
      if (task) schedule();
      if (type === 'Parallel') h.add(ms, 'ParallelStateStarted', {}, name);
    } else if (e.type === 'StateFailed' && task) {
      failed.add(name!);
      h.add(ms, 'TaskFailed', { taskFailedEventDetails: { ...task, error: e.Error, cause: String(e.Cause) } }, name);
    } else if (e.type === 'StateFailed' && type === 'Parallel') {
      failed.add(name!);
      h.add(ms, 'ParallelStateFailed', {}, name);
    } else if (e.type === 'StateRetried' && task) {
      schedule();
    } else if (e.type === 'StateExited') {
      if (task && !failed.has(name!)) h.add(ms, 'TaskSucceeded', { taskSucceededEventDetails: task }, name);
      if (type === 'Parallel' && !failed.has(name!)) h.add(ms, 'ParallelStateSucceeded', {}, name);
      h.exited(ms, type, name!, e.state.output);
    } else if (e.type === 'ExecutionSucceeded') {
      h.add(ms, 'ExecutionSucceeded', { executionSucceededEventDetails: { output: JSON.stringify(e.output) } });
    } else if (e.type === 'ExecutionFailed') {
      h.add(ms, 'ExecutionFailed', { executionFailedEventDetails: { error: e.Error, cause: String(e.Cause) } });
    }
  }
  return h.events;
}

/** Runs the example stack's state machine once, on a hung instance that comes back after its reboot or on a healthy one. */
async function runLocally(
  input: (construct: CpuFirstLineSupport) => unknown,
  options: { route53ThrottlesOnce?: boolean; healthy?: boolean; tags?: Record<string, string> } = {},
) {
  clearSecretCache();
  const instance = await new FakeInstance().start();
  const notifiers = await new FakeNotifiers().start();
  const aws = mockAws(instance, INSTANCE_ID, { [SLACK_TOKEN_ARN]: SLACK_TOKEN, [OPSGENIE_KEY_ARN]: OPSGENIE_KEY });
  const log = console.log;
  console.log = () => undefined;
  try {
    instance.health = options.healthy ? 'healthy' : 'hung';
    instance.afterReboot = 'healthy';
    instance.tags = { ...options.tags };
    if (options.route53ThrottlesOnce) aws.failNext('GetHealthCheckStatus', awsError('ThrottlingException', 'Rate exceeded'), 1);
    const { support } = exampleStack(instance, notifiers);
    const report = await runWorkflow(support, { input: input(support), msPerWaitSecond: 1 });
    const topLevel = new Set(Object.keys(renderWorkflow(support).definition.States));
    // What DescribeStateMachine answers for this state machine: its definition as CloudFormation deploys it.
    const definition = JSON.stringify(renderWorkflow(support).definition);
    return { report, history: toHistory(support, report), instance, notifiers, topLevel, definition };
  } finally {
    console.log = log;
    aws.restore();
    await Promise.all([instance.stop(), notifiers.stop()]);
  }
}

const sfn = mockClient(SFNClient);

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:CpuFirstLineSupport-Api';

/** Runs `drill` against the converted history of `report`, DescribeStateMachine answering `definition`. */
async function followLocally(report: RunReport, history: ReturnType<typeof toHistory>, definition: string, extra: string[] = []) {
  sfn.reset();
  serveStateMachines(sfn, { [STATE_MACHINE_ARN]: definition });
  const executionArn: string = report.events[0].input?.executionId ?? 'arn:aws:states:us-east-1:123456789012:execution:CpuFirstLineSupport-Api:local-1';
  sfn.on(StartExecutionCommand).resolves({ executionArn, startDate: new Date(report.events[0].timestamp) });
  const served = new GrowingHistory(history, 25, 10);
  sfn.on(GetExecutionHistoryCommand).callsFake(async (request) => served.page(request));
  const io = fakeIo();
  const code = await run(['drill', '--state-machine-arn', STATE_MACHINE_ARN, '--poll-interval', '0', ...extra], io);
  return { io, code, served };
}

/** The state names of the progress lines, in order. */
const printedStates = (lines: string[]) => lines.map((l) => /^\+ *\d+\.\ds {2}(\S.*)$/.exec(l)?.[1]).filter((s): s is string => s !== undefined);

describe('an incident played by the real workflow (alarm input): reboot, recovery, a throttled check retried', () => {
  let local: Awaited<ReturnType<typeof runLocally>>;
  let followed: Awaited<ReturnType<typeof followLocally>>;
  beforeAll(async () => {
    local = await runLocally(alarmEvent, { route53ThrottlesOnce: true });
    // Followed as a --live drill would be: an incident as if the alarm fired.
    followed = await followLocally(local.report, local.history, local.definition, ['--live', '--yes']);
    if (process.env.CLI_PEEK) process.stderr.write(followed.io.stdout.join('\n') + '\n');
  });

  test('the local run is the incident the test means', () => {
    expect(local.report.status).toBe('SUCCEEDED');
    expect(local.report.outcome).toBe('Recovered');
    expect(local.instance.reboots).toBe(1);
    expect(local.notifiers.slackMessages).toHaveLength(1);
  });

  test('prints every top-level state the execution entered, in order, and ends with the execution', () => {
    const printed = printedStates(followed.io.stdout);
    expect(printed.filter((s) => local.topLevel.has(s))).toEqual(local.report.path);
    expect(printed[printed.length - 1]).toBe('Execution succeeded');
    // The branch states of the checks are printed too.
    expect(printed).toEqual(expect.arrayContaining(['Check URL', 'Check SSH']));
  });

  test('prints the throttled Route 53 call and its retry', () => {
    const lines = followed.io.stdout.map((l) => l.replace(/^\+ *\d+\.\ds {4}/, ''));
    const failure = lines.indexOf('! Check Route 53 health check status failed: Route53.ThrottlingException: Rate exceeded');
    expect(failure).toBeGreaterThan(0);
    expect(lines.slice(failure + 1)).toContain('retrying Check Route 53 health check status (attempt 2)');
    expect(lines.filter((l) => l.startsWith('retrying '))).toHaveLength(1);
  });

  test('summarises outcome, status and the Slack message with its reference; a live drill that recovered passes (exit code 0)', () => {
    expect(followed.code).toBe(0);
    expect(followed.io.stdout[followed.io.stdout.length - 1]).toBe('Result:    passed: the live drill ended "Recovered"');
    expect(followed.io.stdout).toContain(`Outcome:   ${local.report.output.outcome ?? local.report.outcome}`);
    expect(followed.io.stdout).toContain('Outcome:   Recovered');
    expect(followed.io.stdout).toContain('Status:    SUCCEEDED');
    const messages = followed.io.stdout.filter((l) => l.startsWith('  - '));
    expect(messages).toEqual([`  - Notify recovered: delivered by slack, reference ${local.notifiers.slackAnswer.ts}`]);
  });

  test('read the history page by page while it grew', () => {
    expect(followed.served.requests.length).toBeGreaterThan(local.history.length / 25);
    expect(followed.served.requests.every((r) => r.reverseOrder === false)).toBe(true);
  });
});

describe('a dry-run drill played by the real workflow on a healthy instance', () => {
  let local: Awaited<ReturnType<typeof runLocally>>;
  let followed: Awaited<ReturnType<typeof followLocally>>;
  beforeAll(async () => {
    local = await runLocally(() => ({ drill: { live: false, requestedBy: 'alice@laptop' } }), { healthy: true });
    followed = await followLocally(local.report, local.history, local.definition);
  });

  test('the CLI checked the state machine first: DescribeStateMachine answered the synthesized definition', () => {
    const definition = JSON.parse(local.definition);
    expect(Object.keys(definition.States)).toEqual(expect.arrayContaining(['Start incident', 'Drill?']));
    expect(sfn.commandCalls(DescribeStateMachineCommand).map((c) => c.args[0].input.stateMachineArn)).toEqual([STATE_MACHINE_ARN]);
  });

  test('runs the real checks, treats them as failed, announces the reboot and never reboots', () => {
    expect(local.report.status).toBe('SUCCEEDED');
    expect(local.instance.reboots).toBe(0);
    expect(local.report.path).toEqual(expect.arrayContaining(['Check instance', 'Decide reboot', 'Notify would reboot', 'Dry run']));
  });

  test('the CLI prints the path, the outcome "Dry run" and the "would reboot" message; exit code 0', () => {
    expect(printedStates(followed.io.stdout).filter((s) => local.topLevel.has(s))).toEqual(local.report.path);
    expect(followed.io.stdout).toContain('Outcome:   Dry run');
    expect(followed.io.stdout.filter((l) => l.startsWith('  - '))).toEqual([
      `  - Notify would reboot: delivered by slack, reference ${local.notifiers.slackAnswer.ts}`,
    ]);
    expect(followed.io.stdout[followed.io.stdout.length - 1]).toMatch(/^Result: {4}passed: the dry run ended "Dry run"/);
    expect(followed.code).toBe(0);
  });
});

describe('a dry-run drill played by the real workflow on a paused instance', () => {
  let local: Awaited<ReturnType<typeof runLocally>>;
  let followed: Awaited<ReturnType<typeof followLocally>>;
  beforeAll(async () => {
    local = await runLocally(() => ({ drill: { live: false, requestedBy: 'alice@laptop' } }), { tags: { [CpuFirstLineSupport.PAUSE_TAG_KEY]: 'maintenance' } });
    followed = await followLocally(local.report, local.history, local.definition);
  });

  test('the workflow stops at the pause: outcome "Paused", no check, no message', () => {
    expect(local.report.status).toBe('SUCCEEDED');
    expect(local.report.outcome).toBe('Paused');
    expect(local.report.path).not.toContain('Check instance');
    expect(local.notifiers.slackMessages).toHaveLength(0);
  });

  test('the CLI passes the drill (exit code 0) and says the instance is paused', () => {
    expect(followed.io.stdout).toContain('Outcome:   Paused');
    expect(followed.io.stdout[followed.io.stdout.length - 1]).toMatch(
      /^Result: {4}passed, but the instance is PAUSED: it carries the cpu-first-line-support:paused tag/,
    );
    expect(followed.code).toBe(0);
  });
});
