/**
 * Follows an execution's history (`GetExecutionHistory`) and turns its events into progress
 * lines: each state entered with the elapsed time, failures and retries as they happen, the
 * messages the notifiers delivered, and the end of the execution.
 *
 * Event shapes as in the Step Functions API reference, "HistoryEvent":
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
 */
import { GetExecutionHistoryCommand, HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { describeError, formatElapsed, parseJson } from './format';
import { OUTCOMES } from './outcomes';

/**
 * Reads the events of one execution that were not read yet. It keeps the page token that
 * led to the last page read, so a long history is not read again from its start.
 */
export class HistoryReader {
  private resumeToken: string | undefined;
  private lastId = 0;

  constructor(private readonly sfn: SFNClient, private readonly executionArn: string, private readonly pageSize = 1000) {}

  /** The events added since the last call, oldest first. */
  public async poll(): Promise<HistoryEvent[]> {
    const fresh: HistoryEvent[] = [];
    let token = this.resumeToken;
    for (;;) {
      const page = await this.sfn.send(new GetExecutionHistoryCommand({
        executionArn: this.executionArn,
        reverseOrder: false,
        maxResults: this.pageSize,
        nextToken: token,
      }));
      for (const event of page.events ?? []) {
        if ((event.id ?? 0) > this.lastId) {
          fresh.push(event);
          this.lastId = event.id ?? this.lastId;
        }
      }
      if (!page.nextToken) return fresh;
      token = page.nextToken;
      this.resumeToken = token;
    }
  }
}

/** A message a notifier delivered: the `notification.delivery` of a "Notify ..." state. */
export interface SentMessage {
  /** The state that sent it, e.g. "Notify would reboot". */
  readonly state: string;
  readonly delivered: boolean;
  readonly notifier?: string;
  readonly reference?: string;
}

/** How the execution ended. */
export interface ExecutionEnd {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly output?: any;
  readonly error?: string;
  readonly cause?: string;
  readonly at: Date;
}

const END_TYPES: Record<string, ExecutionEnd['status']> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionTimedOut: 'TIMED_OUT',
  ExecutionAborted: 'ABORTED',
};

/** Events that say a task (or a Lambda function, or an activity) failed, with `error` and `cause`. */
const FAILURE_TYPES = new Set([
  'TaskFailed', 'TaskTimedOut', 'TaskStartFailed', 'TaskSubmitFailed',
  'LambdaFunctionFailed', 'LambdaFunctionTimedOut', 'LambdaFunctionStartFailed', 'LambdaFunctionScheduleFailed',
  'ActivityFailed', 'ActivityTimedOut', 'ActivityScheduleFailed',
]);

/** Events that start a task: after a failure of the same state, a retry. */
const SCHEDULE_TYPES = new Set(['TaskScheduled', 'LambdaFunctionScheduled', 'ActivityScheduled']);

/** The `<type>EventDetails` member of an event, e.g. `taskFailedEventDetails` for 'TaskFailed'. */
function details(event: HistoryEvent): any {
  const type = event.type ?? '';
  return (event as any)[`${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`];
}

/** Turns history events, in order, into progress lines, and keeps what the summary needs. */
export class ProgressTracker {
  /** Messages delivered, in the order they were sent. */
  public readonly messages: SentMessage[] = [];
  /** The last outcome state entered (see `OUTCOMES`). */
  public lastOutcome: string | undefined;
  /** How the execution ended, once it has. */
  public end: ExecutionEnd | undefined;
  /** When the execution started. */
  public startedAt: Date | undefined;
  private readonly byId = new Map<number, HistoryEvent>();
  private readonly attempts = new Map<number, number>();
  private readonly deliveries = new Map<number, SentMessage>();

  constructor(startedAt?: Date) {
    this.startedAt = startedAt;
  }

