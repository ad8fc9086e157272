import { App, Aspects, CfnResource, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { CpuFirstLineSupport, Notifier } from '../src';

function nagged(pack: 'AwsSolutions' | 'Serverless') {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
  const shared = {
    recoveryNotifier: Notifier.slack({ botToken: secretsmanager.Secret.fromSecretNameV2(stack, 'SlackToken', 'slack'), channel: 'C0123456789' }),
    escalationNotifier: Notifier.opsGenie({ apiKey: secretsmanager.Secret.fromSecretNameV2(stack, 'OpsGenieKey', 'opsgenie') }),
  };
  new CpuFirstLineSupport(stack, 'Api', { instanceId: 'i-0123456789abcdef0', healthCheckId: 'abcdef01-2345-6789-abcd-ef0123456789', ...shared });
  new CpuFirstLineSupport(stack, 'Worker', { instanceId: 'i-0123456789abcdef1', ...shared });
  Aspects.of(stack).add(pack === 'AwsSolutions' ? new AwsSolutionsChecks({ verbose: true }) : new ServerlessChecks({ verbose: true }));
  app.synth();
  return Annotations.fromStack(stack);
}

test.each(['AwsSolutions', 'Serverless'] as const)('cdk-nag %s: no unsuppressed errors or warnings', (pack) => {
  const annotations = nagged(pack);
  const findings = [
    ...annotations.findError('*', Match.stringLikeRegexp('.*')),
    ...annotations.findWarning('*', Match.stringLikeRegexp(`${pack}-.*`)),
  ].map((f) => `${f.id}: ${String(f.entry.data).split('\n')[0]}`);
  expect(findings).toEqual([]);
});

test('every finding the library accepts states its reason in words', () => {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  new CpuFirstLineSupport(stack, 'Api', {
    instanceId: 'i-0123456789abcdef0',
    healthCheckId: 'abcdef01-2345-6789-abcd-ef0123456789',
    recoveryNotifier: Notifier.slack({ botToken: secretsmanager.Secret.fromSecretNameV2(stack, 'SlackToken', 'slack'), channel: 'C0123456789' }),
    escalationNotifier: Notifier.opsGenie({ apiKey: secretsmanager.Secret.fromSecretNameV2(stack, 'OpsGenieKey', 'opsgenie') }),
  });
  const resources = Object.values<any>(app.synth().getStackByName('Stack').template.Resources);
  const rules = resources.flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
  expect(new Set(rules.map((r: any) => r.id))).toEqual(new Set([
    'AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'Serverless-LambdaDLQ', 'Serverless-EventBusDLQ',
    'AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy',
    // The runtime is pinned to the one the bundles are built for.
    'AwsSolutions-L1', 'Serverless-LambdaLatestVersion',
    // The incident-lock table holds only short-lived locks: no point-in-time recovery.
    'AwsSolutions-DDB3',
  ]));
  for (const rule of rules) {
    expect(rule.reason.split(' ').length).toBeGreaterThanOrEqual(10);
  }
});

test('every accepted finding is also acknowledged in the construct metadata that cdk-nag 3 and aws-cdk-lib validations read', () => {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
  new CpuFirstLineSupport(stack, 'Api', {
    instanceId: 'i-0123456789abcdef0',
    escalationNotifier: Notifier.opsGenie({ apiKey: secretsmanager.Secret.fromSecretNameV2(stack, 'OpsGenieKey', 'opsgenie') }),
  });
  const resources = stack.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
  let checked = 0;
  for (const resource of resources) {
    const suppressions: any[] = resource.getMetadata('cdk_nag')?.rules_to_suppress ?? [];
    const acknowledged = Object.assign({}, ...resource.node.metadata
      .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules').map((entry) => entry.data));
    const expected = Object.fromEntries(suppressions.flatMap((rule) =>
      (rule.applies_to ?? [undefined]).map((finding: string | undefined) => [finding ? `${rule.id}[${finding}]` : rule.id, rule.reason])));
    expect(acknowledged).toEqual(expected);
    checked += suppressions.length;
  }
  expect(checked).toBeGreaterThan(5);
  // The rule role's wildcard is acknowledged as the exact finding cdk-nag 3 reports.
  const ruleRolePolicy = stack.node.findChild('CpuFirstLineSupportRuleRole').node.findChild('DefaultPolicy').node.defaultChild as CfnResource;
  const [entry] = ruleRolePolicy.node.metadata.filter((e) => e.type === 'aws:cdk:acknowledged-rules');
  expect(Object.keys(entry.data)).toEqual([expect.stringMatching(
    /^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:states:eu-west-1:123456789012:stateMachine:CpuFirstLineSupport-[0-9a-f]{8}-\*\]$/)]);
});
