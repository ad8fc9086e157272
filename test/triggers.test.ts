/**
 * What starts the workflow besides the CPU alarm (`addTrigger`), and the instance given as a
 * construct (`instance`): the instance ID it stands for and the check ports it opens.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describeAlarm } from '../lambda/shared/message';
import { messageText, playScenario } from '../local/scenarios';
import { CpuFirstLineSupport, CpuFirstLineSupportProps, InstanceAddress, Notifier } from '../src';
import { MAX_ADDED_TRIGGERS } from '../src/trigger';

const INSTANCE_ID = 'i-0123456789abcdef0';
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

function newStack(env: { account?: string; region?: string } = { account: ACCOUNT, region: REGION }): Stack {
  return new Stack(new App(), 'Stack', { env });
}

function notifiers(stack: Stack) {
  const apiKey = stack.node.tryFindChild('OpsGenieKey') as secretsmanager.ISecret | undefined
    ?? secretsmanager.Secret.fromSecretNameV2(stack, 'OpsGenieKey', 'opsgenie-key');
  return { escalationNotifier: Notifier.opsGenie({ apiKey, team: 'sre' }) };
}

function support(stack: Stack, props: Partial<CpuFirstLineSupportProps> = { instanceId: INSTANCE_ID }, id = 'Api'): CpuFirstLineSupport {
  return new CpuFirstLineSupport(stack, id, { ...notifiers(stack), ...props });
}

/** An alarm on the instance's status checks, as a user would add it. */
function statusCheckAlarm(stack: Stack, instanceId: string, id = 'StatusCheckFailed'): cloudwatch.Alarm {
  return new cloudwatch.Alarm(stack, id, {
    metric: new cloudwatch.Metric({
      namespace: 'AWS/EC2',
      metricName: 'StatusCheckFailed',
      dimensionsMap: { InstanceId: instanceId },
      statistic: 'Maximum',
      period: Duration.minutes(1),
    }),
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    threshold: 1,
    evaluationPeriods: 2,
  });
}

function alarmArn(name: string, region = REGION, account = ACCOUNT): string {
  return `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`;
}

/** The properties of the stack's alarm rules (those that match alarm state changes). */
function alarmRules(template: Template): any[] {
  return Object.values<any>(template.findResources('AWS::Events::Rule'))
    .filter((rule) => JSON.stringify(rule.Properties.EventPattern ?? {}).includes('CloudWatch Alarm State Change'))
    .map((rule) => rule.Properties);
}

/** The properties of the stack's one alarm rule. */
function onlyRule(template: Template): any {
  const rules = alarmRules(template);
  expect(rules).toHaveLength(1);
  return rules[0];
}

/** How many resources of each type a template has. */
function resourceCounts(template: Template): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of Object.values<any>(template.toJSON().Resources)) {
    counts[resource.Type] = (counts[resource.Type] ?? 0) + 1;
  }
  return counts;
}

