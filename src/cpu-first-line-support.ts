import { Annotations, ArnFormat, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { placeholder, sharedDefinition } from './definition';
import { ExecutionFailures } from './execution-failures';
import { CHECK_FUNCTION_TIMEOUT, MAX_CHECK_TIMEOUT, NOTIFIER_FUNCTION_TIMEOUT, sharedFunction } from './handlers';
import { incidentLocks } from './incident-locks';
import { acceptNagFindings } from './nag';
import { INotifier, NotifierConfig } from './notifier';
import {
  CpuAlarmOptions,
  InstanceAddress,
  RebootBudget,
  RecheckOptions,
  SshCheckOptions,
  UrlCheckOptions,
  UrlCheckProtocol,
  WatchOptions,
} from './options';
import { ruleTargetRole, workflowRole } from './roles';
import {
  HTTP_URL,
  validateDuration,
  validateInteger,
  validateNumber,
  validatePattern,
} from './validation';
import { buildWorkflow, WorkflowCheck, WorkflowSettings } from './workflow';

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
   * An SNS topic for the stack's execution-failure alarm (`executionFailureAlarm`), the
   * fallback when a workflow cannot reach its escalation notifier. The alarm is shared by
   * every `CpuFirstLineSupport` in the stack, and notifies at most 5 distinct topics.
   *
   * @default - the alarm has no action, and synth warns (`cdk-cpu-first-line-support:noExecutionFailureTopic`);
   * add one with `executionFailureAlarm.addAlarmAction()` and acknowledge the warning
   */
  readonly executionFailureTopic?: sns.ITopic;
}

const INSTANCE_ID = /^i-([0-9a-f]{8}|[0-9a-f]{17})$/;
const HEALTH_CHECK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HTTP_CODES = /^([1-5]\d\d(-[1-5]\d\d)?)(,[1-5]\d\d(-[1-5]\d\d)?)*$/;
const HTTP_METHODS = /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/;
const STATISTIC = /^(Maximum|Minimum|Average|Sum|SampleCount|p(\d{1,2}(\.\d+)?|100))$/;
const STATE_MACHINE_NAME = /^[0-9A-Za-z_-]{1,80}$/;

/** The most reboots a budget may allow: the ledger tag (256 characters) keeps 12 times. */
const MAX_REBOOTS_PER_WINDOW = 10;

/** More re-checks than this would crowd the execution history; see `RecheckOptions`. */
const MAX_RECHECKS = 200;

/** More watch cycles than this would crowd the execution history (25,000 events); see `WatchOptions`. */
const MAX_WATCH_CYCLES = 200;

/** Beyond this many history events at worst, synth warns: Step Functions fails an execution past 25,000. */
const MAX_HISTORY_EVENTS = 20_000;

/**
 * The history events one execution needs at worst, counted from the states each part enters
 * (a Lambda or SDK task writes 5 events, a Pass, Choice or Wait 2, a run of three checks
 * about 24): about 60 per quiet watch cycle, 30 per reboot and 55 per re-check. Every cycle
 * may be quiet, and as many as the reboot budget allows may reboot and re-check until the
 * deadline.
 */
