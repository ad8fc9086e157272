/**
 * The URL check: one HTTP request to the instance (or to an explicit URL), judged by its
 * status code like an ELB health check. Redirects are not followed: a 3xx is judged by its code.
 *
 * The instance's address comes from the event's `instance`, the instance as the workflow looked
 * it up in this run: the check calls no AWS API, so the whole timeout goes to the probe.
 *
 * Every failure to get a healthy answer is a failed result: timeout, refused connection, DNS,
 * a TLS failure such as a server that does not speak TLS, unhealthy status, an instance without
 * the address. Two things are thrown instead, because they say nothing about the instance and
 * must never lead to a reboot: {@link CertificateError}, for a certificate that was not accepted
 * (expired, self-signed, issued for another name: a configuration error that a reboot cannot
 * fix), and InvalidEventError for a malformed event.
 *
 * The request is made with `node:http`/`node:https` rather than `fetch`, because only they can
 * skip certificate verification (`verifyCertificate: false`) without bundling `undici`.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { completeCheck, probeWaitMs } from './shared/check-result';
import { describeFetchError, isTimeoutError } from './shared/http';
import { formatHostPort, pickInstanceAddress, readInstanceView } from './shared/instance-address';
import { InvalidEventError } from './shared/invalid-event-error';
import { logDecision } from './shared/log';
import { AddressType, CheckResult, InstanceView, UrlCheckEvent } from '../src/contract';
import { optionalString, readBoolean, readOneOf, readPort, requireObject, requireString, requireTimeoutMs } from './shared/validate';

const HANDLER = 'url-check';

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
  /** The instance as the workflow looked it up in this run; set whenever `url` is not. */
  readonly instance?: InstanceView;
  readonly url?: string;
  readonly protocol: 'http' | 'https';
  readonly port: number;
  readonly path: string;
  readonly addressType: AddressType;
  readonly method: (typeof ALLOWED_METHODS)[number];
  readonly healthyHttpCodes: string;
  readonly healthyRanges: readonly StatusRange[];
  readonly timeoutMs: number;
  /** Whether an https URL's certificate must be valid for the host; true unless the event says false. */
  readonly verifyCertificate: boolean;
}

/**
 * The error codes of a certificate that was not accepted: OpenSSL's verification codes
 * (DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED, UNABLE_TO_VERIFY_LEAF_SIGNATURE, ...) and
 * Node's host name check (ERR_TLS_CERT_ALTNAME_INVALID), as opposed to other TLS failures
 * such as a handshake with a server that does not speak TLS, or the server's alerts
 * (ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE), which no opt-out on this side can help with.
 */
const CERTIFICATE_ERROR_CODE = /^(?!ERR_SSL_).*CERT|^UNABLE_TO_|^HOSTNAME_MISMATCH$|^INVALID_CA$|^INVALID_PURPOSE$|^PATH_LENGTH_EXCEEDED$/;

/** Codes of other TLS failures: `node:https` reports a failed handshake as EPROTO. */
const TLS_ERROR_CODE = /^EPROTO$|^ERR_SSL_|^ERR_TLS_/;

/** The reason part of an OpenSSL error string, e.g. "wrong version number" in "...:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:...". */
const OPENSSL_REASON = /error:[0-9A-Fa-f]+:[^:]*:[^:]*:([^:\n]+)/;

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
 * PUBLIC). `instance` is required unless `url` is set, and checked whenever it is present.
 *
 * @throws InvalidEventError naming the field, the value and what is allowed
 */
export function readUrlCheckEvent(event: unknown): UrlCheckSettings {
  const fields = requireObject(HANDLER, event);
  const instanceId = requireString(HANDLER, fields, 'instanceId');
  const rawUrl = optionalString(HANDLER, fields, 'url');
  const instance = rawUrl === undefined || (fields.instance !== undefined && fields.instance !== null)
    ? readInstanceView(HANDLER, fields, instanceId)
    : undefined;
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
  const verifyCertificate = readBoolean(HANDLER, fields, 'verifyCertificate', true);
  return {
    instanceId,
    instance,
    url: rawUrl !== undefined ? validateExplicitUrl(rawUrl) : undefined,
    protocol,
    port,
    path,
    addressType,
    method,
    healthyHttpCodes,
    healthyRanges,
    timeoutMs,
    verifyCertificate,
  };
}

