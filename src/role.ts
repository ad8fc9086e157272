import { Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acceptNagFindings } from './nag';
import { NOTIFICATION_SOURCE } from './notification-text';
import { shortKey, stackSingleton } from './stack-scoped';

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
  /** The SNS topics the workflow publishes notifications to. */
  readonly topics?: sns.ITopic[];
  /** The event buses the workflow puts notification events on. */
  readonly eventBuses?: events.IEventBus[];
}

/**
 * The role of one instance's state machine, with what names its instance's resources inline:
 * each instance adds no IAM resource but this role, and no other policy is attached to it than
 * the stack's shared one for its set of handlers. It may tag
 * (ledger key only) and reboot this one instance, hold this instance's lock, and read this
 * instance's alarm and health check; and, through the stack's shared policy for the workflows
 * that use the same handlers, invoke those handlers, look instances up, deliver logs and trace.
 */
export function workflowRole(scope: Construct, options: WorkflowRoleOptions): iam.Role {
  const statements = [
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
    ...notificationStatements(options.topics ?? [], options.eventBuses ?? []),
  ];
  const role = new iam.Role(scope, 'Role', {
    description: `cdk-cpu-first-line-support workflow for ${options.instanceId}`,
    assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
    inlinePolicies: { Workflow: new iam.PolicyDocument({ statements }) },
    managedPolicies: [workflowPolicy(scope, options.functions)],
  });
  return role;
}

/** Publishing to the notifiers' topics (with their keys, when encrypted) and putting events on their buses. */
function notificationStatements(topics: sns.ITopic[], eventBuses: events.IEventBus[]): iam.PolicyStatement[] {
  const keys = topics.flatMap((topic) => (topic.masterKey ? [topic.masterKey.keyArn] : []));
  return [
    ...(topics.length > 0 ? [new iam.PolicyStatement({
      sid: 'PublishNotifications',
      actions: ['sns:Publish'],
      resources: topics.map((topic) => topic.topicArn),
    })] : []),
    ...(keys.length > 0 ? [new iam.PolicyStatement({
      sid: 'EncryptNotifications',
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: keys,
    })] : []),
    ...(eventBuses.length > 0 ? [new iam.PolicyStatement({
      sid: 'PutNotificationEvents',
      actions: ['events:PutEvents'],
      resources: eventBuses.map((bus) => bus.eventBusArn),
      // Only the library's own events: the role cannot pass for another source.
      conditions: { StringEquals: { 'events:source': NOTIFICATION_SOURCE } },
    })] : []),
  ];
}

/** The prefix of the construct IDs of the workflows' shared managed policies under their stack; part of the library's contract. */
const WORKFLOW_POLICY_ID = 'CpuFirstLineSupportWorkflowPolicy';

/**
 * The stack's one managed policy for the state machines that invoke exactly `functions` (usually
 * all of them: one policy per stack): invoke those functions, and what every workflow needs on
 * no particular resource (look up instances, deliver its logs, trace). Shared, so that each
 * instance's role holds only what names that instance's resources, and the template does not
 * repeat the rest per instance.
 */
function workflowPolicy(scope: Construct, functions: lambda.IFunction[]): iam.IManagedPolicy {
  const id = `${WORKFLOW_POLICY_ID}${shortKey(functions.map((fn) => fn.node.addr).sort().join(','))}`;
  return stackSingleton(scope, id, (stack) => newWorkflowPolicy(stack, id, functions));
}

function newWorkflowPolicy(stack: Stack, id: string, functions: lambda.IFunction[]): iam.ManagedPolicy {
  const policy = new iam.ManagedPolicy(stack, id, {
    description: 'cdk-cpu-first-line-support: what the workflows of this stack that use these handlers need beyond their own instance',
    statements: [
      new iam.PolicyStatement({
        sid: 'InvokeHandlers',
        actions: ['lambda:InvokeFunction'],
        resources: functions.map((fn) => fn.functionArn),
      }),
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
