/**
 * Fakes for the CLI tests: a terminal that records what is printed, a clock, and a history
 * that GetExecutionHistory serves page by page while it grows, as for a running execution.
 *
 * The history follows the Step Functions API reference: GetExecutionHistory
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html:
 * events oldest first unless reverseOrder, at most maxResults a page, "might be fewer", a
 * nextToken while more are available) and HistoryEvent
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetExecutionHistoryCommandInput, HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { Io } from '../../cli/shared/io';

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
