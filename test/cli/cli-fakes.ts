/**
 * Fakes for the CLI tests: a terminal that records what is printed, a clock, a history
 * that GetExecutionHistory serves page by page while it grows, as for a running execution,
 * and DescribeStateMachine answering the definition a synthesized construct deploys.
 *
 * The history follows the Step Functions API reference: GetExecutionHistory
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html:
 * events oldest first unless reverseOrder, at most maxResults a page, "might be fewer", a
 * nextToken while more are available) and HistoryEvent
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  DescribeStateMachineCommand, DescribeStateMachineCommandOutput, GetExecutionHistoryCommandInput, HistoryEvent, SFNClient, StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import { App, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsClientStub } from 'aws-sdk-client-mock';
import { Io } from '../../cli/shared/io';
import { renderWorkflow } from '../../local/harness';
import { CpuFirstLineSupport, Notifier } from '../../src';

/** An Io that records its output, answers questions from a list and never really sleeps. */
export interface FakeIo extends Io {
  readonly stdout: string[];
  readonly stderr: string[];
  readonly questions: string[];
  readonly sleeps: number[];
  readonly regions: (string | undefined)[];
}

export function fakeIo(options: { interactive?: boolean; answers?: string[]; now?: number; onSleep?: () => void } = {}): FakeIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const questions: string[] = [];
  const sleeps: number[] = [];
  const regions: (string | undefined)[] = [];
  const answers = [...(options.answers ?? [])];
  return {
    stdout,
    stderr,
    questions,
    sleeps,
    regions,
    interactive: options.interactive ?? false,
    user: 'alice@laptop',
    out: (line) => stdout.push(...line.split('\n')),
    err: (line) => stderr.push(...line.split('\n')),
    ask: async (question) => {
      questions.push(question);
      return answers.shift() ?? '';
    },
    now: () => options.now ?? Date.parse('2025-03-04T05:06:07.089Z'),
    sleep: async (ms) => {
      sleeps.push(ms);
      options.onSleep?.();
    },
    clients: (region) => {
      regions.push(region);
      return { sfn: new SFNClient({ region: region ?? 'us-east-1' }), cloudFormation: new CloudFormationClient({ region: region ?? 'us-east-1' }) };
    },
  };
}

/**
 * Serves `events` through GetExecutionHistory as a running execution would: `visible` more
 * events become visible at every call, and at most `pageSize` events come in one page.
 */
export class GrowingHistory {
  public readonly requests: GetExecutionHistoryCommandInput[] = [];
  private visible = 0;

  constructor(private readonly events: HistoryEvent[], private readonly pageSize = 4, private readonly growth = 3) {}

  public page(input: GetExecutionHistoryCommandInput): { events: HistoryEvent[]; nextToken?: string } {
    this.requests.push(input);
    if (input.reverseOrder) throw new Error('the fake serves events oldest first only');
    this.visible = Math.min(this.events.length, this.visible + this.growth);
    const offset = input.nextToken ? Number(input.nextToken.replace('token-', '')) : 0;
    const size = Math.min(this.pageSize, input.maxResults || 100);
    const end = Math.min(this.visible, offset + size);
    return { events: this.events.slice(offset, end), nextToken: end < this.visible ? `token-${end}` : undefined };
  }
}

/** Builds a history with AWS's event shapes: ids in order, `previousEventId` chained per state. */
export class HistoryBuilder {
  public readonly events: HistoryEvent[] = [];
  private readonly lastOfState = new Map<string, number>();

  constructor(private readonly start: number) {}

  /** Adds an event `ms` after the start; `state` chains its previousEventId to that state's last event. */
  public add(ms: number, type: string, fields: Record<string, unknown>, state?: string): HistoryEvent {
    const id = this.events.length + 1;
    const previousEventId = (state !== undefined ? this.lastOfState.get(state) : undefined) ?? (id > 1 ? id - 1 : 0);
    const event = { timestamp: new Date(this.start + ms), type, id, previousEventId, ...fields } as HistoryEvent;
    if (state !== undefined) this.lastOfState.set(state, id);
    this.events.push(event);
    return event;
  }