function worstCaseHistoryEvents(rechecks: number, watch: { maxCycles: number; maxDuration: Duration }, budget: Required<RebootBudget>): number {
  const cycles = watch.maxCycles + 1;
  const windows = Math.ceil(watch.maxDuration.toSeconds() / budget.window.toSeconds()) + 1;
  const rebootCycles = Math.min(cycles, budget.maxReboots * windows);
  return cycles * 60 + rebootCycles * (30 + rechecks * 55);
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
   * The role of the state machine. Its only permissions: invoke this workflow's functions, look
   * up, tag (reboot ledger only) and reboot this instance, hold this instance's incident lock,
   * read this instance's alarm and health check. The rule's target has a role of its own, shared
   * in the stack, that may only start the stack's state machines.
   */
  public readonly role: iam.IRole;

  /** The function that runs the URL check (shared in the stack), if the check is enabled. */
  public readonly urlCheckFunction?: lambda.IFunction;

  /** The function that runs the SSH check (shared in the stack), if the check is enabled. */
  public readonly sshCheckFunction?: lambda.IFunction;

  /** The function that runs the Route 53 check (shared in the stack), if `healthCheckId` is set. */
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

  constructor(scope: Construct, id: string, props: CpuFirstLineSupportProps) {
    super(scope, id);
    validateProps(this, props);

    const stack = Stack.of(this);
    const { instanceId } = props;
    const instanceArn = stack.formatArn({ partition: knownPartition(stack), service: 'ec2', resource: 'instance', resourceName: instanceId });

    // Checks, in the order their results appear in each run.
    const checks: WorkflowCheck[] = [];
    const url = props.urlCheck ?? {};
    if (url.enabled ?? true) {
      this.urlCheckFunction = this.checkFunction('CpuFirstLineSupportUrlCheck', 'url-check',
        'cdk-cpu-first-line-support: answers whether an instance serves a URL', props);
      const protocol = url.protocol ?? UrlCheckProtocol.HTTP;
      checks.push({
        kind: 'url',
        title: 'URL',
        handler: this.urlCheckFunction,
        event: {
          instanceId: placeholder('InstanceId'),
          ...(url.url !== undefined ? { url: placeholder('UrlCheckUrl') } : {}),
          protocol,
          port: url.port ?? (protocol === UrlCheckProtocol.HTTPS ? 443 : 80),
          path: url.path ?? '/',
          addressType: url.address ?? InstanceAddress.PUBLIC_IP,
          method: (url.method ?? 'GET').toUpperCase(),
          healthyHttpCodes: url.healthyHttpCodes ?? '200-399',
          timeoutMs: (url.timeout ?? Duration.seconds(10)).toMilliseconds(),
          verifyCertificate: url.verifyCertificate ?? true,
        },
      });
    }
    if (props.healthCheckId !== undefined) {
      this.route53CheckFunction = sharedFunction(this, {
        id: 'CpuFirstLineSupportRoute53Check',
        handler: 'route53-check',
        description: 'cdk-cpu-first-line-support: judges the status of a Route 53 health check',
        timeout: CHECK_FUNCTION_TIMEOUT,
      });
      checks.push({ kind: 'route53', title: 'Route 53 health check', handler: this.route53CheckFunction, event: { healthCheckId: placeholder('HealthCheckId') } });
    }
    const ssh = props.sshCheck ?? {};
    if (ssh.enabled ?? true) {
      this.sshCheckFunction = this.checkFunction('CpuFirstLineSupportSshCheck', 'ssh-check',
        'cdk-cpu-first-line-support: answers whether an instance completes an SSH handshake', props);
      checks.push({
        kind: 'ssh',
        title: 'SSH',
        handler: this.sshCheckFunction,
        event: {
          instanceId: placeholder('InstanceId'),
          port: ssh.port ?? 22,
          addressType: ssh.address ?? InstanceAddress.PUBLIC_IP,
          timeoutMs: (ssh.timeout ?? Duration.seconds(10)).toMilliseconds(),
        },
      });
    }

    const escalation = plainNotifierConfig(props.escalationNotifier.bind(this));
    const recovery = props.recoveryNotifier ? plainNotifierConfig(props.recoveryNotifier.bind(this)) : undefined;
    this.escalationFunction = escalation.handler;
    this.recoveryFunction = recovery?.handler;

    const guard = sharedFunction(this, {
      id: 'CpuFirstLineSupportGuard',
      handler: 'guard',
      description: 'cdk-cpu-first-line-support: reads the instance, decides reboots and keeps the re-check clock',
      timeout: CHECK_FUNCTION_TIMEOUT,
    });
    this.guardFunction = guard;

    const { gracePeriod, interval, deadline } = recheckPolicy(props.recheck);
    const budget = rebootBudget(props.rebootBudget);
    const watch = watchPolicy(props.watch);

    const failures = ExecutionFailures.of(this);
    this.executionFailureAlarm = failures.alarm;
    if (props.executionFailureTopic) {
      failures.notify(props.executionFailureTopic);
    } else {
      Annotations.of(this).addWarningV2('cdk-cpu-first-line-support:noExecutionFailureTopic',
        '`executionFailureTopic` is not set: when a workflow fails (for example because its escalation notifier is down), '
        + 'the stack\'s execution-failure alarm fires but notifies nobody. Set `executionFailureTopic`, or add an action to '
        + '`executionFailureAlarm` and acknowledge this warning.');
    }
    const stateMachineName = props.stateMachineName ?? failures.stateMachineNamePrefix
      + Names.uniqueResourceName(this, { maxLength: 80 - failures.stateMachineNamePrefix.length, separator: '-', allowedSpecialCharacters: '_-' });
    if (props.stateMachineName !== undefined) {
      failures.watchStateMachine(stack.formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: stateMachineName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }));
    }

    const alarmOptions = props.cpuAlarm ?? {};
    const evaluationPeriods = alarmOptions.evaluationPeriods ?? 1;
    this.alarm = new cloudwatch.Alarm(this, 'CpuAlarm', {
      alarmName: alarmOptions.alarmName,
      alarmDescription: `CPU of ${instanceId} is maxed out; starts the first line of support (cdk-cpu-first-line-support).`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/EC2',
        metricName: 'CPUUtilization',
        dimensionsMap: { InstanceId: instanceId },
        statistic: alarmOptions.statistic ?? 'Maximum',
        period: alarmOptions.period ?? Duration.minutes(5),
      }),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      threshold: alarmOptions.threshold ?? 100,
      evaluationPeriods,
      datapointsToAlarm: alarmOptions.datapointsToAlarm ?? evaluationPeriods,
      treatMissingData: alarmOptions.treatMissingData ?? cloudwatch.TreatMissingData.MISSING,
    });

    const locks = incidentLocks(this);
    const incident = incidentTimeout(gracePeriod, interval, deadline);
    const timeout = executionTimeout(incident, watch);
    const functions = uniqueFunctions([guard, ...checks.map((c) => c.handler), escalation.handler, ...(recovery ? [recovery.handler] : [])]);
    const role = workflowRole(this, {
      instanceId,
      instanceArn,
      functions,
      lockTable: locks,
      alarmArn: watch ? this.alarm.alarmArn : undefined,
      ledgerTagKey: CpuFirstLineSupport.REBOOT_LEDGER_TAG_KEY,
      healthCheckArn: props.healthCheckId !== undefined ? healthCheckArn(stack, props.healthCheckId) : undefined,
    });
    this.role = role.withoutPolicyUpdates();

    // Every value of this instance is a placeholder: instances configured alike share one definition.
    const comment = `First line of support for ${placeholder('InstanceId')}: check, reboot if unhealthy, re-check, notify.`;
    const settings: WorkflowSettings = {
      instanceId: placeholder('InstanceId'),
      checks,
      recovery,
      escalation,
      gracePeriod,
      interval,
      deadline,
      guard,
      lockTable: locks,
      leaseSeconds: lockLease(gracePeriod, interval, watch?.interval).toSeconds(),
      maxReboots: budget.maxReboots,
      rebootWindow: budget.window,
      dryRun: props.dryRun ?? false,
      dryRunNotifier: recovery ?? escalation,
      rebootLedgerTagKey: CpuFirstLineSupport.REBOOT_LEDGER_TAG_KEY,
      watch: watch ? { alarmName: placeholder('AlarmName'), interval: watch.interval, maxCycles: watch.maxCycles } : undefined,
    };
    const { definitionBody, definitionSubstitutions } = sharedDefinition(this, { settings, timeout, comment },
      () => ({ chainable: buildWorkflow(this, settings), timeout, comment }), {
        InstanceId: instanceId,
        ...(watch ? { AlarmName: this.alarm.alarmName } : {}),
        ...(props.healthCheckId !== undefined ? { HealthCheckId: props.healthCheckId } : {}),
        ...(url.url !== undefined && (url.enabled ?? true) ? { UrlCheckUrl: url.url } : {}),
      });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      role: this.role,
      tracingEnabled: true,
      logs: {
        destination: workflowLogGroup(this),
        level: sfn.LogLevel.ALL,
        // The state holds check results and the alarm event, never a secret.
        includeExecutionData: true,
      },
      definitionBody,
      definitionSubstitutions,
    });
    this.stateMachine.node.addDependency(role);

    this.rule = new events.Rule(this, 'AlarmRule', {
      description: `Starts the first line of support for ${instanceId} when its CPU alarm fires.`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: [this.alarm.alarmArn],
        detail: { state: { value: ['ALARM'] } },
      },
      targets: [new targets.SfnStateMachine(this.stateMachine, {
        role: ruleTargetRole(this, failures.stateMachineNamePrefix,
          props.stateMachineName !== undefined ? this.stateMachine.stateMachineArn : undefined),
      })],
    });
    acceptNagFindings(this.rule, [{
      id: 'Serverless-EventBusDLQ',
      reason: 'EventBridge retries starting the execution for 24 hours (185 attempts) before it drops the event.',
    }]);
  }

  private checkFunction(id: string, handler: 'url-check' | 'ssh-check', description: string, props: CpuFirstLineSupportProps): lambda.Function {
    return sharedFunction(this, {
      id,
      handler,
      description,
      timeout: CHECK_FUNCTION_TIMEOUT,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
    });
  }
}

