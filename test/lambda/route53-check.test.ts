import { GetHealthCheckStatusCommand, HealthCheckObservation, NoSuchHealthCheck, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { captureConsole } from './support/local-servers';
import { handler, judgeHealthCheckObservations } from '../../lambda/route53-check.lambda';
import { InvalidEventError } from '../../lambda/shared/invalid-event-error';

const route53Mock = mockClient(Route53Client);
const HEALTH_CHECK_ID = 'abcdef12-3456-7890-abcd-ef1234567890';
const REGIONS = ['us-east-1', 'us-west-1', 'us-west-2', 'eu-west-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1'];

/** `total` checker observations of which the first `healthy` report success. */
function observations(healthy: number, total: number): HealthCheckObservation[] {
  return Array.from({ length: total }, (_, i) => ({
    Region: REGIONS[i % REGIONS.length] as any,
    IPAddress: `15.177.0.${i}`,
    StatusReport: {
      Status: i < healthy ? 'Success: HTTP Status Code 200, OK' : 'Failure: Connection timed out. The endpoint or the internet connection is down.',
      CheckedTime: new Date('2024-05-01T10:00:00Z'),
    },
  }));
}

function awsError(name: string, httpStatusCode: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode }, ...extra });
}

beforeEach(() => {
  captureConsole();
  route53Mock.reset();
});

describe('route53-check handler', () => {
  test('all checkers healthy passes', async () => {
    route53Mock.on(GetHealthCheckStatusCommand).resolves({ HealthCheckObservations: observations(16, 16) });

    const result = await handler({ healthCheckId: HEALTH_CHECK_ID });

    expect(result).toMatchObject({
      check: 'route53',
      passed: true,
      reason: '16 of 16 Route 53 checkers report healthy (100%, needs more than 18%)',
      target: HEALTH_CHECK_ID,
    });
    expect(route53Mock.commandCalls(GetHealthCheckStatusCommand)[0].args[0].input).toEqual({ HealthCheckId: HEALTH_CHECK_ID });
  });

  test('one failing checker of 16 still passes', async () => {
    route53Mock.on(GetHealthCheckStatusCommand).resolves({ HealthCheckObservations: observations(15, 16) });

    const result = await handler({ healthCheckId: HEALTH_CHECK_ID });

    expect(result.passed).toBe(true);
    expect(result.reason).toBe('15 of 16 Route 53 checkers report healthy (94%, needs more than 18%)');
  });

  test('3 of 16 healthy (18.75%) passes, 2 of 16 (12.5%) fails', async () => {
    route53Mock.on(GetHealthCheckStatusCommand)
      .resolvesOnce({ HealthCheckObservations: observations(3, 16) })
      .resolvesOnce({ HealthCheckObservations: observations(2, 16) });

    const three = await handler({ healthCheckId: HEALTH_CHECK_ID });
    const two = await handler({ healthCheckId: HEALTH_CHECK_ID });

    expect(three.passed).toBe(true);
    expect(two.passed).toBe(false);
    expect(two.reason).toBe('2 of 16 Route 53 checkers report healthy (13%, needs more than 18%); '
      + 'e.g. us-west-2: Failure: Connection timed out. The endpoint or the internet connection is down.');
  });

  test('no observations fails with a clear reason', async () => {
    route53Mock.on(GetHealthCheckStatusCommand).resolves({ HealthCheckObservations: [] });

    const result = await handler({ healthCheckId: HEALTH_CHECK_ID });

    expect(result).toMatchObject({ passed: false, reason: `Route 53 returned no checker observations for health check ${HEALTH_CHECK_ID}` });
  });

  test('a missing HealthCheckObservations field fails like no observations', async () => {
    route53Mock.on(GetHealthCheckStatusCommand).resolves({});

    const result = await handler({ healthCheckId: HEALTH_CHECK_ID });

    expect(result.passed).toBe(false);
    expect(result.reason).toContain('no checker observations');
  });

  test('NoSuchHealthCheck throws (a configuration error must not cause a reboot)', async () => {
    route53Mock.on(GetHealthCheckStatusCommand).rejects(new NoSuchHealthCheck({ message: 'A health check with id x does not exist.', $metadata: { httpStatusCode: 404 } }));

    const failure = handler({ healthCheckId: HEALTH_CHECK_ID });

    await expect(failure).rejects.toMatchObject({ name: 'NoSuchHealthCheck', message: `Route 53 health check ${HEALTH_CHECK_ID} does not exist (NoSuchHealthCheck)` });
  });

  test('another API error throws, naming the error', async () => {
    route53Mock.on(GetHealthCheckStatusCommand).rejects(awsError('AccessDenied', 403));

    const failure = handler({ healthCheckId: HEALTH_CHECK_ID });

    await expect(failure).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `Route 53 GetHealthCheckStatus for ${HEALTH_CHECK_ID} failed: AccessDenied: AccessDenied happened`,
    });
  });

  test.each([
    ['Throttling', awsError('Throttling', 400)],
    ['ThrottlingException', awsError('ThrottlingException', 400)],
    ['ServiceUnavailable', awsError('ServiceUnavailable', 503)],
    ['InternalError', awsError('InternalError', 500)],
    ['any 5xx', awsError('SomethingOdd', 502)],
    ['$retryable', awsError('PriorRequestNotCompleteish', 400, { $retryable: {} })],
  ])('%s is thrown so the workflow retries', async (_name, error) => {
    route53Mock.on(GetHealthCheckStatusCommand).rejects(error);

    await expect(handler({ healthCheckId: HEALTH_CHECK_ID })).rejects.toBe(error);
  });

  test('a missing healthCheckId is an invalid event', async () => {
    await expect(handler({} as any)).rejects.toThrow(InvalidEventError);
    await expect(handler({ healthCheckId: '  ' })).rejects.toThrow('route53-check: `healthCheckId` must be a non-empty string, got "  "');
    expect(route53Mock.commandCalls(GetHealthCheckStatusCommand)).toHaveLength(0);
  });
});

describe('judgeHealthCheckObservations', () => {
  test.each([
    [19, 100, true],
    [18, 100, false],
    [0, 100, false],
    [1, 5, true], // 20%
    [1, 6, false], // 16.7%
    [3, 16, true],
    [2, 16, false],
  ])('%d of %d healthy passes: %s', (healthy, total, passed) => {
    expect(judgeHealthCheckObservations(observations(healthy, total)).passed).toBe(passed);
  });

  test('an observation without a status report counts as unhealthy', () => {
    const result = judgeHealthCheckObservations([{ Region: 'us-east-1' }, { Region: 'eu-west-1' }], 'hc-1');

    expect(result).toEqual({
      passed: false,
      reason: '0 of 2 Route 53 checkers report healthy (0%, needs more than 18%); e.g. us-east-1: no status',
    });
  });

  test('only a status starting with "Success" is healthy', () => {
    const result = judgeHealthCheckObservations([
      { StatusReport: { Status: 'Failure: HTTP Status Code 503, Service Unavailable' } },
      { StatusReport: { Status: 'success (lowercase is not Route 53 syntax)' } },
    ]);

    expect(result.passed).toBe(false);
    expect(result.reason).toContain('0 of 2');
  });

  test('no observations fails', () => {
    expect(judgeHealthCheckObservations([], 'hc-1')).toEqual({
      passed: false,
      reason: 'Route 53 returned no checker observations for health check hc-1',
    });
  });
});
