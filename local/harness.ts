/**
 * Runs a synthesized `CpuFirstLineSupport` state machine on this machine, with
 * aws-local-stepfunctions and the real handlers from `lambda/`.
 *
 * The definition is taken from the CloudFormation template (so what runs is what would be
 * deployed), its Lambda tasks are routed to the handler modules in-process, the reboot
 * task calls the (mocked) EC2 client, and waits are scaled down.
 */
import { CreateTagsCommand, RebootInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { PlannedFailure } from './fakes';
import './polyfills';
import { handler as guard } from '../lambda/guard.lambda';
import { handler as opsGenieNotify } from '../lambda/opsgenie-notify.lambda';
import { handler as route53Check } from '../lambda/route53-check.lambda';
import { handler as slackNotify } from '../lambda/slack-notify.lambda';
import { handler as sshCheck } from '../lambda/ssh-check.lambda';
import { handler as urlCheck } from '../lambda/url-check.lambda';
import { CpuFirstLineSupport } from '../src';

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
  CpuFirstLineSupportGuard: guard,
};

/** The EC2 SDK integrations the workflow uses, by action, as the client commands that run them here. */
const EC2_COMMANDS: Record<string, new (input: any) => any> = {
  rebootInstances: RebootInstancesCommand,
  createTags: CreateTagsCommand,
};

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
}

const rendered = new WeakMap<CpuFirstLineSupport, RenderedWorkflow>();
const machines = new WeakMap<CpuFirstLineSupport, any>();

/** Turns the construct's `DefinitionString` in the template into plain ASL (once per construct). */
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
  const { DefinitionString: definitionString, DefinitionSubstitutions: substitutions = {} } = template.Resources[logicalId].Properties;

  const functionArn = (id: string) => `arn:${PSEUDO.partition}:lambda:${env.region}:${env.account}:function:${id}`;
  const resolve = (value: any): string => {
    if (typeof value === 'string') return value;
    if (value.Ref === 'AWS::Partition') return PSEUDO.partition;
    if (value.Ref === 'AWS::Region') return env.region;
    if (value.Ref === 'AWS::AccountId') return env.account;
    if (value.Ref === 'AWS::URLSuffix') return 'amazonaws.com';
    if (value['Fn::GetAtt']?.[1] === 'Arn') return functionArn(value['Fn::GetAtt'][0]);
    if (value['Fn::Join']) return value['Fn::Join'][1].map(resolve).join(value['Fn::Join'][0]);
    throw new Error(`Cannot resolve ${JSON.stringify(value)} in the state machine definition`);
  };
  // CloudFormation fills each `${key}` of the definition from DefinitionSubstitutions.
  const definition = JSON.parse(resolve(definitionString).replace(/\$\{([A-Za-z0-9_]+)\}/g, (placeholder, key: string) => {
    if (!(key in substitutions)) throw new Error(`No substitution for ${placeholder} in the state machine definition`);
    return resolve(substitutions[key]);
  }));

  const functionsByArn: Record<string, lambda.IFunction> = {};
  for (const fn of [construct.urlCheckFunction, construct.sshCheckFunction, construct.route53CheckFunction,
    construct.recoveryFunction, construct.escalationFunction, construct.guardFunction]) {
    if (fn) functionsByArn[functionArn(stack.getLogicalId(fn.node.defaultChild as CfnResource))] = fn;
  }
  // The construct always names its state machine.
  const stateMachineName: string = template.Resources[logicalId].Properties.StateMachineName;
  const stateMachineArn = `arn:${PSEUDO.partition}:states:${env.region}:${env.account}:stateMachine:${stateMachineName}`;
  const result = { definition, functionsByArn, stateMachineArn };
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
  /** Called for every Lambda invocation, before the handler. */
  readonly onInvoke?: (functionId: string, event: any) => void;
  /**
   * The executions that `ListExecutions` reports as running. Share one between concurrent
   * `runWorkflow` calls to run several executions of one state machine at once.
   * @default - a registry of this execution only
   */
  readonly registry?: ExecutionRegistry;
}

/** What `ListExecutions` answers for one running execution. */
export interface RunningExecution {
  readonly ExecutionArn: string;
  readonly StateMachineArn: string;
  readonly Name: string;
  readonly Status: 'RUNNING';
  readonly StartDate: string;
}

/** The running executions of local state machines, as `ListExecutions` would list them. */
export class ExecutionRegistry {
  private readonly running = new Map<string, RunningExecution>();
  private counter = 0;
  private readonly failure = new PlannedFailure();

  /** Makes the next `times` `ListExecutions` calls throw `error`. */
  public failNext(error: Error, times = 1): void {
    this.failure.arm(error, times);
  }

  /** Registers a new execution of `stateMachineArn` and returns it. */
  public start(stateMachineArn: string, startTime: Date): RunningExecution {
    const name = `local-${startTime.getTime()}-${++this.counter}`;
    const execution: RunningExecution = {
      ExecutionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
      StateMachineArn: stateMachineArn,
      Name: name,
      Status: 'RUNNING',
      StartDate: startTime.toISOString(),
    };
    this.running.set(execution.ExecutionArn, execution);
    return execution;
  }

  public stop(executionArn: string): void {
    this.running.delete(executionArn);
  }