/** The re-check options with their defaults filled in. */
function recheckPolicy(options: RecheckOptions = {}): Required<RecheckOptions> {
  return {
    gracePeriod: options.gracePeriod ?? Duration.seconds(30),
    interval: options.interval ?? Duration.seconds(30),
    deadline: options.deadline ?? Duration.minutes(10),
  };
}

/** The watch options with their defaults filled in; undefined when watching is off. */
function watchPolicy(options: WatchOptions = {}): { interval: Duration; maxDuration: Duration; maxCycles: number } | undefined {
  if (options.enabled === false) {
    return undefined;
  }
  const interval = options.interval ?? Duration.minutes(5);
  const maxDuration = options.maxDuration ?? Duration.hours(6);
  return { interval, maxDuration, maxCycles: Math.max(1, Math.floor(maxDuration.toSeconds() / interval.toSeconds())) };
}

/** The ARN of a Route 53 health check (global: no region, no account). */
function healthCheckArn(stack: Stack, healthCheckId: string): string {
  return stack.formatArn({
    partition: knownPartition(stack),
    service: 'route53',
    region: '',
    account: '',
    resource: 'healthcheck',
    resourceName: healthCheckId,
  });
}

/** The stack's partition as a literal where its region is known (a smaller template), else undefined: a reference. */
function knownPartition(stack: Stack): string | undefined {
  return Token.isUnresolved(stack.region) ? undefined : RegionInfo.get(stack.region).partition;
}

