/**
 * Which state machine a command works on: given by ARN, or found among the
 * `AWS::StepFunctions::StateMachine` resources of a CloudFormation stack; then checked to be
 * one that a CpuFirstLineSupport construct deployed (DescribeStateMachine, its definition).
 */
import { ListStackResourcesCommand, StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { OptionSpec, UsageError } from './args';
import { parseJson } from './format';
import { Clients } from './io';

/** The options that name the target, shared by every command. */
export const TARGET_OPTIONS: readonly OptionSpec[] = [
  { name: 'state-machine-arn', kind: 'string', valueName: '<arn>', description: 'The state machine of one CpuFirstLineSupport construct' },
  { name: 'stack', kind: 'string', valueName: '<name>', description: 'Or: the CloudFormation stack that holds the construct' },
  {
    name: 'construct',
    kind: 'string',
    valueName: '<id>',
    description: 'With --stack: the construct ID (e.g. Api), needed when the stack has several state machines',
  },
  { name: 'region', kind: 'string', valueName: '<region>', description: 'The AWS region (default: the ARN\'s region, else the SDK\'s)' },
];

/** What the target options say. */
export interface TargetOptions {
  readonly stateMachineArn?: string;
  readonly stack?: string;
  readonly construct?: string;
  readonly region?: string;
}

/** Reads the target options out of parsed options. */
export function targetOptions(options: Record<string, unknown>): TargetOptions {
  const str = (name: string) => (typeof options[name] === 'string' ? options[name] as string : undefined);
  const target = { stateMachineArn: str('state-machine-arn'), stack: str('stack'), construct: str('construct'), region: str('region') };
  if (!target.stateMachineArn && !target.stack) throw new UsageError('name the target: --state-machine-arn <arn> or --stack <name>');
  if (target.stateMachineArn && target.stack) throw new UsageError('give --state-machine-arn or --stack, not both');
  if (target.construct && !target.stack) throw new UsageError('--construct needs --stack');
  if (target.stateMachineArn && !parseArn(target.stateMachineArn)) {
    throw new UsageError(`--state-machine-arn must be a state machine ARN (arn:<partition>:states:<region>:<account>:stateMachine:<name>), got "${target.stateMachineArn}"`);
  }
  return target;
}

/** The parts of a Step Functions state machine or execution ARN. */
export interface StatesArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly resourceType: string;
  readonly name: string;
}

/** Splits a state machine or execution ARN; undefined when it is not one. */
export function parseArn(arn: string): StatesArn | undefined {
  const match = /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):(stateMachine|execution):(.+)$/.exec(arn);
  if (!match) return undefined;
  return { partition: match[1], region: match[2], account: match[3], resourceType: match[4], name: match[5] };
}

/** The region to call: `--region`, else the ARN's region, else the SDK's default. */
export function targetRegion(target: TargetOptions): string | undefined {
  return target.region ?? (target.stateMachineArn ? parseArn(target.stateMachineArn)?.region : undefined);
}

/** Every state machine of the stack, following `NextToken`. */
async function stackStateMachines(clients: Clients, stackName: string): Promise<StackResourceSummary[]> {
  const machines: StackResourceSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.cloudFormation.send(new ListStackResourcesCommand({ StackName: stackName, NextToken: nextToken }));
    machines.push(...(page.StackResourceSummaries ?? []).filter((r) => r.ResourceType === 'AWS::StepFunctions::StateMachine'));
    nextToken = page.NextToken;
  } while (nextToken);
  return machines;
}

/**
 * The state machines of `machines` that belong to the construct `constructId`. The construct's
 * state machine has the path `<...>/<construct id>/StateMachine`, so CDK gives it the logical
 * ID `<...><construct id>StateMachine<8 hex digits>` (the path's IDs, alphanumerics only,
 * concatenated, then a hash). A construct at the stack's top level (no prefix) wins over one
 * nested deeper whose ID merely ends the same way.
 */
export function matchConstruct(machines: readonly StackResourceSummary[], constructId: string): StackResourceSummary[] {
  const id = constructId.replace(/[^A-Za-z0-9]/g, '');
  const pattern = new RegExp(`^([A-Za-z0-9]*?)${id}StateMachine[0-9A-F]{8}$`);
  const matches = machines.filter((m) => m.LogicalResourceId === constructId || pattern.test(m.LogicalResourceId ?? ''));
  const exact = matches.filter((m) => m.LogicalResourceId === constructId || pattern.exec(m.LogicalResourceId ?? '')?.[1] === '');
  return exact.length === 1 ? exact : matches;
}

function candidates(machines: readonly StackResourceSummary[]): string {
  return machines.map((m) => `  ${m.LogicalResourceId}  ${m.PhysicalResourceId ?? '(no ARN yet)'}`).join('\n');
}

