import * as fs from 'fs';
import { Annotations as CoreAnnotations, App, Aspects, CfnParameter, CfnResource, Duration, Fn, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { substitutedDefinition } from '../local/deployed-definition';
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
  return { stack, support, template: templateOf(stack) };
}

/** The stacks of the templates that `templateOf` made: a definition is read from the stack's cloud assembly. */
const stacksOfTemplates = new WeakMap<Template, Stack>();

function templateOf(stack: Stack): Template {
  const template = Template.fromStack(stack);
  stacksOfTemplates.set(template, stack);
  return template;
}

/**
 * The (first) state machine definition as deployed, with its substitutions filled in: literals
 * as they are, CloudFormation references written as `<{...}>`.
 */
function definitionOf(template: Template): any {
  const machines = template.findResources('AWS::StepFunctions::StateMachine');
  const [machine] = Object.values<any>(machines);
  const text = substitutedDefinition(stacksOfTemplates.get(template)!, machine.Properties, (value) =>
    (typeof value === 'string' ? value : `<${JSON.stringify(value).replace(/"/g, '')}>`));
  return JSON.parse(text);
}

/** The payload of each check function in the first run, by state name. */
function checkPayloads(template: Template): Record<string, any> {
  const definition = definitionOf(template);
  const branches = definition.States['Check instance'].Branches;
  return Object.fromEntries(branches.flatMap((b: any) => Object.entries<any>(b.States)
    .filter(([, state]) => state.Parameters?.Payload !== undefined)
    .map(([name, state]) => [name, state.Parameters.Payload])));
}

/** The inline statements of the workflow role of `support`. */
function workflowStatements(template: Template, stack: Stack, support: CpuFirstLineSupport): any[] {
  const role = template.toJSON().Resources[stack.getLogicalId(support.node.findChild('Role').node.defaultChild as any)];
  return role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
}