/** The reboot budget with its defaults filled in. */
function rebootBudget(budget: RebootBudget = {}): Required<RebootBudget> {
  return { maxReboots: budget.maxReboots ?? 1, window: budget.window ?? Duration.hours(1) };
}

/**
 * A bound on one cycle (an incident) that no healthy run reaches: every task at its Lambda
 * timeout with all retries, notifications with their 270 s of retries, and every wait.
 */
function incidentTimeout(gracePeriod: Duration, interval: Duration, deadline: Duration): Duration {
  const attempts = 3; // the first try and two retries
  const taskSeconds = attempts * Math.max(CHECK_FUNCTION_TIMEOUT.toSeconds(), NOTIFIER_FUNCTION_TIMEOUT.toSeconds()) + 30;
  const notifySeconds = 6 * NOTIFIER_FUNCTION_TIMEOUT.toSeconds() + 270;
  const rechecks = maxRechecks(gracePeriod, interval, deadline);
  // Per run: look up, inspect, lock, check, look up, decide, tag, reboot; per re-check: look up, inspect, check, schedule.
  return Duration.seconds(deadline.toSeconds() + (8 + 4 * rechecks) * taskSeconds + 3 * notifySeconds);
}

/**
 * How long the incident lock holds unless renewed. The lock is taken at the start and renewed
 * before each re-check and at each watch cycle, so the longest time between two renewals is the
 * longest wait plus the tasks around it: notifications with all their retries (three in a row
 * at worst: the escalation, an error alert, the other channel) and the lookups and checks. The
 * lock of an execution that died (aborted, say) lapses within this time.
 */