/**
 * Thrown by the URL check when an https server's certificate was not accepted: expired, not
 * yet valid, self-signed, from an unknown authority, or issued for another name. The server
 * answered the TLS handshake, so this is a mistake in the configuration (the certificate, or
 * the URL checked), not a sign of a sick instance: a reboot cannot fix it, so the workflow must
 * not retry it and must escalate it without rebooting. Step Functions sees the error name
 * `CertificateError`; the message names the host, the problem and the fix.
 */
export class CertificateError extends Error {
  /** The server whose certificate was not accepted, as `host:port`. */
  public readonly host: string;
  /** What is wrong with it, e.g. "self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)". */
  public readonly problem: string;

  constructor(host: string, problem: string) {
    super(`the TLS certificate of ${host} was not accepted: ${problem}. `
      + 'This is a configuration error, not a sign that the instance is unwell: fix the certificate '
      + '(or check a URL whose host name it is issued for), or set urlCheck.verifyCertificate: false '
      + 'to check this server without verifying its certificate');
    this.name = 'CertificateError';
    this.host = host;
    this.problem = problem;
  }
}

/** Whether an error of a request is a certificate that was not accepted. */
export function isCertificateError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CERTIFICATE_ERROR_CODE.test(code);
}

/** An error's code and message, the message on one line without trailing colons. */
function codeAndMessage(error: unknown): { code?: string; message: string } {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return {
    code: typeof code === 'string' ? code : undefined,
    message: typeof message === 'string' ? message.replace(/[\s:]+$/, '').replace(/\s+/g, ' ').trim() : '',
  };
}

/** `host:port` of a URL, or the URL as given when it cannot be parsed. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * The {@link CertificateError} for a request's error when it is a certificate that was not
 * accepted; `undefined` for every other error (a timeout included).
 */
export function certificateErrorOf(error: unknown, url: string): CertificateError | undefined {
  if (isTimeoutError(error) || !isCertificateError(error)) {
    return undefined;
  }
  const { code, message } = codeAndMessage(error);
  return new CertificateError(hostOf(url), message !== '' ? `${message} (${code})` : `${code}`);
}

/**
 * Why a request got no answer, in words and on one line. A TLS failure gives OpenSSL's reason
 * instead of its raw error string. (A certificate that was not accepted is not described here:
 * it is thrown as a {@link CertificateError}.)
 */
export function describeProbeError(error: unknown, url: string, timeoutMs: number): string {
  const { code, message } = codeAndMessage(error);
  const host = hostOf(url);
  if (!isTimeoutError(error) && code !== undefined) {
    if (TLS_ERROR_CODE.test(code)) {
      const reason = OPENSSL_REASON.exec(message)?.[1].trim() ?? message;
      return `TLS error talking to ${host}: ${reason !== '' ? `${reason} (${code})` : code}`;
    }
  }
  return describeFetchError(error, url, timeoutMs).replace(/\s+/g, ' ').trim();
}

/**
 * Sends one request without a body and resolves with the status code as soon as the status
 * line and headers arrive; the body is not read (the response is destroyed, which releases
 * the socket). Everything up to the headers (DNS, connection, TLS, the answer) must happen
 * within `waitMs` (default `timeoutMs`), else the request is destroyed with a `TimeoutError`
 * that names `timeoutMs`, the check's timeout. Redirects are not followed. With
 * `verifyCertificate: false`, an https certificate is not checked at all.
 */
