/**
 * Runs a synthesized `CpuFirstLineSupport` state machine on this machine, with
 * aws-local-stepfunctions and the real handlers from `lambda/`.
 *
 * The definition is taken from the CloudFormation template (so what runs is what would be
 * deployed), its Lambda tasks are routed to the handler modules in-process, the reboot
 * task calls the (mocked) EC2 client, and waits are scaled down.
 */
import { CreateTagsCommand, DescribeInstancesCommand, EC2Client, RebootInstancesCommand } from '@aws-sdk/client-ec2';
import { GetHealthCheckStatusCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SimulatedClock } from './clock';
import { substitutedDefinition } from './deployed-definition';
import { FakeAlarm, FakeLockTable, statesRuntimeError } from './fake-aws';
import './polyfills';
import { readGuardEvent, runGuard } from '../lambda/guard.lambda';
import { handler as opsGenieNotify } from '../lambda/opsgenie-notify.lambda';
import { handler as pagerDutyNotify } from '../lambda/pagerduty-notify.lambda';
import { handler as route53Check } from '../lambda/route53-check.lambda';
import { handler as slackNotify } from '../lambda/slack-notify.lambda';
import { handler as sshCheck } from '../lambda/ssh-check.lambda';
import { handler as teamsNotify } from '../lambda/teams-notify.lambda';
import { handler as urlCheck } from '../lambda/url-check.lambda';
import { CpuFirstLineSupport } from '../src';
import { OUTCOMES } from '../src/workflow';

// aws-local-stepfunctions is an ES module package with a CommonJS build; TypeScript's
// node16 resolution refuses a static import of it from CommonJS, so require its CJS build.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { StateMachine } = require('aws-local-stepfunctions') as { StateMachine: any };

/** A handler as the harness calls it: the Lambda event in, the function's answer out. */
export type LocalHandler = (event: any) => Promise<unknown>;

/** The real handler of each shared function, by the function's construct ID. */
export const HANDLERS_BY_FUNCTION_ID: Record<string, LocalHandler> = {
  CpuFirstLineSupportUrlCheck: urlCheck,
  CpuFirstLineSupportSshCheck: sshCheck,
  CpuFirstLineSupportRoute53Check: route53Check,
  CpuFirstLineSupportSlackNotifier: slackNotify,
  CpuFirstLineSupportOpsGenieNotifier: opsGenieNotify,
  CpuFirstLineSupportPagerDutyNotifier: pagerDutyNotify,
  CpuFirstLineSupportTeamsNotifier: teamsNotify,
  CpuFirstLineSupportGuard: async (event) => runGuard(readGuardEvent(event)),
};

/**
 * The AWS SDK integrations the workflow uses, by `service:action`, as the (mocked) client
 * commands that run them here.
 */
const SDK_COMMANDS: Record<string, { client: () => { send(command: any): Promise<any> }; command: new (input: any) => any }> = {
  'ec2:describeInstances': { client: () => new EC2Client({}), command: DescribeInstancesCommand },
  'ec2:rebootInstances': { client: () => new EC2Client({}), command: RebootInstancesCommand },
  'ec2:createTags': { client: () => new EC2Client({}), command: CreateTagsCommand },
  'route53:getHealthCheckStatus': { client: () => new Route53Client({}), command: GetHealthCheckStatusCommand },
};

/**
 * An error of an SDK integration as Step Functions names it: `ServiceName.ErrorName`, with the
 * `Exception` suffix even where the service's own name lacks it (Step Functions developer
 * guide, "Learning to use AWS service SDK integrations"). Its message stays the service's.
 */
function sdkIntegrationError(service: string, error: any): Error {
  const serviceName = service === 'ec2' ? 'Ec2' : service === 'route53' ? 'Route53' : service.charAt(0).toUpperCase() + service.slice(1);
  const name = String(error?.name ?? 'UnknownError');
  return Object.assign(new Error(error?.message ?? String(error)), {
    name: `${serviceName}.${name}${name.endsWith('Exception') ? '' : 'Exception'}`,
  });
}

/** Placeholder values for the pseudo parameters of a stack without an explicit environment. */
const PSEUDO = { region: 'us-east-1', account: '123456789012', partition: 'aws' };

