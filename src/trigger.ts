import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acceptNagFindings, nagFinding } from './nag';
import { CpuAlarmOptions } from './options';
import { stackSingleton } from './stack-scoped';

/**
 * What starts the workflow: the instance's CPU alarm, and the EventBridge rule that starts the
 * state machine when the alarm enters ALARM, through the stack's one rule-target role.
 */

/** The alarm on the instance's `CPUUtilization`; by default Maximum >= 100% for one 5-minute period. */
export function cpuAlarm(scope: Construct, instanceId: string, options: CpuAlarmOptions = {}): cloudwatch.Alarm {
  const evaluationPeriods = options.evaluationPeriods ?? 1;
  return new cloudwatch.Alarm(scope, 'CpuAlarm', {
    alarmName: options.alarmName,
    alarmDescription: `CPU of ${instanceId} is maxed out; starts the first line of support (cdk-cpu-first-line-support).`,
    metric: new cloudwatch.Metric({
      namespace: 'AWS/EC2',
      metricName: 'CPUUtilization',
      dimensionsMap: { InstanceId: instanceId },
      statistic: options.statistic ?? 'Maximum',
      period: options.period ?? Duration.minutes(5),
    }),
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    threshold: options.threshold ?? 100,
    evaluationPeriods,
    datapointsToAlarm: options.datapointsToAlarm ?? evaluationPeriods,
    treatMissingData: options.treatMissingData ?? cloudwatch.TreatMissingData.MISSING,
  });
}

/** What the alarm rule connects. */
export interface AlarmRuleProps {
  readonly instanceId: string;
  readonly alarm: cloudwatch.IAlarm;
  readonly stateMachine: sfn.IStateMachine;
  /** The prefix of the stack's default state machine names, which the rule-target role may start. */
  readonly stateMachineNamePrefix: string;
  /** Whether the state machine has a custom name, which the rule-target role then names by ARN. */
  readonly customName: boolean;
}

/** The rule that starts the state machine when the alarm enters ALARM. */
export function alarmRule(scope: Construct, props: AlarmRuleProps): events.Rule {
  const rule = new events.Rule(scope, 'AlarmRule', {
    description: `Starts the first line of support for ${props.instanceId} when its CPU alarm fires.`,
    eventPattern: {
      source: ['aws.cloudwatch'],
      detailType: ['CloudWatch Alarm State Change'],
      resources: [props.alarm.alarmArn],
      detail: { state: { value: ['ALARM'] } },
    },
    targets: [new targets.SfnStateMachine(props.stateMachine, {
      role: ruleTargetRole(scope, props.stateMachineNamePrefix, props.customName ? props.stateMachine.stateMachineArn : undefined),
    })],
  });
  acceptNagFindings(rule, [{
    id: 'Serverless-EventBusDLQ',
    reason: 'EventBridge retries starting the execution for 24 hours (185 attempts) before it drops the event.',
  }]);
  return rule;
}

/** The construct ID of the rule-target role under its stack; part of the library's contract. */
const RULE_ROLE_ID = 'CpuFirstLineSupportRuleRole';

/**
 * The stack's one role for the alarm rules' targets: it may only start the stack's state
 * machines (those named with `namePrefix`, and each custom-named one added), and only
 * EventBridge rules of this account may assume it. It cannot reboot anything.
 *
 * @param customStateMachineArn the ARN of a state machine named without the prefix
 */
function ruleTargetRole(scope: Construct, namePrefix: string, customStateMachineArn?: string): iam.IRole {
  const role = stackSingleton(scope, RULE_ROLE_ID, (stack, id) => newRuleTargetRole(stack, id, namePrefix));
  if (customStateMachineArn) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [customStateMachineArn] }));
  }
  // The rule target would add a grant per instance; the prefix statement already covers them.
  return role.withoutPolicyUpdates();
}

function newRuleTargetRole(stack: Stack, id: string, namePrefix: string): iam.Role {
  const role = new iam.Role(stack, id, {
    description: 'cdk-cpu-first-line-support: lets the alarm rules of this stack start its workflows, nothing else',
    assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'events', resource: 'rule', resourceName: '*' }) },
      },
    }),
  });
  const stateMachines = stack.formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: `${namePrefix}*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'StartThisStacksWorkflows',
    actions: ['states:StartExecution'],
    resources: [stateMachines],
  }));
  acceptNagFindings(role.node.findChild('DefaultPolicy'), [{
    id: 'AwsSolutions-IAM5',
    reason: `The wildcard only ends the name prefix of this stack's state machines (${namePrefix}*): one statement covers every instance of the stack.`,
    // The ARN holds pseudo parameters only, which resolve the same at any time.
    appliesTo: [`Resource::${nagFinding(stack.resolve(stateMachines))}`],
  }]);
  return role;
}