function lockLease(gracePeriod: Duration, interval: Duration, watchInterval?: Duration): Duration {
  const longestWait = Math.max(gracePeriod.toSeconds(), interval.toSeconds(), watchInterval?.toSeconds() ?? 0);
  const notifySeconds = 6 * NOTIFIER_FUNCTION_TIMEOUT.toSeconds() + 270;
  return Duration.seconds(longestWait + 3 * notifySeconds + 15 * 60);
}

/**
 * A bound on an execution: two incidents, plus every watch cycle at its interval and five
 * minutes of tasks. An execution that hits it ends TIMED_OUT, which the execution-failure
 * alarm catches.
 */
function executionTimeout(incident: Duration, watch?: { interval: Duration; maxCycles: number }): Duration {
  const watchSeconds = watch ? watch.maxCycles * (watch.interval.toSeconds() + 300) : 0;
  return Duration.seconds(2 * incident.toSeconds() + watchSeconds + 15 * 60);
}

/** The most re-checks after a reboot: one after the grace period, then one per interval until the deadline, the last at it. */
function maxRechecks(gracePeriod: Duration, interval: Duration, deadline: Duration): number {
  return 2 + Math.floor((deadline.toSeconds() - gracePeriod.toSeconds()) / interval.toSeconds());
}

/** The stack's one log group for the executions of every `CpuFirstLineSupport` in it. */
function workflowLogGroup(scope: Construct): logs.ILogGroup {
  const stack = Stack.of(scope);
  const id = 'CpuFirstLineSupportWorkflowLogs';
  const existing = stack.node.tryFindChild(id) as logs.LogGroup | undefined;
  if (existing) {
    return existing;
  }
  return new logs.LogGroup(stack, id, { retention: logs.RetentionDays.ONE_YEAR });
}

/** A notifier's config as a plain object, whichever language implemented the notifier. */
function plainNotifierConfig(config: NotifierConfig): NotifierConfig {
  return {
    handler: config.handler,
    parameters: { ...config.parameters },
    ...(config.nonRetryableErrors !== undefined ? { nonRetryableErrors: [...config.nonRetryableErrors] } : {}),
  };
}

function uniqueFunctions(functions: lambda.IFunction[]): lambda.IFunction[] {
  return [...new Set(functions)];
}

