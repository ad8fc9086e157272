/**
 * Stand-ins for the AWS services the state machine calls through its own integrations (not
 * through a Lambda function): the incident-lock table (DynamoDB) and the CPU alarm (CloudWatch).
 */
import { SimulatedClock } from './clock';
import { PlannedFailure } from './fakes';

/** A DynamoDB attribute value as the Step Functions DynamoDB integration passes it. */
type AttributeValue = { readonly S?: string; readonly N?: string };
type Item = Record<string, AttributeValue>;

/**
 * A `States.Runtime` error: what Step Functions raises when a state's input cannot be used (a
 * missing path, a parameter of the wrong type). It cannot be retried or caught (Step Functions
 * developer guide, "Error handling"): the execution fails.
 */
export function statesRuntimeError(message: string): Error {
  return Object.assign(new Error(message), { name: 'States.Runtime', isRetryable: false, isCatchable: false });
}

/** The error DynamoDB answers when a condition does not hold, as Step Functions names it. */
export function conditionalCheckFailed(): Error {
  return Object.assign(new Error('The conditional request failed'), { name: 'DynamoDB.ConditionalCheckFailedException' });
}

/**
 * A DynamoDB table of incident locks, keyed by `instanceId`, that evaluates condition
 * expressions the way DynamoDB does, for the grammar the workflow uses: `attribute_not_exists(a)`,
 * `a = :v`, `a < :v` (numbers compared as numbers, strings as strings), joined by `OR` / `AND`.
 *
 * Follows the DynamoDB developer guide ("Condition expressions"): a `PutItem` or `DeleteItem`
 * whose condition fails changes nothing and fails with ConditionalCheckFailedException; the
 * check and the write are atomic (here: synchronous, so concurrent executions never interleave
 * between them).
 */
export class FakeLockTable {
  public readonly items = new Map<string, Item>();
  /** Every write that was refused by its condition. */
  public refused = 0;
  private readonly failure = new PlannedFailure();

  /** Makes the next `times` calls throw `error` (e.g. a throttling error). */
  public failNext(error: Error, times = 1): void {
    this.failure.arm(error, times);
  }

  public putItem(input: { Item: Item; ConditionExpression?: string; ExpressionAttributeValues?: Item }): Record<string, never> {
    checkAttributeValues(input.Item, input.ExpressionAttributeValues);
    this.failure.trip();
    const key = this.keyOf(input.Item);
    this.check(this.items.get(key), input.ConditionExpression, input.ExpressionAttributeValues);
    this.items.set(key, input.Item);
    return {};
  }

  public deleteItem(input: { Key: Item; ConditionExpression?: string; ExpressionAttributeValues?: Item }): Record<string, never> {
    checkAttributeValues(input.Key, input.ExpressionAttributeValues);
    this.failure.trip();
    const key = this.keyOf(input.Key);
    this.check(this.items.get(key), input.ConditionExpression, input.ExpressionAttributeValues);
    this.items.delete(key);
    return {};
  }

  private keyOf(item: Item): string {
    const key = item.instanceId?.S;
    if (key === undefined) throw Object.assign(new Error('One of the required keys was not given a value'), { name: 'DynamoDB.ValidationException' });
    return key;
  }

  private check(item: Item | undefined, expression: string | undefined, values: Item = {}): void {
    if (expression === undefined || evaluate(expression, item, values)) return;
    this.refused++;
    throw conditionalCheckFailed();
  }
}

/**
 * Checks attribute values as the Step Functions DynamoDB integration does before calling
 * DynamoDB: `S` and `N` must be JSON strings (a number must be sent as `"N": "42"`); anything
 * else fails the task with a `States.Runtime` error ("The value for the field 'N' must be a STRING").
 */
function checkAttributeValues(...items: Array<Item | undefined>): void {
  for (const item of items) {
    for (const [name, attribute] of Object.entries(item ?? {})) {
      for (const [type, v] of Object.entries(attribute)) {
        if ((type === 'S' || type === 'N') && typeof v !== 'string') {
          throw statesRuntimeError(`The value for the field '${type}' of ${name} must be a STRING, got ${JSON.stringify(v)}`);
        }
      }
    }
  }
}

function value(attribute: AttributeValue | undefined): string | number | undefined {
  if (attribute?.N !== undefined) return Number(attribute.N);
  return attribute?.S;
}

/** Evaluates a condition expression of the small grammar above against `item`. */
export function evaluate(expression: string, item: Item | undefined, values: Item): boolean {
  return expression.split(/\s+OR\s+/).some((conjunction) => conjunction.split(/\s+AND\s+/).every((term) => {
    const notExists = /^attribute_not_exists\((\w+)\)$/.exec(term.trim());
    if (notExists) return item?.[notExists[1]] === undefined;
    const comparison = /^(\w+)\s*(=|<)\s*(:\w+)$/.exec(term.trim());
    if (!comparison) throw Object.assign(new Error(`Invalid ConditionExpression: ${term}`), { name: 'DynamoDB.ValidationException' });
    const [, attribute, operator, placeholder] = comparison;
    if (!(placeholder in values)) throw Object.assign(new Error(`An expression attribute value used in expression is not defined: ${placeholder}`), { name: 'DynamoDB.ValidationException' });
    const left = value(item?.[attribute]);
    const right = value(values[placeholder]);
    if (left === undefined || typeof left !== typeof right) return false;
    return operator === '=' ? left === right : left < right!;
  }));
}

/**
 * The CPU alarm, as `DescribeAlarms` reports it: in ALARM until `alarmForMs` simulated
 * milliseconds after it was created, then OK. CloudWatch keeps an alarm in ALARM while its
 * datapoints breach, without a new state-change event (CloudWatch user guide, "Alarm states").
 */
export class FakeAlarm {
  public reads = 0;
  private readonly createdAt: number;

  constructor(private readonly clock: SimulatedClock, private readonly alarmForMs = 0) {
    this.createdAt = clock.now();
  }

  public describeAlarms(input: { AlarmNames?: string[] }): { MetricAlarms: Array<{ AlarmName: string; StateValue: string }> } {
    this.reads++;
    const state = this.clock.now() - this.createdAt < this.alarmForMs ? 'ALARM' : 'OK';
    return { MetricAlarms: (input.AlarmNames ?? []).map((AlarmName) => ({ AlarmName, StateValue: state })) };
  }
}
