/**
 * The URL check: one HTTP request to the instance (or to an explicit URL), judged by its
 * status code like an ELB health check. Redirects are not followed: a 3xx is judged by its code.
 *
 * Every failure to get a healthy answer is a failed result (never a throw): timeout, refused
 * connection, DNS, TLS, unhealthy status, an instance without the address. Throws only
 * InvalidEventError for a malformed event, and AWS errors other than "no such instance" from
 * DescribeInstances (so Step Functions retries throttling, and a missing permission surfaces).
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { completeCheck } from './shared/check-result';
import { describeFetchError } from './shared/http';
import { formatHostPort, resolveInstanceAddress } from './shared/instance-address';
import { InvalidEventError } from './shared/invalid-event-error';
import { AddressType, CheckResult, UrlCheckEvent } from './shared/types';
import { optionalString, readOneOf, readPort, requireObject, requireString, requireTimeoutMs } from './shared/validate';

const HANDLER = 'url-check';
const ec2 = new EC2Client({});

/** The methods a URL check may use (the same list the construct accepts); no body is sent. */
export const ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const PROTOCOLS = ['http', 'https'] as const;
const ADDRESS_TYPES: readonly AddressType[] = ['PUBLIC', 'PRIVATE'];
const DEFAULT_PORTS: Record<(typeof PROTOCOLS)[number], number> = { http: 80, https: 443 };
/** Identifies the check in the instance's access logs. */
export const USER_AGENT = 'cdk-cpu-first-line-support/url-check';

/** An inclusive range of HTTP status codes. */
export interface StatusRange {
  readonly from: number;
  readonly to: number;
}

/** Where and how to request, validated. Either `url` or the instance-address parts are used. */
export interface UrlCheckSettings {
  readonly instanceId: string;
  readonly url?: string;
  readonly protocol: 'http' | 'https';
  readonly port: number;
  readonly path: string;
  readonly addressType: AddressType;
  readonly method: (typeof ALLOWED_METHODS)[number];
  readonly healthyHttpCodes: string;
  readonly healthyRanges: readonly StatusRange[];
  readonly timeoutMs: number;
}

/**
 * Parses an ELB-style matcher of healthy status codes: comma-separated codes and ranges,
 * e.g. "200", "200,204", "200-399", "200,300-308". Codes must be 100..599.
 *
 * @throws an Error naming the spec when it is malformed
 */
export function parseHealthyHttpCodes(spec: string): StatusRange[] {
  const fail = (why: string) =>
    new Error(`\`healthyHttpCodes\` ${JSON.stringify(spec)} is invalid: ${why}; expected comma-separated codes or ranges like "200,204,300-399"`);
  if (typeof spec !== 'string' || spec.trim() === '') {
    throw fail('it is empty');
  }
  return spec.split(',').map((rawPart) => {
    const part = rawPart.trim();
    const match = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(part);
    if (!match) {
      throw fail(`"${part}" is not a status code or range`);
    }
    const from = Number(match[1]);
    const to = match[2] !== undefined ? Number(match[2]) : from;
    if (from < 100 || to > 599) {
      throw fail(`"${part}" is outside 100-599`);
    }
    if (from > to) {
      throw fail(`"${part}" is a range whose start is above its end`);
    }
    return { from, to };
  });
}

/** Whether `status` is healthy for a matcher (a spec string or parsed ranges). */
export function isHealthyStatus(status: number, spec: string | readonly StatusRange[]): boolean {
  const ranges = typeof spec === 'string' ? parseHealthyHttpCodes(spec) : spec;
  return ranges.some((range) => status >= range.from && status <= range.to);
}

/** Builds `protocol://address:port/path`, bracketing an IPv6 address. */
export function buildTargetUrl(protocol: string, address: string, port: number, path: string): string {
  return `${protocol}://${formatHostPort(address, port)}${path}`;
}