describe('addTrigger', () => {
  test('the alarm joins the CPU alarm in the rule\'s pattern; target, role and input stay as they are; no resource is added', () => {
    const plainStack = newStack();
    support(plainStack);
    const plainTemplate = Template.fromStack(plainStack);
    const plain = onlyRule(plainTemplate);

    const stack = newStack();
    const api = support(stack);
    const status = statusCheckAlarm(stack, INSTANCE_ID);
    const other = resourceCounts(Template.fromStack(newStackWith((s) => statusCheckAlarm(s, INSTANCE_ID))));
    api.addTrigger(status);
    const template = Template.fromStack(stack);
    const rule = onlyRule(template);

    expect(rule.EventPattern).toEqual({
      ...plain.EventPattern,
      resources: [stack.resolve(api.alarm.alarmArn), stack.resolve(status.alarmArn)],
    });
    // The whole event is the execution's input (no Input, InputPath or InputTransformer), through the same role.
    expect(rule.Targets).toEqual(plain.Targets);
    expect(Object.keys(rule.Targets[0]).sort()).toEqual(['Arn', 'Id', 'RoleArn']);
    // Only the user's own alarm is new.
    const expected = { ...resourceCounts(plainTemplate) };
    for (const [type, count] of Object.entries(other)) expected[type] = (expected[type] ?? 0) + count;
    expect(resourceCounts(template)).toEqual(expected);
    expect(rule.Description).toBe(`Starts the first line of support for ${INSTANCE_ID} when its CPU alarm or another of its trigger alarms fires.`);
    expect(plain.Description).toBe(`Starts the first line of support for ${INSTANCE_ID} when its CPU alarm fires.`);
  });

  test('an imported alarm (Alarm.fromAlarmArn) and a composite alarm work', () => {
    const stack = newStack();
    const api = support(stack);
    const imported = cloudwatch.Alarm.fromAlarmArn(stack, 'Memory', alarmArn('api-memory'));
    const composite = new cloudwatch.CompositeAlarm(stack, 'Composite', {
      alarmRule: cloudwatch.AlarmRule.anyOf(
        cloudwatch.AlarmRule.fromAlarm(statusCheckAlarm(stack, INSTANCE_ID), cloudwatch.AlarmState.ALARM),
        cloudwatch.AlarmRule.fromAlarm(imported, cloudwatch.AlarmState.ALARM),
      ),
    });
    api.addTrigger(imported);
    api.addTrigger(composite);
    const rule = onlyRule(Template.fromStack(stack));
    expect(rule.EventPattern.resources).toEqual([stack.resolve(api.alarm.alarmArn), alarmArn('api-memory'), stack.resolve(composite.alarmArn)]);
  });

  test('adding an alarm twice, by the same or another reference, or the CPU alarm, is an error', () => {
    const stack = newStack();
    const api = support(stack);
    const status = statusCheckAlarm(stack, INSTANCE_ID);
    api.addTrigger(status);
    expect(() => api.addTrigger(status)).toThrow(/`addTrigger`: the alarm Stack\/StatusCheckFailed was added before and already starts the workflow of i-0123456789abcdef0/);
    api.addTrigger(cloudwatch.Alarm.fromAlarmArn(stack, 'Memory', alarmArn('api-memory')));
    expect(() => api.addTrigger(cloudwatch.Alarm.fromAlarmArn(stack, 'MemoryAgain', alarmArn('api-memory'))))
      .toThrow(/the alarm "api-memory" was added before/);
    expect(() => api.addTrigger(api.alarm)).toThrow(/the alarm Stack\/Api\/CpuAlarm is the CPU alarm, which already starts the workflow/);
    // The failed calls changed nothing.
    expect(onlyRule(Template.fromStack(stack)).EventPattern.resources).toHaveLength(3);
  });

  test('one alarm may start the workflows of two instances (each its own rule)', () => {
    const stack = newStack();
    const a = support(stack, { instanceId: INSTANCE_ID }, 'A');
    const b = support(stack, { instanceId: 'i-0123456789abcdef1' }, 'B');
    const shared = cloudwatch.Alarm.fromAlarmArn(stack, 'Shared', alarmArn('host-group-status'));
    a.addTrigger(shared);
    b.addTrigger(shared);
    const patterns = alarmRules(Template.fromStack(stack)).map((rule) => rule.EventPattern.resources);
    expect(patterns).toEqual(expect.arrayContaining([
      [stack.resolve(a.alarm.alarmArn), alarmArn('host-group-status')],
      [stack.resolve(b.alarm.alarmArn), alarmArn('host-group-status')],
    ]));
    expect(patterns).toHaveLength(2);
  });

  test('an alarm of another region or account is refused; with an env-agnostic stack, it cannot be told and is accepted', () => {
    const stack = newStack();
    const api = support(stack);
    expect(() => api.addTrigger(cloudwatch.Alarm.fromAlarmArn(stack, 'Far', alarmArn('far', 'us-east-1'))))
      .toThrow(/`addTrigger`: the alarm "far" is in account 123456789012 and region us-east-1, but the workflow is in account 123456789012 and region eu-west-1/);
    expect(() => api.addTrigger(cloudwatch.Alarm.fromAlarmArn(stack, 'Foreign', alarmArn('foreign', REGION, '210987654321'))))
      .toThrow(/is in account 210987654321 and region eu-west-1/);
    expect(() => api.addTrigger(cloudwatch.Alarm.fromAlarmArn(stack, 'NotAlarm', `arn:aws:sns:${REGION}:${ACCOUNT}:topic`)))
      .toThrow(/must be a CloudWatch alarm ARN/);

    const agnostic = newStack({});
    const there = support(agnostic);
    there.addTrigger(cloudwatch.Alarm.fromAlarmArn(agnostic, 'Far', alarmArn('far', 'us-east-1')));
    expect(onlyRule(Template.fromStack(agnostic)).EventPattern.resources).toContain(alarmArn('far', 'us-east-1'));
  });

  test(`at most ${MAX_ADDED_TRIGGERS} alarms: the pattern then fits EventBridge's 2,048 characters even with the longest ARNs`, () => {
    // The method's documentation says 5.
    expect(MAX_ADDED_TRIGGERS).toBe(5);
    const region = 'us-isof-south-1';
    const stack = newStack({ account: ACCOUNT, region });
    const api = support(stack);
    // The longest alarm ARN: the longest partition and a 255-character name (the most CloudWatch allows).
    const longest = (i: number) => `arn:aws-us-gov:cloudwatch:${region}:${ACCOUNT}:alarm:${String(i).padEnd(255, 'x')}`;
    for (let i = 0; i < MAX_ADDED_TRIGGERS; i++) {
      api.addTrigger(cloudwatch.Alarm.fromAlarmArn(stack, `Long${i}`, longest(i)));
    }
    expect(() => api.addTrigger(cloudwatch.Alarm.fromAlarmArn(stack, 'OneTooMany', alarmArn('one-too-many', region))))
      .toThrow(/at most 5 alarms can be added to the workflow of i-0123456789abcdef0 .*got a 6th: "one-too-many"; combine alarms in a `cloudwatch.CompositeAlarm`/);

    // The pattern as deployed, with the CPU alarm's ARN (a reference in the template) as long as the others.
    const pattern = onlyRule(Template.fromStack(stack)).EventPattern;
    const deployed = { ...pattern, resources: [longest(9), ...pattern.resources.slice(1)] };
    expect(deployed.resources).toHaveLength(1 + MAX_ADDED_TRIGGERS);
    expect(JSON.stringify(deployed).length).toBeLessThanOrEqual(2048);
    // One more would not fit.
    expect(JSON.stringify({ ...deployed, resources: [...deployed.resources, longest(8)] }).length).toBeGreaterThan(2048);
  });

  test('the watch keeps reading the CPU alarm only', () => {
    const stack = newStack();
    const api = support(stack);
    api.addTrigger(statusCheckAlarm(stack, INSTANCE_ID));
    const template = Template.fromStack(stack);
    const role = template.toJSON().Resources[stack.getLogicalId(api.node.findChild('Role').node.defaultChild as any)];
    const describe = role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement)
      .filter((s: any) => JSON.stringify(s.Action).includes('cloudwatch:DescribeAlarms'));
    expect(describe).toEqual([expect.objectContaining({ Resource: stack.resolve(api.alarm.alarmArn) })]);
  });
});