  /** The progress lines for `event` (often none). */
  public lines(event: HistoryEvent): string[] {
    if (event.id !== undefined) this.byId.set(event.id, event);
    const type = event.type ?? '';
    const at = event.timestamp ? new Date(event.timestamp) : undefined;
    if (type === 'ExecutionStarted' && at) this.startedAt = at;
    const elapsed = formatElapsed(at && this.startedAt ? at.getTime() - this.startedAt.getTime() : 0);
    if (type.endsWith('StateEntered')) {
      const name = event.stateEnteredEventDetails?.name ?? '?';
      if ((OUTCOMES as readonly string[]).includes(name)) this.lastOutcome = name;
      return [`${elapsed}  ${name}${type === 'FailStateEntered' ? ' (fail state)' : ''}`];
    }
    if (FAILURE_TYPES.has(type)) {
      const d = details(event) ?? {};
      return [`${elapsed}    ! ${this.stateOf(event) ?? 'task'} failed: ${describeError(d.error, d.cause)}`];
    }
    if (SCHEDULE_TYPES.has(type)) return this.retryLine(event, elapsed);
    if (type === 'ParallelStateFailed' || type === 'MapStateFailed') {
      return [`${elapsed}    ! ${this.stateOf(event) ?? 'state'} failed`];
    }
    if (type === 'TaskSucceeded' || type === 'LambdaFunctionSucceeded') {
      // The function's answer is the result of a Lambda task (`Payload` with the lambda:invoke integration).
      const output = parseJson(details(event)?.output);
      this.delivery(event, output?.Payload ?? output);
      return [];
    }
    if (type === 'TaskStateExited') return this.exited(event, elapsed);
    if (END_TYPES[type]) return this.ended(event, type, at ?? new Date());
    return [];
  }

  /** The execution output's `outcome`, else the last outcome state entered. */
  public get outcome(): string | undefined {
    const fromOutput = this.end?.output?.outcome;
    return typeof fromOutput === 'string' ? fromOutput : this.lastOutcome;
  }

  private retryLine(event: HistoryEvent, elapsed: string): string[] {
    const previous = event.previousEventId !== undefined ? this.byId.get(event.previousEventId) : undefined;
    if (!previous || !FAILURE_TYPES.has(previous.type ?? '')) return [];
    const entered = this.enteredEvent(event);
    const attempt = (this.attempts.get(entered?.id ?? -1) ?? 1) + 1;
    if (entered?.id !== undefined) this.attempts.set(entered.id, attempt);
    return [`${elapsed}    retrying ${entered?.stateEnteredEventDetails?.name ?? 'task'} (attempt ${attempt})`];
  }

  private exited(event: HistoryEvent, elapsed: string): string[] {
    const output = parseJson(event.stateExitedEventDetails?.output);
    const message = this.delivery(event, output?.notification?.delivery);
    return message ? [`${elapsed}    message sent by ${message.notifier ?? 'the notifier'}${message.reference ? ` (${message.reference})` : ''}`] : [];
  }

  /** Records a delivery of a "Notify ..." state once, whichever of its events carries it first. */
  private delivery(event: HistoryEvent, delivery: any): SentMessage | undefined {
    const entered = this.enteredEvent(event);
    const state = entered?.stateEnteredEventDetails?.name ?? event.stateExitedEventDetails?.name;
    if (!state?.startsWith('Notify ') || typeof delivery !== 'object' || delivery === null || delivery.delivered !== true) return undefined;
    const key = entered?.id ?? event.id ?? -1;
    if (this.deliveries.has(key)) return undefined;
    const message: SentMessage = { state, delivered: true, notifier: delivery.notifier, reference: delivery.reference };
    this.deliveries.set(key, message);
    this.messages.push(message);
    return message;
  }

  private ended(event: HistoryEvent, type: string, at: Date): string[] {
    const d = details(event) ?? {};
    this.end = { status: END_TYPES[type], output: parseJson(d.output), error: d.error, cause: d.cause, at };
    const elapsed = formatElapsed(this.startedAt ? at.getTime() - this.startedAt.getTime() : 0);
    const why = this.end.status === 'SUCCEEDED' ? '' : `: ${describeError(d.error, d.cause)}`;
    return [`${elapsed}  Execution ${this.end.status.toLowerCase().replace('_', ' ')}${why}`];
  }

  /** The state event that `event` belongs to, by following `previousEventId` back to a "...StateEntered". */
  private enteredEvent(event: HistoryEvent): HistoryEvent | undefined {
    let current: HistoryEvent | undefined = event;
    for (let hops = 0; current && hops < 10_000; hops++) {
      if (current.type?.endsWith('StateEntered')) return current;
      current = current.previousEventId !== undefined ? this.byId.get(current.previousEventId) : undefined;
    }
    return undefined;
  }

  private stateOf(event: HistoryEvent): string | undefined {
    return this.enteredEvent(event)?.stateEnteredEventDetails?.name;
  }
}