/** A state machine definition as deployed, with every CloudFormation reference resolved. */
export interface RenderedWorkflow {
  /** The Amazon States Language definition. */
  readonly definition: any;
  /** The construct's functions, by the ARN the definition uses for them. */
  readonly functionsByArn: Record<string, lambda.IFunction>;
  /** The state machine's ARN. */
  readonly stateMachineArn: string;
  /** The environment variables of the construct's functions, resolved. */
  readonly environment: Record<string, string>;
}

const rendered = new WeakMap<CpuFirstLineSupport, RenderedWorkflow>();
const machines = new WeakMap<CpuFirstLineSupport, any>();

/** Turns the construct's definition, as CloudFormation deploys it, into plain ASL (once per construct). */
export function renderWorkflow(construct: CpuFirstLineSupport): RenderedWorkflow {
  const cached = rendered.get(construct);
  if (cached) return cached;
  const stack = Stack.of(construct);
  const region = stack.resolve(stack.region);
  const account = stack.resolve(stack.account);
  const env = {
    region: typeof region === 'string' ? region : PSEUDO.region,
    account: typeof account === 'string' ? account : PSEUDO.account,
  };
  const template = Template.fromStack(stack).toJSON();
  const logicalId = stack.getLogicalId(construct.stateMachine.node.defaultChild as CfnResource);
  const properties = template.Resources[logicalId].Properties;

  const functionArn = (id: string) => `arn:${PSEUDO.partition}:lambda:${env.region}:${env.account}:function:${id}`;
  const resolve = (value: any): string => {
    if (typeof value === 'string') return value;
    if (value.Ref === 'AWS::Partition') return PSEUDO.partition;
    if (value.Ref === 'AWS::Region') return env.region;
    if (value.Ref === 'AWS::AccountId') return env.account;
    if (value.Ref === 'AWS::URLSuffix') return 'amazonaws.com';
    if (value['Fn::GetAtt']?.[1] === 'Arn') return functionArn(value['Fn::GetAtt'][0]);
    // Any other resource (the alarm, the lock table): its logical ID stands for its name.
    if (typeof value.Ref === 'string' && !value.Ref.startsWith('AWS::')) return value.Ref;
    if (value['Fn::Join']) return value['Fn::Join'][1].map(resolve).join(value['Fn::Join'][0]);
    throw new Error(`Cannot resolve ${JSON.stringify(value)} in the state machine definition`);
  };
  // CloudFormation fills each `${key}` of the definition from DefinitionSubstitutions.
  const definition = JSON.parse(substitutedDefinition(stack, properties, resolve));

  const functionsByArn: Record<string, lambda.IFunction> = {};
  const environment: Record<string, string> = {};
  // Every function of the stack: the construct's checks, guard and notifiers (several for `Notifier.all()`).
  for (const fn of stack.node.findAll().filter((c): c is lambda.Function => c instanceof lambda.Function)) {
    const fnLogicalId = stack.getLogicalId(fn.node.defaultChild as CfnResource);
    functionsByArn[functionArn(fnLogicalId)] = fn;
    // Lambda hands each function its environment variables; here they share the process.
    for (const [name, value] of Object.entries<any>(template.Resources[fnLogicalId].Properties.Environment?.Variables ?? {})) {
      environment[name] = resolve(value);
    }
  }
  // The construct always names its state machine.
  const stateMachineName: string = properties.StateMachineName;
  const stateMachineArn = `arn:${PSEUDO.partition}:states:${env.region}:${env.account}:stateMachine:${stateMachineName}`;
  const result = { definition, functionsByArn, stateMachineArn, environment };
  rendered.set(construct, result);
  return result;
}

/** Every state of a definition, including those inside Parallel branches, by name. */
export function allStates(definition: any): Record<string, any> {
  const states: Record<string, any> = {};
  const visit = (machine: any) => {
    for (const [name, state] of Object.entries<any>(machine.States)) {
      states[name] = state;
      for (const branch of state.Branches ?? []) visit(branch);
    }
  };
  visit(definition);
  return states;
}

