/**
 * Which state machine the commands work on: an ARN, or the state machines of a stack as
 * CloudFormation's ListStackResources lists them (paginated with NextToken, see
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackResources.html);
 * then DescribeStateMachine shows whether a CpuFirstLineSupport construct deployed it.
 */
import { CloudFormationClient, ListStackResourcesCommand, StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { App, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { mockClient } from 'aws-sdk-client-mock';
import { Construct } from 'constructs';
import { deployedDefinition, OTHER_DEFINITION, serveStateMachines } from './cli-fakes';
import { UsageError } from '../../cli/shared/args';
import { matchConstruct, recognizeWorkflow, resolveStateMachine } from '../../cli/shared/target';

const cfn = mockClient(CloudFormationClient);
const sfnMock = mockClient(SFNClient);
const clients = { cloudFormation: new CloudFormationClient({ region: 'us-east-1' }), sfn: new SFNClient({ region: 'us-east-1' }) };
const arnOf = (name: string) => `arn:aws:states:us-east-1:123456789012:stateMachine:${name}`;
/** The state machines of these tests that the construct deployed, by name. */
const OURS = ['x', 'Api-sm', 'api', 'web', 'my-api', 'nested-worker', 'ApiStateMachine5EB28D26'];

const machine = (logicalId: string, name = logicalId): StackResourceSummary => ({
  LogicalResourceId: logicalId,
  PhysicalResourceId: arnOf(name),
  ResourceType: 'AWS::StepFunctions::StateMachine',
  ResourceStatus: 'CREATE_COMPLETE',
  LastUpdatedTimestamp: new Date(),
});
const other = (logicalId: string, type: string): StackResourceSummary => ({
  LogicalResourceId: logicalId, PhysicalResourceId: logicalId.toLowerCase(), ResourceType: type, ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date(),
});

/** Serves `resources` in pages of `pageSize`, with NextToken. */
function serveStack(resources: StackResourceSummary[], pageSize = 100): void {
  cfn.on(ListStackResourcesCommand).callsFake(async (input) => {
    const offset = input.NextToken ? Number(input.NextToken) : 0;
    const end = offset + pageSize;
    return { StackResourceSummaries: resources.slice(offset, end), NextToken: end < resources.length ? String(end) : undefined };
  });
}

beforeEach(() => {
  cfn.reset();
  sfnMock.reset();
  serveStateMachines(sfnMock, Object.fromEntries(OURS.map((name) => [arnOf(name), deployedDefinition()])));
});

test('an ARN is used as it is, without calling CloudFormation, once DescribeStateMachine shows it is ours', async () => {
  const arn = arnOf('x');
  expect(await resolveStateMachine(clients, { stateMachineArn: arn }, 'drill')).toBe(arn);
  expect(cfn.calls()).toHaveLength(0);
  expect(sfnMock.commandCalls(DescribeStateMachineCommand).map((c) => c.args[0].input.stateMachineArn)).toEqual([arn]);
});

test('the one state machine of a stack, found on the third page among other resources', async () => {
  serveStack([
    other('ApiAlarm1234ABCD', 'AWS::CloudWatch::Alarm'), other('ApiRule5678ABCD', 'AWS::Events::Rule'),
    other('LockTable0000AAAA', 'AWS::DynamoDB::Table'), other('GuardFn1111BBBB', 'AWS::Lambda::Function'),
    machine('ApiStateMachine5EB28D26', 'Api-sm'),
  ], 2);
  expect(await resolveStateMachine(clients, { stack: 'ExampleStack' }, 'incidents')).toMatch(/:stateMachine:Api-sm$/);
  expect(cfn.commandCalls(ListStackResourcesCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, '2', '4']);
});

describe('a stack with several state machines', () => {
  beforeEach(() => serveStack([
    machine('ApiStateMachine5EB28D26', 'api'),
    machine('WebStateMachine6D5EC107', 'web'),
    machine('MyApiStateMachine1A2B3C4D', 'my-api'),
    machine('TeamWorkerStateMachine7B55EFA7', 'nested-worker'),
  ], 3));

  test('fails without --construct, listing the candidates', async () => {
    const error = await resolveStateMachine(clients, { stack: 'S' }, 'incidents').catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/stack S has several state machines; pick one with --construct/);
    for (const id of ['ApiStateMachine5EB28D26', 'WebStateMachine6D5EC107', 'MyApiStateMachine1A2B3C4D', 'TeamWorkerStateMachine7B55EFA7']) {
      expect(error.message).toContain(id);
    }
  });

  test('--construct picks the construct at the stack\'s top level over one whose ID merely ends the same', async () => {
    expect(await resolveStateMachine(clients, { stack: 'S', construct: 'Api' }, 'incidents')).toMatch(/:stateMachine:api$/);
    expect(await resolveStateMachine(clients, { stack: 'S', construct: 'MyApi' }, 'incidents')).toMatch(/:stateMachine:my-api$/);
  });

  test('--construct finds a nested construct by its own ID or by its path', async () => {
    expect(await resolveStateMachine(clients, { stack: 'S', construct: 'Worker' }, 'incidents')).toMatch(/nested-worker$/);
    expect(await resolveStateMachine(clients, { stack: 'S', construct: 'Team/Worker' }, 'incidents')).toMatch(/nested-worker$/);
  });

  test('fails when --construct matches none, listing the candidates', async () => {
    const error = await resolveStateMachine(clients, { stack: 'S', construct: 'Db' }, 'incidents').catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/no state machine of stack S belongs to construct "Db"/);
    expect(error.message).toContain('WebStateMachine6D5EC107');
  });
});

