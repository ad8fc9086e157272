import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Duration, Lazy, Reference, Stack, Stage, Token, Tokenization } from 'aws-cdk-lib';
import * as s3_assets from 'aws-cdk-lib/aws-s3-assets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { knownPartition } from './arns';

/** A state machine definition stored once as an asset, with this state machine's values in substitutions. */
export interface SharedDefinition {
  readonly definitionBody: sfn.DefinitionBody;
  /** `DefinitionSubstitutions`: placeholder name to the value (literal or reference) it stands for. */
  readonly definitionSubstitutions: { [key: string]: string };
}

/** What a definition is built from: a chainable workflow, its timeout and its comment. */
export interface DefinitionParts {
  readonly chainable: sfn.IChainable;
  readonly timeout: Duration;
  readonly comment: string;
}

/** How CDK encodes a token in a string; see `aws-cdk-lib/core/lib/private/encoding`. */
const STRING_TOKEN = /\$\{Token\[[a-zA-Z0-9:._-]+\]\}/g;
/** Encoded list and number tokens, which a definition must not hold. */
const OTHER_TOKENS = /#\{Token\[|-1\.\d{10,16}e\+289/;
/** A placeholder name: CloudFormation fills `${Name}` from `DefinitionSubstitutions`. */
const PLACEHOLDER_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * The text `${name}`, which CloudFormation replaces in the definition by the substitution
 * `name` of each state machine.
 */
export function placeholder(name: string): string {
  if (!PLACEHOLDER_NAME.test(name) || /^Ref\d+$/.test(name)) {
    throw new Error(`Not a placeholder name of this library: ${name}`);
  }
  return `\${${name}}`;
}

/** One rendered definition of a stack: its asset and the references its `${RefN}` stand for. */
interface Rendered {
  readonly asset: s3_assets.Asset;
  /** `RefN` to the reference (a token) it stands for, in every state machine that uses the definition. */
  readonly references: { [key: string]: string };
}

/** A definition in an S3 asset that several state machines share (`DefinitionBody.fromFile` makes an asset per state machine). */
class AssetDefinitionBody extends sfn.DefinitionBody {
  constructor(private readonly asset: s3_assets.Asset) {
    super();
  }

  public bind(): sfn.DefinitionConfig {
    return { definitionS3Location: { bucket: this.asset.s3BucketName, key: this.asset.s3ObjectKey } };
  }
}

/** Definitions already rendered, per stack, by the canonical form of what they were built from. */
const renderedByStack = new WeakMap<Stack, Map<string, Rendered>>();

/** Definition assets, per stack, by file: two keys may render the same text. */
const assetsByStack = new WeakMap<Stack, Map<string, s3_assets.Asset>>();

/**
 * The definition of one state machine, shared with every other state machine of the stack
 * built from the same `key`.
 *
 * The first state machine of a `key` builds its workflow with `build()` and renders it to a
 * definition file, stored once as an S3 asset (`DefinitionS3Location`), in which every
 * reference (a function ARN, the partition) is a `${RefN}` placeholder. The others reuse the
 * file without building anything. Each state machine then fills the placeholders with its own
 * `DefinitionSubstitutions`: the references, and `values` (its instance ID, for example), which
 * CloudFormation writes into the definition it deploys, so they are literals of that state
 * machine's configuration, never inputs of an execution.
 *
 * @param key everything `build()` depends on but `values`: two equal keys must build equal
 * definitions. Constructs count by their path, durations by their length; any other class
 * instance is refused, so that nothing that changes the definition can be left out of the key.
 * @param values placeholder name (see `placeholder()`) to the value it stands for in this state
 * machine; each is placed inside a JSON string of the definition.
 */
export function sharedDefinition(scope: Construct, key: unknown, build: () => DefinitionParts, values: { [name: string]: string }): SharedDefinition {
  const stack = Stack.of(scope);
  const rendered = cached(renderedByStack, stack, () => new Map<string, Rendered>());
  const definition = cached(rendered, canonicalJson(key), () => render(stack, build(), Object.keys(values)));
  const definitionSubstitutions: { [key: string]: string } = { ...sharedReferences(stack, definition) };
  for (const [name, value] of Object.entries(values)) {
    placeholder(name);
    // A literal goes inside a JSON string of the definition; a reference is CloudFormation's to resolve.
    definitionSubstitutions[name] = Token.isUnresolved(value) ? value : JSON.stringify(value).slice(1, -1);
  }
  return { definitionBody: new AssetDefinitionBody(definition.asset), definitionSubstitutions };
}

/**
 * Renders a workflow to a definition without a single token in it, and writes it to a file
 * named by its content. Equivalent to `DefinitionBody.fromChainable`, but each reference
 * becomes a `${RefN}` placeholder, filled from `DefinitionSubstitutions`.
 */
