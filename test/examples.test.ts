/**
 * The deployable example in examples/basic, synthesized in process: its stack class with the
 * settings its context gives, checked for the construct's resources and against cdk-nag.
 *
 * The example imports the published package name, as a user's app does; here that name is the
 * library's source. (`tsc -p tsconfig.dev.json` maps the name the same way through `paths`.)
 */
jest.mock('cdk-cpu-first-line-support', () => jest.requireActual('../src'), { virtual: true });

import type { StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { matchConstruct } from '../cli/shared/target';
import {
  CONSTRUCT_ID,
  DEFAULT_OPSGENIE_KEY_SECRET_NAME,
  DEFAULT_SLACK_TOKEN_SECRET_NAME,
  ExampleSettings,
  FirstLineSupportStack,
  settingsFromContext,
} from '../examples/basic/lib/first-line-support-stack';
import { allStates, renderWorkflow } from '../local/harness';
import { CpuFirstLineSupport } from '../src';

const INSTANCE_ID = 'i-0123456789abcdef0';
const REQUIRED = { instanceId: INSTANCE_ID, slackChannel: 'C0123456789' };

/** The settings the example's context gives: what `-c key=value` would pass. */
function settings(context: Record<string, unknown>): ExampleSettings {
  return settingsFromContext(new App({ context }).node);
}

function exampleStack(context: Record<string, unknown> = {}): FirstLineSupportStack {
  const app = new App();
  const stack = new FirstLineSupportStack(app, 'CpuFirstLineSupportExample', {
    env: { account: '123456789012', region: 'eu-west-1' },
    settings: settings({ ...REQUIRED, ...context }),
  });
  return stack;
}

/** Every cdk-nag AwsSolutions error or warning that no suppression covers. */
function unsuppressedNagFindings(stack: Stack): string[] {
  Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
  (stack.node.root as App).synth();
  const annotations = Annotations.fromStack(stack);
  return [
    ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
  ].map((f) => `${f.id}: ${String(f.entry.data).split('\n')[0]}`);
}

describe('examples/basic: the stack', () => {
  test('watches the given instance with one CpuFirstLineSupport, its alarm on that instance', () => {
    const stack = exampleStack();
    const template = Template.fromStack(stack);
    expect(stack.support).toBeInstanceOf(CpuFirstLineSupport);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/EC2',
      MetricName: 'CPUUtilization',
      Dimensions: [{ Name: 'InstanceId', Value: INSTANCE_ID }],
    });
    // Its state machine's role may reboot that instance, and names no other.
    const role = JSON.stringify(template.toJSON().Resources[stack.getLogicalId(stack.support.role.node.defaultChild as any)]);
    expect(role).toContain('ec2:RebootInstances');
    expect(new Set(role.match(/instance\/i-[0-9a-f]+/g))).toEqual(new Set([`instance/${INSTANCE_ID}`]));
  });

  test('sends the execution-failure alarm to its SNS topic, which refuses plain HTTP', () => {
    const stack = exampleStack({ alarmEmail: 'oncall@example.com' });
    const template = Template.fromStack(stack);
    const topicId = stack.getLogicalId(stack.executionFailureTopic.node.defaultChild as any);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: topicId }], Namespace: 'AWS/Events' });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: topicId } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      }),
    });
  });

  test('by default imports the secrets by name: no secret in the template, each notifier reads only its own', () => {
    const template = Template.fromStack(exampleStack({ slackTokenSecretName: 'team/slack' }));
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain(':secret:team/slack-??????');
    expect(policies).toContain(`:secret:${DEFAULT_OPSGENIE_KEY_SECRET_NAME}-??????`);
    expect(policies).not.toContain(DEFAULT_SLACK_TOKEN_SECRET_NAME);
  });

  test('with createSecrets, creates both secrets by name with generated placeholders, never a value', () => {
    const template = Template.fromStack(exampleStack({ createSecrets: 'true' }));
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    for (const name of [DEFAULT_SLACK_TOKEN_SECRET_NAME, DEFAULT_OPSGENIE_KEY_SECRET_NAME]) {
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: name,
        GenerateSecretString: Match.objectLike({}),
        SecretString: Match.absent(),
      });
    }
  });

  test('is a dry run unless the context says dryRun=false', () => {
    // What every execution starts with, in the definition as CloudFormation deploys it.
    const dryRunOf = (stack: FirstLineSupportStack) => allStates(renderWorkflow(stack.support).definition)['Start incident'].Parameters.drill.dryRun;
    expect(dryRunOf(exampleStack())).toBe(true);
    expect(dryRunOf(exampleStack({ dryRun: 'false' }))).toBe(false);
    expect(settings(REQUIRED).dryRun).toBe(true);
    expect(settings({ ...REQUIRED, dryRun: 'false' }).dryRun).toBe(false);
    expect(settings({ ...REQUIRED, dryRun: false }).dryRun).toBe(false);
  });

  test('checks SSH unless the context says sshCheck=false', () => {
    const sshStates = (stack: FirstLineSupportStack) => Object.keys(allStates(renderWorkflow(stack.support).definition)).filter((name) => /SSH/i.test(name));
    expect(exampleStack().support.sshCheckFunction).toBeDefined();
    expect(sshStates(exampleStack())).not.toEqual([]);
    const withoutSsh = exampleStack({ sshCheck: 'false' });
    expect(withoutSsh.support.sshCheckFunction).toBeUndefined();
    expect(sshStates(withoutSsh)).toEqual([]);
  });

  test.each([
    ['the default settings', {}],
    ['created secrets and an e-mail subscription', { createSecrets: 'true', alarmEmail: 'oncall@example.com', dryRun: 'false' }],
  ])('cdk-nag AwsSolutions finds nothing unsuppressed, with %s', (_, context) => {
    expect(unsuppressedNagFindings(exampleStack(context))).toEqual([]);
  });

  test('the construct ID that the README gives the drill command finds exactly its state machine', () => {
    const stack = exampleStack();
    const machines = Object.entries(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))
      .map(([logicalId]): StackResourceSummary => ({
        LogicalResourceId: logicalId,
        ResourceType: 'AWS::StepFunctions::StateMachine',
        ResourceStatus: 'CREATE_COMPLETE',
        LastUpdatedTimestamp: new Date(0),
      }));
    expect(CONSTRUCT_ID).toBe('WebServer');
    expect(matchConstruct(machines, CONSTRUCT_ID).map((m) => m.LogicalResourceId)).toEqual([
      stack.getLogicalId(stack.support.stateMachine.node.defaultChild as any),
    ]);
  });
});

