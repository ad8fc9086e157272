/**
 * Reads a state machine's definition as CloudFormation deploys it: from `DefinitionString`,
 * or from the file behind `DefinitionS3Location` in the cloud assembly, with each `${key}` of
 * `DefinitionSubstitutions` filled in.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Stack, Stage } from 'aws-cdk-lib';

/** The definition's text before substitution, as the template or its asset holds it. */
export function definitionSource(stack: Stack, properties: any): string {
  if (properties.DefinitionString !== undefined) {
    if (typeof properties.DefinitionString !== 'string') {
      throw new Error('The definition is not a plain string: CloudFormation would have to resolve it');
    }
    return properties.DefinitionString;
  }
  const key = properties.DefinitionS3Location?.Key;
  if (typeof key !== 'string') {
    throw new Error('The state machine has neither a DefinitionString nor a DefinitionS3Location with a literal key');
  }
  // The root assembly stages each file asset as `asset.<key>`, the object key the default synthesizer uploads it under.
  const outdir = Stage.of(stack)!.assetOutdir;
  return fs.readFileSync(path.join(outdir, `asset.${key}`), 'utf8');
}

/**
 * The definition with every `${key}` replaced by `fill(value)`, where `value` is the
 * substitution's (possibly unresolved) CloudFormation value. A key without a substitution throws,
 * as CloudFormation would fail the deployment.
 */
export function substitutedDefinition(stack: Stack, properties: any, fill: (value: any, key: string) => string): string {
  const substitutions = properties.DefinitionSubstitutions ?? {};
  return definitionSource(stack, properties).replace(/\$\{([A-Za-z0-9_]+)\}/g, (placeholder, key: string) => {
    if (!(key in substitutions)) {
      throw new Error(`No substitution for ${placeholder} in the state machine definition`);
    }
    return fill(substitutions[key], key);
  });
}
