// The README's smallest example, synthesized as a consumer of the packed library would, with both
// cdk-nag packs of whichever cdk-nag major is installed next to it. Exits non-zero on any finding.
const { App, Aspects, Stack, Validations } = require('aws-cdk-lib');
const secretsmanager = require('aws-cdk-lib/aws-secretsmanager');
const sns = require('aws-cdk-lib/aws-sns');
const nag = require('cdk-nag');
const { CpuFirstLineSupport, Notifier } = require('cdk-cpu-first-line-support');

const nagMajor = Number(require('cdk-nag/package.json').version.split('.')[0]);
const cdkVersion = require('aws-cdk-lib/package.json').version;
const app = new App();
const stack = new Stack(app, 'Consumer', { env: { account: '123456789012', region: 'eu-west-1' } });
// The user's own topic, imported: only the library's resources are checked.
const pagerTopic = sns.Topic.fromTopicArn(stack, 'Pager', 'arn:aws:sns:eu-west-1:123456789012:pager');

new CpuFirstLineSupport(stack, 'Api', {
  instanceId: 'i-0123456789abcdef0',
  healthCheckId: 'abcdef01-2345-6789-abcd-ef0123456789',
  recoveryNotifier: Notifier.slack({
    botToken: secretsmanager.Secret.fromSecretNameV2(stack, 'SlackToken', 'slack-bot-token'),
    channel: 'C0123456789',
  }),
  escalationNotifier: Notifier.opsGenie({
    apiKey: secretsmanager.Secret.fromSecretNameV2(stack, 'OpsGenieKey', 'opsgenie-api-key'),
    team: 'sre',
  }),
  executionFailureTopic: pagerTopic,
});

const label = `aws-cdk-lib ${cdkVersion}, cdk-nag ${require('cdk-nag/package.json').version}`;
let findings = [];
if (nagMajor >= 3) {
  // cdk-nag 3 runs as a policy validation plugin and reads acknowledgements from construct metadata.
  Validations.of(app).addPlugins(new nag.AwsSolutionsChecks(app), new nag.ServerlessChecks(app));
  try {
    app.synth();
  } catch (error) {
    findings = [String(error.message)];
  }
} else {
  Aspects.of(app).add(new nag.AwsSolutionsChecks());
  Aspects.of(app).add(new nag.ServerlessChecks());
  const assembly = app.synth();
  findings = assembly.getStackByName('Consumer').messages
    .filter((m) => m.level === 'error' || (m.level === 'warning' && /^(AwsSolutions|Serverless)-/.test(String(m.entry.data))))
    .map((m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`);
}
if (findings.length > 0) {
  console.error(`${label}: ${findings.length} finding(s):\n${findings.join('\n')}`);
  process.exit(1);
}
console.log(`${label}: synthesized, no unsuppressed finding`);