/**
 * The ARN the target options name, without checking what it is.
 * @throws UsageError when the stack has no state machine, or several and `--construct` does not pick one
 */
export async function findStateMachine(clients: Clients, target: TargetOptions): Promise<{ arn: string; logicalId?: string }> {
  if (target.stateMachineArn) return { arn: target.stateMachineArn };
  const stack = target.stack!;
  const machines = await stackStateMachines(clients, stack);
  if (machines.length === 0) throw new UsageError(`stack ${stack} has no AWS::StepFunctions::StateMachine resource`);
  let picked: StackResourceSummary[] = machines;
  if (target.construct) {
    picked = matchConstruct(machines, target.construct);
    if (picked.length === 0) {
      throw new UsageError(`no state machine of stack ${stack} belongs to construct "${target.construct}"; the stack has:\n${candidates(machines)}`);
    }
  }
  if (picked.length > 1) {
    const hint = target.construct ? `several state machines match construct "${target.construct}"` : `stack ${stack} has several state machines`;
    throw new UsageError(`${hint}; pick one with --construct <id> or --state-machine-arn <arn>:\n${candidates(picked)}`);
  }
  const arn = picked[0].PhysicalResourceId;
  if (!arn || !parseArn(arn)) throw new UsageError(`state machine ${picked[0].LogicalResourceId} of stack ${stack} has no ARN (status ${picked[0].ResourceStatus})`);
  return { arn, logicalId: picked[0].LogicalResourceId };
}

/** What a state machine's definition says about it. */
export interface WorkflowKind {
  /** A CpuFirstLineSupport construct deployed it. */
  readonly ours: boolean;
  /** Its workflow knows drills: an execution whose input has `drill` is a drill, not an alarm. */
  readonly drills: boolean;
}

/** The `Comment` of the construct's definition (src/state-machine.ts), with the instance ID filled in. */
const OUR_COMMENT = /^First line of support for .+: check, reboot if unhealthy, re-check, notify\.$/;

/**
 * Whether a definition (Amazon States Language, as DescribeStateMachine returns it) is the
 * construct's workflow: its comment, or its top-level states "Start incident" and "Drill?".
 */
export function recognizeWorkflow(definition: string | undefined): WorkflowKind {
  const parsed = parseJson(definition);
  const states = parsed && typeof parsed.States === 'object' && parsed.States !== null ? parsed.States : {};
  const has = (name: string) => Object.prototype.hasOwnProperty.call(states, name);
  const ours = (typeof parsed?.Comment === 'string' && OUR_COMMENT.test(parsed.Comment)) || (has('Start incident') && has('Drill?'));
  return { ours, drills: ours && has('Start incident') && has('Drill?') };
}

/** DescribeStateMachine's definition; AWS errors that mean "wrong target" become usage errors. */
async function describeDefinition(clients: Clients, arn: string, region: string | undefined): Promise<string | undefined> {
  try {
    return (await clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }))).definition;
  } catch (error: any) {
    if (error?.name === 'StateMachineDoesNotExist' || error?.name === 'InvalidArn') {
      throw new UsageError(`state machine ${arn} does not exist${region ? ` in ${region}` : ''} (${error.name})`);
    }
    if (error?.name === 'AccessDeniedException') {
      error.message = `cannot check that ${arn} is a CpuFirstLineSupport state machine (states:DescribeStateMachine): ${error.message}`;
    }
    throw error;
  }
}

/** What the command will do with the state machine: a drill needs a workflow that knows drills. */
export type TargetUse = 'drill' | 'incidents';

/**
 * The ARN of the target state machine, once DescribeStateMachine showed that a
 * CpuFirstLineSupport construct deployed it.
 * @throws UsageError when the stack has no state machine, or several and `--construct` does not pick one,
 * or when the state machine is not the construct's (or, for a drill, predates drills)
 */
export async function resolveStateMachine(clients: Clients, target: TargetOptions, use: TargetUse): Promise<string> {
  const { arn, logicalId } = await findStateMachine(clients, target);
  const named = logicalId ? `state machine ${logicalId} of stack ${target.stack} (${arn})` : `state machine ${arn}`;
  const kind = recognizeWorkflow(await describeDefinition(clients, arn, targetRegion(target) ?? parseArn(arn)?.region));
  if (!kind.ours) {
    throw new UsageError(`${named} is not a CpuFirstLineSupport state machine: its definition has neither the construct's comment `
      + 'nor its "Start incident" and "Drill?" states. Name the construct\'s state machine with --stack <name> --construct <id> or --state-machine-arn <arn>.');
  }
  if (use === 'drill' && !kind.drills) {
    throw new UsageError(`${named} was deployed by a version of cdk-cpu-first-line-support without drills (no "Drill?" state): `
      + 'it would treat the drill as a real alarm. Deploy a newer version first.');
  }
  return arn;
}
