import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { CHECKED_INSTANCE_ID as INSTANCE_ID, instanceView, notFoundView } from './support/instances';
import { captureConsole, closedPort, LocalHttpServer, RecordedRequest, startHttpServer } from './support/local-servers';
import { CHECK_OVERHEAD_MS } from '../../lambda/shared/check-result';
import { isNoAddressReason } from '../../lambda/shared/instance-address';
import { InvalidEventError } from '../../lambda/shared/invalid-event-error';
import {
  buildTargetUrl,
  CertificateError,
  certificateErrorOf,
  describeProbeError,
  handler,
  isCertificateError,
  isHealthyStatus,
  parseHealthyHttpCodes,
  readUrlCheckEvent,
} from '../../lambda/url-check.lambda';
import { InstanceView, UrlCheckEvent } from '../../src/contract';

/** Only to prove that the check never calls EC2: it must take the address from the event. */
const ec2Mock = mockClient(EC2Client);

let server: LocalHttpServer;

beforeAll(async () => {
  server = await startHttpServer((_request, response) => response.end('ok'));
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  captureConsole();
  ec2Mock.reset();
  server.requests.length = 0;
  server.respondWith((_request, response) => response.end('ok'));
});

/** The instance, running at 127.0.0.1 (public IP). */
const LOCAL_INSTANCE = instanceView({ publicIp: '127.0.0.1', privateIp: '10.0.0.5' });

function event(overrides: Partial<UrlCheckEvent> = {}): UrlCheckEvent {
  return {
    instanceId: INSTANCE_ID,
    instance: LOCAL_INSTANCE,
    protocol: 'http',
    port: server.port,
    path: '/health',
    addressType: 'PUBLIC',
    method: 'GET',
    healthyHttpCodes: '200-399',
    timeoutMs: 2000,
    ...overrides,
  };
}