/** The stack's one role for the alarm rules' targets. */
function ruleRole(template: Template): { id: string; role: any; statements: any[] } {
  const roles = template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('alarm rules of this stack') } });
  expect(Object.keys(roles)).toHaveLength(1);
  const [id] = Object.keys(roles);
  const policies = Object.values<any>(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${id}"`));
  const managed = Object.values<any>(template.findResources('AWS::IAM::ManagedPolicy'))
    .filter((p) => JSON.stringify(p.Properties.Roles ?? []).includes(`"${id}"`));
  return { id, role: roles[id], statements: [...policies, ...managed].flatMap((p) => p.Properties.PolicyDocument.Statement) };
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

  test('rule: starts the state machine when this alarm enters ALARM, with the stack\'s rule-target role', () => {
    const { template, stack, support } = build();
    const ruleRoleId = stack.getLogicalId(stack.node.findChild('CpuFirstLineSupportRuleRole').node.defaultChild as any);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        'resources': [stack.resolve(support.alarm.alarmArn)],
        'detail': { state: { value: ['ALARM'] } },
      },
      Targets: [Match.objectLike({
        Arn: stack.resolve(support.stateMachine.stateMachineArn),
        RoleArn: { 'Fn::GetAtt': [ruleRoleId, 'Arn'] },
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
        'instanceId': INSTANCE_ID,
        'protocol': 'http',
        'port': 80,
        'path': '/',
        'addressType': 'PUBLIC',
        'method': 'GET',
        'healthyHttpCodes': '200-399',
        'timeoutMs': 10_000,
        'verifyCertificate': true,
        // The instance as the workflow looked it up for this run.
        'instance.$': '$.inspection.instance',
      },
      'Check SSH': { 'instanceId': INSTANCE_ID, 'port': 22, 'addressType': 'PUBLIC', 'timeoutMs': 10_000, 'instance.$': '$.inspection.instance' },
    });
    expect(support.route53CheckFunction).toBeUndefined();
  });

  test('re-checks: 30 s grace, 30 s interval, a 10-minute deadline, on the guard\'s clock', () => {
    const { template } = build();
    const states = definitionOf(template).States;
    expect(states['Decide reboot'].Parameters).toMatchObject({ gracePeriodSeconds: 30, deadlineSeconds: 600 });
    expect(states['Schedule re-check'].Parameters).toEqual({
      'step': 'SCHEDULE', 'instanceId': INSTANCE_ID, 'schedule.$': '$.rebootDecision.schedule', 'intervalSeconds': 30,
    });
    expect(states['Wait before re-check'].SecondsPath).toBe('$.rebootDecision.schedule.waitSeconds');
    expect(states['Deadline passed?'].Choices).toEqual([
      { Variable: '$.rebootDecision.schedule.deadlineReached', BooleanEquals: true, Next: 'Notify unresponsive' },
    ]);
    expect(states['Deadline passed?'].Default).toBe('Wait before re-check');
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
    const executionFailureTopic = new sns.Topic(stack, 'Pager');
    const { template } = build({
      vpc, executionFailureTopic, sshCheck: { port: 2222, address: InstanceAddress.PRIVATE_IP, timeout: Duration.seconds(5) },
    }, stack);
    expect(checkPayloads(template)['Check SSH']).toEqual({
      'instanceId': INSTANCE_ID, 'port': 2222, 'addressType': 'PRIVATE', 'timeoutMs': 5000, 'instance.$': '$.inspection.instance',
    });
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

  test('Route 53 check on the given health check: the workflow reads its status (on that health check only), the function judges it', () => {
    const { template, stack, support } = build({ healthCheckId: HEALTH_CHECK_ID });
    expect(checkPayloads(template)['Check Route 53 health check']).toEqual({
      'healthCheckId': HEALTH_CHECK_ID, 'observations.$': '$.healthCheckStatus.observations',
    });
    const branch = definitionOf(template).States['Check instance'].Branches.find((b: any) => b.StartAt === 'Check Route 53 health check status');
    expect(branch.States['Check Route 53 health check status']).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:route53:getHealthCheckStatus',
      Parameters: { HealthCheckId: HEALTH_CHECK_ID },
      Next: 'Check Route 53 health check',
    });
    expect(workflowStatements(template, stack, support)).toContainEqual({
      Sid: 'ReadThisHealthCheck',
      Action: 'route53:GetHealthCheckStatus',
      Effect: 'Allow',
      // The stack's region is known (eu-west-1), so the partition is written out.
      Resource: `arn:aws:route53:::healthcheck/${HEALTH_CHECK_ID}`,
    });
    // The function calls no AWS API.
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('route53:');
  });

  test('in a stack without a region, the health check ARN keeps the partition reference', () => {
    const stack = new Stack(new App(), 'Agnostic');
    const { support, template } = build({ healthCheckId: HEALTH_CHECK_ID }, stack);
    expect(workflowStatements(template, stack, support)).toContainEqual(expect.objectContaining({
      Action: 'route53:GetHealthCheckStatus',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:route53:::healthcheck/${HEALTH_CHECK_ID}`]] },
    }));
  });

  test('turning checks off leaves them out of every run', () => {
    const { template, support } = build({ healthCheckId: HEALTH_CHECK_ID, urlCheck: { enabled: false }, sshCheck: { enabled: false } });
    expect(Object.keys(checkPayloads(template))).toEqual(['Check Route 53 health check']);
    expect(support.urlCheckFunction).toBeUndefined();
    expect(support.sshCheckFunction).toBeUndefined();
    const states = definitionOf(template).States;
    // The one check left decides, unless a drill simulates a failure.
    expect(states['Healthy?'].Choices[0]).toEqual({
      And: [{ Variable: '$.firstRun[0].passed', BooleanEquals: true }, { Variable: '$.drill.simulateFailure', BooleanEquals: false }],
      Next: 'All good',
    });
  });

  test('re-check policy', () => {
    const { template } = build({ recheck: { gracePeriod: Duration.minutes(2), interval: Duration.minutes(1), deadline: Duration.minutes(15) } });
    const states = definitionOf(template).States;
    expect(states['Decide reboot'].Parameters).toMatchObject({ gracePeriodSeconds: 120, deadlineSeconds: 900 });
    expect(states['Schedule re-check'].Parameters.intervalSeconds).toBe(60);
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

  test('notifier settings: the tasks name a destination, whose secret ARN and base URL live in the function\'s environment', () => {
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
    const slack = states['Notify recovered'].Parameters.Payload.parameters;
    expect(slack).toEqual({ destination: expect.stringMatching(/^[0-9A-F]+$/), channel: '#ops' });
    const opsGenie = states['Notify unresponsive'].Parameters.Payload.parameters;
    expect(opsGenie).toEqual({ destination: expect.stringMatching(/^[0-9A-F]+$/), team: '', priority: 'P1' });
    const environment = (idPart: string) => {
      const fns = Object.entries<any>(template.findResources('AWS::Lambda::Function')).filter(([id]) => id.includes(idPart));
      expect(fns).toHaveLength(1);
      return fns[0][1].Properties.Environment.Variables;
    };
    const slackDestination = JSON.stringify(environment('SlackNotifier')[`NOTIFIER_DESTINATION_${slack.destination}`]);
    expect(slackDestination).toContain(':secretsmanager:eu-west-1:123456789012:secret:slack');
    expect(slackDestination).toContain('https://slack-gov.com/api');
    const opsGenieDestination = JSON.stringify(environment('OpsGenieNotifier')[`NOTIFIER_DESTINATION_${opsGenie.destination}`]);
    expect(opsGenieDestination).toContain(':secretsmanager:eu-west-1:123456789012:secret:opsgenie');
    expect(opsGenieDestination).toContain('https://api.eu.opsgenie.com');
    // No secret ARN in the definition.
    expect(JSON.stringify(states)).not.toContain('secretsmanager');
    expect(states['Notify unresponsive'].Parameters.Payload.kind).toBe('UNRESPONSIVE');
    expect(states['Notify error'].Parameters.Payload['error.$']).toBe('$.error');
  });
});

describe('health check and pause', () => {
  test('a health check construct works as its ID does', () => {
    const byId = build({ healthCheckId: HEALTH_CHECK_ID });
    const stack = newStack();
    const byConstruct = build({ healthCheck: route53.HealthCheck.fromHealthCheckId(stack, 'Check', HEALTH_CHECK_ID) }, stack);
    expect(checkPayloads(byConstruct.template)).toEqual(checkPayloads(byId.template));
    const reads = (b: ReturnType<typeof build>) => workflowStatements(b.template, b.stack, b.support).filter((st: any) => st.Sid === 'ReadThisHealthCheck');
    expect(reads(byConstruct)).toEqual(reads(byId));
    expect(reads(byId)).toHaveLength(1);
  });

  test('fails when both a health check and its ID are set', () => {
    const stack = newStack();
    expect(() => build({ healthCheckId: HEALTH_CHECK_ID, healthCheck: route53.HealthCheck.fromHealthCheckId(stack, 'Check', HEALTH_CHECK_ID) }, stack))
      .toThrow(/Set `healthCheck` or `healthCheckId`, not both/);
  });

  test('grantPause lets a principal set and delete the pause tag on this instance, and no other tag', () => {
    const stack = newStack();
    const support = new CpuFirstLineSupport(stack, 'Api', { instanceId: INSTANCE_ID, ...notifiers(stack) });
    const operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    support.grantPause(operator);
    const policies = Object.values<any>(templateOf(stack).findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(stack.getLogicalId(operator.node.defaultChild as any)));
    expect(policies.flatMap((p) => p.Properties.PolicyDocument.Statement)).toEqual([{
      Action: ['ec2:CreateTags', 'ec2:DeleteTags'],
      Effect: 'Allow',
      Resource: `arn:aws:ec2:eu-west-1:123456789012:instance/${INSTANCE_ID}`,
      Condition: {
        'ForAllValues:StringEquals': { 'aws:TagKeys': [CpuFirstLineSupport.PAUSE_TAG_KEY] },
        'Null': { 'aws:TagKeys': 'false' },
      },
    }]);
  });
});

describe('handler options', () => {
  function functionsOf(template: Template) {
    return Object.entries<any>(template.findResources('AWS::Lambda::Function'));
  }

  test('runtime, architecture and memory reach every function the instance uses, its notifiers\' included', () => {
    const { template, support } = build({
      // A runtime newer than the aws-cdk-lib floor knows, as users of 2.200 would name it.
      handlerOptions: {
        runtime: new lambda.Runtime('nodejs24.x', lambda.RuntimeFamily.NODEJS), architecture: lambda.Architecture.X86_64, memorySize: 1024,
      },
    });
    // The guard, two checks, two notifiers.
    const fns = functionsOf(template);
    expect(fns).toHaveLength(5);
    for (const [, fn] of fns) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['x86_64'], MemorySize: 1024 });
    }
    expect(support.escalationFunction!.node.id).toMatch(/^CpuFirstLineSupportOpsGenieNotifier[0-9A-F]{8}$/);
  });

  test('instances with other options get functions of their own; the defaults keep their IDs', () => {
    const stack = newStack();
    const shared = notifiers(stack);
    const plain = new CpuFirstLineSupport(stack, 'Plain', { instanceId: INSTANCE_ID, ...shared });
    const big = new CpuFirstLineSupport(stack, 'Big', { instanceId: 'i-0123456789abcdef1', handlerOptions: { memorySize: 1024 }, ...shared });
    const big2 = new CpuFirstLineSupport(stack, 'Big2', { instanceId: 'i-0123456789abcdef2', handlerOptions: { memorySize: 1024 }, ...shared });
    const sameAsDefault = new CpuFirstLineSupport(stack, 'Same', {
      instanceId: 'i-0123456789abcdef3', handlerOptions: { runtime: lambda.Runtime.NODEJS_22_X, memorySize: 256 }, ...shared,
    });
    expect(plain.guardFunction.node.id).toBe('CpuFirstLineSupportGuard');
    expect(sameAsDefault.guardFunction).toBe(plain.guardFunction);
    expect(big.guardFunction).not.toBe(plain.guardFunction);
    expect(big2.guardFunction).toBe(big.guardFunction);
    expect(big.recoveryFunction).not.toBe(plain.recoveryFunction);
    const template = templateOf(stack);
    expect(functionsOf(template)).toHaveLength(10);
    // Each workflow invokes its own functions only.
    const machine = (support: CpuFirstLineSupport) => JSON.stringify(
      template.toJSON().Resources[stack.getLogicalId(support.stateMachine.node.defaultChild as any)].Properties.DefinitionSubstitutions);
    expect(machine(big)).toContain(stack.getLogicalId(big.guardFunction.node.defaultChild as any));
    expect(machine(big)).not.toContain(stack.getLogicalId(plain.guardFunction.node.defaultChild as any));
  });

  test.each([
    ['a runtime that is not Node.js', { runtime: lambda.Runtime.PYTHON_3_12 }, /must be a Node.js runtime from 22 on.*python3.12/],
    ['an older Node.js', { runtime: lambda.Runtime.NODEJS_20_X }, /must be a Node.js runtime from 22 on.*nodejs20.x/],
    ['too little memory', { memorySize: 64 }, /`handlerOptions.memorySize` must be a whole number from 128 to 10240, got 64/],
    ['memory that is not whole', { memorySize: 256.5 }, /`handlerOptions.memorySize` must be a whole number/],
  ])('fails with %s', (_, handlerOptions, message) => {
    expect(() => build({ handlerOptions })).toThrow(message);
  });
});

describe('workflow shape', () => {
  test('every lookup, check run, guard step, the reboot and the recovery message escalate unexpected errors, naming the state', () => {
    const { template } = build({ healthCheckId: HEALTH_CHECK_ID });
    const states = definitionOf(template).States;
    for (const name of [
      'Look up instance', 'Inspect instance', 'Check instance', 'Look up before reboot', 'Decide reboot', 'Record reboot', 'Reboot instance',
      'Look up before re-check', 'Inspect before re-check', 'Re-check instance', 'Schedule re-check', 'Notify recovered',
    ]) {
      expect(states[name].Catch).toContainEqual({ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: `Failed: ${name}` });
      expect(states[`Failed: ${name}`]).toMatchObject({ Type: 'Pass', Result: name, ResultPath: '$.failedState' });
    }
    // A failed reboot gives the budget back first.
    expect(states['Failed: Reboot instance'].Next).toBe('Restore reboot ledger');
    expect(states['Restore reboot ledger'].Next).toBe('Notify error');
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
    expect(reboot.Resource).toBe('arn:aws:states:::aws-sdk:ec2:rebootInstances');
    expect(reboot.Parameters).toEqual({ InstanceIds: [INSTANCE_ID] });
  });
});

describe('IAM', () => {
  test('the workflow role: only Step Functions assumes it; it may reboot and tag this instance, lock it, read its alarm, and start nothing', () => {
    const { template, stack, support } = build();
    const roles = template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('workflow for') } });
    const roleId = stack.getLogicalId(support.node.findChild('Role').node.defaultChild as any);
    expect(Object.keys(roles)).toEqual([roleId]);
    const trust = roles[roleId].Properties.AssumeRolePolicyDocument.Statement;
    expect(trust.map((st: any) => st.Principal.Service)).toEqual(['states.amazonaws.com']);
    const statements = workflowStatements(template, stack, support);
    // Inline: only what names this instance's own resources.
    expect(statements.map((st: any) => st.Sid)).toEqual([
      'RebootThisInstance', 'RecordRebootsOnThisInstance', 'LockThisInstance', 'ReadThisAlarm',
    ]);
    // The rest is in the stack's one policy for the workflows that use these handlers.
    const shared = template.findResources('AWS::IAM::ManagedPolicy');
    expect(Object.keys(shared)).toHaveLength(1);
    const [sharedId] = Object.keys(shared);
    expect(sharedId).toMatch(/^CpuFirstLineSupportWorkflowPolicy/);
    expect(roles[roleId].Properties.ManagedPolicyArns).toEqual([{ Ref: sharedId }]);
    const sharedStatements = Object.values<any>(shared)[0].Properties.PolicyDocument.Statement;
    expect(sharedStatements).toEqual([
      expect.objectContaining({ Sid: 'InvokeHandlers', Action: 'lambda:InvokeFunction' }),
      { Sid: 'LookUpInstances', Effect: 'Allow', Action: 'ec2:DescribeInstances', Resource: '*' },
      expect.objectContaining({ Sid: 'DeliverLogs', Resource: '*' }),
      { Sid: 'Trace', Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'], Resource: '*' },
    ]);
    // The guard, the two checks and the two notifiers: unqualified ARNs, no wildcard.
    const functionIds = [
      support.guardFunction, support.urlCheckFunction, support.sshCheckFunction, support.escalationFunction, support.recoveryFunction,
    ]
      .map((fn) => stack.getLogicalId(fn!.node.defaultChild as any));
    expect(sharedStatements[0].Resource).toEqual(expect.arrayContaining(functionIds.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] }))));
    expect(sharedStatements[0].Resource).toHaveLength(5);
    // The region is known, so is the partition: a literal ARN.
    const instanceArn = `arn:aws:ec2:eu-west-1:123456789012:instance/${INSTANCE_ID}`;
    expect(statements[0]).toEqual({ Sid: 'RebootThisInstance', Effect: 'Allow', Action: 'ec2:RebootInstances', Resource: instanceArn });
    // Tags: only the reboot ledger, only on this instance.
    expect(statements[1]).toEqual({
      Sid: 'RecordRebootsOnThisInstance',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: instanceArn,
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['cpu-first-line-support:reboots'] } },
    });
    // The lock of this instance only, in the stack's table.
    const tableId = stack.getLogicalId(stack.node.findChild('CpuFirstLineSupportIncidentLocks').node.defaultChild as any);
    expect(statements[2]).toEqual({
      Sid: 'LockThisInstance',
      Effect: 'Allow',
      Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
      Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [INSTANCE_ID] } },
    });
    expect(statements[3]).toEqual({
      Sid: 'ReadThisAlarm', Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: stack.resolve(support.alarm.alarmArn),
    });
    // It starts and lists no execution: the rule has its own role.
    expect(JSON.stringify(statements)).not.toContain('states:');
    // Nothing else may widen the role: no separate policy is attached to it.
    for (const policy of Object.values<any>(template.findResources('AWS::IAM::Policy'))) {
      expect(policy.Properties.Roles).not.toContainEqual({ Ref: roleId });
    }
  });

  test('the rule-target role: one per stack, assumed only by EventBridge rules of this account, may only start the stack\'s workflows', () => {
    const stack = newStack();
    const shared = notifiers(stack);
    const a = new CpuFirstLineSupport(stack, 'A', { instanceId: INSTANCE_ID, ...shared });
    const b = new CpuFirstLineSupport(stack, 'B', { instanceId: 'i-0123456789abcdef1', ...shared });
    const template = templateOf(stack);
    const { id, role, statements } = ruleRole(template);
    // Both rules use it.
    for (const support of [a, b]) {
      const rule = template.toJSON().Resources[stack.getLogicalId(support.rule.node.defaultChild as any)];
      expect(rule.Properties.Targets).toEqual([expect.objectContaining({ RoleArn: { 'Fn::GetAtt': [id, 'Arn'] } })]);
    }
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Condition: {
        StringEquals: { 'aws:SourceAccount': '123456789012' },
        ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:123456789012:rule/*']] } },
      },
    }]);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    // One statement, on the name prefix of the stack's state machines; no per-instance grant.
    expect(statements).toEqual([{
      Sid: 'StartThisStacksWorkflows',
      Effect: 'Allow',
      Action: 'states:StartExecution',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, expect.stringMatching(/^:states:eu-west-1:123456789012:stateMachine:CpuFirstLineSupport-[0-9a-f]{8}-\*$/)]] },
    }]);
    // The workflow roles cannot be assumed by EventBridge, and start nothing.
    for (const support of [a, b]) {
      const workflowRole = template.toJSON().Resources[stack.getLogicalId(support.node.findChild('Role').node.defaultChild as any)];
      expect(JSON.stringify(workflowRole.Properties.AssumeRolePolicyDocument)).not.toContain('events.amazonaws.com');
      expect(JSON.stringify(workflowStatements(template, stack, support))).not.toContain('states:StartExecution');
    }
  });

  test('a custom-named state machine is added to the rule-target role by its ARN', () => {
    const { template, stack, support } = build({ stateMachineName: 'web-support' });
    const { statements } = ruleRole(template);
    expect(statements).toHaveLength(2);
    expect(statements[1]).toEqual({ Effect: 'Allow', Action: 'states:StartExecution', Resource: stack.resolve(support.stateMachine.stateMachineArn) });
  });

  test('watching reads this alarm only; without watching, the role may not read alarms', () => {
    const watching = build();
    expect(workflowStatements(watching.template, watching.stack, watching.support)).toContainEqual(expect.objectContaining({
      Action: 'cloudwatch:DescribeAlarms', Resource: watching.stack.resolve(watching.support.alarm.alarmArn),
    }));
    const quiet = build({ watch: { enabled: false } });
    expect(JSON.stringify(workflowStatements(quiet.template, quiet.stack, quiet.support))).not.toContain('cloudwatch:');
  });

  test('secrets are readable only by the notifier that needs them', () => {
    const { template, stack, support } = build();
    const policies = Object.values<any>(template.findResources('AWS::IAM::Policy'));
    const readers = policies.filter((p) => JSON.stringify(p).includes('secretsmanager:GetSecretValue'));
    expect(readers.map((p) => p.Properties.Roles)).toEqual(expect.arrayContaining([
      [stack.resolve(support.recoveryFunction!.role!.roleName)],
      [stack.resolve(support.escalationFunction!.role!.roleName)],
    ]));
    expect(readers).toHaveLength(2);
    expect(JSON.stringify(readers.find((p) => JSON.stringify(p.Properties.Roles).includes('Slack')))).toContain('secret:slack-token');
    expect(JSON.stringify(readers.find((p) => JSON.stringify(p.Properties.Roles).includes('OpsGenie')))).not.toContain('slack-token');
  });

  test('check functions call no AWS API: they may trace, and nothing else', () => {
    const { template, stack, support } = build({ healthCheckId: HEALTH_CHECK_ID });
    for (const fn of [support.urlCheckFunction!, support.sshCheckFunction!, support.route53CheckFunction!, support.guardFunction]) {
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [stack.resolve(fn.role!.roleName)],
        PolicyDocument: {
          Statement: [{ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' }],
        },
      });
    }
  });

  test('the state machine logs every event to a shared log group with a retention, and traces', () => {
    const stack = newStack();
    const { recoveryNotifier, escalationNotifier } = notifiers(stack);
    new CpuFirstLineSupport(stack, 'Api', { instanceId: INSTANCE_ID, recoveryNotifier, escalationNotifier });
    new CpuFirstLineSupport(stack, 'Other', { instanceId: 'i-0123456789abcdef1', recoveryNotifier, escalationNotifier });
    const template = templateOf(stack);
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
    // Instance i-0123456789abcde00, i-0123456789abcde01, ...; past 99, i-0123456789a000100, ...
    const digits = (i: number, width: number) => String(i).padStart(width, '0');
    const supports = Array.from({ length: count }, (_, i) => new CpuFirstLineSupport(stack, `Api${i}`, {
      instanceId: i < 100 ? `i-0123456789abcde${digits(i, 2)}` : `i-0123456789a${digits(i, 6)}`,
      healthCheckId: i < 100 ? `abcdef01-2345-6789-abcd-ef01234567${digits(i, 2)}` : `abcdef01-2345-6789-abcd-ef${digits(i, 10)}`,
      ...shared,
    }));
    return { stack, supports, template: templateOf(stack) };
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
    // The shared policy of what names no resource, and none that CDK split off an overflowing policy.
    expect(resources.filter((r) => r.Type === 'AWS::IAM::ManagedPolicy')).toHaveLength(1);
  });

  test('a hundred instances stay under 80% of the template size limit, so aws-cdk-lib does not warn', () => {
    const { stack, template } = buildMany(100);
    // aws-cdk-lib writes the template indented by one space, and warns past 800,000 bytes.
    expect(JSON.stringify(template.toJSON(), undefined, 1).length).toBeLessThan(800_000);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('Template size'))).toEqual([]);
  });

  test('as many instances as the 500-resource limit allows fit in a template under 80% of 1,000,000 bytes: no warning', () => {
    const fixed = Object.keys(buildMany(1).template.toJSON().Resources).length - 4;
    const count = Math.floor((500 - fixed) / 4);
    const { stack, template } = buildMany(count);
    expect(count).toBeGreaterThanOrEqual(116);
    expect(Object.keys(template.toJSON().Resources).length).toBeLessThanOrEqual(500);
    expect(JSON.stringify(template.toJSON(), undefined, 1).length).toBeLessThan(800_000);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('Template size'))).toEqual([]);
  });

  test('instances configured alike share one definition, stored once; each fills in its own instance', () => {
    const { stack, template, supports } = buildMany(3);
    const machines = supports.map((support) => template.toJSON().Resources[stack.getLogicalId(support.stateMachine.node.defaultChild as any)]);
    const locations = machines.map((m) => m.Properties.DefinitionS3Location);
    expect(locations[0].Key).toMatch(/^[0-9a-f]{64}\.json$/);
    expect(locations.map((l) => l.Key)).toEqual([locations[0].Key, locations[0].Key, locations[0].Key]);
    expect(machines.every((m) => m.Properties.DefinitionString === undefined)).toBe(true);
    // The definition is in the cloud assembly once, whatever the number of instances.
    const outdir = Stage.of(stack)!.outdir;
    expect(fs.readdirSync(outdir).filter((f) => f.startsWith('asset.') && f.endsWith('.json'))).toEqual([`asset.${locations[0].Key}`]);
    machines.forEach((machine, i) => {
      const id = `i-0123456789abcde${String(i).padStart(2, '0')}`;
      expect(machine.Properties.DefinitionSubstitutions).toMatchObject({
        InstanceId: id,
        HealthCheckId: `abcdef01-2345-6789-abcd-ef01234567${String(i).padStart(2, '0')}`,
        AlarmName: { Ref: stack.getLogicalId(supports[i].alarm.node.defaultChild as any) },
      });
      const deployed = substitutedDefinition(stack, machine.Properties, (value) => (typeof value === 'string' ? value : '<ref>'));
      const definition = JSON.parse(deployed);
      expect(definition.States['Reboot instance'].Parameters).toEqual({ InstanceIds: [id] });
      expect(definition.Comment).toContain(id);
      // No other instance's ID anywhere in it.
      expect(deployed.match(/i-0123456789abcde\d\d/g)!.every((match) => match === id)).toBe(true);
    });
  });

  test('instances configured differently get their own definitions', () => {
    const stack = newStack();
    const shared = notifiers(stack);
    const keyOf = (support: CpuFirstLineSupport) =>
      templateOf(stack).toJSON().Resources[stack.getLogicalId(support.stateMachine.node.defaultChild as any)].Properties.DefinitionS3Location.Key;
    const plain = new CpuFirstLineSupport(stack, 'Plain', { instanceId: INSTANCE_ID, ...shared });
    const dry = new CpuFirstLineSupport(stack, 'Dry', { instanceId: 'i-0123456789abcdef1', dryRun: true, ...shared });
    const slow = new CpuFirstLineSupport(stack, 'Slow', { instanceId: 'i-0123456789abcdef2', recheck: { interval: Duration.minutes(1) }, ...shared });
    const alike = new CpuFirstLineSupport(stack, 'Alike', { instanceId: 'i-0123456789abcdef3', ...shared });
    expect(new Set([keyOf(plain), keyOf(dry), keyOf(slow)]).size).toBe(3);
    expect(keyOf(alike)).toBe(keyOf(plain));
    // Each state machine deploys the definition of its own configuration.
    const template = templateOf(stack).toJSON();
    const deployed = (support: CpuFirstLineSupport) => JSON.parse(substitutedDefinition(stack,
      template.Resources[stack.getLogicalId(support.stateMachine.node.defaultChild as any)].Properties, (value) => (typeof value === 'string' ? value : '<ref>')));
    expect([plain, dry, slow, alike].map((s) => deployed(s).States['Start incident'].Parameters.drill.dryRun)).toEqual([false, true, false, false]);
    expect([plain, dry, slow, alike].map((s) => deployed(s).States['Schedule re-check'].Parameters.intervalSeconds)).toEqual([30, 30, 60, 30]);
  });

  test('an instance ID or health check ID from a reference reaches the definition through its substitution', () => {
    const stack = newStack();
    const instanceId = new CfnParameter(stack, 'InstanceId').valueAsString;
    const healthCheckId = new CfnParameter(stack, 'HealthCheckId').valueAsString;
    new CpuFirstLineSupport(stack, 'Api', { instanceId, healthCheckId, ...notifiers(stack) });
    const template = templateOf(stack);
    const [machine] = Object.values<any>(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(machine.Properties.DefinitionSubstitutions).toMatchObject({ InstanceId: { Ref: 'InstanceId' }, HealthCheckId: { Ref: 'HealthCheckId' } });
    const states = definitionOf(template).States;
    expect(states['Reboot instance'].Parameters).toEqual({ InstanceIds: ['<{Ref:InstanceId}>'] });
    expect(states['Check instance'].Branches[1].States['Check Route 53 health check status'].Parameters).toEqual({ HealthCheckId: '<{Ref:HealthCheckId}>' });
  });

  test('a URL with characters that JSON escapes reaches the check as it was given', () => {
    const url = 'https://app.example.com/health?q="a\\b"&x=\u00e9';
    const { template } = build({ urlCheck: { url } });
    expect(checkPayloads(template)['Check URL']).toMatchObject({ url });
  });

  test('instances that use other handlers share another policy: none may invoke a handler it does not use', () => {
    const stack = newStack();
    const shared = notifiers(stack);
    const full = new CpuFirstLineSupport(stack, 'Full', { instanceId: INSTANCE_ID, ...shared });
    const full2 = new CpuFirstLineSupport(stack, 'Full2', { instanceId: 'i-0123456789abcdef1', ...shared });
    const noSsh = new CpuFirstLineSupport(stack, 'NoSsh', { instanceId: 'i-0123456789abcdef2', sshCheck: { enabled: false }, ...shared });
    const template = templateOf(stack).toJSON();
    const policyOf = (support: CpuFirstLineSupport) =>
      template.Resources[stack.getLogicalId(support.node.findChild('Role').node.defaultChild as any)].Properties.ManagedPolicyArns[0].Ref;
    expect(policyOf(full2)).toBe(policyOf(full));
    expect(policyOf(noSsh)).not.toBe(policyOf(full));
    const invoked = (support: CpuFirstLineSupport) =>
      JSON.stringify(template.Resources[policyOf(support)].Properties.PolicyDocument.Statement[0].Resource);
    const sshId = stack.getLogicalId(full.sshCheckFunction!.node.defaultChild as any);
    expect(invoked(full)).toContain(sshId);
    expect(invoked(noSsh)).not.toContain(sshId);
  });

  /** A custom notifier's function in one stack, and the stack of the workflows, in one app. */
  function pagerInAnotherStack() {
    const app = new App();
    const env = { account: '123456789012', region: 'eu-west-1' };
    const other = new Stack(app, 'Notifiers', { env });
    const fn = new lambda.Function(other, 'Pager', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') });
    return { fn, stack: new Stack(app, 'Workflows', { env }) };
  }

  test('a custom notifier\'s function in another stack is left to aws-cdk-lib, which exports and imports its ARN', () => {
    const { fn, stack } = pagerInAnotherStack();
    new CpuFirstLineSupport(stack, 'Api', { instanceId: INSTANCE_ID, escalationNotifier: { bind: () => ({ handler: fn, parameters: {} }) } });
    const [machine] = Object.values<any>(templateOf(stack).findResources('AWS::StepFunctions::StateMachine'));
    const imports = Object.values<any>(machine.Properties.DefinitionSubstitutions).filter((value) => value?.['Fn::ImportValue'] !== undefined);
    expect(imports).toHaveLength(1);
  });

  test('a reference to another stack inside a join is left to aws-cdk-lib as well', () => {
    const { fn, stack } = pagerInAnotherStack();
    const handler = lambda.Function.fromFunctionArn(stack, 'Joined', Fn.join('', [fn.functionArn]));
    new CpuFirstLineSupport(stack, 'Api', { instanceId: INSTANCE_ID, escalationNotifier: { bind: () => ({ handler, parameters: {} }) } });
    const [machine] = Object.values<any>(templateOf(stack).findResources('AWS::StepFunctions::StateMachine'));
    expect(JSON.stringify(machine.Properties.DefinitionSubstitutions)).toContain('Fn::ImportValue');
    expect(JSON.stringify(machine.Properties.DefinitionSubstitutions)).not.toMatch(/"Fn::GetAtt":\["Pager/);
  });

  test('a logical ID changed late (by an aspect, after the substitutions were resolved once) reaches the substitutions', () => {
    const stack = newStack();
    const support = new CpuFirstLineSupport(stack, 'Api', { instanceId: INSTANCE_ID, ...notifiers(stack) });
    const machine = support.stateMachine.node.defaultChild as CfnResource;
    const guard = support.guardFunction.node.defaultChild as CfnResource;
    Aspects.of(stack).add({ visit: (node) => { if (node === machine) stack.resolve((machine as any).definitionSubstitutions); } });
    Aspects.of(stack).add({ visit: (node) => { if (node === guard) guard.overrideLogicalId('RenamedGuard'); } });
    const template = templateOf(stack).toJSON();
    const substitutions = JSON.stringify(template.Resources[stack.getLogicalId(machine)].Properties.DefinitionSubstitutions);
    expect(template.Resources.RenamedGuard).toBeDefined();
    expect(substitutions).toContain('"RenamedGuard"');
    expect(substitutions).not.toContain('CpuFirstLineSupportGuard');
  });

  test('an alarm name with quotes and backslashes reaches the watch as it was given', () => {
    const alarmName = 'cpu "prod" \\ web';
    const { template } = build({ cpuAlarm: { alarmName } });
    expect(definitionOf(template).States['Read alarm state'].Parameters.AlarmNames).toEqual([alarmName]);
  });

  test('a setting that holds "${" fails at synth, since CloudFormation would replace it', () => {
    expect(() => build({ urlCheck: { path: '/health/${Stage}' } })).toThrow(/holds "\$\{Stage\}", which CloudFormation would replace/);
    const stack = newStack();
    expect(() => build({
      recoveryNotifier: Notifier.slack({ botToken: secretsmanager.Secret.fromSecretNameV2(stack, 'T', 't'), channel: '#ops-${env}' }),
    }, stack)).toThrow(/holds "\$\{env\}"/);
  });

  test('a stack inside a Stage reads its definition from the root assembly', () => {
    const stage = new Stage(new App(), 'Prod');
    const stack = new Stack(stage, 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const { template } = build({}, stack);
    expect(definitionOf(template).States['Reboot instance'].Parameters).toEqual({ InstanceIds: [INSTANCE_ID] });
  });

  test('in a stack whose region is unknown, the partition stays a reference', () => {
    const stack = new Stack(new App(), 'Anywhere');
    new CpuFirstLineSupport(stack, 'Api', { instanceId: INSTANCE_ID, ...notifiers(stack) });
    const template = templateOf(stack);
    const [machine] = Object.values<any>(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(Object.values(machine.Properties.DefinitionSubstitutions)).toContainEqual({ Ref: 'AWS::Partition' });
    expect(definitionOf(template).States['Reboot instance'].Resource).toBe('arn:<{Ref:AWS::Partition}>:states:::aws-sdk:ec2:rebootInstances');
  });

  test('never collide on names: state machine names are unique, alarm names left to CloudFormation', () => {
    const { template } = buildMany(3);
    const names = Object.values<any>(template.findResources('AWS::StepFunctions::StateMachine')).map((m) => m.Properties.StateMachineName);
    expect(new Set(names).size).toBe(3);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmName: Match.absent() });
  });

  test('each workflow may read its own instance\'s health check, and only that one; the shared Route 53 function reads none', () => {
    const { template, stack, supports } = buildMany(2);
    supports.forEach((support, i) => {
      const reads = workflowStatements(template, stack, support).filter((st: any) => st.Action === 'route53:GetHealthCheckStatus');
      expect(reads).toEqual([expect.objectContaining({
        Resource: `arn:aws:route53:::healthcheck/abcdef01-2345-6789-abcd-ef01234567${String(i).padStart(2, '0')}`,
      })]);
    });
    const policies = Object.values<any>(template.findResources('AWS::IAM::Policy'));
    expect(JSON.stringify(policies)).not.toContain('route53:');
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
  test('the workflow looks the instance up itself, and one guard function per stack inspects the answer', () => {
    const { template } = build();
    const states = definitionOf(template).States;
    expect(states['Look up instance']).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:ec2:describeInstances',
      Parameters: { InstanceIds: [INSTANCE_ID] },
      ResultPath: '$.lookup',
      Next: 'Inspect instance',
    });
    // The whole answer: a list it lacks must not fail the execution with States.Runtime.
    expect(states['Look up instance'].ResultSelector).toBeUndefined();
    expect(states['Inspect instance'].Parameters).toEqual({
      'step': 'INSPECT', 'instanceId': INSTANCE_ID, 'lookup.$': '$.lookup', 'leaseSeconds': expect.any(Number),
    });
    expect(states['Inspect instance'].Next).toBe('Drill without lock?');
    // Only a drill that reboots nothing skips the lock.
    expect(states['Drill without lock?']).toMatchObject({
      Choices: [{ Variable: '$.drill.simulateFailure', BooleanEquals: true, Next: 'Paused?' }],
      Default: 'Take lock',
    });
    // No execution lists the others any more: the lock admits.
    expect(JSON.stringify(states)).not.toContain('listExecutions');
    expect(Object.keys(states)).not.toContain('Admit incident');
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('decides reboots') }, 1);
  });

  test('the incident lock: one table per stack, taken with a conditional write and released at the end', () => {
    const stack = newStack();
    const shared = notifiers(stack);
    new CpuFirstLineSupport(stack, 'A', { instanceId: INSTANCE_ID, ...shared });
    new CpuFirstLineSupport(stack, 'B', { instanceId: 'i-0123456789abcdef1', ...shared });
    const template = templateOf(stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'instanceId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'instanceId', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'leaseUntil', Enabled: true },
    });
    const tableId = stack.getLogicalId(stack.node.findChild('CpuFirstLineSupportIncidentLocks').node.defaultChild as any);
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toEqual([tableId]);

    const states = definitionOf(build().template).States;
    expect(states['Take lock']).toMatchObject({
      Resource: 'arn:aws:states:::dynamodb:putItem',
      Parameters: {
        Item: { instanceId: { S: INSTANCE_ID }, holder: { 'S.$': '$$.Execution.Id' }, leaseUntil: { 'N.$': '$.inspection.lock.leaseUntil' } },
        ConditionExpression: 'attribute_not_exists(instanceId) OR leaseUntil < :now OR holder = :me',
        ExpressionAttributeValues: { ':now': { 'N.$': '$.inspection.lock.now' }, ':me': { 'S.$': '$$.Execution.Id' } },
      },
      Next: 'Paused?',
    });
    // A lock held by another execution is an answer, not a retried error.
    expect(states['Take lock'].Retry[0]).toEqual({ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], MaxAttempts: 0 });
    expect(states['Take lock'].Catch[0]).toEqual({ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], ResultPath: null, Next: 'Already handled' });
    // An execution that does not hold the lock records its outcome, then ends without touching the lock.
    expect(states['Already handled'].Next).toBe('Record outcome');
    expect(states['After the outcome'].Choices[0]).toEqual({ Variable: '$.outcome', StringEquals: 'Already handled', Next: 'Done' });
    expect(states['Release lock']).toMatchObject({
      Resource: 'arn:aws:states:::dynamodb:deleteItem',
      Parameters: { Key: { instanceId: { S: INSTANCE_ID } }, ConditionExpression: 'holder = :me' },
      Next: 'Done',
    });
    for (const outcome of ['Escalated', 'Escalated without reboot', 'Escalated after error', 'Resolved']) {
      expect(states[outcome].Next).toBe('Record outcome');
    }
    // After the escalated incident is followed up (or after any other outcome), the lock is released.
    expect(states['After the outcome'].Default).toBe('Release lock');
    expect(states['Keep following up?'].Default).toBe('Release lock');
  });

  test('the reboot is decided first, from a fresh lookup, and recorded on the instance before it happens', () => {
    const { template } = build();
    const states = definitionOf(template).States;
    expect(states['Healthy?'].Default).toBe('Look up before reboot');
    expect(states['Look up before reboot'].Next).toBe('Decide reboot');
    expect(states['Decide reboot'].Parameters).toEqual({
      'step': 'REBOOT',
      'instanceId': INSTANCE_ID,
      'lookup.$': '$.lookup',
      'maxReboots': 1,
      'rebootWindowSeconds': 3600,
      'dryRun.$': '$.drill.dryRun',
      'checks.$': '$.firstRun',
      'gracePeriodSeconds': 30,
      'deadlineSeconds': 600,
    });
    expect(states['Reboot allowed?'].Choices).toEqual([
      // A drill that simulates a failure only announces, whatever the verdict but a pause.
      {
        And: [
          { Variable: '$.drill.simulateFailure', BooleanEquals: true },
          { Not: { Variable: '$.rebootDecision.verdict', StringEquals: 'PAUSED' } },
        ],
        Next: 'Notify would reboot',
      },
      { Variable: '$.rebootDecision.verdict', StringEquals: 'REBOOT', Next: 'Record reboot' },
      { Variable: '$.rebootDecision.verdict', StringEquals: 'DRY_RUN', Next: 'Notify would reboot' },
      { Variable: '$.rebootDecision.verdict', StringEquals: 'PAUSED', Next: 'Paused' },
    ]);
    expect(states['Reboot allowed?'].Default).toBe('Notify not rebooted');
    expect(states['Record reboot']).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:ec2:createTags',
      Parameters: { Resources: [INSTANCE_ID], Tags: [{ 'Key': 'cpu-first-line-support:reboots', 'Value.$': '$.rebootDecision.ledger' }] },
      Next: 'Reboot instance',
    });
    expect(states['Restore reboot ledger'].Parameters.Tags).toEqual([
      { 'Key': 'cpu-first-line-support:reboots', 'Value.$': '$.rebootDecision.previousLedger' },
    ]);
    expect(states['Reboot instance'].Next).toBe('Wait before re-check');
  });

  test('budget and dry run reach the guard', () => {
    const { template } = build({ rebootBudget: { maxReboots: 3, window: Duration.hours(6) }, dryRun: true });
    const states = definitionOf(template).States;
    expect(states['Decide reboot'].Parameters).toMatchObject({ 'maxReboots': 3, 'rebootWindowSeconds': 21_600, 'dryRun.$': '$.drill.dryRun' });
    // The construct's dry run is where every execution starts; only a drill's own dry run is added to it.
    expect(states['Start incident'].Parameters.drill).toEqual({ active: false, dryRun: true, simulateFailure: false, label: '' });
    expect(states['Start live drill'].Result).toEqual({ active: true, dryRun: true, simulateFailure: false, label: 'DRILL: ' });
    expect(states['Start drill'].Result).toEqual({ active: true, dryRun: true, simulateFailure: true, label: 'DRILL: ' });
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
    const timeout = definitionOf(build({ watch: { enabled: false } }).template).TimeoutSeconds;
    // Longer than the 10-minute re-check deadline with every task at its worst, yet finite.
    expect(timeout).toBeGreaterThan(3600);
    expect(timeout).toBeLessThan(24 * 3600);
    // Watching (every 5 minutes for 6 hours by default) adds every watch cycle, and stays bounded.
    const watching = definitionOf(build({ watch: { resolveEscalations: false } }).template).TimeoutSeconds;
    expect(watching).toBeGreaterThan(timeout + 6 * 3600);
    expect(watching).toBeLessThanOrEqual(timeout + 18 * 3600);
    // Following an escalation adds as many cycles again.
    const following = definitionOf(build().template).TimeoutSeconds;
    expect(following).toBeGreaterThan(watching + 6 * 3600);
    expect(following).toBeLessThanOrEqual(watching + 18 * 3600);
  });
});

describe('watching a lasting alarm', () => {
  test('by default: after a quiet outcome, reads this alarm and checks again every 5 minutes while it is in ALARM, 72 times at most', () => {
    const { template, stack, support } = build();
    const states = definitionOf(template).States;
    for (const outcome of ['All good', 'Recovered', 'Paused']) {
      expect(states[outcome].Next).toBe('Record outcome');
    }
    expect(states['Record outcome'].Next).toBe('After the outcome');
    expect(states['After the outcome'].Choices[1]).toEqual({
      Or: ['All good', 'Recovered', 'Paused', 'Resolved'].map((outcome) => ({ Variable: '$.outcome', StringEquals: outcome })),
      Next: 'Read alarm state',
    });
    expect(states['Read alarm state']).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:cloudwatch:describeAlarms',
      Parameters: { AlarmNames: [`<${JSON.stringify(stack.resolve(support.alarm.alarmName)).replace(/"/g, '')}>`], AlarmTypes: ['MetricAlarm'] },
    });
    expect(states['Alarm still on?'].Choices[0].And).toContainEqual({ Variable: '$.watch.count', NumericLessThan: 72 });
    expect(states['Alarm still on?'].Default).toBe('Release lock');
    expect(states['Wait to watch'].Seconds).toBe(300);
    expect(states['Start watch cycle'].Next).toBe('Look up instance');
  });

  test('interval and maxDuration set the wait and the number of cycles', () => {
    const states = definitionOf(build({ watch: { interval: Duration.minutes(10), maxDuration: Duration.hours(2) } }).template).States;
    expect(states['Wait to watch'].Seconds).toBe(600);
    expect(states['Alarm still on?'].Choices[0].And).toContainEqual({ Variable: '$.watch.count', NumericLessThan: 12 });
  });

  test('watch: {enabled: false} leaves the alarm unread: every outcome releases the lock and ends', () => {
    const { template, stack, support } = build({ watch: { enabled: false } });
    const states = definitionOf(template).States;
    for (const name of ['Read alarm state', 'Alarm still on?', 'Wait to watch', 'Start watch cycle']) {
      expect(states[name]).toBeUndefined();
    }
    for (const name of ['Wait to follow up', 'Notify resolved', 'Resolved']) {
      expect(states[name]).toBeUndefined();
    }
    expect(states['After the outcome'].Choices).toHaveLength(1);
    expect(states['After the outcome'].Default).toBe('Release lock');
    expect(JSON.stringify(workflowStatements(template, stack, support))).not.toContain('cloudwatch:DescribeAlarms');
  });
});

describe('resolving escalations', () => {
  test('by default: after an escalation, checks again every watch interval and tells the escalation notifier RESOLVED once all pass', () => {
    const states = definitionOf(build().template).States;
    expect(states['After the outcome'].Choices[2]).toEqual({
      Or: ['Escalated', 'Escalated without reboot'].map((outcome) => ({ Variable: '$.outcome', StringEquals: outcome })),
      Next: 'Wait to follow up',
    });
    expect(states['Wait to follow up'].Seconds).toBe(300);
    expect(states['Keep following up?'].Choices[0]).toEqual({ Variable: '$.followUp.count', NumericLessThan: 72, Next: 'Wait to follow up' });
    // Only passing checks resolve: the alarm's state words the resolution.
    const healthy = states['Healthy since the escalation?'];
    expect(healthy.Choices.map((c: any) => c.Next)).toEqual(['Resolved with alarm OK', 'Resolved by checks']);
    expect(JSON.stringify(healthy.Choices[0])).toContain('{"Variable":"$.alarm.MetricAlarms[0].StateValue","StringEquals":"OK"}');
    expect(healthy.Default).toBe('Count follow-up');
    const notify = states['Notify resolved'];
    expect(notify.Parameters.Payload).toMatchObject({ 'kind': 'RESOLVED', 'resolution.$': '$.resolution.reason', 'resolvedAt.$': '$.resolution.at' });
    // The escalation notifier's function, which raised the alert, closes it.
    expect(notify.Parameters.FunctionName).toEqual(states['Notify unresponsive'].Parameters.FunctionName);
    expect(notify.Next).toBe('Resolved');
    // AWS API calls retry like every other: one throttle does not end the follow-up.
    expect(states['Look up to follow up'].Retry).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], MaxAttempts: 3 })]);
    expect(states['Renew lock to follow up'].Retry).toEqual([
      { ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], MaxAttempts: 0 },
      expect.objectContaining({ ErrorEquals: ['States.ALL'], MaxAttempts: 3 }),
    ]);
    // A step that fails, or an alert that cannot be closed, ends the follow-up quietly: the escalation stands.
    for (const name of ['Look up to follow up', 'Inspect to follow up', 'Renew lock to follow up', 'Follow-up check', 'Notify resolved']) {
      expect(states[name].Catch.map((c: any) => c.Next)).toEqual(['Release lock']);
    }
  });

  test('watch: {resolveEscalations: false} ends the execution at the escalation', () => {
    const states = definitionOf(build({ watch: { resolveEscalations: false } }).template).States;
    for (const name of ['Wait to follow up', 'Notify resolved', 'Resolved', 'Follow-up check']) {
      expect(states[name]).toBeUndefined();
    }
    expect(states['After the outcome'].Choices).toHaveLength(2);
  });
});