/** A stack with only what `add` creates, to count its resources. */
function newStackWith(add: (stack: Stack) => void): Stack {
  const stack = newStack();
  add(stack);
  return stack;
}

/**
 * The event EventBridge delivers when an alarm on `StatusCheckFailed` enters ALARM, shaped as the
 * "Single Metric Alarm" example of
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
 * (its reason in CloudWatch's "Threshold Crossed" wording).
 */
function statusCheckEvent(instanceId: string): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    'version': '0',
    'id': 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    'source': 'aws.cloudwatch',
    'account': '123456789012',
    'time': now,
    'region': 'us-east-1',
    'resources': ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-status-check-failed'],
    'detail': {
      alarmName: 'api-status-check-failed',
      configuration: {
        description: 'The instance failed its EC2 status checks.',
        metrics: [{
          id: '30b6c6b2-a864-43a2-4877-c09a1afc3b87',
          metricStat: {
            metric: { dimensions: { InstanceId: instanceId }, name: 'StatusCheckFailed', namespace: 'AWS/EC2' },
            period: 60,
            stat: 'Maximum',
          },
          returnData: true,
        }],
      },
      previousState: { reason: 'Threshold Crossed: 2 out of the last 2 datapoints were not greater than or equal to the threshold (1.0).', timestamp: now, value: 'OK' },
      state: {
        reason: 'Threshold Crossed: 2 out of the last 2 datapoints [1.0 (02/10/19 17:03:00), 1.0 (02/10/19 17:02:00)] was greater than or equal to '
          + 'the threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition).',
        timestamp: now,
        value: 'ALARM',
      },
    },
  };
}

