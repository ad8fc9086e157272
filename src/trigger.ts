import { Arn, ArnFormat, Duration, Stack, Token, TokenComparison } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ExecutionFailures } from './execution-failures';
import { acceptNagFindings, nagFinding } from './nag';
import { CpuAlarmOptions } from './options';
import { stackSingleton } from './stack-scoped';

/**
 * What starts the workflow: the instance's CPU alarm, and the EventBridge rule that starts the
 * state machine when the alarm (or an alarm added with `addTrigger`) enters ALARM, through the
 * stack's one rule-target role.
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
  /** Whether the state machine has a custom name, which the rule-target role then names by ARN. */
  readonly customName: boolean;
}

/** The rule's event pattern: a state change of one of the alarms `alarmArns` into ALARM. */
function alarmPattern(alarmArns: string[]): events.EventPattern {
  return {
    source: ['aws.cloudwatch'],
    detailType: ['CloudWatch Alarm State Change'],
    resources: alarmArns,
    detail: { state: { value: ['ALARM'] } },
  };
}

/** The rule that starts the state machine when the alarm enters ALARM. */
export function alarmRule(scope: Construct, props: AlarmRuleProps): events.Rule {
  // The stack's default state machine names start with the prefix that its execution-failure alarm watches.
  const namePrefix = ExecutionFailures.of(scope).stateMachineNamePrefix;
  const rule = new events.Rule(scope, 'AlarmRule', {
    description: `Starts the first line of support for ${props.instanceId} when its CPU alarm fires.`,
    eventPattern: alarmPattern([props.alarm.alarmArn]),
    targets: [new targets.SfnStateMachine(props.stateMachine, {
      role: ruleTargetRole(scope, namePrefix, props.customName ? props.stateMachine.stateMachineArn : undefined),
    })],
  });
  acceptNagFindings(rule, [{
    id: 'Serverless-EventBusDLQ',
    reason: 'EventBridge retries starting the execution for 24 hours (185 attempts) before it drops the event.',
  }]);
  // The CPU alarm's key is resolved only when a trigger is added: most rules never get one.
  triggersOf.set(rule, { instanceId: props.instanceId, cpuAlarm: props.alarm, alarms: [] });
  return rule;
}

/** Each alarm rule's instance, its CPU alarm and the alarms added to it (their resolved ARNs as JSON), the CPU alarm's first. */
const triggersOf = new WeakMap<events.Rule, { readonly instanceId: string; readonly cpuAlarm: cloudwatch.IAlarm; readonly alarms: string[] }>();

/** An alarm's ARN, resolved, as JSON: the same for two references to one alarm (token or not). */
function alarmKey(rule: events.Rule, alarm: cloudwatch.IAlarm): string {
  return JSON.stringify(Stack.of(rule).resolve(alarm.alarmArn));
}

/**
 * Makes `rule` start its workflow also when `alarm` enters ALARM: the alarm's ARN joins the
 * pattern's `resources` (any one of them matches), so no resource is added and the target, its
 * role and the input (the whole event) stay as they are.
 */
export function addAlarmTrigger(rule: events.Rule, alarm: cloudwatch.IAlarm): void {
  const triggers = triggersOf.get(rule);
  if (!triggers) {
    throw new Error(`${rule.node.path} is not an alarm rule of cdk-cpu-first-line-support`);
  }
  if (triggers.alarms.length === 0) {
    triggers.alarms.push(alarmKey(rule, triggers.cpuAlarm));
  }
  const key = alarmKey(rule, alarm);
  if (triggers.alarms.includes(key)) {
    const which = triggers.alarms.indexOf(key) === 0 ? 'is the CPU alarm, which' : 'was added before and';
    throw new Error(`\`addTrigger\`: the alarm ${alarmLabel(alarm)} ${which} already starts the workflow of ${triggers.instanceId}; add each alarm once`);
  }
  if (triggers.alarms.length > MAX_ADDED_TRIGGERS) {
    throw new Error(`\`addTrigger\`: at most ${MAX_ADDED_TRIGGERS} alarms can be added to the workflow of ${triggers.instanceId} `
      + `(its rule's event pattern holds at most ${MAX_EVENT_PATTERN_CHARS} characters), got a ${triggers.alarms.length}th: ${alarmLabel(alarm)}; `
      + 'combine alarms in a `cloudwatch.CompositeAlarm` and add that');
  }
  validateAlarmEnvironment(rule, alarm);
  triggers.alarms.push(key);
  rule.addEventPattern({ resources: [alarm.alarmArn] });
  (rule.node.defaultChild as events.CfnRule).description =
    `Starts the first line of support for ${triggers.instanceId} when its CPU alarm or another of its trigger alarms fires.`;
}

/** An alarm as an error message names it: its name when known, else its construct path. */
function alarmLabel(alarm: cloudwatch.IAlarm): string {
  return Token.isUnresolved(alarm.alarmName) ? alarm.node.path : `"${alarm.alarmName}"`;
}

/**
 * Throws unless the alarm's ARN (when known at synth time) names a CloudWatch alarm in the rule's
 * account and region: the rule sees the alarm events of its own account and region only.
 */
function validateAlarmEnvironment(rule: events.Rule, alarm: cloudwatch.IAlarm): void {
  if (Token.isUnresolved(alarm.alarmArn)) {
    return;
  }
  const stack = Stack.of(rule);
  const arn = Arn.split(alarm.alarmArn, ArnFormat.COLON_RESOURCE_NAME);
  if (arn.service !== 'cloudwatch' || arn.resource !== 'alarm') {
    throw new Error(`\`addTrigger\`: the alarm's ARN must be a CloudWatch alarm ARN such as "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:name", got "${alarm.alarmArn}"`);
  }
  const elsewhere = Token.compareStrings(arn.region ?? '', stack.region) === TokenComparison.DIFFERENT
    || Token.compareStrings(arn.account ?? '', stack.account) === TokenComparison.DIFFERENT;
  if (elsewhere) {
    throw new Error(`\`addTrigger\`: the alarm ${alarmLabel(alarm)} is in account ${arn.account} and region ${arn.region}, but the workflow `
      + `is in account ${stack.account} and region ${stack.region}: its rule sees the alarms of its own account and region only`);
  }
}

/** EventBridge's default quota on the size of an event pattern, in characters. */
const MAX_EVENT_PATTERN_CHARS = 2048;

/**
 * The longest alarm ARN: the longest partition (`aws-us-gov`, 10 characters) with the longest region
 * (`us-isof-south-1`, 15), longer together than any real pair (at most 24), and a 255-character
 * alarm name, the longest CloudWatch allows.
 */
const LONGEST_ALARM_ARN = `arn:aws-us-gov:cloudwatch:us-isof-south-1:123456789012:alarm:${'x'.repeat(255)}`;

/** The size of the rule's pattern as EventBridge holds it, where `detailType` is `detail-type`. */
function patternChars(alarmArns: string[]): number {
  const { detailType, ...rest } = alarmPattern(alarmArns);
  return JSON.stringify({ ...rest, 'detail-type': detailType }).length;
}

/**
 * How many alarms `addTrigger` accepts for one instance: the most with which the rule's pattern,
 * the CPU alarm's ARN included, fits in EventBridge's quota even if every ARN is as long as an ARN can be.
 */
export const MAX_ADDED_TRIGGERS = ((): number => {
  let added = 0;
  while (patternChars(new Array<string>(added + 2).fill(LONGEST_ALARM_ARN)) <= MAX_EVENT_PATTERN_CHARS) {
    added++;
  }
  return added;
})();

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