/** Options of `runWorkflow`. */
export interface RunOptions {
  /** The execution's input. @default - a CloudWatch alarm state change event for the construct's alarm */
  readonly input?: unknown;
  /** Real milliseconds per second of a Wait state. @default 1 */
  readonly msPerWaitSecond?: number;
  /** Replaces the real handler of a function, by the function's construct ID (e.g. to make it throw). */
  readonly handlerOverrides?: Record<string, LocalHandler>;
  /**
   * Where the workflow's own notifications go: SNS publishes and EventBridge events, as the
   * Step Functions integrations pass them. Throw from `publish` or `putEvents` to make the
   * service fail. @default - recorded in the report
   */
  readonly notificationServices?: NotificationServices;
  /** Called for every Lambda invocation, before the handler. */
  readonly onInvoke?: (functionId: string, event: any) => void;
  /**
   * Names the executions. Share one between concurrent `runWorkflow` calls.
   * @default - a registry of this execution only
   */
  readonly registry?: ExecutionRegistry;
  /** The stack's incident-lock table. Share one between concurrent runs. @default - an empty table */
  readonly locks?: FakeLockTable;
  /** The CPU alarm, as `DescribeAlarms` reads it. @default - an alarm that is OK when read */
  readonly alarm?: FakeAlarm;
  /** The simulated clock of the run. Share one between concurrent runs. @default - a new clock */
  readonly clock?: SimulatedClock;
}

/** One execution as the registry names it. */
export interface RunningExecution {
  readonly ExecutionArn: string;
  readonly Name: string;
  readonly StartDate: string;
}

/** Names the executions of local state machines, as Step Functions would. */
export class ExecutionRegistry {
  private counter = 0;

  /** Names a new execution of `stateMachineArn`. */
  public start(stateMachineArn: string, startTime: Date): RunningExecution {
    const name = `local-${startTime.getTime()}-${++this.counter}`;
    return {
      ExecutionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
      Name: name,
      StartDate: startTime.toISOString(),
    };
  }
}

/** One line of an execution's timeline. */
export interface TimelineEntry {
  /** Real milliseconds since the execution started. */
  readonly atMs: number;
  /**
   * Milliseconds since the execution started as they would pass on AWS: the real time
   * spent outside Wait states plus the unscaled durations of the Wait states.
   */
  readonly simulatedMs: number;
  /** The top-level state entered. */
  readonly state: string;
  /** The state's output when it exited, if it did. */
  readonly output?: any;
}

/**
 * Stand-ins for Amazon SNS and EventBridge as the Step Functions integrations call them
 * (https://docs.aws.amazon.com/step-functions/latest/dg/connect-sns.html,
 * https://docs.aws.amazon.com/step-functions/latest/dg/connect-eventbridge.html): `publish`
 * answers `{ MessageId }`; `putEvents` answers `{ Entries: [{ EventId }], FailedEntryCount: 0 }`,
 * and the integration fails the task with `EventBridge.FailedEntry` when an entry failed.
 */
export class NotificationServices {
  /** Every `Publish` request: TopicArn, Subject, Message, MessageStructure, MessageAttributes. */
  public readonly published: any[] = [];
  /** Every entry of every `PutEvents` request: EventBusName, Source, DetailType, Detail. */
  public readonly events: any[] = [];
  /** When set, every `PutEvents` entry fails with this error code (the answer's `ErrorCode`). */
  public failEntries?: string;

  public async publish(input: any): Promise<any> {
    const invalid = (message: string) => Object.assign(new Error(`Invalid parameter: ${message}`), { name: 'SNS.InvalidParameterException' });
    if (typeof input.Message !== 'string') {
      throw invalid('Message must be a string');
    }
    // https://docs.aws.amazon.com/sns/latest/api/API_Publish.html: "Subject ... must be ASCII text that begins with a letter,
    // number, or punctuation mark; must not include line breaks or control characters; and must be less than 100 characters long."
    if (input.Subject !== undefined && (typeof input.Subject !== 'string' || input.Subject.length >= 100 || !/^[\x20-\x7e]+$/.test(input.Subject))) {
      throw invalid(`Subject: ${JSON.stringify(input.Subject)}`);
    }
    this.published.push(input);
    return { MessageId: `msg-${this.published.length}` };
  }