export function requestStatus(url: string, method: string, timeoutMs: number, verifyCertificate: boolean, waitMs = timeoutMs): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const options: https.RequestOptions = {
      method,
      headers: { 'User-Agent': USER_AGENT, 'Accept': '*/*' },
      // A fresh connection, closed after the answer: nothing is pooled between invocations.
      agent: false,
      ...(secure && !verifyCertificate ? { rejectUnauthorized: false } : {}),
    };
    let timer: NodeJS.Timeout | undefined;
    let request: http.ClientRequest;
    try {
      request = (secure ? https : http).request(target, options, (response) => {
        clearTimeout(timer);
        resolve(response.statusCode ?? 0);
        response.destroy();
      });
    } catch (error) {
      reject(error);
      return;
    }
    timer = setTimeout(
      () => request.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' })),
      waitMs,
    );
    // After the answer, errors of the destroyed connection change nothing (a settled promise stays settled).
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end();
  });
}

/**
 * Sends one request and judges the status, waiting at most `waitMs` (default the check's
 * timeout). Every failure to get a healthy answer is a failed outcome.
 *
 * @throws CertificateError when the server's certificate was not accepted
 */
export async function probeUrl(
  url: string,
  settings: Pick<UrlCheckSettings, 'method' | 'healthyRanges' | 'healthyHttpCodes' | 'timeoutMs'> & { readonly verifyCertificate?: boolean },
  waitMs = settings.timeoutMs,
): Promise<{ passed: boolean; reason: string }> {
  const { method, healthyRanges, healthyHttpCodes, timeoutMs } = settings;
  const verifyCertificate = settings.verifyCertificate !== false;
  let status: number;
  try {
    status = await requestStatus(url, method, timeoutMs, verifyCertificate, waitMs);
  } catch (error) {
    const certificateError = certificateErrorOf(error, url);
    if (certificateError) {
      throw certificateError;
    }
    return { passed: false, reason: describeProbeError(error, url, timeoutMs) };
  }
  const passed = isHealthyStatus(status, healthyRanges);
  // Say so when the answer came from a server whose identity was not checked.
  const note = !verifyCertificate && url.startsWith('https:') ? 'certificate not verified' : undefined;
  return passed
    ? { passed, reason: `HTTP ${status} from ${url} (healthy: ${healthyHttpCodes}${note ? `; ${note}` : ''})` }
    : { passed, reason: `HTTP ${status} from ${url}, expected ${healthyHttpCodes}${note ? ` (${note})` : ''}` };
}

/**
 * Runs the URL check for a validated event.
 *
 * @throws CertificateError when the server's certificate was not accepted
 */
export async function runUrlCheck(settings: UrlCheckSettings): Promise<CheckResult> {
  const startedAtMs = Date.now();
  const logFields = { instanceId: settings.instanceId, method: settings.method, verifyCertificate: settings.verifyCertificate };
  let url = settings.url;
  if (url === undefined) {
    if (settings.instance === undefined) {
      throw new InvalidEventError(`${HANDLER}: \`instance\` is needed when \`url\` is not set`);
    }
    const lookup = pickInstanceAddress(settings.instance, settings.addressType);
    if (lookup.address === undefined) {
      return completeCheck('url', startedAtMs, { passed: false, reason: lookup.reason }, logFields);
    }
    url = buildTargetUrl(settings.protocol, lookup.address, settings.port, settings.path);
  }
  let outcome: { passed: boolean; reason: string };
  try {
    outcome = await probeUrl(url, settings, probeWaitMs(settings.timeoutMs, startedAtMs));
  } catch (error) {
    if (error instanceof CertificateError) {
      logDecision(HANDLER, 'certificate-error', { ...logFields, target: url, reason: error.message });
    }
    throw error;
  }
  return completeCheck('url', startedAtMs, { ...outcome, target: url }, logFields);
}

/** Lambda entry point. */
export const handler = async (event: UrlCheckEvent): Promise<CheckResult> => runUrlCheck(readUrlCheckEvent(event));
