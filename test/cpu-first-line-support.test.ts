import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  CpuFirstLineSupport,
  CpuFirstLineSupportProps,
  InstanceAddress,
  Notifier,
  OpsGenieEndpoint,
  OpsGeniePriority,
  UrlCheckProtocol,
} from '../src';

const INSTANCE_ID = 'i-0123456789abcdef0';
const HEALTH_CHECK_ID = 'abcdef01-2345-6789-abcd-ef0123456789';

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
}

function notifiers(stack: Stack) {
  return {
    recoveryNotifier: Notifier.slack({
      botToken: secretsmanager.Secret.fromSecretNameV2(stack, 'SlackToken', 'slack-token'),
      channel: 'C0123456789',
    }),
    escalationNotifier: Notifier.opsGenie({
      apiKey: secretsmanager.Secret.fromSecretNameV2(stack, 'OpsGenieKey', 'opsgenie-key'),
      team: 'sre',
    }),
  };
}

function build(props: Partial<CpuFirstLineSupportProps> = {}, stack = newStack()) {
  const support = new CpuFirstLineSupport(stack, 'Api', {
    instanceId: INSTANCE_ID,
    ...notifiers(stack),
    ...props,
  });
  return { stack, support, template: Template.fromStack(stack) };
}

/** The state machine definition with its substitutions (CloudFormation references) written as `<{...}>`. */
function definitionOf(template: Template): any {
  const machines = template.findResources('AWS::StepFunctions::StateMachine');
  const [machine] = Object.values<any>(machines);
  const substitutions = machine.Properties.DefinitionSubstitutions ?? {};
  const text = machine.Properties.DefinitionString.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_: string, key: string) =>
    `<${JSON.stringify(substitutions[key]).replace(/"/g, '')}>`);
  return JSON.parse(text);
}

function checkPayloads(template: Template): Record<string, any> {
  const definition = definitionOf(template);
  const branches = definition.States['Check instance'].Branches;
  return Object.fromEntries(branches.map((b: any) => [b.StartAt, b.States[b.StartAt].Parameters.Payload]));
}

describe('defaults', () => {
  test('alarm: Maximum CPUUtilization >= 100 over one 5-minute period', () => {
    const { template } = build();
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { Namespace: 'AWS/EC2' }, 1);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/EC2',
      MetricName: 'CPUUtilization',
      Dimensions: [{ Name: 'InstanceId', Value: INSTANCE_ID }],
      Statistic: 'Maximum',
      Period: 300,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 100,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'missing',
      AlarmName: Match.absent(),
    });
  });

  test('rule: starts the state machine when this alarm enters ALARM', () => {
    const { template, stack, support } = build();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        'resources': [stack.resolve(support.alarm.alarmArn)],
        'detail': { state: { value: ['ALARM'] } },
      },
      Targets: [Match.objectLike({
        Arn: stack.resolve(support.stateMachine.stateMachineArn),
        RoleArn: stack.resolve(support.role.roleArn),
      })],
    });
  });

  test('state machine: Standard, named with the stack\'s prefix and the construct path', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      StateMachineName: Match.stringLikeRegexp('^CpuFirstLineSupport-[0-9a-f]{8}-Stack-Api-[0-9A-F]{8}$'),
    });
  });

  test('checks: URL on the public IP port 80 and SSH on port 22, both with 10 s timeouts; no Route 53', () => {
    const { template, support } = build();
    expect(checkPayloads(template)).toEqual({
      'Check URL': {
        instanceId: INSTANCE_ID,
        protocol: 'http',
        port: 80,
        path: '/',
        addressType: 'PUBLIC',
        method: 'GET',
        healthyHttpCodes: '200-399',
        timeoutMs: 10_000,
        verifyCertificate: true,
      },
      'Check SSH': { instanceId: INSTANCE_ID, port: 22, addressType: 'PUBLIC', timeoutMs: 10_000 },
    });
    expect(support.route53CheckFunction).toBeUndefined();
  });

  test('re-checks: 30 s grace, 30 s interval, 20 re-checks (10 minutes)', () => {
    const { template } = build();
    const states = definitionOf(template).States;
    expect(states['Wait for reboot'].Seconds).toBe(30);
    expect(states['Wait before re-check'].Seconds).toBe(30);
    expect(states['Healthy again?'].Choices[1]).toEqual({
      Variable: '$.recheck.count',
      NumericGreaterThanEquals: 20,
      Next: 'Notify unresponsive',
    });
  });

  test('handlers: Node.js 22 on arm64 from the pre-built bundles, no bundling at synth', () => {
    const { template } = build();
    // Two checks, two notifiers and the guard.
    template.resourceCountIs('AWS::Lambda::Function', 5);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Architectures: ['arm64'],
      Timeout: 60,
    });
  });
});

