/**
 * Integration test, run by the integ-runner (`npx projen integ:snapshot` compares the synthesized
 * templates with the committed snapshot offline; `npx projen integ:update` rewrites the snapshot;
 * with AWS credentials, `npx integ-runner --directory test --language typescript --update-on-failed --force`
 * deploys it and runs the assertions).
 *
 * A test instance (a tiny web server in a new VPC) under one CpuFirstLineSupport in dry run. The
 * assertions start a fire drill, as `cpu-first-line-support drill` does, and wait for the
 * execution to succeed with the outcome "Dry run": the checks ran, the reboot was announced to
 * the notifier, and nothing was rebooted.
 */
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { CpuFirstLineSupport, Notifier } from '../src';
import { DrillInput } from '../src/contract';

/** The instance under test and its first-line support. */
class FirstLineSupportIntegStack extends Stack {
  public readonly support: CpuFirstLineSupport;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 1,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }],
    });
    const securityGroup = new ec2.SecurityGroup(this, 'WebServerSecurityGroup', {
      vpc,
      description: 'The URL check reaches the web server on its public IP',
    });
    securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP for the URL check, run by Lambda outside the VPC');

    const userData = ec2.UserData.forLinux();
    userData.addCommands(
      'mkdir -p /srv/www && echo ok > /srv/www/index.html',
      'cat > /etc/systemd/system/tiny-web.service <<\'EOF\'',
      '[Unit]',
      'Description=Tiny web server for the cdk-cpu-first-line-support integration test',
      'After=network-online.target',
      '[Service]',
      'ExecStart=/usr/bin/python3 -m http.server 80 --directory /srv/www',
      'Restart=always',
      '[Install]',
      'WantedBy=multi-user.target',
      'EOF',
      'systemctl daemon-reload',
      'systemctl enable --now tiny-web.service',
    );
    const instance = new ec2.Instance(this, 'WebServer', {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      associatePublicIpAddress: true,
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      securityGroup,
      userData,
      requireImdsv2: true,
    });

    const messages = new sns.Topic(this, 'Messages', { enforceSSL: true });
    this.support = new CpuFirstLineSupport(this, 'WebServerSupport', {
      instanceId: instance.instanceId,
      dryRun: true,
      urlCheck: { timeout: Duration.seconds(5) },
      // No SSH port is open; the URL check is enough for the drill.
      sshCheck: { enabled: false },
      // The workflow publishes itself: no Slack or OpsGenie account needed.
      escalationNotifier: Notifier.snsTopic(messages),
      executionFailureTopic: messages,
    });
  }
}

const app = new App();
const stack = new FirstLineSupportIntegStack(app, 'CpuFirstLineSupportInteg');
const integ = new IntegTest(app, 'CpuFirstLineSupportIntegTest', {
  testCases: [stack],
  // The state machine's definition is a file asset (DefinitionS3Location): compare the assets too, so
  // that the snapshot shows a change of the workflow (and of a handler bundle), not only of the templates.
  diffAssets: true,
});

// A fire drill, as `cpu-first-line-support drill` starts it: a dry run that treats the checks as failed.
const drill: DrillInput = { drill: { requestedBy: 'integ' } };
const start = integ.assertions.awsApiCall('SFN', 'startExecution', {
  stateMachineArn: stack.support.stateMachine.stateMachineArn,
  input: JSON.stringify(drill),
});
// Each assertion reads one path of the answer: a custom resource may answer CloudFormation with at
// most 4 KB, and the execution's whole output is larger. A failed execution has no output.
const succeeded = integ.assertions.awsApiCall('SFN', 'describeExecution', {
  executionArn: start.getAttString('executionArn'),
}).assertAtPath('status', ExpectedResult.stringLikeRegexp('^SUCCEEDED$')).waitForAssertions({
  totalTimeout: Duration.minutes(10),
  interval: Duration.seconds(15),
});
const outcome = integ.assertions.awsApiCall('SFN', 'describeExecution', {
  executionArn: start.getAttString('executionArn'),
}).assertAtPath('output.outcome', ExpectedResult.exact('Dry run'));
start.next(succeeded).next(outcome);

app.synth();
