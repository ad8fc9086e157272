/**
 * The bench compares the library's synth time per instance with a floor of bare aws-cdk-lib
 * constructs (`floorStack`). The comparison holds only while the floor adds, per instance, the
 * same resource types as the library and no more: proved here on the templates of both.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { benchStack, floorStack } from '../local/bench/stack';
import { countBy } from '../local/bench/stats';
import { growthByType } from '../local/bench/synth';

const PER_INSTANCE_TYPES = ['AWS::CloudWatch::Alarm', 'AWS::Events::Rule', 'AWS::IAM::Role', 'AWS::StepFunctions::StateMachine'];

/** Resources by type that `instances - 1` more instances add to the stack `build` makes. */
function growth(build: (app: App, count: number) => Stack, instances: number): Record<string, number> {
  const size = (n: number) => ({
    resourcesByType: countBy(Object.values<{ Type: string }>(Template.fromStack(build(new App(), n)).toJSON().Resources).map((r) => r.Type)),
  });
  return Object.fromEntries(growthByType(size(1), size(instances)));
}

describe('bench stacks', () => {
  test('the floor adds the four resource types of an instance, one of each, as the library does', () => {
    const expected = Object.fromEntries(PER_INSTANCE_TYPES.map((type) => [type, 2]));
    expect(growth(floorStack, 3)).toEqual(expected);
    expect(growth(benchStack, 3)).toEqual(expected);
  });
});