describe('overrides', () => {
  test('alarm options', () => {
    const { template } = build({
      cpuAlarm: {
        threshold: 95,
        period: Duration.minutes(1),
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        statistic: 'Average',
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        alarmName: 'api-cpu',
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Statistic: 'Average',
      Period: 60,
      Threshold: 95,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'breaching',
      AlarmName: 'api-cpu',
    });
  });

  test('a percentile statistic', () => {
    const { template } = build({ cpuAlarm: { statistic: 'p99' } });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { ExtendedStatistic: 'p99' });
  });

  test('a 1-minute period warns that detailed monitoring is needed', () => {
    const { stack } = build({ cpuAlarm: { period: Duration.minutes(1) } });
    Annotations.fromStack(stack).hasWarning('/Stack/Api', Match.stringLikeRegexp('detailed monitoring'));
  });

  test('URL check on an explicit URL with HEAD and custom codes', () => {
    const { template } = build({
      urlCheck: { url: 'https://api.example.com/health', method: 'head', healthyHttpCodes: '200,204', timeout: Duration.seconds(3) },
    });
    expect(checkPayloads(template)['Check URL']).toMatchObject({
      url: 'https://api.example.com/health',
      method: 'HEAD',
      healthyHttpCodes: '200,204',
      timeoutMs: 3000,
    });
  });

  test('URL check over HTTPS defaults to port 443', () => {
    const { template } = build({ urlCheck: { protocol: UrlCheckProtocol.HTTPS, path: '/status?deep=1' } });
    expect(checkPayloads(template)['Check URL']).toMatchObject({ protocol: 'https', port: 443, path: '/status?deep=1' });
  });

  test('SSH check on the private IP and another port, in a VPC', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const { template } = build({ vpc, sshCheck: { port: 2222, address: InstanceAddress.PRIVATE_IP, timeout: Duration.seconds(5) } }, stack);
    expect(checkPayloads(template)['Check SSH']).toEqual({ instanceId: INSTANCE_ID, port: 2222, addressType: 'PRIVATE', timeoutMs: 5000 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('SSH handshake'),
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
    });
    Annotations.fromStack(stack).hasNoWarning('/Stack/Api', Match.anyValue());
  });

  test('a private address without a VPC warns', () => {
    const { stack } = build({ urlCheck: { address: InstanceAddress.PRIVATE_IP } });
    Annotations.fromStack(stack).hasWarning('/Stack/Api', Match.stringLikeRegexp('`urlCheck` use the private IP address but no `vpc`'));
  });

  test('Route 53 check on the given health check, with GetHealthCheckStatus on that health check only', () => {
    const { template, stack, support } = build({ healthCheckId: HEALTH_CHECK_ID });
    expect(checkPayloads(template)['Check Route 53 health check']).toEqual({ healthCheckId: HEALTH_CHECK_ID });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [stack.resolve(support.route53CheckFunction!.role!.roleName)],
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Action: 'route53:GetHealthCheckStatus',
          Effect: 'Allow',
          // The stack's region is known (eu-west-1), so the partition is written out.
          Resource: `arn:aws:route53:::healthcheck/${HEALTH_CHECK_ID}`,
        }]),
      },
    });
  });

  test('in a stack without a region, the health check ARN keeps the partition reference', () => {
    const stack = new Stack(new App(), 'Agnostic');
    const { support } = build({ healthCheckId: HEALTH_CHECK_ID }, stack);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [stack.resolve(support.route53CheckFunction!.role!.roleName)],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 'route53:GetHealthCheckStatus',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:route53:::healthcheck/${HEALTH_CHECK_ID}`]] },
        })]),
      },
    });
  });

  test('turning checks off leaves them out of every run', () => {
    const { template, support } = build({ healthCheckId: HEALTH_CHECK_ID, urlCheck: { enabled: false }, sshCheck: { enabled: false } });
    expect(Object.keys(checkPayloads(template))).toEqual(['Check Route 53 health check']);
    expect(support.urlCheckFunction).toBeUndefined();
    expect(support.sshCheckFunction).toBeUndefined();
    const states = definitionOf(template).States;
    expect(states['Healthy?'].Choices[0]).toEqual({ Variable: '$.firstRun[0].passed', BooleanEquals: true, Next: 'All good' });
  });

  test('re-check policy', () => {
    const { template } = build({ recheck: { gracePeriod: Duration.minutes(2), interval: Duration.minutes(1), deadline: Duration.minutes(15) } });
    const states = definitionOf(template).States;
    expect(states['Wait for reboot'].Seconds).toBe(120);
    expect(states['Wait before re-check'].Seconds).toBe(60);
    expect(states['Healthy again?'].Choices[1].NumericGreaterThanEquals).toBe(14);
  });

  test('without a recovery notifier, a recovery ends quietly', () => {
    const { template, support } = build({ recoveryNotifier: undefined });
    const states = definitionOf(template).States;
    expect(states['Healthy again?'].Choices[0].Next).toBe('Recovered');
    expect(states['Notify recovered']).toBeUndefined();
    expect(support.recoveryFunction).toBeUndefined();
  });

  test('state machine name', () => {
    const { template } = build({ stateMachineName: 'api-first-line' });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: 'api-first-line' });
  });

  test('notifier settings reach the notification tasks, secrets only by ARN', () => {
    const stack = newStack();
    const { template } = build({
      recoveryNotifier: Notifier.slack({
        botToken: secretsmanager.Secret.fromSecretNameV2(stack, 'Token', 'slack'),
        channel: '#ops',
        apiBaseUrl: 'https://slack-gov.com/api/',
      }),
      escalationNotifier: Notifier.opsGenie({
        apiKey: secretsmanager.Secret.fromSecretNameV2(stack, 'Key', 'opsgenie'),
        priority: OpsGeniePriority.P1,
        endpoint: OpsGenieEndpoint.EU,
      }),
    }, stack);
    const states = definitionOf(template).States;
    expect(states['Notify recovered'].Parameters.Payload.parameters).toEqual({
      tokenSecretArn: expect.stringContaining(':secretsmanager:eu-west-1:123456789012:secret:slack'),
      channel: '#ops',
      apiBaseUrl: 'https://slack-gov.com/api',
    });
    expect(states['Notify unresponsive'].Parameters.Payload.parameters).toEqual({
      apiKeySecretArn: expect.stringContaining(':secretsmanager:eu-west-1:123456789012:secret:opsgenie'),
      baseUrl: 'https://api.eu.opsgenie.com',
      team: '',
      priority: 'P1',
    });
    expect(states['Notify unresponsive'].Parameters.Payload.kind).toBe('UNRESPONSIVE');
    expect(states['Notify error'].Parameters.Payload['error.$']).toBe('$.error');
  });
});

describe('workflow shape', () => {
  test('every check run, the reboot and the recovery message escalate unexpected errors', () => {
    const { template } = build({ healthCheckId: HEALTH_CHECK_ID });
    const states = definitionOf(template).States;
    for (const name of ['Check instance', 'Reboot instance', 'Re-check instance', 'Notify recovered']) {
      expect(states[name].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Notify error' }]);
    }
    expect(states['Notify error'].Next).toBe('Escalated after error');
  });

  test('check tasks retry transient errors but not malformed events', () => {
    const { template } = build();
    const branch = definitionOf(template).States['Check instance'].Branches[0];
    const retry = branch.States[branch.StartAt].Retry;
    expect(retry.map((r: any) => r.ErrorEquals[0])).toEqual(['Lambda.ClientExecutionTimeoutException', 'InvalidEventError', 'States.ALL']);
    expect(retry[1].MaxAttempts).toBe(0);
  });

  test('the reboot is an SDK call on this instance', () => {
    const { template } = build();
    const reboot = definitionOf(template).States['Reboot instance'];
    expect(reboot.Resource).toBe('arn:<{Ref:AWS::Partition}>:states:::aws-sdk:ec2:rebootInstances');
    expect(reboot.Parameters).toEqual({ InstanceIds: [INSTANCE_ID] });
  });
});

describe('IAM', () => {
  test('the workflow role may reboot this instance only, invoke its functions and start its own state machine', () => {
    const { template, stack, support } = build();
    const roles = template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('workflow for') } });
    expect(Object.keys(roles)).toEqual([stack.getLogicalId(support.node.findChild('Role').node.defaultChild as any)]);
    const [role] = Object.values<any>(roles);
    const principals = role.Properties.AssumeRolePolicyDocument.Statement.map((s: any) => s.Principal.Service);
    expect(principals.sort()).toEqual(['events.amazonaws.com', 'states.amazonaws.com']);
    const statements = role.Properties.Policies[0].PolicyDocument.Statement;
    expect(statements.map((s: any) => s.Sid)).toEqual([
      'InvokeHandlers', 'RebootThisInstance', 'RecordRebootsOnThisInstance', 'StartThisWorkflow', 'ListThisWorkflowsExecutions', 'DeliverLogs', 'Trace',
    ]);
    // The guard, the two checks and the two notifiers: unqualified ARNs, no wildcard.
    expect(statements[0].Resource).toHaveLength(5);
    expect(JSON.stringify(statements[0].Resource)).not.toContain('*');
    expect(statements[1]).toEqual({
      Sid: 'RebootThisInstance',
      Effect: 'Allow',
      Action: 'ec2:RebootInstances',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ec2:eu-west-1:123456789012:instance/${INSTANCE_ID}`]] },
    });
    // Tags: only the reboot ledger, only on this instance.
    expect(statements[2]).toEqual({
      Sid: 'RecordRebootsOnThisInstance',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: statements[1].Resource,
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['cpu-first-line-support:reboots'] } },
    });
    // Start and list the executions of its own state machine only.
    const name = template.findResources('AWS::StepFunctions::StateMachine')[
      stack.getLogicalId(support.stateMachine.node.defaultChild as any)].Properties.StateMachineName;
    expect(JSON.stringify(statements[3].Resource)).toContain(`:states:eu-west-1:123456789012:stateMachine:${name}"`);
    expect(statements[3].Resource).toEqual(statements[4].Resource);
    // Nothing else may widen the role: no separate policy is attached to it.
    const policies = template.findResources('AWS::IAM::Policy');
    for (const policy of Object.values<any>(policies)) {
      expect(policy.Properties.Roles).not.toContainEqual({ Ref: stack.getLogicalId(support.node.findChild('Role').node.defaultChild as any) });
    }
  });

  test('secrets are readable only by the notifier that needs them', () => {
    const { template, stack, support } = build();
    const policies = Object.values<any>(template.findResources('AWS::IAM::Policy'));
    const readers = policies.filter((p) => JSON.stringify(p).includes('secretsmanager:GetSecretValue'));
    expect(readers.map((p) => p.Properties.Roles)).toEqual(expect.arrayContaining([
      [stack.resolve(support.recoveryFunction!.role!.roleName)],
      [stack.resolve(support.escalationFunction.role!.roleName)],
    ]));
    expect(readers).toHaveLength(2);
    expect(JSON.stringify(readers.find((p) => JSON.stringify(p.Properties.Roles).includes('Slack')))).toContain('secret:slack-token');
    expect(JSON.stringify(readers.find((p) => JSON.stringify(p.Properties.Roles).includes('OpsGenie')))).not.toContain('slack-token');
  });

  test('check functions may describe instances (the API has no resource-level permissions), trace, and nothing else', () => {
    const { template, stack, support } = build();
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [stack.resolve(support.urlCheckFunction!.role!.roleName)],
      PolicyDocument: {
        Statement: [
          { Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' },
          { Action: 'ec2:DescribeInstances', Effect: 'Allow', Resource: '*' },
        ],
      },
    });
  });

  test('the state machine logs every event to a shared log group with a retention, and traces', () => {
    const stack = newStack();
    const { recoveryNotifier, escalationNotifier } = notifiers(stack);
    new CpuFirstLineSupport(stack, 'Api', { instanceId: INSTANCE_ID, recoveryNotifier, escalationNotifier });
    new CpuFirstLineSupport(stack, 'Other', { instanceId: 'i-0123456789abcdef1', recoveryNotifier, escalationNotifier });
    const template = Template.fromStack(stack);
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 365 }, 1);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: [Match.anyValue()] },
    });
  });
});

