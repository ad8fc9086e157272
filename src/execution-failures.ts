import { Annotations, ArnFormat, Duration, Names, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acceptNagFindings } from './nag';
import { stackSingleton } from './stack-scoped';

/** CloudWatch allows at most this many actions per alarm state. */
const MAX_ALARM_ACTIONS = 5;

/**
 * The fallback that reaches a human when a workflow cannot: one per stack, shared by every
 * `CpuFirstLineSupport` in it, so that it adds no resource per instance.
 *
 * An EventBridge rule matches the "Step Functions Execution Status Change" events of the
 * stack's workflows that end FAILED, TIMED_OUT or ABORTED (for example when the escalation
 * notifier itself is down or its key was revoked) and keeps each event in a queue for 14
 * days, so a human can see which execution failed and why; an alarm fires on every event
 * the rule matches (its `AWS/Events` `TriggeredRules` metric).
 */
export class ExecutionFailures extends Construct {
  /** The construct ID under the stack; part of the library's contract. */
  public static readonly ID = 'CpuFirstLineSupportExecutionFailures';

  /** The stack's one `ExecutionFailures`, created on first use. */
  public static of(scope: Construct): ExecutionFailures {
    return stackSingleton(scope, ExecutionFailures.ID, (stack, id) => new ExecutionFailures(stack, id));
  }

  /**
   * The prefix of the default state machine names in this stack: the rule matches them all
   * with one pattern, whatever the number of instances (event patterns hold 2,048 characters).
   */
  public readonly stateMachineNamePrefix: string;

  public readonly rule: events.Rule;
  /** Holds the status-change event of every failed, timed-out or aborted execution for 14 days. */
  public readonly queue: sqs.Queue;
  public readonly alarm: cloudwatch.Alarm;

  private readonly topics = new Set<sns.ITopic>();

  private constructor(scope: Stack, id: string) {
    super(scope, id);
    this.stateMachineNamePrefix = `CpuFirstLineSupport-${scope.node.addr.slice(0, 8)}-`;
    const stateMachineArnPrefix = scope.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: this.stateMachineNamePrefix,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    this.rule = new events.Rule(this, 'Rule', {
      description: 'Matches cdk-cpu-first-line-support executions that failed, timed out or were aborted.',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          // Custom-named state machines are appended by `watchStateMachine`.
          stateMachineArn: [{ prefix: stateMachineArnPrefix }],
        },
      },
    });
    acceptNagFindings(this.rule, [{
      id: 'Serverless-EventBusDLQ',
      reason: 'EventBridge retries delivering to the queue for 24 hours (185 attempts); the queue is the only consumer and is itself the record of failures.',
    }]);
    this.queue = new sqs.Queue(this, 'Queue', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const noConsumer = 'The queue is the record of failed executions for humans to read; no program consumes it, so no message can fail processing and need a dead-letter queue.';
    acceptNagFindings(this.queue, [
      { id: 'AwsSolutions-SQS3', reason: noConsumer },
      { id: 'Serverless-SQSRedrivePolicy', reason: noConsumer },
    ]);
    this.rule.addTarget(new targets.SqsQueue(this.queue));

    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmDescription: 'A cdk-cpu-first-line-support workflow in this stack failed, timed out or was aborted, so its '
        + 'escalation may not have reached anyone. The queue fed by this alarm\'s rule holds the Step Functions event of each such '
        + `execution (state machines named ${this.stateMachineNamePrefix}*, and any custom-named ones): look at them and at their instances.`,
      // The rule's own metric: EventBridge publishes it from the first matched event on, while
      // SQS stops publishing the metrics of a queue that has been idle for hours.
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'TriggeredRules',
        dimensionsMap: { RuleName: this.rule.ruleName },
        statistic: 'Sum',
        period: Duration.minutes(1),
      }),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** Watches a state machine whose name does not start with {@link stateMachineNamePrefix}. */
  public watchStateMachine(stateMachineArn: string): void {
    this.rule.addEventPattern({ detail: { stateMachineArn: [stateMachineArn] } });
  }

  /** Makes the alarm notify `topic` (once, however many instances ask). */
  public notify(topic: sns.ITopic): void {
    if (this.topics.has(topic)) {
      return;
    }
    if (this.topics.size >= MAX_ALARM_ACTIONS) {
      throw new Error(`\`executionFailureTopic\`: the stack's execution-failure alarm can notify at most ${MAX_ALARM_ACTIONS} topics, got a ${this.topics.size + 1}th; share one topic between the instances of a stack`);
    }
    this.topics.add(topic);
    this.alarm.addAlarmAction(new actions.SnsAction(topic));
  }
}

/** What ties an instance's state machine to the stack's execution-failure alarm. */
export interface WatchedExecutionsProps {
  /** See `CpuFirstLineSupportProps.stateMachineName`. */
  readonly stateMachineName?: string;
  /** See `CpuFirstLineSupportProps.executionFailureTopic`. */
  readonly executionFailureTopic?: sns.ITopic;
}

/**
 * Puts an instance's state machine under the stack's execution-failure alarm: names it with the
 * stack's prefix (or watches its custom name by ARN) and makes the alarm notify the topic; without
 * a topic, synth warns that a failed workflow would reach nobody.
 */
export function watchExecutions(scope: Construct, props: WatchedExecutionsProps): { failures: ExecutionFailures; stateMachineName: string } {
  const failures = ExecutionFailures.of(scope);
  if (props.executionFailureTopic) {
    failures.notify(props.executionFailureTopic);
  } else {
    Annotations.of(scope).addWarningV2('cdk-cpu-first-line-support:noExecutionFailureTopic',
      '`executionFailureTopic` is not set: when a workflow fails (for example because its escalation notifier is down), '
      + 'the stack\'s execution-failure alarm fires but notifies nobody. Set `executionFailureTopic`, or add an action to '
      + '`executionFailureAlarm` and acknowledge this warning.');
  }
  const prefix = failures.stateMachineNamePrefix;
  const stateMachineName = props.stateMachineName
    ?? prefix + Names.uniqueResourceName(scope, { maxLength: 80 - prefix.length, separator: '-', allowedSpecialCharacters: '_-' });
  if (props.stateMachineName !== undefined) {
    failures.watchStateMachine(Stack.of(scope).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }));
  }
  return { failures, stateMachineName };
}
