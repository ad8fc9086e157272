/**
 * The example stack's template and its deployed state machine definitions, as snapshots. The
 * construct's refactorings must leave both unchanged; a change to either is a change of
 * behaviour, made on purpose and reviewed in the snapshot's diff.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { substitutedDefinition } from '../local/deployed-definition';
import { CpuFirstLineSupport, InstanceAddress, Notifier, OpsGeniePriority, UrlCheckProtocol } from '../src';

/** Four instances that between them use every part: all checks, both notifiers, dry run, no watch, a VPC, a named state machine, and two alike that share a definition. */
function exampleStack(): Stack {
  const stack = new Stack(new App(), 'ExampleStack', { env: { account: '123456789012', region: 'us-east-1' } });
  const slackToken = secretsmanager.Secret.fromSecretCompleteArn(stack, 'SlackToken',
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:slack-bot-token-AbCdEf');
  const opsGenieKey = secretsmanager.Secret.fromSecretCompleteArn(stack, 'OpsGenieKey',
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:opsgenie-api-key-AbCdEf');
  const slack = Notifier.slack({ botToken: slackToken, channel: 'C0123456789' });
  const opsGenie = Notifier.opsGenie({ apiKey: opsGenieKey, team: 'sre', priority: OpsGeniePriority.P2 });
  const onCall = new sns.Topic(stack, 'OnCall');
  const webServer = {
    healthCheckId: 'abcdef01-2345-6789-abcd-ef0123456789',
    urlCheck: { port: 8080, path: '/health', timeout: Duration.seconds(2) },
    sshCheck: { port: 22, timeout: Duration.seconds(2) },
    recoveryNotifier: slack,
    escalationNotifier: opsGenie,
    executionFailureTopic: onCall,
  };
  new CpuFirstLineSupport(stack, 'Api', { instanceId: 'i-0123456789abcdef0', ...webServer });
  // Configured like Api: the two share one definition.
  new CpuFirstLineSupport(stack, 'Web', { instanceId: 'i-0123456789abcdef1', ...webServer });
  new CpuFirstLineSupport(stack, 'Worker', {
    instanceId: 'i-0fedcba9876543210',
    urlCheck: { url: 'https://worker.example.com/health', protocol: UrlCheckProtocol.HTTPS },
    sshCheck: { enabled: false },
    escalationNotifier: opsGenie,
    dryRun: true,
    watch: { enabled: false },
    rebootBudget: { maxReboots: 2, window: Duration.hours(6) },
  });
  new CpuFirstLineSupport(stack, 'Batch', {
    instanceId: 'i-0aaaabbbbccccdddd',
    urlCheck: { enabled: false },
    sshCheck: { address: InstanceAddress.PRIVATE_IP },
    vpc: ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
    }),
    recoveryNotifier: slack,
    escalationNotifier: opsGenie,
    stateMachineName: 'batch-first-line-support',
    recheck: { gracePeriod: Duration.minutes(1), interval: Duration.minutes(1), deadline: Duration.minutes(15) },
  });
  return stack;
}

/** Asset hashes change with the bundles' bytes (which their own tests cover), not with the construct. */
function withoutAssetHashes(json: string): string {
  return json.replace(/[0-9a-f]{64}/g, '<asset hash>');
}

describe('the example stack', () => {
  const stack = exampleStack();
  const template = Template.fromStack(stack).toJSON();

  test('template, byte for byte as written to the cloud assembly', () => {
    const file = path.join(Stage.of(stack)!.outdir, `${stack.artifactId}.template.json`);
    expect(withoutAssetHashes(fs.readFileSync(file, 'utf8'))).toMatchSnapshot();
  });

  test('deployed state machine definitions', () => {
    const machines = Object.entries<any>(template.Resources).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
    expect(machines).toHaveLength(4);
    // Api and Web share one definition file.
    expect(new Set(machines.map(([, m]) => m.Properties.DefinitionS3Location.Key)).size).toBe(3);
    const definitions = Object.fromEntries(machines.map(([id, machine]) => [id,
      JSON.parse(substitutedDefinition(stack, machine.Properties, (value) =>
        // A literal as CloudFormation writes it; a reference as the template holds it.
        (typeof value === 'string' ? value : `<${JSON.stringify(value).replace(/"/g, '')}>`)))]));
    expect(definitions).toMatchSnapshot();
  });
});
