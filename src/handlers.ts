import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { acceptNagFindings } from './nag';
import { HandlerOptions } from './options';
import { shortKey, stackSingleton } from './stack-scoped';

/** The handlers built into `assets/` by the projen bundler (see `.projenrc.ts`). */
export type HandlerName = 'url-check' | 'ssh-check' | 'route53-check' | 'slack-notify' | 'opsgenie-notify' | 'pagerduty-notify' | 'teams-notify' | 'guard';

/** Directory of a handler's pre-built bundle. Resolves from both `src/` and `lib/`. */
export function handlerAssetPath(name: HandlerName): string {
  return path.join(__dirname, '..', 'assets', 'lambda', `${name}.lambda`);
}

/**
 * The Lambda timeout of every check function and of the guard. A check's own timeout must
 * leave room for the cold start and the answer.
 */
export const CHECK_FUNCTION_TIMEOUT = Duration.seconds(60);

/** The longest timeout a single check may have; see `CHECK_FUNCTION_TIMEOUT`. */
export const MAX_CHECK_TIMEOUT = Duration.seconds(45);

/** The Lambda timeout of every notifier function: enough for a few retried HTTP calls. */
export const NOTIFIER_FUNCTION_TIMEOUT = Duration.seconds(60);

/** Settings for one shared handler function. */
export interface SharedFunctionOptions {
  /** Construct ID of the function under its stack; part of the library's contract. */
  readonly id: string;
  readonly handler: HandlerName;
  readonly description: string;
  readonly timeout: Duration;
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
}

/** The handler options of each `CpuFirstLineSupport`, which every function created in its scope takes. */
const handlerOptionsByScope = new WeakMap<Construct, HandlerOptions>();

/**
 * Sets the handler options of `scope` (a `CpuFirstLineSupport`): the functions it asks for, its
 * notifiers' included, are the stack's functions with these options.
 */
export function useHandlerOptions(scope: Construct, options: HandlerOptions = {}): void {
  handlerOptionsByScope.set(scope, options);
}

/** The handler options with their defaults filled in. */
export function handlerDefaults(options: HandlerOptions = {}): Required<HandlerOptions> {
  return {
    runtime: options.runtime ?? lambda.Runtime.NODEJS_22_X,
    architecture: options.architecture ?? lambda.Architecture.ARM_64,
    memorySize: options.memorySize ?? 256,
  };
}

/**
 * Returns the stack's one function for a handler, creating it on first use, so that many
 * `CpuFirstLineSupport` instances in one stack share their handlers.
 *
 * Functions placed in a VPC are keyed by the VPC and subnets as well, and functions with other
 * than the default handler options by those options: instances that check over different
 * networks, or ask for another runtime, architecture or memory, get different functions.
 */
export function sharedFunction(scope: Construct, options: SharedFunctionOptions): lambda.Function {
  const settings = handlerDefaults(handlerOptionsByScope.get(scope));
  const id = options.id
    + (options.vpc ? networkKey(Stack.of(scope), options.vpc, options.vpcSubnets) : '')
    + settingsKey(settings);
  return stackSingleton(scope, id, (stack) => handlerFunction(stack, id, options, settings));
}

/** A new handler function from its pre-built bundle, with the cdk-nag findings it accepts. */
function handlerFunction(stack: Stack, id: string, options: SharedFunctionOptions, settings: Required<HandlerOptions>): lambda.Function {
  const fn = new nodejs.NodejsFunction(stack, id, {
    description: options.description,
    // With `code` set, NodejsFunction uses the pre-built bundle and never runs esbuild or Docker.
    code: lambda.Code.fromAsset(handlerAssetPath(options.handler)),
    handler: 'index.handler',
    runtime: settings.runtime,
    architecture: settings.architecture,
    memorySize: settings.memorySize,
    timeout: options.timeout,
    vpc: options.vpc,
    vpcSubnets: options.vpc ? options.vpcSubnets : undefined,
    tracing: lambda.Tracing.ACTIVE,
    // The guard's metrics are log lines in the embedded metric format, which CloudWatch reads from
    // the text log format only: set it, so that no account default or aspect switches it to JSON.
    loggingFormat: lambda.LoggingFormat.TEXT,
    environment: {
      // Reuse TCP connections to AWS APIs across invocations.
      AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
    },
  });
  const pinnedRuntime = 'The handler bundles are built for and tested on the Node.js 22 runtime (esbuild target node22), so the runtime is '
    + 'pinned to it rather than to the newest runtime that the consumer\'s aws-cdk-lib happens to know; `handlerOptions.runtime` picks a newer one.';
  acceptNagFindings(fn, [{
    id: 'Serverless-LambdaDLQ',
    reason: 'Step Functions invokes the function synchronously and handles its errors with retries and a catch; a dead-letter queue only serves asynchronous invocations.',
  }, {
    id: 'AwsSolutions-L1',
    reason: pinnedRuntime,
  }, {
    id: 'Serverless-LambdaLatestVersion',
    reason: pinnedRuntime,
  }]);
  acceptNagFindings(fn.role!, [{
    id: 'AwsSolutions-IAM4',
    reason: 'AWSLambdaBasicExecutionRole grants only what the function needs to write its own logs (logs:CreateLogGroup, CreateLogStream, PutLogEvents).',
    appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
  }]);
  acceptNagFindings(fn.role!.node.findChild('DefaultPolicy'), [{
    id: 'AwsSolutions-IAM5',
    reason: 'X-Ray (xray:PutTraceSegments, xray:PutTelemetryRecords) supports no resource-level permissions: "*" is the narrowest resource it accepts.',
    appliesTo: ['Resource::*'],
  }]);
  return fn;
}

/** Handler options as text, to compare and to key functions by. */
function settingsText(settings: Required<HandlerOptions>): string {
  return JSON.stringify([settings.runtime.name, settings.architecture.name, settings.memorySize]);
}

const DEFAULT_SETTINGS_TEXT = settingsText(handlerDefaults());

/** A short, stable key for handler options other than the defaults; none for the defaults, whose functions keep their IDs. */
function settingsKey(settings: Required<HandlerOptions>): string {
  const text = settingsText(settings);
  return text === DEFAULT_SETTINGS_TEXT ? '' : shortKey(text);
}

/** A short, stable key for a VPC and subnet selection. */
function networkKey(stack: Stack, vpc: ec2.IVpc, vpcSubnets?: ec2.SubnetSelection): string {
  const subnets = vpcSubnets ? stack.resolve(vpc.selectSubnets(vpcSubnets).subnetIds) : [];
  return shortKey(JSON.stringify([vpc.node.addr, subnets]));
}
