import { App, Aspects, Stack } from 'aws-cdk-lib';
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
    // The incident-lock table holds only short-lived locks: no point-in-time recovery.
    'AwsSolutions-DDB3',
  ]));
  for (const rule of rules) {
    expect(rule.reason.split(' ').length).toBeGreaterThanOrEqual(10);
  }
});
