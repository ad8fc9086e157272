/**
 * The stack the bench synthesizes: `count` instances, each configured like the example
 * stack of `local/scenarios.ts` (URL, Route 53 and SSH checks with 2 s timeouts, Slack for
 * recoveries, OpsGenie for escalations), with distinct instance and health check IDs.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CpuFirstLineSupport, CpuFirstLineSupportProps, Notifier, OpsGeniePriority } from '../../src';

const SLACK_TOKEN_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:slack-bot-token-AbCdEf';
const OPSGENIE_KEY_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:opsgenie-api-key-AbCdEf';

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
  const stack = new Stack(app, 'BenchStack', { env: { account: '123456789012', region: 'us-east-1' } });
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