function render(stack: Stack, parts: DefinitionParts, placeholders: string[]): Rendered {
  const graph = new sfn.StateGraph(parts.chainable.startState, 'Workflow');
  graph.timeout = parts.timeout;
  let json = JSON.stringify({ ...graph.toGraphJson(), Comment: parts.comment });
  if (OTHER_TOKENS.test(json)) {
    throw new Error('The workflow definition holds a list or number token, which cannot be substituted');
  }
  const partition = knownPartition(stack);
  for (const token of new Set(json.match(STRING_TOKEN) ?? [])) {
    const resolved = stack.resolve(token);
    if (resolved == null) {
      // Tokens that resolve to nothing, such as `JsonPath.DISCARD` as a `ResultPath`, become JSON null.
      json = json.split(`"${token}"`).join('null');
      if (json.includes(token)) {
        throw new Error(`The workflow definition holds a token that resolves to nothing inside a string: ${token}`);
      }
    } else if (partition !== undefined && resolved.Ref === 'AWS::Partition') {
      // The integrations' ARNs name the partition: a literal where the region is known, one substitution less per state machine.
      json = json.split(token).join(partition);
    }
  }
  const keys = new Map<string, string>();
  const references: { [key: string]: string } = {};
  const text = json.replace(STRING_TOKEN, (token) => {
    let key = keys.get(token);
    if (key === undefined) {
      key = `Ref${keys.size}`;
      keys.set(token, key);
      references[key] = token;
    }
    return `\${${key}}`;
  });
  // CloudFormation would try to fill any other `${...}`, which only a value given to the construct can hold.
  for (const [, name] of text.matchAll(/\$\{([^}]*)\}/g)) {
    if (!(name in references) && !placeholders.includes(name)) {
      throw new Error(`A value of the workflow holds "\${${name}}", which CloudFormation would replace when it deploys the state machine; `
        + 'remove "${" from the construct\'s and its notifiers\' settings');
    }
  }
  return { asset: definitionAsset(stack, writeDefinitionFile(stack, text)), references };
}

/** The stack's one asset for a definition file; the file's content hash names the S3 object. */
function definitionAsset(stack: Stack, file: string): s3_assets.Asset {
  const assets = cached(assetsByStack, stack, () => new Map<string, s3_assets.Asset>());
  return cached(assets, file, () => new s3_assets.Asset(stack, `CpuFirstLineSupportDefinition${path.basename(file).slice(0, 12)}`, { path: file }));
}

/** The references of each rendered definition as one set of tokens, which all its state machines share. */
const sharedReferencesByDefinition = new WeakMap<Rendered, { [key: string]: string }>();

/**
 * The references of a definition, as every state machine that uses it substitutes them: the
 * same tokens for all. With a hundred state machines, aws-cdk-lib would otherwise trace each of
 * the library's function ARNs as a reference a hundred times, which made much of the synth time
 * each instance adds.
 */
function sharedReferences(stack: Stack, rendered: Rendered): { [key: string]: string } {
  return cached(sharedReferencesByDefinition, rendered, () =>
    Object.fromEntries(Object.entries(rendered.references).map(([key, token]) => [key, sharedReference(stack, token)])));
}

/**
 * One reference, as every state machine of a definition substitutes it: a token that resolves it
 * afresh each time (logical IDs may change until the stack is written), outside aws-cdk-lib's
 * tracking of references. Only a token that is nothing but a reference to a resource of this
 * stack is shared so; anything else (a reference to another stack, or one inside a join) stays
 * aws-cdk-lib's, which exports and imports what crosses stacks.
 */
function sharedReference(stack: Stack, token: string): string {
  const fragments = Tokenization.reverseString(token);
  const reference = fragments.firstToken;
  const plainSameStackReference = fragments.length === 1 && Reference.isReference(reference) && Stack.of(reference.target) === stack;
  if (!plainSameStackReference) {
    return token;
  }
  return Token.asString(Lazy.uncachedAny({ produce: () => stack.resolve(token) }));
}

/**
 * Writes `text` to a file named by its hash, in the cloud assembly the stack is synthesized
 * into (the asset then stages it, or points at it when staging is off): a place of this synth's
 * own, where no other process or user can have put another file under that name.
 */
function writeDefinitionFile(stack: Stack, text: string): string {
  const stage = Stage.of(stack);
  if (!stage) {
    throw new Error(`${stack.node.path} is not in an App or Stage: nowhere to write its state machine definition`);
  }
  const hash = crypto.createHash('sha256').update(text).digest('hex');
  const dir = path.join(stage.assetOutdir, 'cdk-cpu-first-line-support');
  const file = path.join(dir, `${hash}.asl.json`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** The value of `map` at `key`, made by `create` and kept there the first time. */
function cached<K extends object | string, V>(map: { get(key: K): V | undefined; set(key: K, value: V): unknown }, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

/**
 * A JSON text that is equal for two values exactly when they would build the same workflow:
 * constructs by their path, durations by their length, plain objects by their sorted keys.
 */
function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

function canonical(value: unknown): unknown {
  if (value === null || value === undefined || typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
      throw new Error(`A workflow key cannot hold a ${typeof value}`);
    }
    return value;
  }
  if (Array.isArray(value)) {
    return value.map(canonical);
  }
  if (Construct.isConstruct(value)) {
    return { construct: value.node.path };
  }
  if (value instanceof Duration) {
    return { durationSeconds: value.toSeconds() };
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) {
    throw new Error(`A workflow key can hold plain objects, constructs and durations only, got ${value.constructor?.name}`);
  }
  const record = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(record).sort()
    .filter((k) => record[k] !== undefined)
    .map((k) => [k, canonical(record[k])]));
}