  public async putEvents(input: any): Promise<any> {
    if (this.failEntries !== undefined) {
      throw Object.assign(new Error(`${this.failEntries}: the entry was not put`), { name: 'EventBridge.FailedEntry' });
    }
    const entries = (input.Entries ?? []) as any[];
    this.events.push(...entries);
    return { Entries: entries.map((_, i) => ({ EventId: `event-${this.events.length - entries.length + i + 1}` })), FailedEntryCount: 0 };
  }
}

/** What happened in one local execution. */
export interface RunReport {
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** The execution's output, or the error for a failed execution. */
  readonly output: any;
  /** Top-level states in the order they were entered (branch states left out). */
  readonly path: string[];
  /** The last outcome state the execution entered (see `OUTCOMES` in src/workflow.ts). */
  readonly outcome?: string;
  /** When each top-level state was entered. */
  readonly timeline: TimelineEntry[];
  /** Lambda invocations, including retries. */
  readonly lambdaInvocations: number;
  /** Wall time of each Lambda invocation in milliseconds, in the order they finished (for billing estimates). */
  readonly lambdaDurationsMs: number[];
  /** State transitions (states entered, branch states included), as Step Functions bills them. */
  readonly stateTransitions: number;
  /** Wall time of the execution in milliseconds. */
  readonly durationMs: number;
  /** Every event the local runner logged. */
  readonly events: any[];
  /** What the workflow published to SNS and put on EventBridge itself. */
  readonly notificationServices: NotificationServices;
}

/** The local task resource that stands in for a Wait state (see `localDefinition`). */
const LOCAL_WAIT = 'arn:aws:states:::local:wait';
/** The local task resource that stands in for a Pass state reading `$$.State.EnteredTime`. */
const LOCAL_ENTERED_TIME = 'arn:aws:states:::local:enteredTime';
const ENTERED_TIME = '$$.State.EnteredTime';
const ENTERED_TIME_PLACEHOLDER = '<entered time>';

/**
 * The definition as the local runner runs it: each Wait state becomes a Task on
 * {@link LOCAL_WAIT} with the same `Seconds` or `SecondsPath`, so that the harness waits a
 * scaled-down real time and moves the simulated clock by the whole wait.
 */
function localDefinition(definition: any): any {
  const copy = JSON.parse(JSON.stringify(definition));
  for (const [name, state] of Object.entries<any>(copy.States)) {
    // The local runner has no `$$.State.EnteredTime`: such a Pass becomes a Task on
    // LOCAL_ENTERED_TIME, which answers its parameters with the time filled in from the clock.
    if (state.Type === 'Pass' && state.Parameters && JSON.stringify(state.Parameters).includes(ENTERED_TIME)) {
      const parameters = Object.fromEntries(Object.entries<any>(state.Parameters).map(([key, value]) =>
        (value === ENTERED_TIME ? [key.replace(/\.\$$/, ''), ENTERED_TIME_PLACEHOLDER] : [key, value])));
      copy.States[name] = { ...state, Type: 'Task', Resource: LOCAL_ENTERED_TIME, Parameters: parameters };
      continue;
    }
    if (state.Type !== 'Wait') continue;
    if (state.Seconds === undefined && state.SecondsPath === undefined) {
      throw new Error(`Wait state "${name}" waits for a timestamp, which the local harness does not scale`);
    }
    copy.States[name] = {
      Type: 'Task',
      Resource: LOCAL_WAIT,
      Parameters: state.SecondsPath !== undefined ? { 'seconds.$': state.SecondsPath } : { seconds: state.Seconds },
      ResultPath: null,
      ...(state.Next ? { Next: state.Next } : { End: true }),
    };
  }
  return copy;
}

/** The simulated delay of a retry, as Step Functions computes it (jitter left out: the worst case). */
function retryDelayMs(retrier: any, attempt: number): number {
  const seconds = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** (attempt - 1);
  return Math.min(seconds, retrier.MaxDelaySeconds ?? Infinity) * 1000;
}

/**
 * Runs the construct's state machine once, locally.
 */
