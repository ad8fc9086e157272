/**
 * Which state machine a command works on: given by ARN, or found among the
 * `AWS::StepFunctions::StateMachine` resources of a CloudFormation stack.
 */
import { ListStackResourcesCommand, StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { OptionSpec, UsageError } from './args';
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
 * The ARN of the target state machine.
 * @throws UsageError when the stack has no state machine, or several and `--construct` does not pick one
 */
export async function resolveStateMachine(clients: Clients, target: TargetOptions): Promise<string> {
  if (target.stateMachineArn) return target.stateMachineArn;
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
  return arn;
}
