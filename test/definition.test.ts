import { App, Duration, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { placeholder, sharedDefinition } from '../src/definition';

function parts(stack: Stack, id: string) {
  return { chainable: new sfn.Pass(stack, id), timeout: Duration.minutes(1), comment: `for ${placeholder('InstanceId')}` };
}

describe('sharedDefinition', () => {
  test('builds once per key and stack; the values are the only difference between the state machines', () => {
    const stack = new Stack(new App(), 'S');
    let builds = 0;
    const build = () => { builds++; return parts(stack, `Pass${builds}`); };
    const a = sharedDefinition(stack, { dryRun: false, wait: Duration.seconds(30) }, build, { InstanceId: 'i-0123456789abcdef0' });
    const b = sharedDefinition(stack, { wait: Duration.seconds(30), dryRun: false }, build, { InstanceId: 'i-0123456789abcdef1' });
    expect(builds).toBe(1);
    expect(a.definitionSubstitutions.InstanceId).toBe('i-0123456789abcdef0');
    expect(b.definitionSubstitutions.InstanceId).toBe('i-0123456789abcdef1');
    // A duration of the same length is the same key; another length is another key.
    sharedDefinition(stack, { dryRun: false, wait: Duration.minutes(1) }, build, { InstanceId: 'i-0123456789abcdef2' });
    sharedDefinition(stack, { dryRun: false, wait: Duration.seconds(60) }, build, { InstanceId: 'i-0123456789abcdef3' });
    expect(builds).toBe(2);
    // Another stack builds its own.
    const other = new Stack(new App(), 'T');
    sharedDefinition(other, { dryRun: false, wait: Duration.seconds(30) }, () => { builds++; return parts(other, 'Pass'); }, { InstanceId: 'i-0123456789abcdef0' });
    expect(builds).toBe(3);
  });

  test('refuses a key it cannot compare, so nothing that changes the definition is left out of it', () => {
    const stack = new Stack(new App(), 'S');
    const build = () => parts(stack, 'Pass');
    expect(() => sharedDefinition(stack, { at: new Date(0) }, build, {})).toThrow(/plain objects, constructs and durations only, got Date/);
    expect(() => sharedDefinition(stack, { fn: () => 1 }, build, {})).toThrow(/cannot hold a function/);
  });

  test('refuses a definition in which CloudFormation would replace something that is not a placeholder of this library', () => {
    const stack = new Stack(new App(), 'S');
    const build = () => ({ chainable: new sfn.Pass(stack, 'Pass', { parameters: { channel: '#ops-${Stage}' } }), timeout: Duration.minutes(1), comment: 'c' });
    expect(() => sharedDefinition(stack, {}, build, {})).toThrow(/holds "\$\{Stage\}", which CloudFormation would replace/);
    // A placeholder the state machine does not fill is refused as well.
    expect(() => sharedDefinition(new Stack(new App(), 'T'), { other: 1 }, () => parts(new Stack(new App(), 'U'), 'P'), {}))
      .toThrow(/holds "\$\{InstanceId\}"/);
  });

  test('placeholder names cannot take the place of a reference', () => {
    expect(placeholder('InstanceId')).toBe('${InstanceId}');
    expect(() => placeholder('Ref0')).toThrow(/Not a placeholder name/);
    expect(() => placeholder('instance-id')).toThrow(/Not a placeholder name/);
  });
});
