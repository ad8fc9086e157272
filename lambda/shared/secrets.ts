/**
 * Reading notifier credentials from Secrets Manager at run time, cached across warm
 * invocations. The secret value is never logged and never part of an error message: every
 * value read is registered with the log's redaction (see `registerSecretValue`).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { registerSecretValue } from './log';

/**
 * Bounded, so that reading the secret leaves the notifier's HTTP budget its time within the
 * Lambda timeout: at most 3 attempts (the SDK's default) of 2 s to connect and 5 s to answer.
 */
const secretsManager = new SecretsManagerClient({
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
});

/** How long a secret value is reused before it is read again (so a rotation is picked up). */
export const SECRET_CACHE_TTL_MS = 5 * 60 * 1000;

const cache = new Map<string, { readonly value: string; readonly expiresAt: number }>();

/** Forgets every cached secret value (for tests, and for a retry after an authentication failure). */
export function clearSecretCache(): void {
  cache.clear();
}

/** Forgets the cached value of one secret, so the next read fetches it again (e.g. after it was refused). */
export function forgetSecret(secretId: string): void {
  cache.delete(secretId);
}

/**
 * Checks that a secret can be sent in an HTTP header: no whitespace or control characters
 * inside. Throws a message naming the secret, never its value.
 */
export function assertUsableAsHeader(secretId: string, value: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(value)) {
    throw new Error(`Secret ${secretId} contains whitespace or control characters; store only the token or key itself as its plain-text value`);
  }
}

/**
 * Returns the plain-text value of a Secrets Manager secret, trimmed, cached for
 * {@link SECRET_CACHE_TTL_MS}.
 *
 * @param secretId the secret's ARN (or name)
 * @throws an Error naming the secret (never its value) when it is empty, binary-only or not
 * usable in a header; the AWS error when it cannot be read
 */
export async function getSecretString(secretId: string, nowMs: number = Date.now()): Promise<string> {
  const cached = cache.get(secretId);
  if (cached && cached.expiresAt > nowMs) {
    return cached.value;
  }
  const answer = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (typeof answer.SecretString !== 'string') {
    const what = answer.SecretBinary ? 'only a binary value' : 'no value';
    throw new Error(`Secret ${secretId} has ${what}; store the token or key as its plain-text SecretString`);
  }
  const value = answer.SecretString.trim();
  if (value === '') {
    throw new Error(`Secret ${secretId} is empty; store the token or key as its plain-text SecretString`);
  }
  if (value.startsWith('{')) {
    throw new Error(`Secret ${secretId} holds a JSON document; store only the token or key itself as its plain-text value`);
  }
  registerSecretValue(value);
  assertUsableAsHeader(secretId, value);
  cache.set(secretId, { value, expiresAt: nowMs + SECRET_CACHE_TTL_MS });
  return value;
}