  /** The running executions of a state machine, newest first, as `ListExecutions` orders them. */
  public list(stateMachineArn: string): RunningExecution[] {
    this.failure.trip();
    return [...this.running.values()].filter((e) => e.StateMachineArn === stateMachineArn).reverse();
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

/** What happened in one local execution. */
export interface RunReport {
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** The execution's output, or the error for a failed execution. */
  readonly output: any;
  /** Top-level states in the order they were entered (branch states left out). */
  readonly path: string[];
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
}

/**
 * Runs the construct's state machine once, locally.
 */
export async function runWorkflow(construct: CpuFirstLineSupport, options: RunOptions = {}): Promise<RunReport> {
  const { definition, functionsByArn, stateMachineArn } = renderWorkflow(construct);
  const registry = options.registry ?? new ExecutionRegistry();
  const states = allStates(definition);
  const msPerWaitSecond = options.msPerWaitSecond ?? 1;
  let lambdaInvocations = 0;
  const lambdaDurationsMs: number[] = [];

  const taskResourceLocalHandlers: Record<string, (input: any) => Promise<any>> = {};
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [name, state] of Object.entries<any>(states)) {
    if (state.Type === 'Wait') {
      waitTimeOverrides[name] = state.Seconds * msPerWaitSecond;
    }
    if (state.Retry) {
      retryIntervalOverrides[name] = 0;
    }
    if (state.Type !== 'Task') continue;
    if (state.Resource.endsWith(':states:::lambda:invoke')) {
      const fn = functionsByArn[state.Parameters.FunctionName];
      if (!fn) throw new Error(`State "${name}" invokes an unknown function ${state.Parameters.FunctionName}`);
      const functionId = fn.node.id;
      const handler = options.handlerOverrides?.[functionId] ?? HANDLERS_BY_FUNCTION_ID[functionId];
      taskResourceLocalHandlers[name] = async (input: any) => {
        lambdaInvocations++;
        options.onInvoke?.(functionId, input.Payload);
        // Like Lambda, hand the handler a copy of the JSON event, never a shared object.
        const started = performance.now();
        try {
          const payload = await handler(JSON.parse(JSON.stringify(input.Payload)));
          return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: payload };
        } finally {
          lambdaDurationsMs.push(performance.now() - started);
        }
      };
    } else if (state.Resource.includes(':states:::aws-sdk:ec2:')) {
      const Command = EC2_COMMANDS[state.Resource.split(':states:::aws-sdk:ec2:')[1]];
      if (!Command) throw new Error(`State "${name}" uses ${state.Resource}, which the local harness does not run`);
      // Through the (mocked) EC2 client, answering as the SDK integration does: without metadata.
      taskResourceLocalHandlers[name] = async (input: any) => {
        const output = await new EC2Client({}).send(new Command(input));
        return { ...output, $metadata: undefined };
      };
    } else if (state.Resource.endsWith(':states:::aws-sdk:sfn:listExecutions')) {
      taskResourceLocalHandlers[name] = async (input: any) => {
        if (input.StateMachineArn !== stateMachineArn || input.StatusFilter !== 'RUNNING') {
          throw new Error(`Unexpected ListExecutions input ${JSON.stringify(input)}`);
        }
        return { Executions: registry.list(stateMachineArn) };
      };
    } else {
      throw new Error(`State "${name}" uses ${state.Resource}, which the local harness does not run`);
    }
  }

  // Validating a definition takes a while; build the machine once per construct and run it many times.
  const machine = machines.get(construct) ?? new StateMachine(JSON.parse(JSON.stringify(definition)), { validationOptions: { checkArn: false } });
  machines.set(construct, machine);
  const input = options.input ?? alarmEvent(construct);
  const startTime = new Date();
  const started = registry.start(stateMachineArn, startTime);
  const execution = machine.run(input, {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
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
  const collect = (async () => {
    for await (const event of execution.eventLogs) events.push(event);
  })();
  let status: RunReport['status'] = 'SUCCEEDED';
  let output: any;
  try {
    output = await execution.result;
  } catch (error: any) {
    status = 'FAILED';
    output = { Error: error.name, Cause: error.message };
  } finally {
    registry.stop(started.ExecutionArn);
  }
  await collect;

  const topLevel = new Set(Object.keys(definition.States));
  const entered = events.filter((e) => e.type === 'StateEntered');
  const timeline: TimelineEntry[] = [];
  let waitedRealMs = 0;
  let waitedSimulatedMs = 0;
  for (const [index, event] of events.entries()) {
    if (!topLevel.has(event.state?.name)) continue;
    const atMs = event.timestamp - startTime.getTime();
    if (event.type === 'StateEntered') {
      const exited = events.slice(index).find((e) => e.type === 'StateExited' && e.state.name === event.state.name);
      timeline.push({ atMs, simulatedMs: atMs - waitedRealMs + waitedSimulatedMs, state: event.state.name, output: exited?.state.output });
      if (states[event.state.name].Type === 'Wait' && exited) {
        waitedRealMs += exited.timestamp - event.timestamp;
        waitedSimulatedMs += states[event.state.name].Seconds * 1000;
      }
    }
  }
  return {
    status,
    output,
    path: timeline.map((t) => t.state),
    timeline,
    lambdaInvocations,
    lambdaDurationsMs,
    stateTransitions: entered.length,
    durationMs: Date.now() - startTime.getTime(),
    events,
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
