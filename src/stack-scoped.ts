import * as crypto from 'crypto';
import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The stack's one construct with construct ID `id`, created by `create` on first use: how the
 * library shares functions, tables, roles, policies and log groups between the
 * `CpuFirstLineSupport` instances of a stack.
 */
export function stackSingleton<T extends IConstruct>(scope: IConstruct, id: string, create: (stack: Stack, id: string) => T): T {
  const stack = Stack.of(scope);
  return (stack.node.tryFindChild(id) as T | undefined) ?? create(stack, id);
}

/** A short, stable, upper-case hex key for `text`: the start of its SHA-256, for construct IDs and names. */
export function shortKey(text: string, length = 8): string {
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, length).toUpperCase();
}
