/**
 * A checker of CloudWatch embedded metric format (EMF) documents, written from the specification
 * and its JSON schema, to test what the handlers write, not to restate how they build it:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 *
 * Returns the list of rules a log line breaks; empty when it is a valid EMF document.
 */

/** The units the spec's schema allows (the CloudWatch `MetricDatum` units). */
const UNITS = new Set([
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes',
  'Bits', 'Kilobits', 'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second',
  'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second',
  'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None',
]);

/** "A DimensionSet MUST NOT contain more than 30 dimension keys." */
const MAX_DIMENSION_KEYS = 30;
/** "This array MUST NOT contain more than 100 MetricDefinition objects." */
const MAX_METRIC_DEFINITIONS = 100;
/** "Numeric array metric targets MUST NOT have more than 100 members." */
const MAX_VALUES = 100;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isName = (value: unknown): value is string => typeof value === 'string' && value.length >= 1 && value.length <= 255;
const extraKeys = (value: Json, allowed: string[]) => Object.keys(value).filter((key) => !allowed.includes(key));

function directiveErrors(root: Json, directive: unknown, at: string): string[] {
  if (!isObject(directive)) return [`${at} is not an object`];
  const errors = extraKeys(directive, ['Namespace', 'Dimensions', 'Metrics']).map((key) => `${at} has the unknown member ${key}`);
  if (!isName(directive.Namespace)) errors.push(`${at}.Namespace is not a string of 1 to 255 characters`);
  const dimensions = directive.Dimensions;
  if (!Array.isArray(dimensions) || dimensions.length === 0) {
    errors.push(`${at}.Dimensions is not a non-empty array of dimension sets`);
  } else {
    dimensions.forEach((set: unknown, i) => {
      if (!Array.isArray(set) || set.length > MAX_DIMENSION_KEYS) {
        errors.push(`${at}.Dimensions[${i}] is not an array of at most ${MAX_DIMENSION_KEYS} keys`);
        return;
      }
      set.forEach((key: unknown) => {
        if (!isName(key)) errors.push(`${at}.Dimensions[${i}] holds ${JSON.stringify(key)}, not a dimension key`);
        else if (typeof root[key] !== 'string') errors.push(`dimension ${key} has no string value at the top level`);
      });
    });
  }
  const metrics = directive.Metrics;
  if (!Array.isArray(metrics) || metrics.length > MAX_METRIC_DEFINITIONS) {
    return [...errors, `${at}.Metrics is not an array of at most ${MAX_METRIC_DEFINITIONS} definitions`];
  }
  metrics.forEach((definition: unknown, i) => {
    const where = `${at}.Metrics[${i}]`;
    if (!isObject(definition) || !isName(definition.Name)) {
      errors.push(`${where} has no Name`);
      return;
    }
    errors.push(...extraKeys(definition, ['Name', 'Unit', 'StorageResolution']).map((key) => `${where} has the unknown member ${key}`));
    if (definition.Unit !== undefined && !UNITS.has(definition.Unit as string)) errors.push(`${where}.Unit ${JSON.stringify(definition.Unit)} is not a CloudWatch unit`);
    const target = root[definition.Name];
    const numeric = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
    const valid = numeric(target) || (Array.isArray(target) && target.length <= MAX_VALUES && target.every(numeric));
    if (!valid) errors.push(`metric ${definition.Name} has no numeric value at the top level (got ${JSON.stringify(target)})`);
  });
  return errors;
}

/** The rules of the EMF specification that `line` (one log line) breaks. */
export function emfErrors(line: string): string[] {
  let root: unknown;
  try {
    // "The LogEvent message MUST be a valid JSON object with no additional data at the beginning or end."
    root = JSON.parse(line);
  } catch (error) {
    return [`not a JSON document: ${(error as Error).message}`];
  }
  if (line.includes('\n')) return ['the document spans more than one line'];
  if (!isObject(root)) return ['the root is not a JSON object'];
  const aws = root._aws;
  if (!isObject(aws)) return ['the root has no _aws metadata object'];
  const errors: string[] = [];
  // "Values MUST be expressed as the number of milliseconds after Jan 1, 1970 00:00:00 UTC" (an integer in the schema).
  if (!Number.isInteger(aws.Timestamp) || (aws.Timestamp as number) < 1e12 || (aws.Timestamp as number) >= 1e13) {
    errors.push(`_aws.Timestamp ${JSON.stringify(aws.Timestamp)} is not a time in epoch milliseconds`);
  }
  if (!Array.isArray(aws.CloudWatchMetrics)) return [...errors, '_aws.CloudWatchMetrics is not an array'];
  aws.CloudWatchMetrics.forEach((directive: unknown, i) => errors.push(...directiveErrors(root as Json, directive, `_aws.CloudWatchMetrics[${i}]`)));
  return errors;
}

/** The metrics of a valid EMF document: `{ name: { value, unit, namespace, dimensions } }`. */
export function emfMetrics(line: string): Record<string, { value: unknown; unit?: string; namespace: string; dimensions: Record<string, unknown> }> {
  const root = JSON.parse(line);
  const result: ReturnType<typeof emfMetrics> = {};
  for (const directive of root._aws.CloudWatchMetrics) {
    const dimensions = Object.fromEntries(directive.Dimensions.flat().map((key: string) => [key, root[key]]));
    for (const { Name, Unit } of directive.Metrics) {
      result[Name] = { value: root[Name], unit: Unit, namespace: directive.Namespace, dimensions };
    }
  }
  return result;
}
