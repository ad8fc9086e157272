import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { outcomeMetricValues } from '../lambda/shared/metrics';
import { CpuFirstLineSupport, CpuFirstLineSupportDashboard, Notifier } from '../src';
import { OUTCOMES } from '../src/contract';
import { RECORDED_OUTCOMES } from '../src/metric-names';

const API = 'i-0123456789abcdef0';
const WORKER = 'i-0fedcba9876543210';

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
}

function newSupport(stack: Stack, id: string, instanceId: string): CpuFirstLineSupport {
  const apiKey = secretsmanager.Secret.fromSecretNameV2(stack, `${id}Key`, 'opsgenie-key');
  return new CpuFirstLineSupport(stack, id, { instanceId, escalationNotifier: Notifier.opsGenie({ apiKey, team: 'sre' }) });
}

/** What a metric renders to, in the stack. */
function rendered(metric: cloudwatch.IMetric) {
  const { metricStat } = metric.toMetricConfig();
  return {
    namespace: metricStat?.namespace,
    metricName: metricStat?.metricName,
    dimensions: metricStat?.dimensions,
    statistic: metricStat?.statistic,
    period: metricStat?.period.toSeconds(),
  };
}

/** The metric names the handler emits for `outcome`, with their values, when the incident rebooted the instance. */
function emitted(outcome: string): Record<string, number> {
  const values = outcomeMetricValues({ outcome, rebootIssued: true, incidentStartedAtMs: 0 }, 60_000);
  return Object.fromEntries(values.map((m) => [m.name, m.value]));
}

describe('the metric methods', () => {
  const stack = newStack();
  const support = newSupport(stack, 'Api', API);

  test('count metrics: the instance\'s metric in the CpuFirstLineSupport namespace, summed over 5 minutes', () => {
    expect(rendered(support.metricIncidents())).toEqual({
      namespace: 'CpuFirstLineSupport',
      metricName: 'Incidents',
      dimensions: [{ name: 'InstanceId', value: API }],
      statistic: 'Sum',
      period: 300,
    });
    const counts = [
      support.metricRecovered(), support.metricEscalated(), support.metricEscalationFailed(), support.metricResolved(), support.metricReboots(),
    ];
    for (const metric of counts) {
      expect(rendered(metric)).toMatchObject({
        namespace: 'CpuFirstLineSupport', statistic: 'Sum', period: 300, dimensions: [{ name: 'InstanceId', value: API }],
      });
    }
  });

  test('durations are averaged', () => {
    expect(rendered(support.metricTimeToRecovery())).toMatchObject({ metricName: 'TimeToRecovery', statistic: 'Average', period: 300 });
    expect(rendered(support.metric('TimeToResolve'))).toMatchObject({ metricName: 'TimeToResolve', statistic: 'Average' });
  });

  test('props override the defaults', () => {
    expect(rendered(support.metricTimeToRecovery({ statistic: 'p90', period: Duration.minutes(1) }))).toMatchObject({ statistic: 'p90', period: 60 });
    expect(support.metricEscalated({ label: 'Pages' }).label).toBe('Pages');
  });

  test('fails for a metric the workflow does not record, naming the allowed ones', () => {
    expect(() => support.metric('Failures')).toThrow(/`metricName` must be one of .*"Incidents".*, got "Failures"/);
  });

  test('an alarm on a metric reads the instance\'s metric', () => {
    new cloudwatch.Alarm(stack, 'Paging', { metric: support.metricEscalationFailed(), threshold: 1, evaluationPeriods: 1 });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CpuFirstLineSupport',
      MetricName: 'EscalationFailed',
      Dimensions: [{ Name: 'InstanceId', Value: API }],
      Statistic: 'Sum',
      Period: 300,
    });
  });
});