describe('url-check handler against a local HTTP server', () => {
  test('HTTP 200 from the instance public IP passes', async () => {
    const result = await handler(event());

    expect(result).toMatchObject({
      check: 'url',
      passed: true,
      target: `http://127.0.0.1:${server.port}/health`,
    });
    expect(result.reason).toBe(`HTTP 200 from http://127.0.0.1:${server.port}/health (healthy: 200-399)`);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(Date.parse(result.checkedAt))).toBe(false);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'GET', url: '/health' });
    expect(server.requests[0].headers['user-agent']).toBe('cdk-cpu-first-line-support/url-check');
  });

  test('the address comes from the event\'s instance: a slow DescribeInstances cannot eat the probe\'s time', async () => {
    // A healthy server that takes 300 ms to answer a 2 s check. Were the check to look the
    // instance up itself, a 1.9 s DescribeInstances would leave the probe 50 ms: a failed check,
    // and a reboot of a healthy instance.
    ec2Mock.on(DescribeInstancesCommand).callsFake(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1900));
      return { Reservations: [{ Instances: [{ InstanceId: INSTANCE_ID, State: { Name: 'running' }, PublicIpAddress: '127.0.0.1' }] }] };
    });
    server.respondWith((_request, response) => {
      setTimeout(() => response.end('ok'), 300);
    });

    const result = await handler(event({ timeoutMs: 2000 }));

    expect(result).toMatchObject({ passed: true, target: `http://127.0.0.1:${server.port}/health` });
    expect(result.latencyMs).toBeLessThan(1500);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });

  test('HTTP 500 fails with the status, the URL and the expected codes', async () => {
    server.respondWith((_request, response) => {
      response.statusCode = 500;
      response.end('boom');
    });

    const result = await handler(event());

    expect(result.passed).toBe(false);
    expect(result.reason).toBe(`HTTP 500 from http://127.0.0.1:${server.port}/health, expected 200-399`);
  });

  test('a server that never answers fails within the timeout (less the overhead kept for answering), not later', async () => {
    server.respondWith(() => undefined); // never answers

    const started = Date.now();
    const result = await handler(event({ timeoutMs: 300 }));
    const elapsed = Date.now() - started;

    expect(result.passed).toBe(false);
    expect(result.reason).toBe(`no answer within 300 ms from http://127.0.0.1:${server.port}/health`);
    expect(elapsed).toBeGreaterThanOrEqual(300 - CHECK_OVERHEAD_MS - 20);
    expect(elapsed).toBeLessThanOrEqual(300);
    expect(result.latencyMs).toBeLessThan(1000);
  });

  test('a 200 whose body never ends passes on the status alone, within the timeout', async () => {
    server.respondWith((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.write('partial'); // and never end
    });

    const started = Date.now();
    const result = await handler(event({ timeoutMs: 1000 }));

    expect(result.passed).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('a refused connection fails with a clear reason', async () => {
    const port = await closedPort();
    const result = await handler(event({ port }));

    expect(result).toMatchObject({ passed: false, reason: `connection refused by 127.0.0.1:${port}`, target: `http://127.0.0.1:${port}/health` });
  });

  test('a redirect is not followed and is judged by its status code', async () => {
    server.respondWith((request, response) => {
      if (request.url === '/health') {
        response.writeHead(302, { Location: '/login' });
        response.end();
      } else {
        response.end('login page');
      }
    });

    const lenient = await handler(event({ healthyHttpCodes: '200-399' }));
    const strict = await handler(event({ healthyHttpCodes: '200' }));

    expect(lenient.passed).toBe(true);
    expect(lenient.reason).toContain('HTTP 302');
    expect(strict.passed).toBe(false);
    expect(strict.reason).toBe(`HTTP 302 from http://127.0.0.1:${server.port}/health, expected 200`);
    expect(server.requests.map((request) => request.url)).toEqual(['/health', '/health']);
  });

  test('sends the configured method, e.g. HEAD', async () => {
    const result = await handler(event({ method: 'HEAD' }));

    expect(result.passed).toBe(true);
    expect(server.requests[0].method).toBe('HEAD');
  });

  test('a POST is sent without a body, with Content-Length: 0', async () => {
    const result = await handler(event({ method: 'POST' }));

    expect(result.passed).toBe(true);
    expect(server.requests[0]).toMatchObject({ method: 'POST', body: '' });
    expect(server.requests[0].headers['content-length']).toBe('0');
  });

  test('verifyCertificate changes nothing for plain http', async () => {
    const verified = await handler(event());
    const unverified = await handler(event({ verifyCertificate: false }));

    expect(unverified).toMatchObject({ passed: true, reason: verified.reason, target: verified.target });
    expect(unverified.reason).toBe(`HTTP 200 from http://127.0.0.1:${server.port}/health (healthy: 200-399)`);
  });

  test('an explicit url is requested as given, without an instance in the event', async () => {
    const url = `${server.origin}/explicit?probe=1`;

    const result = await handler(event({ url, instance: undefined, port: 1, path: '/ignored', addressType: 'PRIVATE' }));

    expect(result).toMatchObject({ passed: true, target: url });
    expect(server.requests[0].url).toBe('/explicit?probe=1');
  });

  test('an explicit url wins over the instance\'s address, even of an instance without one', async () => {
    const url = `${server.origin}/explicit`;

    const result = await handler(event({ url, instance: notFoundView() }));

    expect(result).toMatchObject({ passed: true, target: url });
  });

  test('addressType PRIVATE connects to the private IP', async () => {
    const result = await handler(event({ addressType: 'PRIVATE', instance: instanceView({ publicIp: '203.0.113.7', privateIp: '127.0.0.1' }) }));

    expect(result).toMatchObject({ passed: true, target: `http://127.0.0.1:${server.port}/health` });
  });

  test('protocol, port and path default to http, 80 and /', () => {
    const settings = readUrlCheckEvent({ instanceId: INSTANCE_ID, instance: LOCAL_INSTANCE, method: 'get', healthyHttpCodes: '200', timeoutMs: 1000 });

    expect(settings).toMatchObject({ protocol: 'http', port: 80, path: '/', addressType: 'PUBLIC', method: 'GET' });
    expect(readUrlCheckEvent({ ...settings, protocol: 'HTTPS', port: undefined }).port).toBe(443);
  });
});

