import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { captureConsole, closedPort, LocalHttpServer, startHttpServer } from './support/local-servers';
import { InvalidEventError } from '../../lambda/shared/invalid-event-error';
import { UrlCheckEvent } from '../../lambda/shared/types';
import { buildTargetUrl, handler, isHealthyStatus, parseHealthyHttpCodes, readUrlCheckEvent } from '../../lambda/url-check.lambda';

const ec2Mock = mockClient(EC2Client);
const INSTANCE_ID = 'i-0123456789abcdef0';

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

/** DescribeInstances answers with one instance. */
function instanceWith(fields: { PublicIpAddress?: string; PrivateIpAddress?: string; state?: string }): void {
  ec2Mock.on(DescribeInstancesCommand).resolves({
    Reservations: [{
      Instances: [{
        InstanceId: INSTANCE_ID,
        PublicIpAddress: fields.PublicIpAddress,
        PrivateIpAddress: fields.PrivateIpAddress,
        State: { Name: (fields.state ?? 'running') as any },
      }],
    }],
  });
}

function event(overrides: Partial<UrlCheckEvent> = {}): UrlCheckEvent {
  return {
    instanceId: INSTANCE_ID,
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

function awsError(name: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode } });
}

describe('url-check handler against a local HTTP server', () => {
  test('HTTP 200 from the instance public IP passes', async () => {
    instanceWith({ PublicIpAddress: '127.0.0.1', PrivateIpAddress: '10.0.0.5' });

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
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)[0].args[0].input).toEqual({ InstanceIds: [INSTANCE_ID] });
  });

  test('HTTP 500 fails with the status, the URL and the expected codes', async () => {
    instanceWith({ PublicIpAddress: '127.0.0.1' });
    server.respondWith((_request, response) => {
      response.statusCode = 500;
      response.end('boom');
    });

    const result = await handler(event());

    expect(result.passed).toBe(false);
    expect(result.reason).toBe(`HTTP 500 from http://127.0.0.1:${server.port}/health, expected 200-399`);
  });

  test('a server that never answers fails at the timeout, not much later', async () => {
    instanceWith({ PublicIpAddress: '127.0.0.1' });
    server.respondWith(() => undefined); // never answers

    const started = Date.now();
    const result = await handler(event({ timeoutMs: 300 }));
    const elapsed = Date.now() - started;

    expect(result.passed).toBe(false);
    expect(result.reason).toBe(`no answer within 300 ms from http://127.0.0.1:${server.port}/health`);
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(1000);
    expect(result.latencyMs).toBeLessThan(1000);
  });

  test('a 200 whose body never ends passes on the status alone, within the timeout', async () => {
    instanceWith({ PublicIpAddress: '127.0.0.1' });
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
    instanceWith({ PublicIpAddress: '127.0.0.1' });

    const result = await handler(event({ port }));

    expect(result).toMatchObject({ passed: false, reason: `connection refused by 127.0.0.1:${port}`, target: `http://127.0.0.1:${port}/health` });
  });

  test('a redirect is not followed and is judged by its status code', async () => {
    instanceWith({ PublicIpAddress: '127.0.0.1' });
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
    instanceWith({ PublicIpAddress: '127.0.0.1' });

    const result = await handler(event({ method: 'HEAD' }));

    expect(result.passed).toBe(true);
    expect(server.requests[0].method).toBe('HEAD');
  });

  test('an explicit url is requested as given, without looking up the instance', async () => {
    const url = `${server.origin}/explicit?probe=1`;

    const result = await handler(event({ url, port: 1, path: '/ignored', addressType: 'PRIVATE' }));

    expect(result).toMatchObject({ passed: true, target: url });
    expect(server.requests[0].url).toBe('/explicit?probe=1');
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });

  test('addressType PRIVATE connects to the private IP', async () => {
    instanceWith({ PublicIpAddress: '203.0.113.7', PrivateIpAddress: '127.0.0.1' });

    const result = await handler(event({ addressType: 'PRIVATE' }));

    expect(result).toMatchObject({ passed: true, target: `http://127.0.0.1:${server.port}/health` });
  });

  test('protocol, port and path default to http, 80 and /', () => {
    const settings = readUrlCheckEvent({ instanceId: INSTANCE_ID, method: 'get', healthyHttpCodes: '200', timeoutMs: 1000 });

    expect(settings).toMatchObject({ protocol: 'http', port: 80, path: '/', addressType: 'PUBLIC', method: 'GET' });
    expect(readUrlCheckEvent({ ...settings, protocol: 'HTTPS', port: undefined }).port).toBe(443);
  });
});

describe('url-check without a usable address', () => {
  test('an instance without a public IP fails with "no address" and no request is made', async () => {
    instanceWith({ PrivateIpAddress: '10.0.0.5', state: 'stopped' });

    const result = await handler(event());

    expect(result).toMatchObject({
      check: 'url',
      passed: false,
      reason: `no address: instance ${INSTANCE_ID} has no public IP address (state: stopped)`,
    });
    expect(result.target).toBeUndefined();
    expect(server.requests).toHaveLength(0);
    expect(JSON.stringify(result)).not.toContain('undefined');
  });

  test('a terminated instance fails', async () => {
    instanceWith({ state: 'terminated' });

    const result = await handler(event());

    expect(result).toMatchObject({ passed: false, reason: `no address: instance ${INSTANCE_ID} is terminated` });
    expect(server.requests).toHaveLength(0);
  });

  test('a stopped instance that still has a private IP is not contacted', async () => {
    instanceWith({ PrivateIpAddress: '127.0.0.1', state: 'stopped' });

    const result = await handler(event({ addressType: 'PRIVATE' }));

    expect(result).toMatchObject({ passed: false, reason: `no address: instance ${INSTANCE_ID} is stopped` });
    expect(server.requests).toHaveLength(0);
  });

  test('InvalidInstanceID.NotFound fails with a reason', async () => {
    ec2Mock.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));

    const result = await handler(event());

    expect(result).toMatchObject({ passed: false, reason: `no address: instance ${INSTANCE_ID} was not found (InvalidInstanceID.NotFound)` });
  });

  test('no reservations at all fails with a reason', async () => {
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });

    const result = await handler(event());

    expect(result).toMatchObject({ passed: false, reason: `no address: instance ${INSTANCE_ID} was not found` });
  });

  test('throttling by EC2 is thrown so Step Functions retries', async () => {
    ec2Mock.on(DescribeInstancesCommand).rejects(awsError('RequestLimitExceeded', 503));

    await expect(handler(event())).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });

  test('a missing IAM permission is thrown rather than reported as a failed check', async () => {
    ec2Mock.on(DescribeInstancesCommand).rejects(awsError('UnauthorizedOperation', 403));

    await expect(handler(event())).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
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
  ])('%j is rejected', async (overrides, message) => {
    const promise = handler(event(overrides as Partial<UrlCheckEvent>));

    await expect(promise).rejects.toThrow(InvalidEventError);
    await expect(promise).rejects.toMatchObject({ name: 'InvalidEventError' });
    await expect(promise).rejects.toThrow(message);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
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
