import { Duration, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** A state machine definition as a plain string, with its references in substitutions. */
export interface RenderedDefinition {
  readonly definitionBody: sfn.DefinitionBody;
  /** `DefinitionSubstitutions`: placeholder name to the reference it stands for. */
  readonly definitionSubstitutions: { [key: string]: string };
}

/** How CDK encodes a token in a string; see `aws-cdk-lib/core/lib/private/encoding`. */
const STRING_TOKEN = /\$\{Token\[[a-zA-Z0-9:._-]+\]\}/g;
/** Encoded list and number tokens, which a definition must not hold. */
const OTHER_TOKENS = /#\{Token\[|-1\.\d{10,16}e\+289/;

/**
 * Renders a workflow to a definition string without a single token in it: every reference
 * (function ARNs, the partition) becomes a `${RefN}` placeholder that CloudFormation fills
 * from `DefinitionSubstitutions`.
 *
 * Equivalent to `DefinitionBody.fromChainable`, but CDK no longer has to resolve and escape
 * a large string full of tokens for each instance, which made synthesizing a stack with a
 * hundred instances take seconds longer.
 */
export function renderDefinition(scope: Construct, chainable: sfn.IChainable, timeout: Duration, comment: string): RenderedDefinition {
  const graph = new sfn.StateGraph(chainable.startState, 'Workflow');
  graph.timeout = timeout;
  let json = JSON.stringify({ ...graph.toGraphJson(), Comment: comment });
  if (OTHER_TOKENS.test(json)) {
    throw new Error('The workflow definition holds a list or number token, which cannot be substituted');
  }
  // Tokens that resolve to nothing, such as `JsonPath.DISCARD` as a `ResultPath`, become JSON null.
  const stack = Stack.of(scope);
  for (const token of new Set(json.match(STRING_TOKEN) ?? [])) {
    if (stack.resolve(token) == null) {
      json = json.split(`"${token}"`).join('null');
      if (json.includes(token)) {
        throw new Error(`The workflow definition holds a token that resolves to nothing inside a string: ${token}`);
      }
    }
  }
  const keys = new Map<string, string>();
  const definitionSubstitutions: { [key: string]: string } = {};
  const definition = json.replace(STRING_TOKEN, (token) => {
    let key = keys.get(token);
    if (key === undefined) {
      key = `Ref${keys.size}`;
      keys.set(token, key);
      definitionSubstitutions[key] = token;
    }
    return `\${${key}}`;
  });
  return { definitionBody: sfn.DefinitionBody.fromString(definition), definitionSubstitutions };
}
