/**
 * Metrics of the automation in the CloudWatch embedded metric format (EMF): one JSON log line
 * that CloudWatch Logs turns into metrics, so recording costs no API call and no permission.
 * On Lambda, writing the document to standard output is enough.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import {
  INSTANCE_DIMENSION,
  METRIC_UNITS,
  MetricName,
  METRICS_NAMESPACE,
  MetricUnit,
  OUTCOME_METRICS,
} from '../../src/metric-names';

/** The spec allows at most this many metric definitions per directive. */
export const MAX_METRICS_PER_DOCUMENT = 100;

/** CloudWatch allows at most this many dimensions per metric. */
const MAX_DIMENSIONS = 30;

/** One value of one metric. */
export interface MetricValue {
  readonly name: string;
  readonly unit: MetricUnit;
  readonly value: number;
}

/** An EMF document: the `_aws` metadata, and the dimension, metric and other members at the top level. */
export interface EmfDocument {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: ReadonlyArray<{
      readonly Namespace: string;
      readonly Dimensions: ReadonlyArray<readonly string[]>;
      readonly Metrics: ReadonlyArray<{ readonly Name: string; readonly Unit: MetricUnit }>;
    }>;
  };
  readonly [member: string]: unknown;
}

function checkName(kind: string, name: string, seen: Set<string>): void {
  if (name.length === 0 || name.length > 255) {
    throw new Error(`EMF: ${kind} name must have 1 to 255 characters, got "${name}"`);
  }
  if (name === '_aws' || seen.has(name)) {
    throw new Error(`EMF: ${kind} "${name}" clashes with another member of the document`);
  }
  seen.add(name);
}

/**
 * Builds one EMF document with one directive: the metrics, with `dimensions` as their one
 * dimension set, at `timestampMs`. `properties` are further top-level members, for queries
 * in Logs Insights; they become no metric.
 *
 * @throws Error when the document would break the spec: more than 100 metrics, a value that
 * is not a finite number, a dimension value that is not a non-empty string, or two members of
 * the same name
 */
export function emfDocument(
  namespace: string,
  dimensions: Record<string, string>,
  metrics: readonly MetricValue[],
  timestampMs: number,
  properties: Record<string, unknown> = {},
): EmfDocument {
  if (metrics.length === 0 || metrics.length > MAX_METRICS_PER_DOCUMENT) {
    throw new Error(`EMF: a document holds 1 to ${MAX_METRICS_PER_DOCUMENT} metrics, got ${metrics.length}`);
  }
  if (Object.keys(dimensions).length > MAX_DIMENSIONS) {
    throw new Error(`EMF: a metric has at most ${MAX_DIMENSIONS} dimensions, got ${Object.keys(dimensions).length}`);
  }
  if (!Number.isInteger(timestampMs) || timestampMs < 0) {
    throw new Error(`EMF: the timestamp must be epoch milliseconds, got ${timestampMs}`);
  }
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(dimensions)) {
    checkName('dimension', name, seen);
    if (typeof value !== 'string' || value.length === 0) {
      throw new Error(`EMF: dimension "${name}" must have a non-empty string value, got ${JSON.stringify(value)}`);
    }
  }
  for (const metric of metrics) {
    checkName('metric', metric.name, seen);
    if (typeof metric.value !== 'number' || !Number.isFinite(metric.value)) {
      throw new Error(`EMF: metric "${metric.name}" must have a finite number value, got ${metric.value}`);
    }
  }
  Object.keys(properties).forEach((name) => checkName('property', name, seen));
  return {
    ...properties,
    ...dimensions,
    ...Object.fromEntries(metrics.map((metric) => [metric.name, metric.value])),
    _aws: {
      Timestamp: timestampMs,
      CloudWatchMetrics: [{
        Namespace: namespace,
        Dimensions: [Object.keys(dimensions)],
        Metrics: metrics.map((metric) => ({ Name: metric.name, Unit: metric.unit })),
      }],
    },
  };
}

/**
 * Writes an EMF document as one line on standard output, where CloudWatch Logs extracts its
 * metrics. With the Lambda text log format (the handlers' setting), the runtime's prefix of time,
 * request ID and level before the document is allowed by the spec; the JSON log format would
 * wrap the document in a `message` field, and no metric would be extracted.
 */
export function writeEmf(document: EmfDocument): void {
  console.log(JSON.stringify(document));
}

/** What an outcome reports: which one, and what the incident did. */
export interface OutcomeReport {
  /** One of the keys of `OUTCOME_METRICS`. */
  readonly outcome: string;
  /** Whether the instance was rebooted in this incident. */
  readonly rebootIssued: boolean;
  /** When the incident started, in epoch milliseconds. */
  readonly incidentStartedAtMs: number;
}

/**
 * The metric values of an outcome at `nowMs`, as `OUTCOME_METRICS` maps them; none for an
 * outcome that records nothing. Durations are in seconds (millisecond precision), never
 * negative: a start in the future (a skewed clock) counts as 0.
 *
 * @throws Error for an outcome that `OUTCOME_METRICS` does not know
 */
export function outcomeMetricValues(report: OutcomeReport, nowMs: number): MetricValue[] {
  const mapping = OUTCOME_METRICS[report.outcome];
  if (mapping === undefined || !Object.prototype.hasOwnProperty.call(OUTCOME_METRICS, report.outcome)) {
    throw new Error(`no metrics are defined for outcome "${report.outcome}"`);
  }
  const value = (name: MetricName, amount: number): MetricValue => ({ name, unit: METRIC_UNITS[name], value: amount });
  const values = mapping.counts.map((name) => value(name, 1));
  if (mapping.reboots) {
    values.push(value('Reboots', report.rebootIssued ? 1 : 0));
  }
  if (mapping.duration !== undefined) {
    values.push(value(mapping.duration, Math.max(0, Math.round(nowMs - report.incidentStartedAtMs)) / 1000));
  }
  return values;
}

/**
 * The EMF document that records an outcome of `instanceId` at `nowMs`, in the automation's
 * namespace with the instance as dimension; undefined when the outcome records no metric.
 */
export function outcomeDocument(
  instanceId: string,
  report: OutcomeReport,
  nowMs: number,
  properties: Record<string, unknown> = {},
): EmfDocument | undefined {
  const values = outcomeMetricValues(report, nowMs);
  return values.length === 0 ? undefined : emfDocument(METRICS_NAMESPACE, { [INSTANCE_DIMENSION]: instanceId }, values, nowMs, properties);
}