/**
 * A real HTTPS server on 127.0.0.1 with the committed self-signed certificate for
 * `example.internal` (test/lambda/fixtures/: a throwaway test key, see the README there), so its
 * certificate is both untrusted and issued for another host.
 */
describe('url-check against a local HTTPS server with a self-signed certificate', () => {
  const FIXTURES = path.join(__dirname, 'fixtures');
  let tls: https.Server;
  let tlsPort: number;
  const tlsRequests: RecordedRequest[] = [];
  let answer: (response: import('node:http').ServerResponse) => void;

  beforeAll(async () => {
    tls = https.createServer({
      key: readFileSync(path.join(FIXTURES, 'self-signed.key.pem')),
      cert: readFileSync(path.join(FIXTURES, 'self-signed.cert.pem')),
    }, (request, response) => {
      tlsRequests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: '' });
      answer(response);
    });
    tls.on('tlsClientError', () => undefined); // a client refusing the certificate is expected here
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', () => resolve()));
    tlsPort = (tls.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    tls.closeAllConnections();
    await new Promise<void>((resolve) => tls.close(() => resolve()));
  });

  beforeEach(() => {
    tlsRequests.length = 0;
    answer = (response) => response.end('ok');
  });

  function httpsEvent(overrides: Partial<UrlCheckEvent> = {}): UrlCheckEvent {
    return event({ protocol: 'https', port: tlsPort, ...overrides });
  }

  test.each([
    ['by default', {}],
    ['with verifyCertificate: true', { verifyCertificate: true }],
    ['for an explicit https URL', { url: 'https://127.0.0.1:PORT/explicit', instance: undefined }],
  ])('%s a certificate that is not accepted throws CertificateError (a configuration error, not a failed check), no request sent', async (_when, overrides) => {
    const url = (overrides as { url?: string }).url?.replace('PORT', String(tlsPort));
    const host = `127.0.0.1:${tlsPort}`;
    const promise = handler(httpsEvent({ ...overrides, ...(url ? { url } : {}) }));

    await expect(promise).rejects.toBeInstanceOf(CertificateError);
    const error = await promise.then(() => undefined, (e: CertificateError) => e) as CertificateError;
    expect(error).toMatchObject({ name: 'CertificateError', host, problem: expect.stringMatching(/^self.signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/) });
    // The message names the host, the problem and both fixes.
    expect(error.message).toMatch(new RegExp(`^the TLS certificate of ${host.replace(/\./g, '\\.')} was not accepted: self.signed certificate \\(DEPTH_ZERO_SELF_SIGNED_CERT\\)\\. `));
    expect(error.message).toContain('fix the certificate');
    expect(error.message).toContain('set urlCheck.verifyCertificate: false');
    expect(error.message).not.toContain('\n');
    expect(tlsRequests).toHaveLength(0);
  });

  test('with verifyCertificate: false the check passes on the status, and says the certificate was not verified', async () => {
    const result = await handler(httpsEvent({ verifyCertificate: false, method: 'HEAD' }));

    expect(result).toMatchObject({ passed: true, target: `https://127.0.0.1:${tlsPort}/health` });
    expect(result.reason).toBe(`HTTP 200 from https://127.0.0.1:${tlsPort}/health (healthy: 200-399; certificate not verified)`);
    expect(tlsRequests).toHaveLength(1);
    expect(tlsRequests[0]).toMatchObject({ method: 'HEAD', url: '/health' });
    expect(tlsRequests[0].headers['user-agent']).toBe('cdk-cpu-first-line-support/url-check');
  });

  test('with verifyCertificate: false an unhealthy status still fails', async () => {
    answer = (response) => {
      response.statusCode = 503;
      response.end('down');
    };

    const result = await handler(httpsEvent({ verifyCertificate: false }));

    expect(result.passed).toBe(false);
    expect(result.reason).toBe(`HTTP 503 from https://127.0.0.1:${tlsPort}/health, expected 200-399 (certificate not verified)`);
  });

  test('with verifyCertificate: false an explicit https URL is accepted too', async () => {
    const url = `https://127.0.0.1:${tlsPort}/explicit?probe=1`;

    const result = await handler(httpsEvent({ url, verifyCertificate: false }));

    expect(result).toMatchObject({ passed: true, target: url });
    expect(tlsRequests[0].url).toBe('/explicit?probe=1');
  });

  test('with verifyCertificate: false a server that never answers still fails at the timeout', async () => {
    answer = () => undefined;

    const started = Date.now();
    const result = await handler(httpsEvent({ verifyCertificate: false, timeoutMs: 300 }));

    expect(result).toMatchObject({ passed: false, reason: `no answer within 300 ms from https://127.0.0.1:${tlsPort}/health` });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('https to a port that does not speak TLS fails with a one-line TLS error, not a certificate hint', async () => {
    for (const verifyCertificate of [true, false]) {
      const result = await handler(event({ protocol: 'https', port: server.port, verifyCertificate }));

      expect(result).toMatchObject({ passed: false, reason: `TLS error talking to 127.0.0.1:${server.port}: wrong version number (EPROTO)` });
    }
  });
});

describe('certificate errors', () => {
  const URL_ = 'https://198.51.100.7:8443/';

  test.each([
    ['ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames: IP: 198.51.100.7 is not in the cert's list: "],
    ['CERT_HAS_EXPIRED', 'certificate has expired'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'],
    ['CERT_NOT_YET_VALID', 'certificate is not yet valid'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unable to get local issuer certificate'],
  ])('%s is a certificate that was not accepted: a CertificateError naming the host, the problem and the fix', (code, message) => {
    const error = Object.assign(new Error(message), { code });

    expect(isCertificateError(error)).toBe(true);
    const certificateError = certificateErrorOf(error, URL_);
    expect(certificateError).toBeInstanceOf(CertificateError);
    expect(certificateError).toMatchObject({ name: 'CertificateError', host: '198.51.100.7:8443', problem: `${message.replace(/[\s:]+$/, '')} (${code})` });
    expect(certificateError?.message).toBe(
      `the TLS certificate of 198.51.100.7:8443 was not accepted: ${message.replace(/[\s:]+$/, '')} (${code}). `
      + 'This is a configuration error, not a sign that the instance is unwell: fix the certificate '
      + '(or check a URL whose host name it is issued for), or set urlCheck.verifyCertificate: false '
      + 'to check this server without verifying its certificate',
    );
  });

  test.each(['ECONNREFUSED', 'ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'EPROTO', undefined])('%s is not a certificate error', (code) => {
    const error = Object.assign(new Error('boom'), { code });

    expect(isCertificateError(error)).toBe(false);
    expect(certificateErrorOf(error, URL_)).toBeUndefined();
    expect(describeProbeError(error, URL_, 2000)).not.toContain('verifyCertificate');
  });

  test('a timeout is never a certificate error', () => {
    expect(certificateErrorOf(Object.assign(new Error('x'), { name: 'TimeoutError', code: 'CERT_HAS_EXPIRED' }), URL_)).toBeUndefined();
  });

  test('other TLS errors give OpenSSL\'s reason, on one line', () => {
    const raw = 'write EPROTO 80DC06EB827F0000:error:0A000410:SSL routines::sslv3 alert handshake failure:../deps/openssl/ssl/record/rec_layer_s3.c:1605:\nSSL alert number 40\n';

    expect(describeProbeError(Object.assign(new Error(raw), { code: 'EPROTO' }), URL_, 2000))
      .toBe('TLS error talking to 198.51.100.7:8443: sslv3 alert handshake failure (EPROTO)');
    expect(describeProbeError(Object.assign(new Error('strange\nthing'), { code: 'ERR_SSL_SOMETHING' }), URL_, 2000))
      .toBe('TLS error talking to 198.51.100.7:8443: strange thing (ERR_SSL_SOMETHING)');
    expect(describeProbeError(Object.assign(new Error('socket\nhang up'), { code: 'ECONNRESET' }), URL_, 2000))
      .toBe('connection reset by 198.51.100.7:8443 (ECONNRESET)');
    expect(describeProbeError(new Error('two\nlines'), URL_, 2000)).toBe(`request to ${URL_} failed: two lines`);
  });

  test('a timeout is a timeout', () => {
    expect(describeProbeError(Object.assign(new Error('x'), { name: 'TimeoutError' }), URL_, 2000)).toBe(`no answer within 2000 ms from ${URL_}`);
  });
});

describe('url-check without a usable address', () => {
  test.each<[string, InstanceView, 'PUBLIC' | 'PRIVATE', string]>([
    ['without a public IP', instanceView({ privateIp: '10.0.0.5', state: 'stopped' }), 'PUBLIC', `no address: instance ${INSTANCE_ID} has no public IP address (state: stopped)`],
    ['terminated', instanceView({ state: 'terminated', publicIp: '127.0.0.1' }), 'PUBLIC', `no address: instance ${INSTANCE_ID} is terminated`],
    ['stopped, with its private IP still set', instanceView({ privateIp: '127.0.0.1', state: 'stopped' }), 'PRIVATE', `no address: instance ${INSTANCE_ID} is stopped`],
    ['not found', notFoundView(), 'PUBLIC', `no address: instance ${INSTANCE_ID} was not found`],
  ])('an instance %s fails with "no address", and no request is made', async (_what, instance, addressType, reason) => {
    const result = await handler(event({ instance, addressType }));

    expect(result).toMatchObject({ check: 'url', passed: false, reason });
    expect(isNoAddressReason(result.reason)).toBe(true);
    expect(result.target).toBeUndefined();
    expect(server.requests).toHaveLength(0);
    expect(JSON.stringify(result)).not.toContain('undefined');
  });
});

describe('url-check event validation', () => {
  test.each([
    [{ instanceId: undefined }, 'url-check: `instanceId` must be a non-empty string, got nothing'],
    [{ timeoutMs: 'abc' }, 'url-check: `timeoutMs` must be a positive number, got "abc"'],
    [{ timeoutMs: 0 }, 'url-check: `timeoutMs` must be a positive number, got 0'],
    [{ method: 'BREW' }, 'url-check: `method` must be one of "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", got "BREW"'],
    [{ healthyHttpCodes: '2xx' }, 'url-check: `healthyHttpCodes` "2xx" is invalid'],
    [{ path: 'health' }, 'url-check: `path` must start with "/", got "health"'],
    [{ port: 70000 }, 'url-check: `port` must be an integer port from 1 to 65535, got 70000'],
    [{ protocol: 'ftp' }, 'url-check: `protocol` must be one of "http", "https", got "ftp"'],
    [{ addressType: 'ELASTIC' }, 'url-check: `addressType` must be one of "PUBLIC", "PRIVATE", got "ELASTIC"'],
    [{ url: 'ftp://example.com/' }, 'url-check: `url` must use http or https'],
    [{ url: 'http://user:pw@127.0.0.1/' }, 'url-check: `url` must not contain credentials'],
    [{ verifyCertificate: 'false' }, 'url-check: `verifyCertificate` must be true or false when set, got "false"'],
    [{ verifyCertificate: 0 }, 'url-check: `verifyCertificate` must be true or false when set, got 0'],
    [{ verifyCertificate: 'no' }, 'url-check: `verifyCertificate` must be true or false when set, got "no"'],
    [{ verifyCertificate: {} }, 'url-check: `verifyCertificate` must be true or false when set, got {}'],
    [{ instance: undefined }, 'url-check: `instance` must be the instance as the workflow looked it up'],
    [{ instance: null }, 'url-check: `instance` must be the instance as the workflow looked it up'],
    [{ instance: 'i-0123456789abcdef0' }, 'url-check: `instance` must be the instance as the workflow looked it up'],
    [{ instance: { instanceId: 'i-0fedcba9876543210' } }, 'url-check: `instance.instanceId` must be the checked instance "i-0123456789abcdef0", got "i-0fedcba9876543210"'],
    [{ instance: { ...LOCAL_INSTANCE, found: undefined } }, 'url-check: `instance.found` must be true or false, got nothing'],
    [{ instance: { ...LOCAL_INSTANCE, publicIp: '127.0.0.1:80' } }, 'url-check: `instance.publicIp` must be an IPv4 or IPv6 address when set, got "127.0.0.1:80"'],
    [{ url: 'http://127.0.0.1/', instance: { ...LOCAL_INSTANCE, state: '' } }, 'url-check: `instance.state` must be a non-empty string, got ""'],
  ])('%j is rejected', async (overrides, message) => {
    const promise = handler(event(overrides as Partial<UrlCheckEvent>));

    await expect(promise).rejects.toThrow(InvalidEventError);
    await expect(promise).rejects.toMatchObject({ name: 'InvalidEventError' });
    await expect(promise).rejects.toThrow(message);
    expect(server.requests).toHaveLength(0);
  });

  test('verifyCertificate defaults to true; null counts as not set', () => {
    const base = { instanceId: INSTANCE_ID, instance: LOCAL_INSTANCE, method: 'GET', healthyHttpCodes: '200', timeoutMs: 1000 };

    expect(readUrlCheckEvent(base).verifyCertificate).toBe(true);
    expect(readUrlCheckEvent({ ...base, verifyCertificate: null }).verifyCertificate).toBe(true);
    expect(readUrlCheckEvent({ ...base, verifyCertificate: true }).verifyCertificate).toBe(true);
    expect(readUrlCheckEvent({ ...base, verifyCertificate: false }).verifyCertificate).toBe(false);
  });

  test('an event that is not an object is rejected', async () => {
    await expect(handler(null as unknown as UrlCheckEvent)).rejects.toThrow('url-check: `event` must be a JSON object, got null');
  });

  test('the URL is never built from an undefined address', () => {
    expect(buildTargetUrl('http', '127.0.0.1', 8080, '/')).toBe('http://127.0.0.1:8080/');
    expect(buildTargetUrl('https', '2001:db8::1', 443, '/x')).toBe('https://[2001:db8::1]:443/x');
  });
});

describe('parseHealthyHttpCodes / isHealthyStatus', () => {
  test('parses codes and ranges, with spaces', () => {
    expect(parseHealthyHttpCodes('200,204, 300-399')).toEqual([
      { from: 200, to: 200 },
      { from: 204, to: 204 },
      { from: 300, to: 399 },
    ]);
  });

  test.each([
    [200, '200', true],
    [201, '200', false],
    [204, '200,204', true],
    [399, '200-399', true],
    [400, '200-399', false],
    [302, '200,300-308', true],
    [500, '200,300-308', false],
  ])('status %d with "%s" is healthy: %s', (status, spec, healthy) => {
    expect(isHealthyStatus(status, spec)).toBe(healthy);
  });

  test.each(['', ' ', 'abc', '200,', '2000', '99', '600', '399-200', '200-', '200;204', '20x'])('"%s" is invalid', (spec) => {
    expect(() => parseHealthyHttpCodes(spec)).toThrow(/`healthyHttpCodes` ".*" is invalid: .*expected comma-separated codes or ranges/);
  });
});

describe('the check answers within its timeout', () => {
  test('a server that never answers fails the check at the timeout less the overhead kept for answering: the probe gets all the rest', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    try {
      const started = Date.now();
      const result = await handler({
        instanceId: INSTANCE_ID, instance: LOCAL_INSTANCE, port: (silent.address() as net.AddressInfo).port, method: 'GET', healthyHttpCodes: '200', timeoutMs: 1000,
      });
      const took = Date.now() - started;
      expect(result.passed).toBe(false);
      expect(result.reason).toMatch(/no answer within 1000 ms/);
      expect(took).toBeLessThan(1000 - CHECK_OVERHEAD_MS + 100);
      expect(took).toBeGreaterThanOrEqual(1000 - CHECK_OVERHEAD_MS - 20);
    } finally {
      (silent as any).closeAllConnections?.();
      silent.close();
    }
  });
});