describe('many instances in one stack', () => {
  function buildMany(count: number) {
    const stack = newStack();
    const shared = notifiers(stack);
    const supports = Array.from({ length: count }, (_, i) => new CpuFirstLineSupport(stack, `Api${i}`, {
      instanceId: `i-0123456789abcde${String(i).padStart(2, '0')}`,
      healthCheckId: `abcdef01-2345-6789-abcd-ef01234567${String(i).padStart(2, '0')}`,
      ...shared,
    }));
    return { stack, supports, template: Template.fromStack(stack) };
  }

  test('share one set of handler functions', () => {
    const { template, supports } = buildMany(3);
    template.resourceCountIs('AWS::Lambda::Function', 6);
    expect(new Set(supports.map((s) => s.urlCheckFunction))).toHaveProperty('size', 1);
    expect(new Set(supports.map((s) => s.escalationFunction))).toHaveProperty('size', 1);
  });

  test('each extra instance adds 4 resources: alarm, rule, state machine, role', () => {
    const count = (n: number) => Object.keys(buildMany(n).template.toJSON().Resources).length;
    expect(count(2) - count(1)).toBe(4);
    expect(count(10) - count(1)).toBe(36);
  });

  test('a hundred instances fit in one stack, still 4 resources each: no policy overflows', () => {
    const resources = Object.values<any>(buildMany(100).template.toJSON().Resources);
    const one = Object.keys(buildMany(1).template.toJSON().Resources).length;
    expect(resources.length - one).toBe(99 * 4);
    expect(resources.filter((r) => r.Type === 'AWS::IAM::ManagedPolicy')).toHaveLength(0);
  });

  test('never collide on names: state machine names are unique, alarm names left to CloudFormation', () => {
    const { template } = buildMany(3);
    const names = Object.values<any>(template.findResources('AWS::StepFunctions::StateMachine')).map((m) => m.Properties.StateMachineName);
    expect(new Set(names).size).toBe(3);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmName: Match.absent() });
  });

  test('the shared Route 53 function may read each instance\'s health check, and only those', () => {
    const { template } = buildMany(2);
    const policies = Object.values<any>(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p).includes('route53:GetHealthCheckStatus'));
    expect(policies).toHaveLength(1);
    const statements = policies[0].Properties.PolicyDocument.Statement.filter((st: any) => st.Action === 'route53:GetHealthCheckStatus');
    expect(statements.flatMap((st: any) => [st.Resource].flat())).toHaveLength(2);
    const resources = JSON.stringify(statements);
    expect(resources).toContain('healthcheck/abcdef01-2345-6789-abcd-ef0123456700');
    expect(resources).toContain('healthcheck/abcdef01-2345-6789-abcd-ef0123456701');
  });

  test('check functions in different VPCs are different functions', () => {
    const stack = newStack();
    const vpcA = new ec2.Vpc(stack, 'VpcA', { maxAzs: 1, natGateways: 1 });
    const vpcB = new ec2.Vpc(stack, 'VpcB', { maxAzs: 1, natGateways: 1 });
    const shared = notifiers(stack);
    const a = new CpuFirstLineSupport(stack, 'A', { instanceId: INSTANCE_ID, vpc: vpcA, ...shared });
    const a2 = new CpuFirstLineSupport(stack, 'A2', { instanceId: 'i-0123456789abcdef1', vpc: vpcA, ...shared });
    const b = new CpuFirstLineSupport(stack, 'B', { instanceId: 'i-0123456789abcdef2', vpc: vpcB, ...shared });
    expect(a.urlCheckFunction).toBe(a2.urlCheckFunction);
    expect(a.urlCheckFunction).not.toBe(b.urlCheckFunction);
  });
});