  public entered(ms: number, stateType: string, name: string, input: unknown = {}): void {
    this.lastOfState.delete(name);
    this.add(ms, `${stateType}StateEntered`, { stateEnteredEventDetails: { name, input: JSON.stringify(input) } }, name);
  }

  public exited(ms: number, stateType: string, name: string, output: unknown = {}): void {
    this.add(ms, `${stateType}StateExited`, { stateExitedEventDetails: { name, output: JSON.stringify(output) } }, name);
  }

  /** A Lambda task (`arn:aws:states:::lambda:invoke`): scheduled, started, then each failure retried, then succeeded. */
  public lambdaTask(ms: number, name: string, answer: unknown, failures: { error: string; cause: string }[] = [], output: unknown = {}): void {
    const task = { resourceType: 'lambda', resource: 'invoke' };
    this.entered(ms, 'Task', name);
    let t = ms;
    for (const failure of [...failures, undefined]) {
      this.add(t += 5, 'TaskScheduled', { taskScheduledEventDetails: { ...task, region: 'us-east-1', parameters: '{"FunctionName":"fn"}' } }, name);
      this.add(t += 20, 'TaskStarted', { taskStartedEventDetails: task }, name);
      if (failure) {
        this.add(t += 300, 'TaskFailed', { taskFailedEventDetails: { ...task, ...failure } }, name);
        t += 1000;
      } else {
        const result = { ExecutedVersion: '$LATEST', Payload: answer, SdkHttpMetadata: {}, StatusCode: 200 };
        this.add(t += 300, 'TaskSucceeded', { taskSucceededEventDetails: { ...task, output: JSON.stringify(result) } }, name);
      }
    }
    this.exited(t + 5, 'Task', name, output);
  }
}

let synthesized: string | undefined;

/**
 * The definition of a deployed CpuFirstLineSupport state machine, as DescribeStateMachine
 * returns it: a construct synthesized in a stack, its `DefinitionSubstitutions` filled in as
 * CloudFormation fills them (local/harness.ts, `renderWorkflow`). Built once.
 */
export function deployedDefinition(): string {
  if (synthesized === undefined) {
    const stack = new Stack(new App(), 'CliStack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const secret = (id: string) => secretsmanager.Secret.fromSecretCompleteArn(stack, id, `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${id}-AbCdEf`);
    const support = new CpuFirstLineSupport(stack, 'Api', {
      instanceId: 'i-0123456789abcdef0',
      recoveryNotifier: Notifier.slack({ botToken: secret('slack'), channel: 'C0123456789' }),
      escalationNotifier: Notifier.opsGenie({ apiKey: secret('opsgenie'), team: 'sre' }),
    });
    synthesized = JSON.stringify(renderWorkflow(support).definition);
  }
  return synthesized;
}

/** A state machine that is not the construct's: another team's workflow in the same stack. */
export const OTHER_DEFINITION = JSON.stringify({
  Comment: 'Order pipeline: charge the card, then ship.',
  StartAt: 'Charge card',
  States: { 'Charge card': { Type: 'Pass', Next: 'Ship' }, 'Ship': { Type: 'Succeed' } },
});

/**
 * Answers DescribeStateMachine with `definitions[stateMachineArn]`, shaped as the Step Functions
 * API reference describes the response
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeStateMachine.html):
 * an ARN it does not know is a `StateMachineDoesNotExist` error.
 */
export function serveStateMachines(sfn: AwsClientStub<SFNClient>, definitions: Record<string, string>): void {
  sfn.on(DescribeStateMachineCommand).callsFake(async (input): Promise<DescribeStateMachineCommandOutput> => {
    const definition = definitions[input.stateMachineArn];
    if (definition === undefined) {
      throw new StateMachineDoesNotExist({ message: `State Machine Does Not Exist: '${input.stateMachineArn}'`, $metadata: { httpStatusCode: 400 } });
    }
    return {
      $metadata: { httpStatusCode: 200 },
      stateMachineArn: input.stateMachineArn,
      name: input.stateMachineArn.split(':')[6],
      status: 'ACTIVE',
      definition,
      roleArn: 'arn:aws:iam::123456789012:role/workflow',
      type: 'STANDARD',
      creationDate: new Date('2025-03-01T00:00:00Z'),
    };
  });
}
