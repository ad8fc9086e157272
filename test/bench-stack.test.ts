/**
 * The bench compares the library's synth time per instance with a floor of bare aws-cdk-lib
 * constructs (`floorStack`). The comparison holds only while the floor adds, per instance, the
 * same resource types as the library and no more: proved here on the templates of both.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { benchStack, floorStack } from '../local/bench/stack';

const PER_INSTANCE_TYPES = ['AWS::CloudWatch::Alarm', 'AWS::Events::Rule', 'AWS::IAM::Role', 'AWS::StepFunctions::StateMachine'];

/** Resources by type that `instances - 1` more instances add to the stack `build` makes. */
function growth(build: (app: App, count: number) => Stack, instances: number): Record<string, number> {
  const count = (n: number): Record<string, number> => {
    const stack = build(new App(), n);
    const byType: Record<string, number> = {};
    for (const { Type } of Object.values<{ Type: string }>(Template.fromStack(stack).toJSON().Resources)) {
      byType[Type] = (byType[Type] ?? 0) + 1;
    }
    return byType;
  };
  const one = count(1);
  const many = count(instances);
  return Object.fromEntries(Object.keys(many)
    .map((type): [string, number] => [type, many[type] - (one[type] ?? 0)])
    .filter(([, added]) => added !== 0));
}

describe('bench stacks', () => {
  test('the floor adds the four resource types of an instance, one of each, as the library does', () => {
    const expected = Object.fromEntries(PER_INSTANCE_TYPES.map((type) => [type, 2]));
    expect(growth(floorStack, 3)).toEqual(expected);
    expect(growth(benchStack, 3)).toEqual(expected);
  });
});
