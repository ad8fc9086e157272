/**
 * `cpu-first-line-support drill`: the input it starts the execution with, the confirmation of
 * --live, the progress it prints from the execution history, the summary, the verdict and its
 * exit code, and the check that the target is a CpuFirstLineSupport state machine.
 */
import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { DescribeStateMachineCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { deployedDefinition, fakeIo, GrowingHistory, HistoryBuilder, OTHER_DEFINITION, serveStateMachines } from './cli-fakes';
import { run } from '../../cli/cpu-first-line-support';

const sfn = mockClient(SFNClient);
const cfn = mockClient(CloudFormationClient);
const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:CpuFirstLineSupport-Api-0A1B2C3D';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:CpuFirstLineSupport-Api-0A1B2C3D:drill-1';
const START = Date.parse('2025-03-04T05:06:07.000Z');
const DELIVERY = { delivered: true, notifier: 'slack', reference: '1741064770.000200' };

/** The history of a dry-run drill: checks fail, Decide reboot is throttled once, "would reboot" goes to Slack. */
function dryRunHistory(): HistoryBuilder {
  const h = new HistoryBuilder(START);
  h.add(0, 'ExecutionStarted', {
    executionStartedEventDetails: { input: '{"drill":{"live":false,"requestedBy":"alice@laptop"}}', roleArn: 'arn:aws:iam::123456789012:role/r' },
  });
  h.entered(10, 'Pass', 'Start incident');
  h.exited(12, 'Pass', 'Start incident');
  h.lambdaTask(20, 'Inspect instance', { instance: { instanceId: 'i-0123' } });
  h.entered(900, 'Choice', 'Paused?');
  h.exited(901, 'Choice', 'Paused?');
  h.entered(1_000, 'Parallel', 'Check instance');
  h.add(1_001, 'ParallelStateStarted', {}, 'Check instance');
  h.lambdaTask(1_010, 'Check URL', { check: 'url', passed: false, reason: 'drill' });
  h.add(2_000, 'ParallelStateSucceeded', {}, 'Check instance');
  h.exited(2_001, 'Parallel', 'Check instance');
  h.entered(2_010, 'Choice', 'Healthy?');
  h.exited(2_011, 'Choice', 'Healthy?');
  h.lambdaTask(2_100, 'Decide reboot', { verdict: 'DRY_RUN' }, [
    { error: 'Lambda.TooManyRequestsException', cause: '{"errorMessage":"Rate Exceeded.","errorType":"TooManyRequestsException"}' },
  ]);
  h.lambdaTask(5_000, 'Notify would reboot', DELIVERY, [], { notification: { delivery: DELIVERY } });
  h.entered(6_000, 'Pass', 'Dry run');
  h.exited(6_001, 'Pass', 'Dry run');
  h.entered(6_100, 'Succeed', 'Done');
  h.exited(6_101, 'Succeed', 'Done');
  h.add(6_200, 'ExecutionSucceeded', { executionSucceededEventDetails: { output: JSON.stringify({ outcome: 'Dry run', instanceId: 'i-0123' }) } });
  return h;
}

function serve(history: GrowingHistory): void {
  serveStateMachines(sfn, { [ARN]: deployedDefinition() });
  sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(START) });
  sfn.on(GetExecutionHistoryCommand).callsFake(async (input) => history.page(input));
}

beforeEach(() => {
  sfn.reset();
  cfn.reset();
  serveStateMachines(sfn, { [ARN]: deployedDefinition() });
});