/** Checks an explicit URL: http(s), parsable, without credentials (which fetch refuses). */
function validateExplicitUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidEventError(`${HANDLER}: \`url\` must be an absolute http(s) URL, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidEventError(`${HANDLER}: \`url\` must use http or https, got ${JSON.stringify(url)}`);
  }
  if (parsed.username || parsed.password) {
    throw new InvalidEventError(`${HANDLER}: \`url\` must not contain credentials`);
  }
  return parsed.toString();
}

/**
 * Validates the event and fills in defaults (protocol http, port 80/443, path '/', address
 * PUBLIC).
 *
 * @throws InvalidEventError naming the field, the value and what is allowed
 */
export function readUrlCheckEvent(event: unknown): UrlCheckSettings {
  const fields = requireObject(HANDLER, event);
  const instanceId = requireString(HANDLER, fields, 'instanceId');
  const rawUrl = optionalString(HANDLER, fields, 'url');
  const protocol = readOneOf(HANDLER, fields, 'protocol', PROTOCOLS, 'http');
  const port = readPort(HANDLER, fields, 'port', DEFAULT_PORTS[protocol]);
  const path = optionalString(HANDLER, fields, 'path') ?? '/';
  if (!path.startsWith('/')) {
    throw new InvalidEventError(`${HANDLER}: \`path\` must start with "/", got ${JSON.stringify(path)}`);
  }
  const addressType = readOneOf(HANDLER, fields, 'addressType', ADDRESS_TYPES, 'PUBLIC');
  const method = readOneOf(HANDLER, fields, 'method', ALLOWED_METHODS);
  const healthyHttpCodes = requireString(HANDLER, fields, 'healthyHttpCodes');
  let healthyRanges: StatusRange[];
  try {
    healthyRanges = parseHealthyHttpCodes(healthyHttpCodes);
  } catch (error) {
    throw new InvalidEventError(`${HANDLER}: ${(error as Error).message}`);
  }
  const timeoutMs = requireTimeoutMs(HANDLER, fields, 'timeoutMs');
  return {
    instanceId,
    url: rawUrl !== undefined ? validateExplicitUrl(rawUrl) : undefined,
    protocol,
    port,
    path,
    addressType,
    method,
    healthyHttpCodes,
    healthyRanges,
    timeoutMs,
  };
}

/**
 * Sends one request and judges the status. The body is not needed and is cancelled so the
 * socket is released. Never throws.
 */
export async function probeUrl(
  url: string,
  settings: Pick<UrlCheckSettings, 'method' | 'healthyRanges' | 'healthyHttpCodes' | 'timeoutMs'>,
): Promise<{ passed: boolean; reason: string }> {
  const { method, healthyRanges, healthyHttpCodes, timeoutMs } = settings;
  let status: number;
  try {
    const response = await fetch(url, {
      method,
      headers: { 'User-Agent': USER_AGENT },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = response.status;
    await response.body?.cancel().catch(() => undefined);
  } catch (error) {
    return { passed: false, reason: describeFetchError(error, url, timeoutMs) };
  }
  const passed = isHealthyStatus(status, healthyRanges);
  return passed
    ? { passed, reason: `HTTP ${status} from ${url} (healthy: ${healthyHttpCodes})` }
    : { passed, reason: `HTTP ${status} from ${url}, expected ${healthyHttpCodes}` };
}

/** Runs the URL check for a validated event. */
export async function runUrlCheck(settings: UrlCheckSettings, client: EC2Client = ec2): Promise<CheckResult> {
  const startedAtMs = Date.now();
  const logFields = { instanceId: settings.instanceId, method: settings.method };
  let url = settings.url;
  if (url === undefined) {
    const lookup = await resolveInstanceAddress(client, settings.instanceId, settings.addressType);
    if (lookup.address === undefined) {
      return completeCheck('url', startedAtMs, { passed: false, reason: lookup.reason }, logFields);
    }
    url = buildTargetUrl(settings.protocol, lookup.address, settings.port, settings.path);
  }
  const outcome = await probeUrl(url, settings);
  return completeCheck('url', startedAtMs, { ...outcome, target: url }, logFields);
}

/** Lambda entry point. */
export const handler = async (event: UrlCheckEvent): Promise<CheckResult> => runUrlCheck(readUrlCheckEvent(event));
