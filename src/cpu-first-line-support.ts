import { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { healthCheckArn, instanceArn } from './arns';
import { createChecks } from './checks';
import { watchExecutions } from './execution-failures';
import { guardFunction } from './guard';
import { useHandlerOptions } from './handlers';
import { incidentLocks } from './incident-locks';
import { INotifier, NotifierConfig } from './notifiers/notifier';
import {
  CpuAlarmOptions,
  HandlerOptions,
  RebootBudget,
  RecheckOptions,
  SshCheckOptions,
  UrlCheckOptions,
  WatchOptions,
} from './options';
import { workflowRole } from './role';
import { rebootBudget, recheckPolicy, watchPolicy } from './settings';
import { workflowStateMachine } from './state-machine';
import { alarmRule, cpuAlarm } from './trigger';
import { validateProps } from './validation';

/** Properties of a `CpuFirstLineSupport`. */
export interface CpuFirstLineSupportProps {
  /**
   * The ID of the EC2 instance to watch, check and, if needed, reboot, such as
   * `i-0123456789abcdef0`. The instance must be in the stack's account and region.
   */
  readonly instanceId: string;

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
   * endpoint), and the instance's security group must admit the functions' security group.
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

/**
 * An unattended first line of support for an EC2 instance whose CPU maxes out.
 *
 * A CloudWatch alarm on the instance's CPU starts a Step Functions workflow that checks
 * the instance (URL, Route 53 health check, SSH handshake). If a check fails, it reboots
 * the instance and checks again until the instance is healthy or a deadline passes, then
 * tells the recovery notifier that it recovered, or the escalation notifier that it did not.
 *
 * The check and notifier functions are shared by every `CpuFirstLineSupport` in a stack;
 * each instance adds an alarm, an EventBridge rule, a state machine and its role.
 */
export class CpuFirstLineSupport extends Construct {
  /**
   * The instance tag that pauses the workflow for maintenance: while an instance carries it
   * with any value but `false`, alarms start executions that record the alarm and stop,
   * without checks, reboots or messages.
   */
  public static readonly PAUSE_TAG_KEY = 'cpu-first-line-support:paused';

  /**
   * The instance tag in which the workflow records its reboots (times in ISO 8601, separated
   * by spaces), to enforce `rebootBudget`. Delete it to reset the budget.
   */
  public static readonly REBOOT_LEDGER_TAG_KEY = 'cpu-first-line-support:reboots';

  /** The alarm on the instance's `CPUUtilization` that starts the workflow. */
  public readonly alarm: cloudwatch.Alarm;

  /** The EventBridge rule that starts the workflow when the alarm enters `ALARM`. */
  public readonly rule: events.Rule;

  /** The workflow: check, reboot, re-check, notify. */
  public readonly stateMachine: sfn.StateMachine;

  /**
   * The role of the state machine. Its only permissions: tag (reboot ledger only) and reboot
   * this instance, hold this instance's incident lock, read this instance's alarm and health
   * check; and, through a managed policy that the stack shares between the workflows that use
   * the same handlers (`CpuFirstLineSupportWorkflowPolicy<hash>`), invoke exactly this
   * workflow's functions, look instances up, deliver its logs and trace. The rule's target has a role of its own, shared in the stack, that may only start the
   * stack's state machines.
   */
  public readonly role: iam.IRole;

  /** The function that runs the URL check (shared in the stack), if the check is enabled. */
  public readonly urlCheckFunction?: lambda.IFunction;

  /** The function that runs the SSH check (shared in the stack), if the check is enabled. */
  public readonly sshCheckFunction?: lambda.IFunction;

  /** The function that runs the Route 53 check (shared in the stack), if `healthCheck` or `healthCheckId` is set. */
  public readonly route53CheckFunction?: lambda.IFunction;

  /** The function of the escalation notifier. */
  public readonly escalationFunction: lambda.IFunction;

  /** The function of the recovery notifier, if one is set. */
  public readonly recoveryFunction?: lambda.IFunction;

  /** The function that admits incidents and decides reboots (shared in the stack). */
  public readonly guardFunction: lambda.IFunction;

  /**
   * The stack's alarm on workflows that failed, timed out or were aborted: the fallback that
   * reaches a human when the escalation notifier cannot. Shared by every
   * `CpuFirstLineSupport` in the stack.
   */
  public readonly executionFailureAlarm: cloudwatch.IAlarm;

  /** The ARN of the instance, which only this workflow may reboot. */
  private readonly instanceArn: string;

  constructor(scope: Construct, id: string, props: CpuFirstLineSupportProps) {
    super(scope, id);
    validateProps(this, props);
    const { instanceId } = props;
    const healthCheckId = props.healthCheck?.healthCheckId ?? props.healthCheckId;
    // Every function this instance asks for (its notifiers' included) takes these settings.
    useHandlerOptions(this, props.handlerOptions);

    const checks = createChecks(this, { ...props, healthCheckId });
    this.urlCheckFunction = checks.urlCheckFunction;
    this.route53CheckFunction = checks.route53CheckFunction;
    this.sshCheckFunction = checks.sshCheckFunction;
    const escalation = bindNotifier(this, props.escalationNotifier);
    const recovery = props.recoveryNotifier ? bindNotifier(this, props.recoveryNotifier) : undefined;
    const notifiers = recovery ? [escalation, recovery] : [escalation];
    this.escalationFunction = escalation.handler;
    this.recoveryFunction = recovery?.handler;
    this.guardFunction = guardFunction(this);

    const { failures, stateMachineName } = watchExecutions(this, props);
    this.executionFailureAlarm = failures.alarm;
    this.alarm = cpuAlarm(this, instanceId, props.cpuAlarm);
    const watch = watchPolicy(props.watch);
    const lockTable = incidentLocks(this);

    this.instanceArn = instanceArn(Stack.of(this), instanceId);
    const role = workflowRole(this, {
      instanceId,
      instanceArn: this.instanceArn,
      functions: [...new Set([this.guardFunction, ...checks.checks.map((c) => c.handler), ...notifiers.map((n) => n.handler)])],
      lockTable,
      alarmArn: watch ? this.alarm.alarmArn : undefined,
      ledgerTagKey: CpuFirstLineSupport.REBOOT_LEDGER_TAG_KEY,
      healthCheckArn: healthCheckId !== undefined ? healthCheckArn(Stack.of(this), healthCheckId) : undefined,
    });
    this.role = role.withoutPolicyUpdates();

    this.stateMachine = workflowStateMachine(this, {
      instanceId,
      stateMachineName,
      role,
      checks: checks.checks,
      guard: this.guardFunction,
      escalation,
      recovery,
      lockTable,
      recheck: recheckPolicy(props.recheck),
      budget: rebootBudget(props.rebootBudget),
      dryRun: props.dryRun ?? false,
      rebootLedgerTagKey: CpuFirstLineSupport.REBOOT_LEDGER_TAG_KEY,
      // A name the user chose is passed as it is (escaped in the definition); else the one CloudFormation generates.
      watch: watch ? { ...watch, alarmName: props.cpuAlarm?.alarmName ?? this.alarm.alarmName } : undefined,
      healthCheckId,
      url: (props.urlCheck?.enabled ?? true) ? props.urlCheck?.url : undefined,
    });

    this.rule = alarmRule(this, {
      instanceId,
      alarm: this.alarm,
      stateMachine: this.stateMachine,
      stateMachineNamePrefix: failures.stateMachineNamePrefix,
      customName: props.stateMachineName !== undefined,
    });
  }

  /**
   * Grants `grantee` the right to pause and resume this workflow for maintenance: to set and
   * delete the pause tag (`PAUSE_TAG_KEY`) on this instance, and no other tag.
   */
  public grantPause(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ec2:CreateTags', 'ec2:DeleteTags'],
      resourceArns: [this.instanceArn],
      conditions: {
        // Every tag key of the request is the pause tag's, and the request names at least one.
        'ForAllValues:StringEquals': { 'aws:TagKeys': [CpuFirstLineSupport.PAUSE_TAG_KEY] },
        'Null': { 'aws:TagKeys': 'false' },
      },
    });
  }
}

/** A notifier bound to this instance, as a plain object whichever language implemented the notifier. */
function bindNotifier(scope: Construct, notifier: INotifier): NotifierConfig {
  const config = notifier.bind(scope);
  return {
    handler: config.handler,
    parameters: { ...config.parameters },
    ...(config.nonRetryableErrors !== undefined ? { nonRetryableErrors: [...config.nonRetryableErrors] } : {}),
  };
}