export async function runWorkflow(construct: CpuFirstLineSupport, options: RunOptions = {}): Promise<RunReport> {
  const { definition, functionsByArn, stateMachineArn, environment } = renderWorkflow(construct);
  Object.assign(process.env, environment);
  const registry = options.registry ?? new ExecutionRegistry();
  const locks = options.locks ?? new FakeLockTable();
  const clock = options.clock ?? new SimulatedClock();
  const alarm = options.alarm ?? new FakeAlarm(clock);
  const services = options.notificationServices ?? new NotificationServices();
  const states = allStates(definition);
  const msPerWaitSecond = options.msPerWaitSecond ?? 1;
  let lambdaInvocations = 0;
  const lambdaDurationsMs: number[] = [];

  const taskResourceLocalHandlers: Record<string, (input: any) => Promise<any>> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  const invokeFunction = (name: string, functionArn: string) => {
    const fn = functionsByArn[functionArn];
    if (!fn) throw new Error(`State "${name}" invokes an unknown function ${functionArn}`);
    const functionId = fn.node.id;
    // The guard is the workflow's clock: here it reads the run's simulated clock.
    const handler = options.handlerOverrides?.[functionId]
      ?? (functionId === 'CpuFirstLineSupportGuard' ? async (event: any) => runGuard(readGuardEvent(event), clock.now()) : HANDLERS_BY_FUNCTION_ID[functionId]);
    return async (payload: any) => {
      lambdaInvocations++;
      options.onInvoke?.(functionId, payload);
      // Like Lambda, hand the handler a copy of the JSON event, never a shared object.
      const started = performance.now();
      try {
        return await handler(JSON.parse(JSON.stringify(payload)));
      } finally {
        lambdaDurationsMs.push(performance.now() - started);
      }
    };
  };
  for (const [name, state] of Object.entries<any>(states)) {
    if (state.Retry) {
      // Retries happen at once in real time; the simulated clock moves by their real interval.
      retryIntervalOverrides[name] = 0;
    }
    if (state.Type === 'Wait') {
      taskResourceLocalHandlers[name] = async (input: any) => {
        const seconds = input.seconds;
        if (!Number.isInteger(seconds) || seconds < 0) {
          throw statesRuntimeError(`Wait "${name}": SecondsPath must be a non-negative integer, got ${JSON.stringify(input.seconds)}`);
        }
        await clock.wait(seconds * 1000, seconds * msPerWaitSecond);
        return {};
      };
      continue;
    }
    if (state.Type === 'Pass' && state.Parameters && JSON.stringify(state.Parameters).includes(ENTERED_TIME)) {
      taskResourceLocalHandlers[name] = async (input: any) => {
        const now = new Date(clock.now()).toISOString();
        return Object.fromEntries(Object.entries<any>(input).map(([key, value]) => [key, value === ENTERED_TIME_PLACEHOLDER ? now : value]));
      };
      continue;
    }
    if (state.Type !== 'Task') continue;
    const resource: string = state.Resource;
    if (resource.endsWith(':states:::lambda:invoke')) {
      const invoke = invokeFunction(name, state.Parameters.FunctionName);
      taskResourceLocalHandlers[name] = async (input: any) => ({ StatusCode: 200, ExecutedVersion: '$LATEST', Payload: await invoke(input.Payload) });
    } else if (resource.startsWith('arn:aws:lambda:')) {
      // A Lambda task with `payloadResponseOnly`: the function's answer is the result.
      taskResourceLocalHandlers[name] = invokeFunction(name, resource);
    } else if (resource.endsWith(':states:::sns:publish')) {
      taskResourceLocalHandlers[name] = async (input: any) => services.publish(input);
    } else if (resource.endsWith(':states:::events:putEvents')) {
      taskResourceLocalHandlers[name] = async (input: any) => services.putEvents(input);
    } else if (resource.endsWith(':states:::aws-sdk:cloudwatch:describeAlarms')) {
      taskResourceLocalHandlers[name] = async (input: any) => alarm.describeAlarms(input);
    } else if (resource.includes(':states:::aws-sdk:')) {
      const integration = resource.split(':states:::aws-sdk:')[1];
      const sdk = SDK_COMMANDS[integration];
      if (!sdk) throw new Error(`State "${name}" uses ${resource}, which the local harness does not run`);
      // Through the (mocked) AWS client, answering as the SDK integration does: without metadata.
      taskResourceLocalHandlers[name] = async (input: any) => {
        try {
          const output = await sdk.client().send(new sdk.command(input));
          return JSON.parse(JSON.stringify({ ...output, $metadata: undefined }));
        } catch (error) {
          throw sdkIntegrationError(integration.split(':')[0], error);
        }
      };
    } else if (resource.endsWith(':states:::dynamodb:putItem') || resource.endsWith(':states:::dynamodb:deleteItem')) {
      const action = resource.endsWith('putItem') ? 'putItem' : 'deleteItem';
      taskResourceLocalHandlers[name] = async (input: any) => (action === 'putItem' ? locks.putItem(input) : locks.deleteItem(input));
    } else {
      throw new Error(`State "${name}" uses ${resource}, which the local harness does not run`);
    }
  }

  // Validating a definition takes a while; build the machine once per construct and run it many times.
  const machine = machines.get(construct) ?? new StateMachine(localDefinition(definition), { validationOptions: { checkArn: false } });
  machines.set(construct, machine);
  const input = options.input ?? alarmEvent(construct);
  const startTime = new Date();
  const startSimulatedMs = clock.now();
  const started = registry.start(stateMachineArn, startTime);
  const execution = machine.run(input, {
    overrides: { taskResourceLocalHandlers, retryIntervalOverrides },
    context: {
      Execution: {
        Id: started.ExecutionArn,
        Name: started.Name,
        Input: input,
        StartTime: started.StartDate,
      },
      StateMachine: { Id: stateMachineArn, Name: stateMachineArn.split(':').pop() },
    },
  });

  const events: any[] = [];
  const simulatedAt: number[] = [];
  const collect = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateRetried') {
        clock.advance(retryDelayMs(event.retry.retrier, event.retry.attempt));
      }
      events.push(event);
      simulatedAt.push(clock.now() - startSimulatedMs);
    }
  })();
  let status: RunReport['status'] = 'SUCCEEDED';
  let output: any;
  try {
    output = await execution.result;
  } catch (error: any) {
    status = 'FAILED';
    output = { Error: error.name, Cause: error.message };
  }
  await collect;

  const topLevel = new Set(Object.keys(definition.States));
  const entered = events.filter((e) => e.type === 'StateEntered');
  const timeline: TimelineEntry[] = [];
  for (const [index, event] of events.entries()) {
    if (event.type !== 'StateEntered' || !topLevel.has(event.state?.name)) continue;
    const exited = events.slice(index).find((e) => e.type === 'StateExited' && e.state.name === event.state.name);
    timeline.push({
      atMs: event.timestamp - startTime.getTime(),
      simulatedMs: simulatedAt[index],
      state: event.state.name,
      output: exited?.state.output,
    });
  }
  const path = timeline.map((t) => t.state);
  const outcomes: readonly string[] = OUTCOMES;
  return {
    status,
    output,
    path,
    outcome: [...path].reverse().find((state) => outcomes.includes(state)),
    timeline,
    lambdaInvocations,
    lambdaDurationsMs,
    stateTransitions: entered.length,
    durationMs: Date.now() - startTime.getTime(),
    events,
    notificationServices: services,
  };
}

/** The event EventBridge delivers when the construct's alarm enters ALARM. */
export function alarmEvent(construct: CpuFirstLineSupport): unknown {
  const now = new Date().toISOString();
  return {
    'version': '0',
    'id': '7bf73129-1428-4cd3-a780-95db273d1602',
    'detail-type': 'CloudWatch Alarm State Change',
    'source': 'aws.cloudwatch',
    'account': PSEUDO.account,
    'time': now,
    'region': PSEUDO.region,
    'resources': [`arn:aws:cloudwatch:${PSEUDO.region}:${PSEUDO.account}:alarm:cpu-${construct.node.id}`],
    'detail': {
      alarmName: `cpu-${construct.node.id}`,
      state: { value: 'ALARM', reason: 'Threshold Crossed: 1 datapoint [100.0] was greater than or equal to the threshold (100.0).', timestamp: now },
      previousState: { value: 'OK', timestamp: now },
    },
  };
}