/** Validates every prop at synth time; see `validation.ts`. */
function validateProps(scope: Construct, props: CpuFirstLineSupportProps): void {
  validatePattern('instanceId', props.instanceId, INSTANCE_ID, 'an EC2 instance ID such as "i-0123456789abcdef0"');
  validatePattern('healthCheckId', props.healthCheckId, HEALTH_CHECK_ID,
    'a Route 53 health check ID such as "abcdef01-2345-6789-abcd-ef0123456789"');
  validatePattern('stateMachineName', props.stateMachineName, STATE_MACHINE_NAME,
    '1 to 80 letters, digits, "-" or "_"');

  const url = props.urlCheck ?? {};
  validatePattern('urlCheck.url', url.url, HTTP_URL, 'an http:// or https:// URL');
  validateInteger('urlCheck.port', url.port, 1, 65535);
  validatePattern('urlCheck.path', url.path, /^\/\S*$/, 'a path starting with "/" and without spaces');
  validatePattern('urlCheck.method', url.method?.toUpperCase(), HTTP_METHODS, 'one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
  validatePattern('urlCheck.healthyHttpCodes', url.healthyHttpCodes, HTTP_CODES,
    'status codes from 100 to 599 and ranges separated by commas, such as "200", "200,204" or "200-399"');
  validateDuration('urlCheck.timeout', url.timeout, Duration.seconds(1), MAX_CHECK_TIMEOUT);

  const httpsToIp = url.url !== undefined
    ? /^https:\/\/(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\])(:\d+)?(\/|$)/.test(url.url)
    : url.protocol === UrlCheckProtocol.HTTPS;
  if ((url.enabled ?? true) && httpsToIp && url.verifyCertificate !== false) {
    Annotations.of(scope).addWarningV2('cdk-cpu-first-line-support:httpsToIpAddress',
      '`urlCheck` requests HTTPS from an IP address with `verifyCertificate` on: certificates are rarely issued for IP addresses, '
      + 'and a certificate that is not accepted is escalated as a configuration error on every alarm (never a reboot). '
      + 'Set `urlCheck.url` to a host name the certificate names, or `urlCheck.verifyCertificate: false`.');
  }

  const ssh = props.sshCheck ?? {};
  validateInteger('sshCheck.port', ssh.port, 1, 65535);
  validateDuration('sshCheck.timeout', ssh.timeout, Duration.seconds(1), MAX_CHECK_TIMEOUT);

  const urlEnabled = url.enabled ?? true;
  const sshEnabled = ssh.enabled ?? true;
  if (!urlEnabled && !sshEnabled && props.healthCheckId === undefined) {
    throw new Error('At least one check must be enabled: got `urlCheck.enabled: false`, `sshCheck.enabled: false` and no `healthCheckId`');
  }
  if (props.vpcSubnets && !props.vpc) {
    throw new Error('`vpcSubnets` needs `vpc`: got `vpcSubnets` without a `vpc`');
  }
  const privateChecks = [
    urlEnabled && url.url === undefined && url.address === InstanceAddress.PRIVATE_IP ? 'urlCheck' : undefined,
    sshEnabled && ssh.address === InstanceAddress.PRIVATE_IP ? 'sshCheck' : undefined,
  ].filter((c) => c !== undefined);
  if (privateChecks.length > 0 && !props.vpc) {
    Annotations.of(scope).addWarningV2('cdk-cpu-first-line-support:privateAddressWithoutVpc',
      `\`${privateChecks.join('` and `')}\` use the private IP address but no \`vpc\` is set: the check functions cannot reach it from outside the VPC.`);
  }

  const alarm = props.cpuAlarm ?? {};
  validateNumber('cpuAlarm.threshold', alarm.threshold, 0, 100);
  validatePattern('cpuAlarm.statistic', alarm.statistic, STATISTIC,
    'Maximum, Minimum, Average, Sum, SampleCount or a percentile such as "p99"');
  const period = alarm.period ?? Duration.minutes(5);
  if (!period.isUnresolved()) {
    const seconds = period.toSeconds();
    if (seconds < 60 || seconds > 86_400 || seconds % 60 !== 0) {
      throw new Error(`\`cpuAlarm.period\` must be a whole number of minutes from 1 minute to 1 day, got ${period.toHumanString()}`);
    }
    if (seconds < 300) {
      Annotations.of(scope).addWarningV2('cdk-cpu-first-line-support:shortAlarmPeriod',
        `\`cpuAlarm.period\` is ${period.toHumanString()}: EC2 publishes CPU every minute only with detailed monitoring; enable it on the instance.`);
    }
    // CloudWatch evaluates at most one day of data, or seven days for periods of an hour or more.
    const maxEvaluationPeriods = Math.floor((seconds < 3600 ? 86_400 : 7 * 86_400) / seconds);
    validateInteger('cpuAlarm.evaluationPeriods', alarm.evaluationPeriods, 1, maxEvaluationPeriods);
  }
  const evaluationPeriods = alarm.evaluationPeriods ?? 1;
  validateInteger('cpuAlarm.datapointsToAlarm', alarm.datapointsToAlarm, 1, Token.isUnresolved(evaluationPeriods) ? 100_000 : evaluationPeriods);

  validateInteger('rebootBudget.maxReboots', props.rebootBudget?.maxReboots, 1, MAX_REBOOTS_PER_WINDOW);
  validateDuration('rebootBudget.window', props.rebootBudget?.window, Duration.minutes(1), Duration.days(7));

  const { gracePeriod: grace, interval, deadline } = recheckPolicy(props.recheck);
  validateDuration('recheck.gracePeriod', props.recheck?.gracePeriod, Duration.seconds(0), Duration.hours(1));
  validateDuration('recheck.interval', props.recheck?.interval, Duration.seconds(5), Duration.hours(1));
  validateDuration('recheck.deadline', props.recheck?.deadline, Duration.seconds(5), Duration.days(1));
  if (!grace.isUnresolved() && !deadline.isUnresolved() && grace.toMilliseconds() >= deadline.toMilliseconds()) {
    throw new Error(`\`recheck.gracePeriod\` must be shorter than \`recheck.deadline\`, got ${grace.toHumanString()} and ${deadline.toHumanString()}`);
  }
  if (!interval.isUnresolved() && !deadline.isUnresolved() && interval.toMilliseconds() >= deadline.toMilliseconds()) {
    throw new Error(`\`recheck.interval\` must be shorter than \`recheck.deadline\`, got ${interval.toHumanString()} and ${deadline.toHumanString()}`);
  }
  if (!grace.isUnresolved() && !interval.isUnresolved() && !deadline.isUnresolved()) {
    const count = maxRechecks(grace, interval, deadline);
    if (count > MAX_RECHECKS) {
      throw new Error(`\`recheck\` allows at most ${MAX_RECHECKS} re-checks, got ${count} (2 + (deadline - gracePeriod) / interval); lengthen \`recheck.interval\` or shorten \`recheck.deadline\``);
    }
  }
  validateDuration('watch.interval', props.watch?.interval, Duration.minutes(1), Duration.hours(6));
  validateDuration('watch.maxDuration', props.watch?.maxDuration, Duration.minutes(1), Duration.days(7));
  const watch = watchPolicy(props.watch);
  if (watch && !watch.interval.isUnresolved() && !watch.maxDuration.isUnresolved() && watch.maxCycles > MAX_WATCH_CYCLES) {
    throw new Error(`\`watch\` allows at most ${MAX_WATCH_CYCLES} watch cycles in one execution, got ${watch.maxCycles} (maxDuration / interval); `
      + 'lengthen `watch.interval` or shorten `watch.maxDuration`');
  }
  const budget = rebootBudget(props.rebootBudget);
  if (watch && !grace.isUnresolved() && !interval.isUnresolved() && !deadline.isUnresolved() && !budget.window.isUnresolved()
    && !watch.maxDuration.isUnresolved() && !watch.interval.isUnresolved()) {
    const historyEvents = worstCaseHistoryEvents(maxRechecks(grace, interval, deadline), watch, budget);
    if (historyEvents > MAX_HISTORY_EVENTS) {
      Annotations.of(scope).addWarningV2('cdk-cpu-first-line-support:historyLimit',
        `\`watch\` with \`recheck\` and \`rebootBudget\` could need ${historyEvents} execution history events in one execution at worst `
        + `(every reboot the budget allows, each re-checked until the deadline), more than ${MAX_HISTORY_EVENTS}; Step Functions fails an `
        + 'execution past 25,000 events (the execution-failure alarm then fires). Shorten `watch.maxDuration`, lengthen '
        + '`rebootBudget.window` or `recheck.interval`, or lower `rebootBudget.maxReboots`.');
    }
  }
}