describe('a StatusCheckFailed alarm in the notifications', () => {
  test('the message names the alarm and its reason', () => {
    expect(describeAlarm(statusCheckEvent(INSTANCE_ID))).toEqual([
      'Alarm: api-status-check-failed',
      'Alarm reason: Threshold Crossed: 2 out of the last 2 datapoints [1.0 (02/10/19 17:03:00), 1.0 (02/10/19 17:02:00)] was greater than '
        + 'or equal to the threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition).',
    ]);
  });

  test('an execution started by it escalates (run locally) with the alarm named, for the construct\'s instance', async () => {
    const result = await playScenario({
      name: 'status check failed, never back',
      initialHealth: 'hung',
      afterReboot: 'hung',
      input: statusCheckEvent('i-0123456789abcdef0'),
      // One follow-up cycle, so that the run is short.
      props: { watch: { interval: Duration.minutes(5), maxDuration: Duration.minutes(5) } },
    }, 2);
    expect(result.report.outcome).toBe('Escalated');
    expect(result.opsGeniePages).toHaveLength(1);
    const text = messageText(result.opsGeniePages[0]);
    expect(text).toContain('Alarm: api-status-check-failed');
    expect(text).toContain('Alarm reason: Threshold Crossed: 2 out of the last 2 datapoints');
    expect(result.opsGeniePages[0].body?.message).toContain('i-0123456789abcdef0');
  }, 60_000);
});