describe('the execution it starts', () => {
  test('is a dry run by default, requested by the caller, named drill-<timestamp>-<random>', async () => {
    serve(new GrowingHistory(dryRunHistory().events));
    const io = fakeIo();
    expect(await run(['drill', '--state-machine-arn', ARN, '--poll-interval', '0'], io)).toBe(0);
    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0].args[0].input;
    expect(input.stateMachineArn).toBe(ARN);
    expect(JSON.parse(input.input!)).toEqual({ drill: { live: false, requestedBy: 'alice@laptop' } });
    expect(input.name).toMatch(/^drill-20250304T050607Z-[0-9a-f]{8}$/);
    // The ARN names the region; no --region needed.
    expect(io.regions).toEqual(['eu-west-1']);
  });

  test('two drills in the same second get different names', async () => {
    serve(new GrowingHistory(dryRunHistory().events));
    await run(['drill', '--state-machine-arn', ARN, '--no-follow'], fakeIo());
    await run(['drill', '--state-machine-arn', ARN, '--no-follow'], fakeIo());
    const [a, b] = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(a).not.toBe(b);
  });

  test('--live --yes starts a live incident without asking', async () => {
    serve(new GrowingHistory(dryRunHistory().events));
    const io = fakeIo({ interactive: true });
    expect(await run(['drill', '--state-machine-arn', ARN, '--live', '--yes', '--no-follow'], io)).toBe(0);
    expect(io.questions).toHaveLength(0);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input!).drill.live).toBe(true);
  });

  test('--live on a terminal asks, and starts only when the answer is "live"', async () => {
    serve(new GrowingHistory(dryRunHistory().events));
    const yes = fakeIo({ interactive: true, answers: ['live'] });
    expect(await run(['drill', '--state-machine-arn', ARN, '--live', '--no-follow'], yes)).toBe(0);
    expect(yes.questions[0]).toMatch(/LIVE incident on .*stateMachine:CpuFirstLineSupport-Api.*rebooted/);
    const no = fakeIo({ interactive: true, answers: ['y'] });
    expect(await run(['drill', '--state-machine-arn', ARN, '--live', '--no-follow'], no)).toBe(1);
    expect(no.stderr.join('\n')).toMatch(/Cancelled/);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  test('fails when --live has no --yes and no terminal to ask on: usage error, nothing started', async () => {
    const io = fakeIo({ interactive: false });
    expect(await run(['drill', '--state-machine-arn', ARN, '--live'], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/--live .* --yes/);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('--no-follow prints only the execution ARN and reads no history', async () => {
    serve(new GrowingHistory(dryRunHistory().events));
    const io = fakeIo();
    expect(await run(['drill', '--state-machine-arn', ARN, '--no-follow'], io)).toBe(0);
    expect(io.stdout).toEqual([EXECUTION]);
    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(0);
  });
});

describe('following the execution', () => {
  let io: ReturnType<typeof fakeIo>;
  let history: GrowingHistory;
  let code: number;
  beforeAll(async () => {
    sfn.reset();
    history = new GrowingHistory(dryRunHistory().events, 4, 3);
    serve(history);
    io = fakeIo();
    code = await run(['drill', '--state-machine-arn', ARN], io);
  });

  test('prints each state entered once, in order, with the time since the start', () => {
    const states = io.stdout.filter((l) => /^\+ *\d+\.\ds {2}\S/.test(l));
    expect(states).toEqual([
      '+   0.0s  Start incident',
      '+   0.0s  Inspect instance',
      '+   0.9s  Paused?',
      '+   1.0s  Check instance',
      '+   1.0s  Check URL',
      '+   2.0s  Healthy?',
      '+   2.1s  Decide reboot',
      '+   5.0s  Notify would reboot',
      '+   6.0s  Dry run',
      '+   6.1s  Done',
      '+   6.2s  Execution succeeded',
    ]);
  });

  test('prints the failure and the retry of a task as they happen, under its state', () => {
    const decide = io.stdout.indexOf('+   2.1s  Decide reboot');
    expect(io.stdout[decide + 1]).toBe('+   2.4s    ! Decide reboot failed: Lambda.TooManyRequestsException: Rate Exceeded.');
    expect(io.stdout[decide + 2]).toBe('+   3.4s    retrying Decide reboot (attempt 2)');
  });

  test('ends with the outcome, status, duration, messages sent and console link; exit code 0', () => {
    const summary = io.stdout.slice(io.stdout.indexOf('+   6.2s  Execution succeeded') + 1);
    expect(summary).toEqual([
      '',
      'Outcome:   Dry run',
      'Status:    SUCCEEDED',
      'Duration:  6.2 s (2025-03-04 05:06:07Z to 2025-03-04 05:06:13Z)',
      'Messages:',
      '  - Notify would reboot: delivered by slack, reference 1741064770.000200',
      `Console:   https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${encodeURIComponent(EXECUTION)}`,
      'Result:    passed: the dry run ended "Dry run" (the reboot was announced, not done)',
    ]);
    expect(code).toBe(0);
  });

  test('reads the history oldest first, page by page, resuming from the last page instead of the start', () => {
    expect(history.requests.every((r) => r.reverseOrder === false && r.executionArn === EXECUTION)).toBe(true);
    expect(history.requests.some((r) => r.nextToken)).toBe(true);
    // Once a page has a token, no later read starts from the beginning again.
    const firstToken = history.requests.findIndex((r) => r.nextToken);
    expect(history.requests.slice(firstToken).filter((r) => r.nextToken === undefined)).toHaveLength(0);
    // Between two reads of a history that has not ended, it waits the default 2 s.
    expect(io.sleeps.length).toBeGreaterThan(0);
    expect(io.sleeps.every((ms) => ms === 2000)).toBe(true);
  });
});

describe('an execution that fails', () => {
  test('prints the error and exits with 1; the outcome comes from the last outcome state entered', async () => {
    const h = new HistoryBuilder(START);
    h.add(0, 'ExecutionStarted', { executionStartedEventDetails: { input: '{"drill":{}}' } });
    h.lambdaTask(10, 'Notify unresponsive', {}, [{ error: 'States.TaskFailed', cause: 'OpsGenie answered 503' }]);
    h.entered(2_000, 'Pass', 'Escalation failed');
    h.entered(2_100, 'Fail', 'Fail');
    h.add(2_200, 'ExecutionFailed', { executionFailedEventDetails: { error: 'EscalationFailed', cause: 'nobody was paged' } });
    serve(new GrowingHistory(h.events, 100, 100));
    const io = fakeIo();
    expect(await run(['drill', '--state-machine-arn', ARN, '--poll-interval', '0'], io)).toBe(1);
    expect(io.stdout).toContain('+   0.3s    ! Notify unresponsive failed: States.TaskFailed: OpsGenie answered 503');
    expect(io.stdout).toContain('+   2.1s  Fail (fail state)');
    expect(io.stdout).toContain('Outcome:   Escalation failed');
    expect(io.stdout).toContain('Status:    FAILED (EscalationFailed: nobody was paged)');
    expect(io.stdout).toContain('Messages:  none');
    expect(io.stdout[io.stdout.length - 1]).toBe('Result:    FAILED: the execution did not succeed (FAILED)');
    expect(io.sleeps.every((ms) => ms === 0)).toBe(true);
  });

  test('an AWS error (e.g. access denied) exits with 1 and names the error', async () => {
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('User is not authorized to perform: states:StartExecution'), { name: 'AccessDeniedException' }));
    const io = fakeIo();
    expect(await run(['drill', '--state-machine-arn', ARN], io)).toBe(1);
    expect(io.stderr[0]).toBe('error: AccessDeniedException: User is not authorized to perform: states:StartExecution');
  });
});

/** A short history of a drill that succeeded with `outcome` (the outcome's Pass state, then the execution's output). */
function endedWith(live: boolean, outcome: string): HistoryBuilder {
  const h = new HistoryBuilder(START);
  h.add(0, 'ExecutionStarted', { executionStartedEventDetails: { input: JSON.stringify({ drill: { live, requestedBy: 'alice@laptop' } }) } });
  h.entered(10, 'Pass', 'Start incident');
  h.exited(11, 'Pass', 'Start incident');
  h.entered(500, 'Pass', outcome);
  h.exited(501, 'Pass', outcome);
  h.add(600, 'ExecutionSucceeded', { executionSucceededEventDetails: { output: JSON.stringify({ outcome, instanceId: 'i-0123' }) } });
  return h;
}

/** Runs a followed drill that ends with `outcome`; the exit code and the last line printed. */
async function drillEndingWith(live: boolean, outcome: string): Promise<{ code: number; result: string }> {
  serve(new GrowingHistory(endedWith(live, outcome).events, 100, 100));
  const io = fakeIo();
  const code = await run(['drill', '--state-machine-arn', ARN, '--poll-interval', '0', ...(live ? ['--live', '--yes'] : [])], io);
  expect(io.stdout).toContain('Status:    SUCCEEDED');
  return { code, result: io.stdout[io.stdout.length - 1] };
}

describe('a drill is a health test: exit code 0 only for an expected outcome', () => {
  test('a dry-run drill on a paused instance passes, saying the instance is paused and what that skipped', async () => {
    const { code, result } = await drillEndingWith(false, 'Paused');
    expect(code).toBe(0);
    expect(result).toMatch(/^Result: {4}passed, but the instance is PAUSED: it carries the cpu-first-line-support:paused tag, .*before its checks/);
  });

  test.each([
    ['Escalated after error', /FAILED: a dry-run drill should end "Dry run" .*, it ended "Escalated after error": the workflow hit an unexpected error/],
    ['Already handled', /FAILED: a dry-run drill should end "Dry run" .*, it ended "Already handled": a real incident is in progress on this instance/],
    ['All good', /FAILED: a dry-run drill should end "Dry run" \(or "Paused" on a paused instance\), it ended "All good"$/],
    ['Recovered', /FAILED: a dry-run drill should end "Dry run" .*, it ended "Recovered"$/],
  ])('a dry-run drill that succeeds with "%s" fails (exit code 1), saying what was expected', async (outcome, message) => {
    const { code, result } = await drillEndingWith(false, outcome);
    expect(code).toBe(1);
    expect(result).toMatch(message);
  });

  test.each(['Recovered', 'All good', 'Escalated', 'Escalated without reboot', 'Paused'])('a --live drill that succeeds with "%s" passes', async (outcome) => {
    const { code, result } = await drillEndingWith(true, outcome);
    expect(code).toBe(0);
    expect(result).toMatch(/^Result: {4}passed/);
  });

  test('a --live drill that ends "Already handled" fails: a real incident is in progress', async () => {
    const { code, result } = await drillEndingWith(true, 'Already handled');
    expect(code).toBe(1);
    expect(result).toMatch(/^Result: {4}FAILED: a real incident is in progress on this instance .*incidents.*; this drill checked nothing$/);
  });

  test('a --live drill that ends "Escalated after error" fails', async () => {
    const { code, result } = await drillEndingWith(true, 'Escalated after error');
    expect(code).toBe(1);
    expect(result).toBe('Result:    FAILED: the workflow hit an unexpected error and escalated it; see the execution\'s history');
  });

  test('an execution that succeeds without an outcome fails', async () => {
    const h = new HistoryBuilder(START);
    h.add(0, 'ExecutionStarted', { executionStartedEventDetails: { input: '{"drill":{"live":true}}' } });
    h.add(100, 'ExecutionSucceeded', { executionSucceededEventDetails: { output: '{}' } });
    serve(new GrowingHistory(h.events, 100, 100));
    const io = fakeIo();
    expect(await run(['drill', '--state-machine-arn', ARN, '--live', '--yes', '--poll-interval', '0'], io)).toBe(1);
    expect(io.stdout[io.stdout.length - 1]).toBe('Result:    FAILED: the execution succeeded without an outcome');
  });
});

describe('a target that is not a CpuFirstLineSupport state machine: exit code 2, nothing started', () => {
  const OTHER = 'arn:aws:states:eu-west-1:123456789012:stateMachine:OrderPipeline';
  const summary = (logicalId: string, arn: string) => ({
    LogicalResourceId: logicalId,
    PhysicalResourceId: arn,
    ResourceType: 'AWS::StepFunctions::StateMachine',
    ResourceStatus: 'CREATE_COMPLETE' as const,
    LastUpdatedTimestamp: new Date(),
  });

  test('checks the target with DescribeStateMachine before starting it', async () => {
    serve(new GrowingHistory(dryRunHistory().events));
    expect(await run(['drill', '--state-machine-arn', ARN, '--no-follow'], fakeIo())).toBe(0);
    expect(sfn.commandCalls(DescribeStateMachineCommand).map((c) => c.args[0].input.stateMachineArn)).toEqual([ARN]);
  });

  test('--state-machine-arn of another workflow', async () => {
    serveStateMachines(sfn, { [OTHER]: OTHER_DEFINITION });
    const io = fakeIo();
    expect(await run(['drill', '--state-machine-arn', OTHER], io)).toBe(2);
    expect(io.stderr[0]).toBe(`error: state machine ${OTHER} is not a CpuFirstLineSupport state machine: its definition has neither `
      + 'the construct\'s comment nor its "Start incident" and "Drill?" states. Name the construct\'s state machine with --stack <name> '
      + '--construct <id> or --state-machine-arn <arn>.');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('--stack whose only state machine is another workflow: named by its logical ID and ARN', async () => {
    cfn.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [summary('OrderPipeline1A2B3C4D', OTHER)] });
    serveStateMachines(sfn, { [OTHER]: OTHER_DEFINITION });
    const io = fakeIo();
    expect(await run(['drill', '--stack', 'Shop', '--region', 'eu-west-1', '--live', '--yes'], io)).toBe(2);
    expect(io.stderr[0]).toMatch(new RegExp(`^error: state machine OrderPipeline1A2B3C4D of stack Shop \\(${OTHER}\\) is not a CpuFirstLineSupport state machine`));
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('a construct deployed before drills existed: the drill would run as a real alarm', async () => {
    const old = JSON.parse(deployedDefinition());
    delete old.States['Drill?'];
    serveStateMachines(sfn, { [ARN]: JSON.stringify(old) });
    const io = fakeIo();
    expect(await run(['drill', '--state-machine-arn', ARN], io)).toBe(2);
    expect(io.stderr[0]).toMatch(/was deployed by a version of cdk-cpu-first-line-support without drills .* as a real alarm/);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('a state machine that does not exist', async () => {
    const io = fakeIo();
    expect(await run(['drill', '--state-machine-arn', `${ARN}-gone`], io)).toBe(2);
    expect(io.stderr[0]).toBe(`error: state machine ${ARN}-gone does not exist in eu-west-1 (StateMachineDoesNotExist)`);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('DescribeStateMachine denied: exit code 1, naming the permission', async () => {
    sfn.on(DescribeStateMachineCommand).rejects(Object.assign(new Error('User is not authorized to perform: states:DescribeStateMachine'), {
      name: 'AccessDeniedException',
    }));
    const io = fakeIo();
    expect(await run(['drill', '--state-machine-arn', ARN], io)).toBe(1);
    expect(io.stderr[0]).toMatch(/^error: AccessDeniedException: cannot check that .* is a CpuFirstLineSupport state machine \(states:DescribeStateMachine\)/);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('a stack as the target', () => {
  test('starts the drill on the state machine the stack holds, in the given region', async () => {
    cfn.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [{
        LogicalResourceId: 'ApiStateMachine5EB28D26',
        PhysicalResourceId: ARN,
        ResourceType: 'AWS::StepFunctions::StateMachine',
        ResourceStatus: 'CREATE_COMPLETE',
        LastUpdatedTimestamp: new Date(),
      }],
    });
    serve(new GrowingHistory(dryRunHistory().events));
    const io = fakeIo();
    expect(await run(['drill', '--stack', 'ExampleStack', '--region', 'eu-west-1', '--no-follow'], io)).toBe(0);
    expect(cfn.commandCalls(ListStackResourcesCommand)[0].args[0].input.StackName).toBe('ExampleStack');
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.stateMachineArn).toBe(ARN);
    expect(io.regions).toEqual(['eu-west-1']);
  });
});

describe('usage errors exit with 2', () => {
  test.each([
    ['no target', ['drill'], /--state-machine-arn <arn> or --stack <name>/],
    ['both targets', ['drill', '--state-machine-arn', ARN, '--stack', 'S'], /not both/],
    ['an ARN of another service', ['drill', '--state-machine-arn', 'arn:aws:lambda:us-east-1:123456789012:function:f'], /must be a state machine ARN/],
    ['--construct without --stack', ['drill', '--state-machine-arn', ARN, '--construct', 'Api'], /--construct needs --stack/],
    ['--yes without --live', ['drill', '--state-machine-arn', ARN, '--yes'], /--yes only confirms --live/],
    ['a poll interval that is not a number', ['drill', '--state-machine-arn', ARN, '--poll-interval', 'soon'], /--poll-interval must be a non-negative number/],
    ['an unknown option', ['drill', '--state-machine-arn', ARN, '--bogus'], /unknown option --bogus/],
    ['an argument', ['drill', '--state-machine-arn', ARN, 'extra'], /takes no arguments/],
    ['an option without its value', ['drill', '--state-machine-arn'], /--state-machine-arn needs a value/],
  ])('%s', async (_label, argv, message) => {
    const io = fakeIo();
    expect(await run(argv, io)).toBe(2);
    expect(io.stderr[0]).toMatch(message);
    expect(io.stderr[1]).toBe('Run "cpu-first-line-support drill --help" for usage.');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
