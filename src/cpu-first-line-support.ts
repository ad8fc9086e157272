import { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { healthCheckArn, instanceArn } from './arns';
import { createChecks } from './checks';
import { watchExecutions } from './execution-failures';
import { guardFunction } from './guard';
import { useHandlerOptions } from './handlers';
import { incidentLocks } from './incident-locks';
import { outcomeMetric } from './metrics';
import { bindNotifier, notificationTargets } from './notifiers/binding';
import { CpuFirstLineSupportProps } from './props';
import { workflowRole } from './role';
import { rebootBudget, recheckPolicy, watchPolicy } from './settings';
import { workflowStateMachine } from './state-machine';
import { addAlarmTrigger, alarmRule, cpuAlarm } from './trigger';
import { instanceIdOf, validateProps } from './validation';

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

  /** The ID of the instance that the workflow watches, checks and reboots. */
  public readonly instanceId: string;

  /** The alarm on the instance's `CPUUtilization` that starts the workflow. */
  public readonly alarm: cloudwatch.Alarm;

  /** The EventBridge rule that starts the workflow when the alarm, or an alarm added with `addTrigger()`, enters `ALARM`. */
  public readonly rule: events.Rule;

  /** The workflow: check, reboot, re-check, notify. */
  public readonly stateMachine: sfn.StateMachine;

  /**
   * The role of the state machine. Its only permissions: tag (reboot ledger only) and reboot
   * this instance, hold this instance's incident lock, read this instance's alarm and health
   * check, publish to its notifiers' SNS topics and put the library's events on their event buses; and, through a managed policy that the stack shares between the workflows that use
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

  /**
   * The function of the escalation notifier: its first, for `Notifier.all()`; none for a notifier
   * the workflow delivers itself (`Notifier.snsTopic()`, `Notifier.eventBridge()`).
   */
  public readonly escalationFunction?: lambda.IFunction;

  /** The function of the recovery notifier, if one is set and it has one (see `escalationFunction`). */
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
    const instanceId = this.instanceId = instanceIdOf(props);
    const healthCheckId = props.healthCheck?.healthCheckId ?? props.healthCheckId;
    // Every function this instance asks for (its notifiers' included) takes these settings.
    useHandlerOptions(this, props.handlerOptions);

    const checks = createChecks(this, { ...props, healthCheckId });
    this.urlCheckFunction = checks.urlCheckFunction;
    this.route53CheckFunction = checks.route53CheckFunction;
    this.sshCheckFunction = checks.sshCheckFunction;
    const escalation = bindNotifier(this, props.escalationNotifier, 'escalationNotifier');
    const recovery = props.recoveryNotifier ? bindNotifier(this, props.recoveryNotifier, 'recoveryNotifier') : undefined;
    this.escalationFunction = notificationTargets([escalation]).functions[0];
    this.recoveryFunction = recovery ? notificationTargets([recovery]).functions[0] : undefined;
    const targets = notificationTargets(recovery ? [escalation, recovery] : [escalation]);
    this.guardFunction = guardFunction(this);

    const { failures, stateMachineName } = watchExecutions(this, props);
    this.executionFailureAlarm = failures.alarm;
    this.alarm = cpuAlarm(this, instanceId, props.cpuAlarm);
    const watch = watchPolicy(props.watch);
    const lockTable = incidentLocks(this);

    const role = workflowRole(this, {
      instanceId,
      instanceArn: instanceArn(Stack.of(this), instanceId),
      functions: [...new Set([this.guardFunction, ...checks.checks.map((c) => c.handler), ...targets.functions])],
      topics: targets.topics,
      eventBuses: targets.eventBuses,
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

    this.rule = alarmRule(this, { instanceId, alarm: this.alarm, stateMachine: this.stateMachine, customName: props.stateMachineName !== undefined });
  }

  /**
   * Starts the workflow also when `alarm` enters `ALARM`, as the CPU alarm does: for example the
   * instance's `StatusCheckFailed` alarm, or a memory alarm of the CloudWatch agent. The alarm may be
   * imported (`Alarm.fromAlarmArn()`), in the stack's account and region. It joins the CPU alarm in
   * `rule` (no resource is added); the notifications name the alarm that fired and its reason.
   * `watch` and the follow-up of an escalation keep reading the CPU alarm only. Alarms firing together
   * start one incident. At most 5 can be added (for more, add a `CompositeAlarm`); adding one twice throws.
   */
  public addTrigger(alarm: cloudwatch.IAlarm): void { addAlarmTrigger(this.rule, alarm); }

  /**
   * Grants `grantee` the right to pause and resume this workflow for maintenance: to set and
   * delete the pause tag (`PAUSE_TAG_KEY`) on this instance, and no other tag.
   */
  public grantPause(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ec2:CreateTags', 'ec2:DeleteTags'],
      resourceArns: [instanceArn(Stack.of(this), this.instanceId)],
      conditions: {
        // Every tag key of the request is the pause tag's, and the request names at least one.
        'ForAllValues:StringEquals': { 'aws:TagKeys': [CpuFirstLineSupport.PAUSE_TAG_KEY] },
        'Null': { 'aws:TagKeys': 'false' },
      },
    });
  }

  /**
   * Return the given named metric that the workflow records about this instance, in the
   * `CpuFirstLineSupport` namespace with the `InstanceId` dimension: `Incidents`, `AllGood`,
   * `Recovered`, `Escalated`, `EscalationFailed`, `Resolved`, `Paused`, `DryRun`, `Reboots` (counts),
   * `TimeToRecovery` and `TimeToResolve` (seconds). Fire drills record no metric.
   *
   * @default - sum (counts) or average (durations) over 5 minutes
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return outcomeMetric(this.instanceId, metricName, props).attachTo(this);
  }

  /**
   * Metric for the number of incidents: outcomes of an execution, all but "Already handled" and "Resolved".
   * @default - sum over 5 minutes
   */
  public metricIncidents(props?: cloudwatch.MetricOptions): cloudwatch.Metric { return this.metric('Incidents', props); }

  /**
   * Metric for the number of incidents in which the instance recovered after a reboot.
   * @default - sum over 5 minutes
   */
  public metricRecovered(props?: cloudwatch.MetricOptions): cloudwatch.Metric { return this.metric('Recovered', props); }

  /**
   * Metric for the number of incidents escalated to a human: unresponsive after the reboot, not rebooted, or a workflow error.
   * @default - sum over 5 minutes
   */
  public metricEscalated(props?: cloudwatch.MetricOptions): cloudwatch.Metric { return this.metric('Escalated', props); }

  /**
   * Metric for the number of escalations the escalation notifier could not deliver.
   * @default - sum over 5 minutes
   */
  public metricEscalationFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric { return this.metric('EscalationFailed', props); }

  /**
   * Metric for the number of escalated incidents that ended: the instance passed every check again.
   * @default - sum over 5 minutes
   */
  public metricResolved(props?: cloudwatch.MetricOptions): cloudwatch.Metric { return this.metric('Resolved', props); }

  /**
   * Metric for the number of reboots of the instance by the workflow.
   * @default - sum over 5 minutes
   */
  public metricReboots(props?: cloudwatch.MetricOptions): cloudwatch.Metric { return this.metric('Reboots', props); }

  /**
   * Metric for the time from the start of an incident (the alarm) to the recovery after a reboot, in seconds.
   * @default - average over 5 minutes
   */
  public metricTimeToRecovery(props?: cloudwatch.MetricOptions): cloudwatch.Metric { return this.metric('TimeToRecovery', props); }
}
