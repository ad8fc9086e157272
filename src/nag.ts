import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** A cdk-nag rule this library accepts on one of its resources, and why. */
export interface NagAcceptance {
  /** The rule, e.g. `AwsSolutions-IAM5`. */
  readonly id: string;
  /** Why the finding is accepted, in words. */
  readonly reason: string;
  /**
   * The findings of a granular rule that are accepted, e.g. `Resource::*`, as cdk-nag names
   * them (see `nagFinding`); without it, every finding of the rule on the resource.
   */
  readonly appliesTo?: string[];
}

/**
 * The construct metadata in which aws-cdk-lib's policy validation (`Validations`, aws-cdk-lib
 * 2.257 and later) and cdk-nag 3 read the rules acknowledged on a construct: rule ID (a granular
 * finding as `<rule>[<finding>]`) to reason.
 */
export const ACKNOWLEDGED_RULES_METADATA_KEY = 'aws:cdk:acknowledged-rules';

/**
 * Records the cdk-nag findings this library accepts on the resource of `construct`, with their
 * reasons, so that users who run cdk-nag on their stacks see no finding for a choice the library
 * made on purpose. Written in both forms cdk-nag reads, without importing cdk-nag (a development
 * dependency only):
 *
 * - cdk-nag 2: the resource's CloudFormation metadata `cdk_nag.rules_to_suppress`;
 * - cdk-nag 3: the construct metadata `aws:cdk:acknowledged-rules`, one entry per rule or
 *   granular finding (cdk-nag 3 matches findings exactly, so a granular rule needs `appliesTo`).
 */
export function acceptNagFindings(construct: IConstruct, acceptances: NagAcceptance[]): void {
  const resource = (construct.node.defaultChild ?? construct) as CfnResource;
  if (!CfnResource.isCfnResource(resource)) {
    throw new Error(`${construct.node.path} has no CloudFormation resource to annotate`);
  }
  const existing: any[] = resource.getMetadata('cdk_nag')?.rules_to_suppress ?? [];
  const added = acceptances.map(({ id, reason, appliesTo }) => ({ id, reason, ...(appliesTo ? { applies_to: appliesTo } : {}) }));
  const unique = [...new Map([...existing, ...added].map((rule) => [JSON.stringify(rule), rule])).values()];
  resource.addMetadata('cdk_nag', { rules_to_suppress: unique });

  const acknowledged: { [rule: string]: string } = {};
  for (const { id, reason, appliesTo } of acceptances) {
    for (const rule of appliesTo ? appliesTo.map((finding) => `${id}[${finding}]`) : [id]) {
      acknowledged[rule] = reason;
    }
  }
  resource.node.addMetadata(ACKNOWLEDGED_RULES_METADATA_KEY, acknowledged);
}

/**
 * A CloudFormation value (resolved) as cdk-nag names it in a granular finding such as
 * `Resource::arn:<AWS::Partition>:states:...`: references as `<Name>` or `<Name.Attribute>`,
 * joins joined. The same flattening as cdk-nag's `flattenCfnReference`.
 */
export function nagFinding(value: unknown): string {
  if (value === undefined) {
    return '';
  }
  if (typeof value === 'string') {
    return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  }
  const node = value as Record<string, any>;
  if (node['Fn::Join']) {
    const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
    return items.map(nagFinding).join(delimiter);
  }
  if (node['Fn::Sub']) {
    return nagFinding(node['Fn::Sub']);
  }
  if (node['Fn::GetAtt']) {
    const [name, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
    return `<${nagFinding(name)}.${nagFinding(attribute)}>`;
  }
  if (node['Fn::ImportValue']) {
    return nagFinding(node['Fn::ImportValue']);
  }
  if (node.Ref) {
    return `<${nagFinding(node.Ref)}>`;
  }
  return JSON.stringify(value);
}