test('fails when the stack has no state machine', async () => {
  serveStack([other('Bucket83908E77', 'AWS::S3::Bucket')]);
  await expect(resolveStateMachine(clients, { stack: 'Empty' }, 'incidents')).rejects.toThrow(/stack Empty has no AWS::StepFunctions::StateMachine/);
});

test('fails when the state machine has no ARN yet', async () => {
  serveStack([{ ...machine('ApiStateMachine5EB28D26'), PhysicalResourceId: undefined, ResourceStatus: 'CREATE_IN_PROGRESS' }]);
  await expect(resolveStateMachine(clients, { stack: 'S' }, 'incidents')).rejects.toThrow(/has no ARN \(status CREATE_IN_PROGRESS\)/);
});

test('the logical ID CDK gives the construct\'s state machine is the one --construct matches', () => {
  // The construct's state machine is `<construct id>/StateMachine` (src/state-machine.ts); build the same paths.
  const stack = new Stack(new App(), 'S');
  const idOf = (scope: Construct, id: string) => {
    const holder = new Construct(scope, id);
    const machineResource = new sfn.StateMachine(holder, 'StateMachine', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(holder, 'P')) });
    return stack.getLogicalId(machineResource.node.defaultChild as any);
  };
  const top = idOf(stack, 'Api');
  const nested = idOf(new Construct(stack, 'Team'), 'Worker');
  const summaries = [machine(top, 'top'), machine(nested, 'nested')];
  expect(matchConstruct(summaries, 'Api').map((m) => m.LogicalResourceId)).toEqual([top]);
  expect(matchConstruct(summaries, 'Worker').map((m) => m.LogicalResourceId)).toEqual([nested]);
});

describe('whether a state machine is the construct\'s', () => {
  test('the definition a synthesized construct deploys is ours, and knows drills', () => {
    expect(recognizeWorkflow(deployedDefinition())).toEqual({ ours: true, drills: true });
  });

  test('another workflow, a definition that is not JSON, or none, is not ours', () => {
    expect(recognizeWorkflow(OTHER_DEFINITION).ours).toBe(false);
    expect(recognizeWorkflow('{"StartAt": "Start incident"').ours).toBe(false);
    expect(recognizeWorkflow(undefined).ours).toBe(false);
    // One of the two states is not enough without the comment.
    const { Comment: _comment, ...noComment } = JSON.parse(deployedDefinition());
    const { 'Drill?': _drill, ...withoutDrill } = noComment.States;
    expect(recognizeWorkflow(JSON.stringify({ ...noComment, States: withoutDrill })).ours).toBe(false);
  });

  test('the comment alone, or the two states alone, make it ours; without "Drill?" it does not know drills', () => {
    const definition = JSON.parse(deployedDefinition());
    expect(definition.Comment).toBe('First line of support for i-0123456789abcdef0: check, reboot if unhealthy, re-check, notify.');
    const { 'Drill?': _drill, ...withoutDrill } = definition.States;
    expect(recognizeWorkflow(JSON.stringify({ ...definition, States: withoutDrill }))).toEqual({ ours: true, drills: false });
    expect(recognizeWorkflow(JSON.stringify({ ...definition, Comment: 'renamed' }))).toEqual({ ours: true, drills: true });
  });

  test('incidents accepts a construct deployed before drills; a drill refuses it', async () => {
    const { 'Drill?': _drill, ...withoutDrill } = JSON.parse(deployedDefinition()).States;
    serveStateMachines(sfnMock, { [arnOf('old')]: JSON.stringify({ ...JSON.parse(deployedDefinition()), States: withoutDrill }) });
    expect(await resolveStateMachine(clients, { stateMachineArn: arnOf('old') }, 'incidents')).toBe(arnOf('old'));
    await expect(resolveStateMachine(clients, { stateMachineArn: arnOf('old') }, 'drill')).rejects.toThrow(/without drills/);
  });

  test('the one state machine of a stack is checked too: another workflow is a usage error naming it', async () => {
    serveStack([machine('OrderPipeline1A2B3C4D', 'orders')]);
    serveStateMachines(sfnMock, { [arnOf('orders')]: OTHER_DEFINITION });
    const error = await resolveStateMachine(clients, { stack: 'Shop' }, 'incidents').catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/^state machine OrderPipeline1A2B3C4D of stack Shop \(arn:.*:stateMachine:orders\) is not a CpuFirstLineSupport state machine/);
  });
});