describe('safety', () => {
  test('one guard function per stack admits incidents and decides reboots; it may only describe instances', () => {
    const { template, stack, support } = build();
    const states = definitionOf(template).States;
    expect(states['Admit incident'].Parameters.Payload).toEqual({
      'step': 'ADMIT',
      'instanceId': INSTANCE_ID,
      'executionId.$': '$$.Execution.Id',
      'executionStartTime.$': '$$.Execution.StartTime',
      'runningExecutions.$': '$.running.executions',
    });
    expect(states['Find running executions']).toMatchObject({
      Resource: 'arn:<{Ref:AWS::Partition}>:states:::aws-sdk:sfn:listExecutions',
      Parameters: { 'StateMachineArn.$': '$$.StateMachine.Id', 'StatusFilter': 'RUNNING' },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [stack.resolve(support.guardFunction.role!.roleName)],
      PolicyDocument: {
        Statement: [
          { Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' },
          { Action: 'ec2:DescribeInstances', Effect: 'Allow', Resource: '*' },
        ],
      },
    });
  });

  test('the reboot is decided first and recorded on the instance before it happens', () => {
    const { template } = build();
    const states = definitionOf(template).States;
    expect(states['Decide reboot'].Parameters.Payload).toEqual({
      'step': 'REBOOT', 'instanceId': INSTANCE_ID, 'maxReboots': 1, 'rebootWindowSeconds': 3600, 'dryRun': false, 'checks.$': '$.firstRun',
    });
    expect(states['Reboot allowed?'].Choices).toEqual([
      { Variable: '$.rebootDecision.verdict', StringEquals: 'REBOOT', Next: 'Record reboot' },
      { Variable: '$.rebootDecision.verdict', StringEquals: 'DRY_RUN', Next: 'Notify would reboot' },
    ]);
    expect(states['Reboot allowed?'].Default).toBe('Notify not rebooted');
    expect(states['Record reboot']).toMatchObject({
      Resource: 'arn:<{Ref:AWS::Partition}>:states:::aws-sdk:ec2:createTags',
      Parameters: { Resources: [INSTANCE_ID], Tags: [{ 'Key': 'cpu-first-line-support:reboots', 'Value.$': '$.rebootDecision.ledger' }] },
      Next: 'Reboot instance',
    });
  });

  test('budget and dry run reach the guard', () => {
    const { template } = build({ rebootBudget: { maxReboots: 3, window: Duration.hours(6) }, dryRun: true });
    expect(definitionOf(template).States['Decide reboot'].Parameters.Payload).toMatchObject({
      maxReboots: 3, rebootWindowSeconds: 21_600, dryRun: true,
    });
  });

  test('dry run announces to the recovery notifier, or to the escalation notifier when there is none', () => {
    const withSlack = definitionOf(build({ dryRun: true }).template).States['Notify would reboot'];
    expect(JSON.stringify(withSlack.Parameters.FunctionName)).toContain('SlackNotifier');
    const alone = definitionOf(build({ dryRun: true, recoveryNotifier: undefined }).template).States['Notify would reboot'];
    expect(JSON.stringify(alone.Parameters.FunctionName)).toContain('OpsGenieNotifier');
  });

  test('the pause and ledger tag keys are the ones the guard reads', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const guard = require('../lambda/guard.lambda');
    expect(CpuFirstLineSupport.PAUSE_TAG_KEY).toBe(guard.PAUSE_TAG_KEY);
    expect(CpuFirstLineSupport.REBOOT_LEDGER_TAG_KEY).toBe(guard.REBOOT_LEDGER_TAG_KEY);
  });

  test('the URL check verifies certificates unless told not to', () => {
    const payload = checkPayloads(build({ urlCheck: { protocol: UrlCheckProtocol.HTTPS, verifyCertificate: false } }).template)['Check URL'];
    expect(payload).toMatchObject({ protocol: 'https', port: 443, verifyCertificate: false });
  });

  test('executions time out after a bound no healthy run reaches', () => {
    const { template } = build();
    const machine = Object.values<any>(template.findResources('AWS::StepFunctions::StateMachine'))[0];
    const timeout = definitionOf(template).TimeoutSeconds;
    expect(machine).toBeDefined();
    // Longer than the 10-minute re-check deadline with every task at its worst, yet finite.
    expect(timeout).toBeGreaterThan(3600);
    expect(timeout).toBeLessThan(3 * 3600);
  });
});

