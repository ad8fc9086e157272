import { CfnOutput, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { CpuFirstLineSupport, Notifier } from 'cdk-cpu-first-line-support';
import { NagSuppressions } from 'cdk-nag';
import { Construct, Node } from 'constructs';

/** What the example deploys; `settingsFromContext` reads it from the CDK context (`-c key=value` or cdk.json). */
export interface ExampleSettings {
  /** The EC2 instance to watch (context `instanceId`, required). */
  readonly instanceId: string;
  /** The Slack channel ID for recoveries and dry-run notices (context `slackChannel`, required). */
  readonly slackChannel: string;
  /** The name of the Secrets Manager secret that holds the Slack bot token (context `slackTokenSecretName`). */
  readonly slackTokenSecretName: string;
  /** The name of the Secrets Manager secret that holds the OpsGenie API key (context `opsGenieKeySecretName`). */
  readonly opsGenieKeySecretName: string;
  /** The OpsGenie team to page (context `opsGenieTeam`); none: the integration's own routing. */
  readonly opsGenieTeam?: string;
  /** Create the two secrets (empty placeholders, filled by hand after deploy) instead of importing existing ones (context `createSecrets`). */
  readonly createSecrets: boolean;
  /** Announce reboots instead of doing them (context `dryRun`). */
  readonly dryRun: boolean;
  /** Check that the instance answers an SSH handshake on port 22 of its public IP (context `sshCheck`). */
  readonly sshCheck: boolean;
  /** An e-mail address subscribed to the execution-failure topic (context `alarmEmail`). */
  readonly alarmEmail?: string;
}

/** The construct ID of the one `CpuFirstLineSupport`: what `cpu-first-line-support drill --construct` takes. */
export const CONSTRUCT_ID = 'WebServer';

export const DEFAULT_SLACK_TOKEN_SECRET_NAME = 'cpu-first-line-support/slack-bot-token';
export const DEFAULT_OPSGENIE_KEY_SECRET_NAME = 'cpu-first-line-support/opsgenie-api-key';

const INSTANCE_ID = /^i-([0-9a-f]{8}|[0-9a-f]{17})$/;
const SLACK_CHANNEL_ID = /^[CG][A-Z0-9]{8,}$/;

/**
 * Reads the example's settings from the CDK context, and fails with a message that names the
 * missing or wrong key, what it got and how to set it.
 */
export function settingsFromContext(node: Node): ExampleSettings {
  const text = (key: string): string | undefined => {
    const value = node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw new Error(`Context \`${key}\` must be a string, got ${JSON.stringify(value)}`);
    return value.trim();
  };
  const required = (key: string, example: string): string => {
    const value = text(key);
    if (value === undefined) {
      throw new Error(`Context \`${key}\` is required: pass it as \`npx cdk deploy -c ${key}=${example}\` or set it in cdk.json`);
    }
    return value;
  };
  const flag = (key: string, fallback: boolean): boolean => {
    const value = node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return fallback;
    // `-c dryRun=false` arrives as the string "false": compare, never Boolean(value).
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw new Error(`Context \`${key}\` must be true or false, got ${JSON.stringify(value)}`);
  };

  const instanceId = required('instanceId', 'i-0123456789abcdef0');
  if (!INSTANCE_ID.test(instanceId)) {
    throw new Error(`Context \`instanceId\` must be an EC2 instance ID such as i-0123456789abcdef0, got "${instanceId}"`);
  }
  const slackChannel = required('slackChannel', 'C0123456789');
  if (!SLACK_CHANNEL_ID.test(slackChannel)) {
    throw new Error(`Context \`slackChannel\` must be a Slack channel ID such as C0123456789 (channel details, at the bottom), got "${slackChannel}"`);
  }
  return {
    instanceId,
    slackChannel,
    slackTokenSecretName: text('slackTokenSecretName') ?? DEFAULT_SLACK_TOKEN_SECRET_NAME,
    opsGenieKeySecretName: text('opsGenieKeySecretName') ?? DEFAULT_OPSGENIE_KEY_SECRET_NAME,
    opsGenieTeam: text('opsGenieTeam'),
    createSecrets: flag('createSecrets', false),
    dryRun: flag('dryRun', true),
    sshCheck: flag('sshCheck', true),
    alarmEmail: text('alarmEmail'),
  };
}

export interface FirstLineSupportStackProps extends StackProps {
  readonly settings: ExampleSettings;
}

/**
 * One EC2 instance under first-line support: Slack hears about recoveries (and, in dry run,
 * about the reboots it would do), OpsGenie is paged when a reboot did not help, and an SNS
 * topic receives the alarm on failed workflows.
 */
export class FirstLineSupportStack extends Stack {
  public readonly support: CpuFirstLineSupport;
  public readonly executionFailureTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: FirstLineSupportStackProps) {
    super(scope, id, props);
    const { settings } = props;

    const slackToken = this.secret('SlackToken', settings.slackTokenSecretName, 'Slack bot token (xoxb-...) with chat:write', settings.createSecrets);
    const opsGenieKey = this.secret('OpsGenieKey', settings.opsGenieKeySecretName, 'OpsGenie API key of an API integration', settings.createSecrets);

    this.executionFailureTopic = new sns.Topic(this, 'ExecutionFailures', {
      displayName: 'cdk-cpu-first-line-support: a first-line-support workflow failed',
      enforceSSL: true,
    });
    if (settings.alarmEmail) {
      this.executionFailureTopic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));
    }

    this.support = new CpuFirstLineSupport(this, CONSTRUCT_ID, {
      instanceId: settings.instanceId,
      recoveryNotifier: Notifier.slack({ botToken: slackToken, channel: settings.slackChannel }),
      escalationNotifier: Notifier.opsGenie({ apiKey: opsGenieKey, team: settings.opsGenieTeam }),
      executionFailureTopic: this.executionFailureTopic,
      dryRun: settings.dryRun,
      // The URL check: GET http://<public IP>:80/, healthy on 200-399 within 10 seconds (the library's default).
      sshCheck: { enabled: settings.sshCheck },
    });

    new CfnOutput(this, 'StateMachineArn', { value: this.support.stateMachine.stateMachineArn });
    new CfnOutput(this, 'DrillCommand', {
      description: 'Starts a dry-run fire drill and follows it',
      value: `npx cpu-first-line-support drill --stack ${this.stackName} --construct ${CONSTRUCT_ID}`,
    });
  }

  /**
   * The secret named `name`: imported (it must exist before the deploy), or created empty, to be
   * filled with `aws secretsmanager put-secret-value` after the deploy. Never a value in the template.
   */
  private secret(id: string, name: string, description: string, create: boolean): secretsmanager.ISecret {
    if (!create) {
      return secretsmanager.Secret.fromSecretNameV2(this, id, name);
    }
    const secret = new secretsmanager.Secret(this, id, {
      secretName: name,
      description: `cdk-cpu-first-line-support example: ${description}; set its value with aws secretsmanager put-secret-value`,
      // A generated placeholder: the real value is put by hand, so it never passes through the template.
      generateSecretString: { excludePunctuation: true, passwordLength: 32 },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    NagSuppressions.addResourceSuppressions(secret, [{
      id: 'AwsSolutions-SMG4',
      reason: 'The secret holds a token issued by a third-party service (Slack, OpsGenie), which Secrets Manager cannot rotate; '
        + 'rotate it in that service and put the new value.',
    }]);
    return secret;
  }
}
