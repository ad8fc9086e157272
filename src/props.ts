import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sns from 'aws-cdk-lib/aws-sns';
import { INotifier } from './notifiers/notifier';
import {
  CpuAlarmOptions,
  HandlerOptions,
  RebootBudget,
  RecheckOptions,
  SshCheckOptions,
  UrlCheckOptions,
  WatchOptions,
} from './options';

/** Properties of a `CpuFirstLineSupport`. */
export interface CpuFirstLineSupportProps {
  /**
   * The ID of the EC2 instance to watch, check and, if needed, reboot, such as `i-0123456789abcdef0`,
   * in the stack's account and region. Set this or `instance`.
   * @default - `instance.instanceId`
   */
  readonly instanceId?: string;

  /**
   * The EC2 instance to watch, check and, if needed, reboot, as a construct. Set this or `instanceId`.
   * With `vpc`, its security groups admit the check functions on the port of each check of its
   * private address (`address: InstanceAddress.PRIVATE_IP`; the URL check only without `urlCheck.url`,
   * which may name another host). Checks of the public address come from addresses no security
   * group rule can name (NAT gateways, or AWS's public addresses without `vpc`): admit them yourself.
   * @default - the instance named by `instanceId`; no security group rule is added
   */
  readonly instance?: ec2.IInstance;

  /**
   * Who is told when the instance is still unhealthy after the reboot, or when the
   * workflow itself fails. Usually `Notifier.opsGenie(...)`.
   */
  readonly escalationNotifier: INotifier;

  /**
   * Who is told that the instance failed its checks and recovered after a reboot.
   * Usually `Notifier.slack(...)`.
   *
   * @default - no message; the recovery is visible in the execution history only
   */
  readonly recoveryNotifier?: INotifier;

  /**
   * The ID of a Route 53 health check that watches the instance. When set, every run
   * checks its status with `GetHealthCheckStatus`, judged as Route 53 judges it: healthy
   * while more than 18% of the checkers report healthy.
   *
   * @default - no Route 53 check
   * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html
   */
  readonly healthCheckId?: string;

  /**
   * The Route 53 health check that watches the instance, as a construct: the same as
   * `healthCheckId` with `healthCheck.healthCheckId`. Set one or the other.
   *
   * @default - no Route 53 check
   */
  readonly healthCheck?: route53.IHealthCheck;

  /**
   * The URL check.
   *
   * @default - `GET http://<public IP>:80/`, healthy on 200-399 within 10 seconds
   */
  readonly urlCheck?: UrlCheckOptions;

  /**
   * The SSH check.
   *
   * @default - an SSH handshake with port 22 of the public IP within 10 seconds
   */
  readonly sshCheck?: SshCheckOptions;

  /**
   * The CPU alarm that starts the workflow.
   *
   * @default - Maximum CPUUtilization >= 100% for one 5-minute period
   */
  readonly cpuAlarm?: CpuAlarmOptions;

  /**
   * When to check again after the reboot.
   *
   * @default - 30 seconds after the reboot, then every 30 seconds, until 10 minutes after it
   */
  readonly recheck?: RecheckOptions;

  /**
   * The VPC to run the URL and SSH check functions in. Needed to reach a private IP
   * address; the subnets need a route to the EC2 API (a NAT gateway or an EC2 interface
   * endpoint), and the instance's security group must admit the functions' (see `instance`).
   *
   * @default - the check functions run outside any VPC and reach public addresses only
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Where in `vpc` to place the check functions.
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The state machine's name. Names are unique per account and region.
   *
   * @default - `CpuFirstLineSupport-<stack hash>-<construct path>`, unique and matched by
   * the stack's execution-failure alarm
   */
  readonly stateMachineName?: string;

  /**
   * How many times the instance may be rebooted within a window. Beyond it, the workflow
   * tells the escalation notifier instead of rebooting, and says why.
   *
   * @default - 1 reboot per hour
   */
  readonly rebootBudget?: RebootBudget;

  /**
   * Dry run: the alarm, the checks and the notifications work as usual, but instead of
   * rebooting, the workflow sends a "would reboot" notice (to the recovery notifier, or the
   * escalation notifier when there is none) and stops.
   *
   * @default false
   */
  readonly dryRun?: boolean;

  /**
   * Keep watching while the CPU alarm stays in `ALARM`: an execution that ended quietly
   * (all good, recovered, paused) checks the instance again every `interval`.
   *
   * @default - watch every 5 minutes, for at most 6 hours
   */
  readonly watch?: WatchOptions;

  /**
   * Settings of the functions that run the checks, the guard and the library's notifiers:
   * runtime, architecture and memory. Functions are shared by the instances of a stack that
   * use the same settings.
   *
   * @default - Node.js 22, arm64, 256 MB
   */
  readonly handlerOptions?: HandlerOptions;

  /**
   * An SNS topic for the stack's execution-failure alarm (`executionFailureAlarm`), the
   * fallback when a workflow cannot reach its escalation notifier. The alarm is shared by
   * every `CpuFirstLineSupport` in the stack, and notifies at most 5 distinct topics.
   *
   * @default - the alarm has no action, and synth warns (`cdk-cpu-first-line-support:noExecutionFailureTopic`);
   * add one with `executionFailureAlarm.addAlarmAction()` and acknowledge the warning
   */
  readonly executionFailureTopic?: sns.ITopic;
}