describe('instance', () => {
  /** A VPC, an instance in it and a support for it with `props`. */
  function withInstance(props: Partial<CpuFirstLineSupportProps> = {}, inVpc = true) {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const instance = new ec2.Instance(stack, 'Web', {
      vpc,
      instanceType: new ec2.InstanceType('t3.micro'),
      machineImage: ec2.MachineImage.genericLinux({ [REGION]: 'ami-0123456789abcdef0' }),
    });
    const api = support(stack, { instance, ...(inVpc ? { vpc } : {}), ...props });
    return { stack, instance, api, template: Template.fromStack(stack) };
  }

  type Ingress = { group: unknown; source: unknown; port: unknown; description: unknown };

  /** A rule, standalone (`GroupId` set) or inline in the security group `group`. */
  const ingressRule = (rule: any, group: unknown): Ingress =>
    ({ group: rule.GroupId ?? group, source: rule.SourceSecurityGroupId ?? rule.CidrIp, port: rule.FromPort, description: rule.Description });

  /** The security group ingress rules of the template (of the security group `groupId` if given): group, source and port. */
  function ingress(template: Template, groupId?: unknown): Ingress[] {
    const standalone = Object.values<any>(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => ingressRule(r.Properties, undefined));
    const inline = Object.entries<any>(template.findResources('AWS::EC2::SecurityGroup')).flatMap(([id, r]) =>
      (r.Properties.SecurityGroupIngress ?? []).map((rule: any) => ingressRule(rule, { 'Fn::GetAtt': [id, 'GroupId'] })));
    const all = [...standalone, ...inline];
    return groupId === undefined ? all : all.filter((rule) => JSON.stringify(rule.group) === JSON.stringify(groupId));
  }

  const groupOf = (stack: Stack, connectable: ec2.IConnectable) => stack.resolve(connectable.connections.securityGroups[0].securityGroupId);

  test('stands for its instance ID: the alarm, the metrics and `instanceId`', () => {
    const { stack, instance, api, template } = withInstance({}, false);
    expect(stack.resolve(api.instanceId)).toEqual(stack.resolve(instance.instanceId));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Dimensions: [{ Name: 'InstanceId', Value: stack.resolve(instance.instanceId) }] });
    expect(stack.resolve(api.metricIncidents().dimensions)).toEqual({ InstanceId: stack.resolve(instance.instanceId) });
  });

  test('with instanceId, `instanceId` and the metrics are that ID', () => {
    const stack = newStack();
    const api = support(stack);
    expect(api.instanceId).toBe(INSTANCE_ID);
    expect(api.metric('Escalated').dimensions).toEqual({ InstanceId: INSTANCE_ID });
  });

  test('in a VPC, admits the check functions on the ports of the checks of its private address', () => {
    const { stack, instance, api, template } = withInstance({
      urlCheck: { address: InstanceAddress.PRIVATE_IP, port: 8080 },
      sshCheck: { address: InstanceAddress.PRIVATE_IP, port: 2222 },
    });
    const rules = ingress(template, groupOf(stack, instance));
    expect(rules).toEqual(expect.arrayContaining([
      { group: groupOf(stack, instance), source: groupOf(stack, api.urlCheckFunction!), port: 8080, description: 'cdk-cpu-first-line-support URL check' },
      { group: groupOf(stack, instance), source: groupOf(stack, api.sshCheckFunction!), port: 2222, description: 'cdk-cpu-first-line-support SSH check' },
    ]));
    expect(rules).toHaveLength(2);
    // As `instance.connections.allowFrom` would place them: under the instance's group, with IDs naming the source and the port.
    const children = instance.connections.securityGroups[0].node.children
      .filter((c) => c instanceof ec2.CfnSecurityGroupIngress).map((c) => c.node.id);
    expect(children).toHaveLength(2);
    expect(children).toEqual(expect.arrayContaining([expect.stringMatching(/^from .*UrlCheck.*:8080$/), expect.stringMatching(/^from .*SshCheck.*:2222$/)]));
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('Ignoring Egress rule'))).toEqual([]);
  });

  test('opens nothing for checks of the public address, a URL of its own, disabled checks, or without a VPC; never 0.0.0.0/0', () => {
    const cases: Array<[Partial<CpuFirstLineSupportProps>, boolean]> = [
      [{}, true],
      [{ urlCheck: { url: 'http://10.0.0.10:8080/health' }, sshCheck: { enabled: false }, healthCheckId: 'abcdef01-2345-6789-abcd-ef0123456789' }, true],
      [{ urlCheck: { address: InstanceAddress.PRIVATE_IP }, sshCheck: { address: InstanceAddress.PRIVATE_IP } }, false],
    ];
    for (const [props, inVpc] of cases) {
      const { stack, instance, template } = withInstance(props, inVpc);
      expect(ingress(template, groupOf(stack, instance))).toEqual([]);
      expect(ingress(template).filter((rule) => rule.source === '0.0.0.0/0')).toEqual([]);
    }
  });

  test('with a URL of its own, only the SSH check is admitted', () => {
    const { stack, instance, api, template } = withInstance({
      urlCheck: { url: 'http://internal.example.com/health' },
      sshCheck: { address: InstanceAddress.PRIVATE_IP },
    });
    const rules = ingress(template, groupOf(stack, instance));
    expect(rules).toEqual([{ group: groupOf(stack, instance), source: groupOf(stack, api.sshCheckFunction!), port: 22, description: 'cdk-cpu-first-line-support SSH check' }]);
  });

  test('two instances behind one security group get one rule per check port, not one per instance', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const securityGroup = new ec2.SecurityGroup(stack, 'Web', { vpc });
    const machineImage = ec2.MachineImage.genericLinux({ [REGION]: 'ami-0123456789abcdef0' });
    const checks = { sshCheck: { address: InstanceAddress.PRIVATE_IP }, urlCheck: { enabled: false } };
    for (const name of ['A', 'B']) {
      const instance = new ec2.Instance(stack, `${name}Instance`, { vpc, securityGroup, instanceType: new ec2.InstanceType('t3.micro'), machineImage });
      support(stack, { instance, vpc, ...checks }, name);
    }
    const rules = ingress(Template.fromStack(stack), stack.resolve(securityGroup.securityGroupId));
    expect(rules).toHaveLength(1);
    expect(rules[0].port).toBe(22);
  });

  describe('in another stack than the support', () => {
    const machineImage = ec2.MachineImage.genericLinux({ [REGION]: 'ami-0123456789abcdef0' });
    const env = { account: ACCOUNT, region: REGION };
    const privateSsh = { sshCheck: { address: InstanceAddress.PRIVATE_IP }, urlCheck: { enabled: false } };

    /** Stack A with a VPC, the security group `Web` and `count` instances behind it; stack B with a support for each, checking their private address. */
    function acrossStacks(count: number, props: Partial<CpuFirstLineSupportProps> = privateSsh) {
      const app = new App();
      const a = new Stack(app, 'A', { env });
      const b = new Stack(app, 'B', { env });
      const vpc = new ec2.Vpc(a, 'Vpc', { maxAzs: 2, natGateways: 1 });
      const securityGroup = new ec2.SecurityGroup(a, 'Web', { vpc });
      const instances = Array.from({ length: count }, (_, i) =>
        new ec2.Instance(a, `Instance${i}`, { vpc, securityGroup, instanceType: new ec2.InstanceType('t3.micro'), machineImage }));
      const supports = instances.map((instance, i) => support(b, { instance, vpc, ...props }, `Api${i}`));
      // Synthesizes the whole app: a cycle between the stacks throws here.
      const assembly = app.synth();
      return { app, a, b, securityGroup, supports, assembly };
    }

    test('synthesizes; the rules live in the support\'s stack, with the instance\'s group imported, and A references nothing of B', () => {
      const { a, b, securityGroup, supports, assembly } = acrossStacks(1, {
        urlCheck: { address: InstanceAddress.PRIVATE_IP, port: 8080 },
        sshCheck: { address: InstanceAddress.PRIVATE_IP, port: 2222 },
      });
      const templateA = assembly.getStackByName('A').template;
      const templateB = assembly.getStackByName('B').template;
      const imported = b.resolve(securityGroup.securityGroupId);
      expect(JSON.stringify(imported)).toContain('Fn::ImportValue');
      expect(ingress(Template.fromJSON(templateB), imported)).toEqual(expect.arrayContaining([
        { group: imported, source: groupOf(b, supports[0].urlCheckFunction!), port: 8080, description: 'cdk-cpu-first-line-support URL check' },
        { group: imported, source: groupOf(b, supports[0].sshCheckFunction!), port: 2222, description: 'cdk-cpu-first-line-support SSH check' },
      ]));
      expect(ingress(Template.fromJSON(templateB))).toHaveLength(2);
      // A has no rule of its own for the checks and imports nothing: B depends on A, never the other way round.
      expect(ingress(Template.fromJSON(templateA), a.resolve(securityGroup.securityGroupId))).toEqual([]);
      expect(JSON.stringify(templateA)).not.toContain('Fn::ImportValue');
      expect(b.dependencies).toContain(a);
      expect(a.dependencies).not.toContain(b);
      // No egress rule is added either way: the check functions' groups allow all outbound traffic.
      expect(Object.keys(Template.fromJSON(templateA).findResources('AWS::EC2::SecurityGroupEgress'))).toEqual([]);
      expect(Object.keys(Template.fromJSON(templateB).findResources('AWS::EC2::SecurityGroupEgress'))).toEqual([]);
      // Nor a warning that one was ignored (as `fn.connections.allowTo(instance)` would leave, failing `cdk synth --strict`).
      expect(Annotations.fromStack(b).findWarning('*', Match.stringLikeRegexp('Ignoring Egress rule'))).toEqual([]);
    });

    test('two instances behind one security group, checked by one shared function, get one rule per port', () => {
      const { b, securityGroup, supports, assembly } = acrossStacks(2);
      const rules = ingress(Template.fromJSON(assembly.getStackByName('B').template));
      // The supports share the stack's SSH check function.
      expect(supports[1].sshCheckFunction).toBe(supports[0].sshCheckFunction);
      expect(rules).toEqual([{
        group: b.resolve(securityGroup.securityGroupId),
        source: groupOf(b, supports[0].sshCheckFunction!),
        port: 22,
        description: 'cdk-cpu-first-line-support SSH check',
      }]);
    });

    test('supports in two stacks for one instance each admit their own function, in their own stack', () => {
      const app = new App();
      const a = new Stack(app, 'A', { env });
      const vpc = new ec2.Vpc(a, 'Vpc', { maxAzs: 2, natGateways: 1 });
      const instance = new ec2.Instance(a, 'Web', { vpc, instanceType: new ec2.InstanceType('t3.micro'), machineImage });
      const stacks = ['B', 'C'].map((name) => new Stack(app, name, { env }));
      const supports = stacks.map((stack) => support(stack, { instance, vpc, ...privateSsh }));
      const assembly = app.synth();
      stacks.forEach((stack, i) => {
        expect(ingress(Template.fromJSON(assembly.getStackByName(stack.stackName).template))).toEqual([{
          group: groupOf(stack, instance),
          source: groupOf(stack, supports[i].sshCheckFunction!),
          port: 22,
          description: 'cdk-cpu-first-line-support SSH check',
        }]);
      });
      expect(JSON.stringify(assembly.getStackByName('A').template)).not.toContain('Fn::ImportValue');
    });
  });

  test('exactly one of instance and instanceId', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
    const instance = new ec2.Instance(stack, 'Web', {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      instanceType: new ec2.InstanceType('t3.micro'),
      machineImage: ec2.MachineImage.genericLinux({ [REGION]: 'ami-0123456789abcdef0' }),
    });
    expect(() => support(stack, { instance, instanceId: INSTANCE_ID }, 'Both')).toThrow('Set `instance` or `instanceId`, not both');
    expect(() => support(stack, {}, 'Neither')).toThrow('Set `instance` or `instanceId`: got neither');
    expect(() => support(stack, { instanceId: 'i-123' }, 'Bad')).toThrow('`instanceId` must be an EC2 instance ID such as "i-0123456789abcdef0", got "i-123"');
  });
});