describe('the construct reads what the handler writes', () => {
  const support = newSupport(newStack(), 'Api', API);
  const name = (metric: cloudwatch.Metric) => metric.metricName;

  test('the guard records every outcome of the workflow', () => {
    expect([...RECORDED_OUTCOMES].sort()).toEqual([...OUTCOMES].sort());
  });

  test('each method names a metric the handler emits for the outcomes it is about', () => {
    expect(emitted('Recovered')).toMatchObject({ [name(support.metricRecovered())]: 1, [name(support.metricTimeToRecovery())]: 60 });
    for (const outcome of ['Escalated', 'Escalated without reboot', 'Escalated after error']) {
      expect(emitted(outcome)).toMatchObject({ [name(support.metricEscalated())]: 1, [name(support.metricReboots())]: 1 });
    }
    expect(emitted('Escalation failed')).toMatchObject({ [name(support.metricEscalationFailed())]: 1 });
    expect(emitted('Resolved')).toMatchObject({ [name(support.metricResolved())]: 1 });
    expect(emitted('Recovered')).not.toHaveProperty(name(support.metricEscalated()));
  });

  test('Incidents counts every outcome but Already handled and Resolved', () => {
    const counted = RECORDED_OUTCOMES.filter((outcome) => emitted(outcome)[name(support.metricIncidents())] === 1);
    expect(counted.sort()).toEqual(RECORDED_OUTCOMES.filter((o) => o !== 'Already handled' && o !== 'Resolved').sort());
  });

  test('metric() accepts exactly the names the handler emits', () => {
    const names = new Set(RECORDED_OUTCOMES.flatMap((outcome) => Object.keys(emitted(outcome))));
    expect(names.size).toBeGreaterThan(0);
    for (const metricName of names) {
      expect(support.metric(metricName).metricName).toBe(metricName);
    }
    const methods = [support.metricIncidents(), support.metricRecovered(), support.metricEscalated(), support.metricEscalationFailed(),
      support.metricResolved(), support.metricReboots(), support.metricTimeToRecovery()];
    expect(methods.map(name).filter((n) => !names.has(n))).toEqual([]);
  });
});

/** The dashboard's body as JSON, each token of the template replaced by `<<n>>`, with the tokens. */
function dashboardBody(stack: Stack): { body: any; tokens: unknown[] } {
  const dashboards = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const source = dashboards[0].Properties.DashboardBody;
  const parts: unknown[] = typeof source === 'string' ? [source] : source['Fn::Join'][1];
  const tokens: unknown[] = [];
  const text = parts.map((part) => (typeof part === 'string' ? part : `<<${tokens.push(part) - 1}>>`)).join('');
  return { body: JSON.parse(text), tokens };
}

/** The widgets of the dashboard that graph `metricName` of `instanceId`, with the metric's options. */
function graphsOf(body: any, instanceId: string, metricName: string): any[] {
  return body.widgets.filter((widget: any) => (widget.properties.metrics ?? []).some((m: unknown[]) =>
    m[0] === 'CpuFirstLineSupport' && m[1] === metricName && m[2] === 'InstanceId' && m[3] === instanceId));
}

describe('CpuFirstLineSupportDashboard', () => {
  test('shows a row of metrics for each instance, and the execution-failure alarm', () => {
    const stack = newStack();
    const api = newSupport(stack, 'Api', API);
    const worker = newSupport(stack, 'Worker', WORKER);
    const dashboard = new CpuFirstLineSupportDashboard(stack, 'Dashboard', { dashboardName: 'first-line', supports: [api] });
    dashboard.addSupport(worker);
    dashboard.addSupport(api);

    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'first-line' });
    const { body, tokens } = dashboardBody(stack);
    for (const instanceId of [API, WORKER]) {
      for (const metricName of ['AllGood', 'Recovered', 'Paused', 'DryRun', 'Escalated', 'EscalationFailed', 'Reboots', 'TimeToRecovery']) {
        expect({ metricName, graphs: graphsOf(body, instanceId, metricName).length }).toEqual({ metricName, graphs: 1 });
      }
      expect(graphsOf(body, instanceId, 'Escalated')[0].properties.stacked).toBe(true);
    }
    // Added twice, shown once: a row of 4 widgets for each instance, under the alarm status.
    expect(body.widgets.map((w: any) => w.type)).toEqual(['alarm', 'metric', 'metric', 'metric', 'metric', 'metric', 'metric', 'metric', 'metric']);
    const status = body.widgets[0].properties.alarms.map((alarm: string) => tokens[Number(/^<<(\d+)>>$/.exec(alarm)?.[1])]);
    expect(status).toEqual([{ 'Fn::GetAtt': [stack.getLogicalId(api.executionFailureAlarm.node.defaultChild as any), 'Arn'] }]);
  });

  test('the period applies to every graph', () => {
    const stack = newStack();
    new CpuFirstLineSupportDashboard(stack, 'Dashboard', { supports: [newSupport(stack, 'Api', API)], period: Duration.minutes(1) });
    const { body } = dashboardBody(stack);
    const metrics = body.widgets.flatMap((widget: any) => widget.properties.metrics ?? []);
    expect(metrics.length).toBeGreaterThanOrEqual(9);
    expect(metrics.map((m: any[]) => m[m.length - 1].period)).toEqual(metrics.map(() => 60));
  });

  test('without instances, says how to add one', () => {
    const stack = newStack();
    new CpuFirstLineSupportDashboard(stack, 'Dashboard');
    const { body } = dashboardBody(stack);
    expect(body.widgets).toEqual([expect.objectContaining({ type: 'text', properties: expect.objectContaining({ markdown: expect.stringContaining('addSupport()') }) })]);
  });
});
