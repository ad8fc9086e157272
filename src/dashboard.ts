import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { CpuFirstLineSupport } from './cpu-first-line-support';
import { DEFAULT_METRIC_PERIOD } from './metrics';

/** Properties of a `CpuFirstLineSupportDashboard`. */
export interface CpuFirstLineSupportDashboardProps {
  /**
   * The name of the dashboard: letters, digits, dashes and underscores.
   *
   * @default - a name that CloudFormation generates
   */
  readonly dashboardName?: string;

  /**
   * The first lines of support to show, one row of graphs each. Add more with `addSupport()`.
   *
   * @default - none
   */
  readonly supports?: CpuFirstLineSupport[];

  /**
   * The period over which each graph sums (or averages) the metrics.
   *
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
}

/** The outcomes stacked in the "incidents by outcome" graph, with their labels; together they make `Incidents`. */
const STACKED_OUTCOMES: ReadonlyArray<[string, string]> = [
  ['AllGood', 'All good'],
  ['Recovered', 'Recovered'],
  ['Paused', 'Paused'],
  ['DryRun', 'Dry run'],
  ['Escalated', 'Escalated'],
  ['EscalationFailed', 'Escalation failed'],
];

const ROW_HEIGHT = 6;

/**
 * The status of the execution-failure alarms of the shown instances' stacks (one per stack),
 * rendered when the dashboard is synthesized, so that instances added later are included.
 */
class FailureAlarmStatus implements cloudwatch.IWidget {
  public readonly width = 24;
  public readonly height = 3;
  private readonly alarms: cloudwatch.IAlarm[] = [];
  private x = 0;
  private y = 0;

  public add(alarm: cloudwatch.IAlarm): void {
    if (!this.alarms.includes(alarm)) {
      this.alarms.push(alarm);
    }
  }

  public position(x: number, y: number): void {
    this.x = x;
    this.y = y;
  }

  public toJson(): any[] {
    const size = { width: this.width, height: this.height };
    const widget = this.alarms.length > 0
      ? new cloudwatch.AlarmStatusWidget({ ...size, title: 'Workflows that failed, timed out or were aborted', alarms: [...this.alarms] })
      : new cloudwatch.TextWidget({ ...size, markdown: 'No instance is shown yet: add one with `addSupport()`.' });
    widget.position(this.x, this.y);
    return widget.toJson();
  }
}

/**
 * A CloudWatch dashboard of the first line of support itself: the stack's execution-failure
 * alarm, and one row for each instance with its incidents by outcome, its reboots by the
 * workflow, its time to recovery and its CPU alarm.
 *
 * The graphs read the metrics the workflow records in the `CpuFirstLineSupport` namespace
 * (see `CpuFirstLineSupport.metric()`); fire drills record none, so they never show here.
 * Create it in the account and region of the instances it shows.
 */
export class CpuFirstLineSupportDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  private readonly period: Duration;
  private readonly failureAlarms = new FailureAlarmStatus();
  private readonly shown = new Set<CpuFirstLineSupport>();

  constructor(scope: Construct, id: string, props: CpuFirstLineSupportDashboardProps = {}) {
    super(scope, id);
    this.period = props.period ?? DEFAULT_METRIC_PERIOD;
    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', { dashboardName: props.dashboardName });
    this.dashboard.addWidgets(this.failureAlarms);
    for (const support of props.supports ?? []) {
      this.addSupport(support);
    }
  }

  /**
   * Adds a row for `support`: its incidents by outcome (stacked), its reboots, its time to
   * recovery and to resolution, and its CPU alarm; and its stack's execution-failure alarm to
   * the alarm status at the top. A support that is shown already is not added again.
   */
  public addSupport(support: CpuFirstLineSupport): void {
    if (this.shown.has(support)) {
      return;
    }
    this.shown.add(support);
    this.failureAlarms.add(support.executionFailureAlarm);
    const { instanceId } = support;
    const period = this.period;
    const seconds: cloudwatch.YAxisProps = { label: 'Seconds', showUnits: false, min: 0 };
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${instanceId}: incidents by outcome`,
        left: STACKED_OUTCOMES.map(([name, label]) => support.metric(name, { period, label })),
        stacked: true,
        leftYAxis: { min: 0, showUnits: false },
        width: 8,
        height: ROW_HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: `${instanceId}: reboots`,
        left: [support.metricReboots({ period, label: 'Reboots' })],
        leftYAxis: { min: 0, showUnits: false },
        width: 4,
        height: ROW_HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: `${instanceId}: time to recovery`,
        left: [
          support.metricTimeToRecovery({ period, label: 'To recovery (average)' }),
          support.metric('TimeToResolve', { period, label: 'To resolution (average)' }),
        ],
        leftYAxis: seconds,
        width: 6,
        height: ROW_HEIGHT,
      }),
      new cloudwatch.AlarmWidget({ title: `${instanceId}: CPU alarm`, alarm: support.alarm, width: 6, height: ROW_HEIGHT }),
    );
  }
}
