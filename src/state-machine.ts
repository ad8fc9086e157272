import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { placeholder, sharedDefinition } from './definition';
import { NotifierConfig } from './notifiers/notifier';
import { RebootBudget, RecheckOptions } from './options';
import { executionTimeout, incidentTimeout, lockLease, WatchPolicy } from './settings';
import { stackSingleton } from './stack-scoped';
import { buildWorkflow, WorkflowSettings } from './workflow';
import { WorkflowCheck } from './workflow-checks';

/** What one instance's state machine is made of. */
export interface WorkflowStateMachineProps {
  readonly instanceId: string;
  readonly stateMachineName: string;
  /** The workflow role; the state machine takes it without policy updates. */
  readonly role: iam.Role;
  readonly checks: WorkflowCheck[];
  readonly guard: lambda.IFunction;
  readonly escalation: NotifierConfig;
  readonly recovery?: NotifierConfig;
  readonly lockTable: dynamodb.ITable;
  readonly recheck: Required<RecheckOptions>;
  readonly budget: Required<RebootBudget>;
  readonly dryRun: boolean;
  readonly rebootLedgerTagKey: string;
  /** The alarm the workflow keeps reading while it watches; undefined: no watching. */
  readonly watch?: WatchPolicy & { readonly alarmName: string };
  /** The Route 53 health check ID, when that check is enabled. */
  readonly healthCheckId?: string;
  /** The URL the URL check requests, when one is set. */
  readonly url?: string;
}

/**
 * The instance's Standard state machine: check, reboot if unhealthy, re-check, notify (see
 * `workflow.ts`). Its definition is shared with every instance of the stack configured alike
 * (see `definition.ts`); this instance's own values are literals of its `DefinitionSubstitutions`.
 */
export function workflowStateMachine(scope: Construct, props: WorkflowStateMachineProps): sfn.StateMachine {
  const { gracePeriod, interval, deadline } = props.recheck;
  const timeout = executionTimeout(incidentTimeout(gracePeriod, interval, deadline), props.watch);
  // Every value of this instance is a placeholder: instances configured alike share one definition.
  const comment = `First line of support for ${placeholder('InstanceId')}: check, reboot if unhealthy, re-check, notify.`;
  const settings: WorkflowSettings = {
    instanceId: placeholder('InstanceId'),
    checks: props.checks,
    recovery: props.recovery,
    escalation: props.escalation,
    gracePeriod,
    interval,
    deadline,
    guard: props.guard,
    lockTable: props.lockTable,
    leaseSeconds: lockLease(gracePeriod, interval, props.watch?.interval).toSeconds(),
    maxReboots: props.budget.maxReboots,
    rebootWindow: props.budget.window,
    dryRun: props.dryRun,
    dryRunNotifier: props.recovery ?? props.escalation,
    rebootLedgerTagKey: props.rebootLedgerTagKey,
    watch: props.watch ? { alarmName: placeholder('AlarmName'), interval: props.watch.interval, maxCycles: props.watch.maxCycles } : undefined,
    followUp: props.watch?.resolveEscalations
      ? { alarmName: placeholder('AlarmName'), interval: props.watch.interval, maxCycles: props.watch.maxCycles }
      : undefined,
  };
  const { definitionBody, definitionSubstitutions } = sharedDefinition(scope, { settings, timeout, comment },
    () => ({ chainable: buildWorkflow(scope, settings), timeout, comment }), {
      InstanceId: props.instanceId,
      ...(props.watch ? { AlarmName: props.watch.alarmName } : {}),
      ...(props.healthCheckId !== undefined ? { HealthCheckId: props.healthCheckId } : {}),
      ...(props.url !== undefined ? { UrlCheckUrl: props.url } : {}),
    });

  const stateMachine = new sfn.StateMachine(scope, 'StateMachine', {
    stateMachineName: props.stateMachineName,
    stateMachineType: sfn.StateMachineType.STANDARD,
    role: props.role.withoutPolicyUpdates(),
    tracingEnabled: true,
    logs: {
      destination: workflowLogGroup(scope),
      level: sfn.LogLevel.ALL,
      // The state holds check results and the alarm event, never a secret.
      includeExecutionData: true,
    },
    definitionBody,
    definitionSubstitutions,
  });
  // The role is passed without policy updates, whose wrapper holds no resource to depend on.
  stateMachine.node.addDependency(props.role);
  return stateMachine;
}

/** The stack's one log group for the executions of every `CpuFirstLineSupport` in it. */
function workflowLogGroup(scope: Construct): logs.ILogGroup {
  return stackSingleton(scope, 'CpuFirstLineSupportWorkflowLogs', (stack, id) => new logs.LogGroup(stack, id, { retention: logs.RetentionDays.ONE_YEAR }));
}
