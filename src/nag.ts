import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** A cdk-nag rule this library accepts on one of its resources, and why. */
export interface NagAcceptance {
  /** The rule, e.g. `AwsSolutions-IAM5`. */
  readonly id: string;
  /** Why the finding is accepted, in words. */
  readonly reason: string;
  /** The findings of a granular rule that are accepted, e.g. `Resource::*`. */
  readonly appliesTo?: string[];
}

/**
 * Records cdk-nag suppressions on the resource of `construct`, in the metadata format
 * cdk-nag reads (`cdk_nag.rules_to_suppress`), so that users who run cdk-nag on their
 * stacks see no findings for choices this library made on purpose. Written without
 * importing cdk-nag, which stays a development dependency.
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
}