describe('notification retries', () => {
  test('every notify task retries 5 times from 10 s (backoff 2, at most 120 s apart), except malformed events and the notifier\'s refusals', () => {
    const states = definitionOf(build({ dryRun: true }).template).States;
    const slackTasks = ['Notify would reboot', 'Notify escalation failed'];
    const opsGenieTasks = ['Notify unresponsive', 'Notify not rebooted', 'Notify error'];
    for (const name of [...slackTasks, ...opsGenieTasks]) {
      // After the Lambda service-error retry that every Lambda task has.
      const retry = states[name].Retry.filter((r: any) => !r.ErrorEquals.some((e: string) => e.startsWith('Lambda.')));
      expect(retry).toEqual([
        { ErrorEquals: ['InvalidEventError', slackTasks.includes(name) ? 'SlackApiError' : 'OpsGenieApiError'], MaxAttempts: 0 },
        { ErrorEquals: ['States.ALL'], IntervalSeconds: 10, MaxAttempts: 5, BackoffRate: 2, MaxDelaySeconds: 120 },
      ]);
    }
    const recovered = definitionOf(build().template).States['Notify recovered'].Retry;
    expect(recovered.slice(-2)).toEqual([
      { ErrorEquals: ['InvalidEventError', 'SlackApiError'], MaxAttempts: 0 },
      { ErrorEquals: ['States.ALL'], IntervalSeconds: 10, MaxAttempts: 5, BackoffRate: 2, MaxDelaySeconds: 120 },
    ]);
  });

  test('an escalation that cannot be delivered tells the recovery notifier, releases the lock and fails the execution', () => {
    const states = definitionOf(build().template).States;
    for (const name of ['Notify unresponsive', 'Notify not rebooted', 'Notify error']) {
      expect(states[name].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.escalationError', Next: `Undelivered: ${name}` }]);
      expect(states[`Undelivered: ${name}`].Next).toBe('Notify escalation failed');
    }
    expect(states['Notify escalation failed'].Next).toBe('Paging failed');
    expect(states['Paging failed'].Next).toBe('Record failed escalation');
    expect(states['Record failed escalation'].Next).toBe('Release lock before failing');
    expect(states['Release lock before failing'].Next).toBe('Escalation failed');
    expect(states['Escalation failed'].Type).toBe('Fail');
  });
});

describe('execution failures', () => {
  test('one rule per stack sends the failed, timed-out and aborted executions of its workflows to a queue', () => {
    const stack = newStack();
    const shared = notifiers(stack);
    const a = new CpuFirstLineSupport(stack, 'A', { instanceId: INSTANCE_ID, ...shared });
    const b = new CpuFirstLineSupport(stack, 'B', { instanceId: 'i-0123456789abcdef1', ...shared });
    const template = templateOf(stack);
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

  test('the alarm fires on the first failed execution: on the failure rule\'s own TriggeredRules metric, not the queue\'s', () => {
    const { template, stack, support } = build();
    const alarm = template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'TriggeredRules' } });
    expect(Object.keys(alarm)).toEqual([stack.getLogicalId((support.executionFailureAlarm as cloudwatch.Alarm).node.defaultChild as any)]);
    const failureRule = stack.node.findChild('CpuFirstLineSupportExecutionFailures').node.findChild('Rule');
    expect(Object.values<any>(alarm)[0].Properties).toMatchObject({
      Namespace: 'AWS/Events',
      Dimensions: [{ Name: 'RuleName', Value: { Ref: stack.getLogicalId(failureRule.node.defaultChild as any) } }],
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
    templateOf(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'TriggeredRules',
      AlarmActions: [{ Ref: stack.getLogicalId(topic.node.defaultChild as any) }],
    });
  });

  test('a watch, re-checks and budget that could pass the execution history limit warn; the defaults do not', () => {
    const defaults = build();
    Annotations.fromStack(defaults.stack).hasNoWarning('*', Match.stringLikeRegexp('history events'));
    const crowded = build({ rebootBudget: { maxReboots: 10 } });
    Annotations.fromStack(crowded.stack).hasWarning('/Stack/Api', Match.stringLikeRegexp('could need \\d+ execution history events.*`rebootBudget.maxReboots`'));
    const noWatch = build({ rebootBudget: { maxReboots: 10 }, watch: { enabled: false } });
    Annotations.fromStack(noWatch.stack).hasNoWarning('*', Match.stringLikeRegexp('history events'));
  });

  test('HTTPS to the instance\'s IP address with certificate verification warns; a host name or verification off does not', () => {
    const ip = build({ urlCheck: { protocol: UrlCheckProtocol.HTTPS } });
    Annotations.fromStack(ip.stack).hasWarning('/Stack/Api', Match.stringLikeRegexp('requests HTTPS from an IP address'));
    const explicitIp = build({ urlCheck: { url: 'https://203.0.113.7/health' } });
    Annotations.fromStack(explicitIp.stack).hasWarning('/Stack/Api', Match.stringLikeRegexp('requests HTTPS from an IP address'));
    const host = build({ urlCheck: { url: 'https://api.example.com/health' } });
    Annotations.fromStack(host.stack).hasNoWarning('*', Match.stringLikeRegexp('requests HTTPS'));
    const off = build({ urlCheck: { protocol: UrlCheckProtocol.HTTPS, verifyCertificate: false } });
    Annotations.fromStack(off.stack).hasNoWarning('*', Match.stringLikeRegexp('requests HTTPS'));
  });

  test('without executionFailureTopic, synth warns (acknowledgeably); with it, not', () => {
    const unset = build();
    Annotations.fromStack(unset.stack).hasWarning('*', Match.stringLikeRegexp('executionFailureTopic'));
    const set = newStack();
    build({ executionFailureTopic: new sns.Topic(set, 'Pager') }, set);
    Annotations.fromStack(set).hasNoWarning('*', Match.stringLikeRegexp('executionFailureTopic'));
    const acknowledged = newStack();
    const support = new CpuFirstLineSupport(acknowledged, 'Api', { instanceId: INSTANCE_ID, ...notifiers(acknowledged) });
    CoreAnnotations.of(support).acknowledgeWarning('cdk-cpu-first-line-support:noExecutionFailureTopic', 'the alarm has its own action');
    Annotations.fromStack(acknowledged).hasNoWarning('*', Match.stringLikeRegexp('executionFailureTopic'));
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
    ['re-checks would crowd the history', { recheck: { interval: Duration.seconds(5), deadline: Duration.hours(1) } }, /`recheck` allows at most 200 re-checks, got 716/],
    ['the state machine name has spaces', { stateMachineName: 'my machine' }, /`stateMachineName`.*got "my machine"/],
    ['vpcSubnets come without a vpc', { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } }, /`vpcSubnets` needs `vpc`/],
    ['the reboot budget allows no reboot', { rebootBudget: { maxReboots: 0 } }, /`rebootBudget.maxReboots` must be a whole number from 1 to 10, got 0/],
    ['the reboot budget allows more than the ledger holds', { rebootBudget: { maxReboots: 11 } }, /`rebootBudget.maxReboots`.*got 11/],
    ['the reboot window is under a minute', { rebootBudget: { window: Duration.seconds(30) } }, /`rebootBudget.window` must be from 1 minute to 7 days, got 30 seconds/],
    ['the reboot window is over 7 days', { rebootBudget: { window: Duration.days(8) } }, /`rebootBudget.window`.*got 8 days/],
    ['the watch interval is under a minute', { watch: { interval: Duration.seconds(30) } }, /`watch.interval`.*got 30 seconds/],
    ['the watch interval is over 6 hours', { watch: { interval: Duration.hours(7) } }, /`watch.interval`.*got 7 hours/],
    ['the watch lasts under a minute', { watch: { maxDuration: Duration.seconds(30) } }, /`watch.maxDuration`.*got 30 seconds/],
    ['the watch lasts over 7 days', { watch: { maxDuration: Duration.days(8) } }, /`watch.maxDuration`.*got 8 days/],
    ['watch cycles would crowd the history', { watch: { interval: Duration.minutes(1), maxDuration: Duration.hours(12) } }, /`watch` allows at most 200 watch cycles.*got 720/],
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
    expect(() => OpsGenieEndpoint.custom('api.opsgenie.com')).toThrow(/`endpoint` must be an https:\/\/ URL.*got "api.opsgenie.com"/);
  });

  test('skips tokens: an instance ID from a parameter synthesizes', () => {
    const stack = newStack();
    const instanceId = new CfnParameter(stack, 'InstanceId').valueAsString;
    expect(() => build({ instanceId }, stack)).not.toThrow();
  });
});


test('watch: {enabled: false, resolveEscalations: true} is refused: following an escalation needs the watch', () => {
  expect(() => build({ watch: { enabled: false, resolveEscalations: true } })).toThrow(/`watch.resolveEscalations`.*needs `watch.enabled`/);
});

test('every function logs as text: CloudWatch reads the guard\'s embedded-metric lines from the text log format only', () => {
  const { template } = build();
  const functions = Object.values<any>(template.toJSON().Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
  expect(functions.length).toBeGreaterThan(0);
  for (const fn of functions) {
    expect(fn.Properties.LoggingConfig).toEqual({ LogFormat: 'Text' });
  }
});
