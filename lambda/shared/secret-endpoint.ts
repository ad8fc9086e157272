/**
 * Endpoints that are secrets: for a notifier whose Secrets Manager secret holds the whole URL
 * to post to (a webhook URL that carries its own signature, such as a Teams Workflows URL with
 * `sig=`), the checks of that URL and the parts of it that must never be shown.
 * See `NotifierDefinition.endpointInSecret` (notifier.ts).
 */
import { registerSecretValue } from './log';

/** Host names that may be called over plain http (the local fakes); anything else must use https. */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Parses a URL the notifiers send a credential to: `https://`, or plain `http://` only on a
 * loopback host (the local fakes). The problem never quotes the value.
 *
 * @returns the parsed URL, or a sentence saying what is wrong
 */
export function parseCredentialUrl(value: string): { url: URL } | { problem: string } {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    return { problem: 'is not a URL' };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    return { problem: 'must be an https:// URL (plain http:// only for a loopback host: 127.0.0.1, localhost, ::1)' };
  }
  return { url };
}

/**
 * Checks a secret's value that is the endpoint itself (`NotifierDefinition.endpointInSecret`):
 * a URL {@link parseCredentialUrl} accepts, without user or password. A query (such as the
 * URL's signature) is allowed. The problem never quotes the value.
 *
 * @returns the parsed URL, or a sentence saying what is wrong
 */
export function checkSecretEndpointUrl(value: string): { url: URL } | { problem: string } {
  const parsed = parseCredentialUrl(value);
  if ('url' in parsed && (parsed.url.username || parsed.url.password)) {
    return { problem: 'must have no user name or password' };
  }
  return parsed;
}

/** Query parameters of a signed URL that are not secret: the version and permissions of an Azure shared access signature. */
const PUBLIC_QUERY_PARAMETERS = new Set(['api-version', 'sp', 'sv']);

/**
 * The parts of a secret endpoint URL that are as secret as the URL: its path with the query,
 * and the value of every query parameter but {@link PUBLIC_QUERY_PARAMETERS} (e.g. `sig`), raw
 * and decoded, when 6 characters or more. An endpoint that echoes only the query, or only the
 * signature, must not leak it either.
 */
export function secretUrlParts(url: URL, raw: string): string[] {
  const query = raw.includes('?') ? raw.slice(raw.indexOf('?') + 1).split('#')[0] : '';
  const values = query.split('&')
    .filter((pair) => !PUBLIC_QUERY_PARAMETERS.has(pair.split('=')[0].toLowerCase()))
    .map((pair) => pair.slice(pair.indexOf('=') + 1));
  const decoded = values.map((value) => {
    try {
      return decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      return value;
    }
  });
  return [...new Set([`${url.pathname}${url.search}`, ...values, ...decoded])].filter((part) => part.length >= 6);
}

/**
 * Reads the endpoint a secret's value is (see {@link checkSecretEndpointUrl}) and makes every
 * secret part of it redacted in logs.
 *
 * @throws an Error naming the secret, never its value, when the value is not an allowed URL
 */
export function readSecretEndpoint(handler: string, secretArn: string, secret: string): { url: URL; parts: string[] } {
  const checked = checkSecretEndpointUrl(secret);
  if ('problem' in checked) {
    throw new Error(`${handler}: the value of secret ${secretArn} ${checked.problem}; store the endpoint URL (e.g. the workflow's HTTP POST URL) as its plain-text value`);
  }
  const parts = secretUrlParts(checked.url, secret);
  parts.forEach(registerSecretValue);
  return { url: checked.url, parts };
}
