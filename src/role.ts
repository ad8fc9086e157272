import { Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { acceptNagFindings } from './nag';

/** What one instance's workflow may touch. */
export interface WorkflowRoleOptions {
  readonly instanceId: string;
  readonly instanceArn: string;
  /** The functions the workflow invokes. */
  readonly functions: lambda.IFunction[];
  readonly lockTable: dynamodb.ITable;
  /** The alarm whose state the workflow reads while watching; undefined: no watching. */
  readonly alarmArn?: string;
  /** The Route 53 health check whose status the workflow reads, if any. */
  readonly healthCheckArn?: string;
  /** The tag key the workflow may write on the instance (the reboot ledger). */
  readonly ledgerTagKey: string;
}

/** The ARN of a Route 53 health check (global: no region, no account). */
export function healthCheckArn(stack: Stack, healthCheckId: string): string {
  return stack.formatArn({
    partition: knownPartition(stack),
    service: 'route53',
    region: '',
    account: '',
    resource: 'healthcheck',
    resourceName: healthCheckId,
  });
}

/** The ARN of an instance in the stack's account and region. */
export function instanceArn(stack: Stack, instanceId: string): string {
  return stack.formatArn({ partition: knownPartition(stack), service: 'ec2', resource: 'instance', resourceName: instanceId });
}

/** The stack's partition as a literal where its region is known (a smaller template), else undefined: a reference. */
function knownPartition(stack: Stack): string | undefined {
  return Token.isUnresolved(stack.region) ? undefined : RegionInfo.get(stack.region).partition;
}

/**
 * The role of one instance's state machine, with its instance's policy inline: each instance
 * adds no IAM resource but this role, and nothing else may widen it. It may invoke this
 * workflow's functions, tag (ledger key only) and reboot this one instance, hold this
 * instance's lock, and read this instance's alarm and health check; and, through the stack's
 * shared `CpuFirstLineSupportWorkflowBasics` policy, look instances up, deliver logs and trace.
 */
export function workflowRole(scope: Construct, options: WorkflowRoleOptions): iam.Role {
  const statements = [
    new iam.PolicyStatement({
      sid: 'InvokeHandlers',
      actions: ['lambda:InvokeFunction'],
      resources: options.functions.map((fn) => fn.functionArn),
    }),
    new iam.PolicyStatement({
      sid: 'RebootThisInstance',
      actions: ['ec2:RebootInstances'],
      resources: [options.instanceArn],
    }),
    new iam.PolicyStatement({
      sid: 'RecordRebootsOnThisInstance',
      actions: ['ec2:CreateTags'],
      resources: [options.instanceArn],
      conditions: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [options.ledgerTagKey] } },
    }),
    new iam.PolicyStatement({
      sid: 'LockThisInstance',
      actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
      resources: [options.lockTable.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [options.instanceId] } },
    }),
    ...(options.alarmArn ? [new iam.PolicyStatement({
      sid: 'ReadThisAlarm',
      actions: ['cloudwatch:DescribeAlarms'],
      resources: [options.alarmArn],
    })] : []),
    ...(options.healthCheckArn ? [new iam.PolicyStatement({
      sid: 'ReadThisHealthCheck',
      actions: ['route53:GetHealthCheckStatus'],
      resources: [options.healthCheckArn],
    })] : []),
  ];
  const role = new iam.Role(scope, 'Role', {
    description: `cdk-cpu-first-line-support workflow for ${options.instanceId}`,
    assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
    inlinePolicies: { Workflow: new iam.PolicyDocument({ statements }) },
    managedPolicies: [workflowBasics(scope)],
  });
  return role;
}

/** The construct ID of the workflows' shared managed policy under its stack; part of the library's contract. */
const WORKFLOW_BASICS_ID = 'CpuFirstLineSupportWorkflowBasics';

/**
 * The stack's one managed policy with what every workflow needs on no particular resource:
 * looking instances up, delivering its logs and tracing. Shared, so that each instance's
 * role holds only what names that instance's resources.
 */
function workflowBasics(scope: Construct): iam.IManagedPolicy {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(WORKFLOW_BASICS_ID) as iam.ManagedPolicy | undefined;
  if (existing) {
    return existing;
  }
  const policy = new iam.ManagedPolicy(stack, WORKFLOW_BASICS_ID, {
    description: 'cdk-cpu-first-line-support: what every workflow of this stack needs on no particular resource (look up, logs, tracing)',
    statements: [
      new iam.PolicyStatement({
        sid: 'LookUpInstances',
        actions: ['ec2:DescribeInstances'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'DeliverLogs',
        actions: [
          'logs:CreateLogDelivery',
          'logs:GetLogDelivery',
          'logs:UpdateLogDelivery',
          'logs:DeleteLogDelivery',
          'logs:ListLogDeliveries',
          'logs:PutResourcePolicy',
          'logs:DescribeResourcePolicies',
          'logs:DescribeLogGroups',
        ],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'Trace',
        actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
        resources: ['*'],
      }),
    ],
  });
  acceptNagFindings(policy, [{
    id: 'AwsSolutions-IAM5',
    reason: 'EC2 DescribeInstances, Step Functions log delivery (logs:*LogDelivery*, logs:PutResourcePolicy, logs:Describe*) and X-Ray tracing support no resource-level permissions: "*" is the narrowest resource they accept.',
    appliesTo: ['Resource::*'],
  }]);
  return policy;
}
