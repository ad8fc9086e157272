import { Stack, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { HandlerName, NOTIFIER_FUNCTION_TIMEOUT, sharedFunction } from '../handlers';
import { shortKey } from '../stack-scoped';

/**
 * What every notifier that sends a credential to an endpoint shares: the endpoint's
 * validation, and the stack's one function per handler with one destination per
 * (secret, endpoint) pair.
 */

/** Host names that may be called over plain http: loopback only, for local tests. */
export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * Throws unless `value` is an `https://` URL (or `http://` on a loopback host) without
 * credentials, query or fragment: the notifier sends its credential to it.
 */
export function validateEndpointUrl(prop: string, value: string, example: string): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const secure = url !== undefined && (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname)));
  if (!url || !secure || url.search || url.hash || url.username || url.password || /\s/.test(value)) {
    throw new Error(`\`${prop}\` must be an https:// URL without credentials, query or fragment, such as "${example}" `
      + `(plain http:// only for a loopback host: ${LOOPBACK_HOSTS.join(', ')}), got "${value}"`);
  }
}

/** Prefix of the notifier functions' destination variables; the handlers read the same (lambda/shared/notifier.ts). */
const DESTINATION_ENV_PREFIX = 'NOTIFIER_DESTINATION_';

/** The destination variables already set on each notifier function (environment variables cannot be read back). */
const configuredDestinations = new WeakMap<lambda.IFunction, Set<string>>();

/**
 * The stack's one function for a notifier handler, configured with one more destination: the
 * endpoint and the secret to send to it, as an environment variable
 * `NOTIFIER_DESTINATION_<key>` = `{"secretArn": ..., "baseUrl": ...}` (a reference, never the
 * secret value). Without `baseUrl` the secret's value is the endpoint itself (a signed webhook
 * URL) and the variable is `{"secretArn": ...}` only. The function may read `secret`. Returns the function and the destination's
 * key, which the workflow passes as `parameters.destination`: whoever invokes the function can
 * only pick one of its configured destinations, never send the credential elsewhere.
 *
 * The key is a short hash of the secret and the endpoint, stable across synths, so several
 * notifiers in one stack share the function and the same destination is configured once.
 */
export function notifierFunction(
  scope: Construct, id: string, handler: HandlerName, description: string, secret: secretsmanager.ISecret, baseUrl: string | undefined,
): { readonly fn: lambda.IFunction; readonly destination: string } {
  const stack = Stack.of(scope);
  const fn = sharedFunction(scope, { id, handler, description, timeout: NOTIFIER_FUNCTION_TIMEOUT });
  const target = baseUrl !== undefined ? { secretArn: secret.secretArn, baseUrl } : { secretArn: secret.secretArn };
  const destination = shortKey(JSON.stringify(stack.resolve(target)), 12);
  const variable = `${DESTINATION_ENV_PREFIX}${destination}`;
  const configured = configuredDestinations.get(fn) ?? new Set<string>();
  configuredDestinations.set(fn, configured);
  if (!configured.has(variable)) {
    configured.add(variable);
    fn.addEnvironment(variable, stack.toJsonString(target));
    secret.grantRead(fn);
  }
  return { fn, destination };
}