describe('execution failures', () => {
  test('one rule per stack sends the failed, timed-out and aborted executions of its workflows to a queue', () => {
    const stack = newStack();
    const shared = notifiers(stack);
    const a = new CpuFirstLineSupport(stack, 'A', { instanceId: INSTANCE_ID, ...shared });
    const b = new CpuFirstLineSupport(stack, 'B', { instanceId: 'i-0123456789abcdef1', ...shared });
    const template = Template.fromStack(stack);
    expect(a.executionFailureAlarm).toBe(b.executionFailureAlarm);
    const rules = template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { source: ['aws.states'] } } });
    expect(Object.keys(rules)).toHaveLength(1);
    const [rule] = Object.values<any>(rules);
    expect(rule.Properties.EventPattern['detail-type']).toEqual(['Step Functions Execution Status Change']);
    expect(rule.Properties.EventPattern.detail.status).toEqual(['FAILED', 'TIMED_OUT', 'ABORTED']);
    expect(rule.Properties.EventPattern.detail.stateMachineArn).toHaveLength(1);
    const prefix = stack.resolve(rule.Properties.EventPattern.detail.stateMachineArn[0].prefix)['Fn::Join'][1].slice(2).join('');
    expect(prefix).toMatch(/^:states:eu-west-1:123456789012:stateMachine:CpuFirstLineSupport-[0-9a-f]{8}-$/);
    // Every default-named state machine of the stack matches the one prefix.
    for (const machine of Object.values<any>(template.findResources('AWS::StepFunctions::StateMachine'))) {
      expect(`:states:eu-west-1:123456789012:stateMachine:${machine.Properties.StateMachineName}`.startsWith(prefix)).toBe(true);
    }
    template.resourceCountIs('AWS::SQS::Queue', 1);
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true });
    expect(rule.Properties.Targets).toHaveLength(1);
  });

  test('the alarm fires on the first failed execution', () => {
    const { template, stack, support } = build();
    const alarm = template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'NumberOfMessagesSent' } });
    expect(Object.keys(alarm)).toEqual([stack.getLogicalId((support.executionFailureAlarm as cloudwatch.Alarm).node.defaultChild as any)]);
    expect(Object.values<any>(alarm)[0].Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('a custom-named state machine is matched by its ARN', () => {
    const { template } = build({ stateMachineName: 'web-support' });
    const rule = Object.values<any>(template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { source: ['aws.states'] } } }))[0];
    expect(JSON.stringify(rule.Properties.EventPattern.detail.stateMachineArn)).toContain(':stateMachine:web-support');
  });

  test('executionFailureTopic becomes the alarm action, once per topic', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Pager');
    const shared = notifiers(stack);
    new CpuFirstLineSupport(stack, 'A', { instanceId: INSTANCE_ID, executionFailureTopic: topic, ...shared });
    new CpuFirstLineSupport(stack, 'B', { instanceId: 'i-0123456789abcdef1', executionFailureTopic: topic, ...shared });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'NumberOfMessagesSent',
      AlarmActions: [{ Ref: stack.getLogicalId(topic.node.defaultChild as any) }],
    });
  });

  test('more than 5 topics is an error that says so', () => {
    const stack = newStack();
    const shared = notifiers(stack);
    expect(() => {
      for (let i = 0; i < 6; i++) {
        new CpuFirstLineSupport(stack, `S${i}`, { instanceId: `i-0123456789abcde0${i}`, executionFailureTopic: new sns.Topic(stack, `T${i}`), ...shared });
      }
    }).toThrow(/at most 5 topics/);
  });
});

