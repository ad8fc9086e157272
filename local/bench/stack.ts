/**
 * The stack the bench synthesizes: `count` instances, each configured like the example
 * stack of `local/scenarios.ts` (URL, Route 53 and SSH checks with 2 s timeouts, Slack for
 * recoveries, OpsGenie for escalations), with distinct instance and health check IDs.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CpuFirstLineSupport, CpuFirstLineSupportProps, Notifier, OpsGeniePriority } from '../../src';

const SLACK_TOKEN_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:slack-bot-token-AbCdEf';
const OPSGENIE_KEY_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:opsgenie-api-key-AbCdEf';

const ENV = { account: '123456789012', region: 'us-east-1' };

/** The `n`th instance ID: `i-` and 17 hex digits. */
export function instanceId(n: number): string {
  return `i-0${n.toString(16).padStart(16, '0')}`;
}

/** The `n`th Route 53 health check ID. */
function healthCheckId(n: number): string {
  return `abcdef01-2345-6789-abcd-${n.toString(16).padStart(12, '0')}`;
}

/** Adds a stack with `count` instances to `app`; `props` override every instance's. */
export function benchStack(app: App, count: number, props: Partial<CpuFirstLineSupportProps> = {}): Stack {
  const stack = new Stack(app, 'BenchStack', { env: ENV });
  const slackToken = secretsmanager.Secret.fromSecretCompleteArn(stack, 'SlackToken', SLACK_TOKEN_ARN);
  const opsGenieKey = secretsmanager.Secret.fromSecretCompleteArn(stack, 'OpsGenieKey', OPSGENIE_KEY_ARN);
  // Who hears of a workflow that failed: without it, every instance warns at synth.
  const onCall = new sns.Topic(stack, 'OnCall');
  for (let n = 1; n <= count; n++) {
    new CpuFirstLineSupport(stack, `Instance${n}`, {
      instanceId: instanceId(n),
      healthCheckId: healthCheckId(n),
      urlCheck: { port: 8080, path: '/health', timeout: Duration.seconds(2) },
      sshCheck: { port: 22, timeout: Duration.seconds(2) },
      recoveryNotifier: Notifier.slack({ botToken: slackToken, channel: 'C0123456789' }),
      escalationNotifier: Notifier.opsGenie({ apiKey: opsGenieKey, team: 'sre', priority: OpsGeniePriority.P2 }),
      executionFailureTopic: onCall,
      ...props,
    });
  }
  return stack;
}

/**
 * The floor under the library's synth time: a stack of `count` sets of the four resources an
 * instance adds (its alarm, role, state machine and rule), written with aws-cdk-lib's own
 * constructs as one would without the library, each with the fewest props that make it work
 * (a one-state inline definition, one statement in the role, one shared role for the rule
 * targets). What aws-cdk-lib itself spends on four such resources is the part of the
 * library's synth time per instance that no change to the library can remove.
 */
export function floorStack(app: App, count: number): Stack {
  const stack = new Stack(app, 'FloorStack', { env: ENV });
  const definitionBody = sfn.DefinitionBody.fromString('{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}');
  // Immutable, as the library's is: the targets would otherwise add a statement per instance to one policy.
  const ruleRole = new iam.Role(stack, 'RuleRole', { assumedBy: new iam.ServicePrincipal('events.amazonaws.com') }).withoutPolicyUpdates();
  for (let n = 1; n <= count; n++) {
    const instance = new Construct(stack, `Instance${n}`);
    const alarm = new cloudwatch.Alarm(instance, 'CpuAlarm', {
      metric: new cloudwatch.Metric({
        namespace: 'AWS/EC2',
        metricName: 'CPUUtilization',
        dimensionsMap: { InstanceId: instanceId(n) },
        statistic: 'Maximum',
      }),
      threshold: 100,
      evaluationPeriods: 1,
    });
    const role = new iam.Role(instance, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      inlinePolicies: {
        Workflow: new iam.PolicyDocument({
          statements: [new iam.PolicyStatement({ actions: ['ec2:RebootInstances'], resources: [stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: instanceId(n) })] })],
        }),
      },
    });
    const stateMachine = new sfn.StateMachine(instance, 'StateMachine', { definitionBody, role });
    new events.Rule(instance, 'AlarmRule', {
      eventPattern: { source: ['aws.cloudwatch'], resources: [alarm.alarmArn] },
      targets: [new targets.SfnStateMachine(stateMachine, { role: ruleRole })],
    });
  }
  return stack;
}