describe('examples/basic: its context', () => {
  test('names the missing key and how to pass it', () => {
    expect(() => settings({})).toThrow('Context `instanceId` is required: pass it as `npx cdk deploy -c instanceId=i-0123456789abcdef0`');
    expect(() => settings({ instanceId: INSTANCE_ID })).toThrow('Context `slackChannel` is required');
  });

  test.each([
    [{ ...REQUIRED, instanceId: 'i-123' }, 'Context `instanceId` must be an EC2 instance ID such as i-0123456789abcdef0, got "i-123"'],
    [{ ...REQUIRED, instanceId: 42 }, 'Context `instanceId` must be a string, got 42'],
    [{ ...REQUIRED, slackChannel: '#ops' }, 'Context `slackChannel` must be a Slack channel ID such as C0123456789'],
    [{ ...REQUIRED, dryRun: 'no' }, 'Context `dryRun` must be true or false, got "no"'],
    [{ ...REQUIRED, createSecrets: 1 }, 'Context `createSecrets` must be true or false, got 1'],
  ])('rejects %j', (context, message) => {
    expect(() => settings(context)).toThrow(message);
  });

  test('takes the optional keys, and defaults the secret names', () => {
    expect(settings({ ...REQUIRED, opsGenieTeam: 'sre', createSecrets: 'true' })).toEqual({
      ...REQUIRED,
      slackTokenSecretName: DEFAULT_SLACK_TOKEN_SECRET_NAME,
      opsGenieKeySecretName: DEFAULT_OPSGENIE_KEY_SECRET_NAME,
      opsGenieTeam: 'sre',
      createSecrets: true,
      dryRun: true,
      sshCheck: true,
      alarmEmail: undefined,
    });
  });
});