describe('validation', () => {
  const cases: Array<[string, Partial<CpuFirstLineSupportProps>, RegExp]> = [
    ['the instance ID is malformed', { instanceId: 'web-1' }, /`instanceId` must be an EC2 instance ID.*got "web-1"/],
    ['the health-check ID is malformed', { healthCheckId: 'hc-1' }, /`healthCheckId` must be a Route 53 health check ID.*got "hc-1"/],
    ['the threshold is over 100', { cpuAlarm: { threshold: 101 } }, /`cpuAlarm.threshold` must be a number from 0 to 100, got 101/],
    ['the threshold is negative', { cpuAlarm: { threshold: -1 } }, /`cpuAlarm.threshold`.*got -1/],
    ['the period is not whole minutes', { cpuAlarm: { period: Duration.seconds(90) } }, /`cpuAlarm.period` must be a whole number of minutes.*got 1 minute 30 seconds/],
    ['the period is 30 seconds', { cpuAlarm: { period: Duration.seconds(30) } }, /`cpuAlarm.period`.*got 30 seconds/],
    ['evaluation periods are zero', { cpuAlarm: { evaluationPeriods: 0 } }, /`cpuAlarm.evaluationPeriods` must be a whole number from 1 to 288, got 0/],
    ['evaluation periods span over a day', { cpuAlarm: { period: Duration.minutes(5), evaluationPeriods: 289 } }, /`cpuAlarm.evaluationPeriods`.*got 289/],
    ['datapoints to alarm exceed evaluation periods', { cpuAlarm: { evaluationPeriods: 2, datapointsToAlarm: 3 } }, /`cpuAlarm.datapointsToAlarm` must be a whole number from 1 to 2, got 3/],
    ['the statistic is unknown', { cpuAlarm: { statistic: 'Median' } }, /`cpuAlarm.statistic`.*got "Median"/],
    ['the URL is not http(s)', { urlCheck: { url: 'ftp://example.com' } }, /`urlCheck.url` must be an http:\/\/ or https:\/\/ URL, got "ftp:\/\/example.com"/],
    ['the URL port is out of range', { urlCheck: { port: 70000 } }, /`urlCheck.port` must be a whole number from 1 to 65535, got 70000/],
    ['the path does not start with /', { urlCheck: { path: 'health' } }, /`urlCheck.path`.*got "health"/],
    ['the method is unknown', { urlCheck: { method: 'FETCH' } }, /`urlCheck.method`.*got "FETCH"/],
    ['the healthy codes are malformed', { urlCheck: { healthyHttpCodes: '200-' } }, /`urlCheck.healthyHttpCodes`.*got "200-"/],
    ['the URL timeout does not fit in the function timeout', { urlCheck: { timeout: Duration.minutes(1) } }, /`urlCheck.timeout` must be from 1 second to 45 seconds, got 1 minute/],
    ['the SSH port is zero', { sshCheck: { port: 0 } }, /`sshCheck.port`.*got 0/],
    ['the SSH timeout is under a second', { sshCheck: { timeout: Duration.millis(200) } }, /`sshCheck.timeout`.*got 200 millis/],
    ['no check is enabled', { urlCheck: { enabled: false }, sshCheck: { enabled: false } }, /At least one check must be enabled/],
    ['the grace period is not shorter than the deadline', { recheck: { gracePeriod: Duration.minutes(10), deadline: Duration.minutes(10) } }, /`recheck.gracePeriod` must be shorter than `recheck.deadline`/],
    ['the interval is not shorter than the deadline', { recheck: { interval: Duration.minutes(20), deadline: Duration.minutes(15) } }, /`recheck.interval` must be shorter than `recheck.deadline`/],
    ['the interval is under 5 seconds', { recheck: { interval: Duration.seconds(1) } }, /`recheck.interval` must be from 5 seconds to 1 hour, got 1 second/],
    ['re-checks would crowd the history', { recheck: { interval: Duration.seconds(5), deadline: Duration.hours(1) } }, /`recheck` allows at most 200 re-checks, got 715/],
    ['the state machine name has spaces', { stateMachineName: 'my machine' }, /`stateMachineName`.*got "my machine"/],
    ['vpcSubnets come without a vpc', { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } }, /`vpcSubnets` needs `vpc`/],
    ['the reboot budget allows no reboot', { rebootBudget: { maxReboots: 0 } }, /`rebootBudget.maxReboots` must be a whole number from 1 to 10, got 0/],
    ['the reboot budget allows more than the ledger holds', { rebootBudget: { maxReboots: 11 } }, /`rebootBudget.maxReboots`.*got 11/],
    ['the reboot window is under a minute', { rebootBudget: { window: Duration.seconds(30) } }, /`rebootBudget.window` must be from 1 minute to 7 days, got 30 seconds/],
    ['the reboot window is over 7 days', { rebootBudget: { window: Duration.days(8) } }, /`rebootBudget.window`.*got 8 days/],
  ];

  test.each(cases)('fails when %s', (_, props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  test('fails when the Slack channel is empty', () => {
    const stack = newStack();
    expect(() => Notifier.slack({ botToken: secretsmanager.Secret.fromSecretNameV2(stack, 'T', 't'), channel: ' ' }))
      .toThrow(/`channel` must not be empty, got " "/);
  });

  test('fails when the OpsGenie team is empty', () => {
    const stack = newStack();
    expect(() => Notifier.opsGenie({ apiKey: secretsmanager.Secret.fromSecretNameV2(stack, 'K', 'k'), team: '' }))
      .toThrow(/`team` must not be empty/);
  });

  test('fails when a custom OpsGenie endpoint is not a URL', () => {
    expect(() => OpsGenieEndpoint.custom('api.opsgenie.com')).toThrow(/`endpoint` must be an http\(s\) URL.*got "api.opsgenie.com"/);
  });

  test('skips tokens: an instance ID from a parameter synthesizes', () => {
    const stack = newStack();
    const { CfnParameter } = jest.requireActual('aws-cdk-lib');
    const instanceId = new CfnParameter(stack, 'InstanceId').valueAsString;
    expect(() => build({ instanceId }, stack)).not.toThrow();
  });
});
