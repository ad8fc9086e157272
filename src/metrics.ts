import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ALL_METRIC_NAMES, INSTANCE_DIMENSION, METRIC_UNITS, MetricName, METRICS_NAMESPACE } from './metric-names';

/**
 * The CloudWatch metrics the workflow records about itself (see `metric-names.ts` and the
 * guard's 'RECORD' step), as `cloudwatch.Metric` objects for alarms and dashboards.
 */

/** The default period of every metric. */
export const DEFAULT_METRIC_PERIOD = Duration.minutes(5);

/** The default statistic of a metric: `Sum` for counts, `Average` for durations. */
export function defaultStatistic(metricName: MetricName): string {
  return METRIC_UNITS[metricName] === 'Seconds' ? cloudwatch.Stats.AVERAGE : cloudwatch.Stats.SUM;
}

function isMetricName(name: string): name is MetricName {
  return (ALL_METRIC_NAMES as readonly string[]).includes(name);
}

/**
 * The metric `metricName` of the instance `instanceId`, in the `CpuFirstLineSupport` namespace
 * with the `InstanceId` dimension; by default the sum (counts) or the average (durations) over
 * 5 minutes. `props` override any of these.
 *
 * @throws Error when `metricName` is not one of the metrics the workflow records
 */
export function outcomeMetric(instanceId: string, metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  if (!Token.isUnresolved(metricName) && !isMetricName(metricName)) {
    throw new Error(`\`metricName\` must be one of ${ALL_METRIC_NAMES.map((name) => `"${name}"`).join(', ')}, got "${metricName}"`);
  }
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [INSTANCE_DIMENSION]: instanceId },
    ...props,
    statistic: props.statistic ?? (isMetricName(metricName) ? defaultStatistic(metricName) : cloudwatch.Stats.SUM),
    period: props.period ?? DEFAULT_METRIC_PERIOD,
  });
}
