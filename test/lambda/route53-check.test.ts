import { GetHealthCheckStatusCommand, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { captureConsole } from './support/local-servers';
import { handler, HealthCheckObservation, judgeHealthCheckObservations, readRoute53CheckEvent } from '../../lambda/route53-check.lambda';
import { InvalidEventError } from '../../lambda/shared/invalid-event-error';
import { Route53CheckEvent } from '../../src/contract';

/** Only to prove that the check never calls Route 53: the workflow hands it the observations. */
const route53Mock = mockClient(Route53Client);
const HEALTH_CHECK_ID = 'abcdef12-3456-7890-abcd-ef1234567890';
const REGIONS = ['us-east-1', 'us-west-1', 'us-west-2', 'eu-west-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1'];

/**
 * `total` checker observations of which the first `healthy` report success, as the Step Functions
 * SDK integration answers them: PascalCase, `CheckedTime` a string.
 */
function observations(healthy: number, total: number): HealthCheckObservation[] {
  return Array.from({ length: total }, (_, i) => ({
    Region: REGIONS[i % REGIONS.length],
    IPAddress: `15.177.0.${i}`,
    StatusReport: {
      Status: i < healthy ? 'Success: HTTP Status Code 200, OK' : 'Failure: Connection timed out. The endpoint or the internet connection is down.',
      CheckedTime: '2024-05-01T10:00:00Z',
    },
  }));
}

function event(observed: unknown, healthCheckId = HEALTH_CHECK_ID): Route53CheckEvent {
  return { healthCheckId, observations: observed as Route53CheckEvent['observations'] };
}

beforeEach(() => {
  captureConsole();
  route53Mock.reset();
});

describe('route53-check handler', () => {
  test('all checkers healthy passes', async () => {
    const result = await handler(event(observations(16, 16)));

    expect(result).toMatchObject({
      check: 'route53',
      passed: true,
      reason: '16 of 16 Route 53 checkers report healthy (100%, needs more than 18%)',
      target: HEALTH_CHECK_ID,
    });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(Date.parse(result.checkedAt))).toBe(false);
  });

  test('judges the observations of the event: Route 53 is never called', async () => {
    route53Mock.on(GetHealthCheckStatusCommand).resolves({ HealthCheckObservations: observations(0, 16) as any });

    const result = await handler(event(observations(16, 16)));

    expect(result.passed).toBe(true);
    expect(route53Mock.commandCalls(GetHealthCheckStatusCommand)).toHaveLength(0);
  });

  test('one failing checker of 16 still passes', async () => {
    const result = await handler(event(observations(15, 16)));

    expect(result.passed).toBe(true);
    expect(result.reason).toBe('15 of 16 Route 53 checkers report healthy (94%, needs more than 18%)');
  });

  test('3 of 16 healthy (18.75%) passes, 2 of 16 (12.5%) fails', async () => {
    const three = await handler(event(observations(3, 16)));
    const two = await handler(event(observations(2, 16)));

    expect(three.passed).toBe(true);
    expect(two.passed).toBe(false);
    expect(two.reason).toBe('2 of 16 Route 53 checkers report healthy (13%, needs more than 18%); '
      + 'e.g. us-west-2: Failure: Connection timed out. The endpoint or the internet connection is down.');
  });

  test('no observations fails with a clear reason', async () => {
    const result = await handler(event([]));

    expect(result).toMatchObject({ passed: false, reason: `Route 53 returned no checker observations for health check ${HEALTH_CHECK_ID}` });
  });

  test('CheckedTime as a number (epoch seconds) or missing changes nothing', async () => {
    const result = await handler(event([
      { Region: 'us-east-1', StatusReport: { Status: 'Success: HTTP Status Code 200, OK', CheckedTime: 1714557600 } },
      { Region: 'eu-west-1', StatusReport: { Status: 'Success: HTTP Status Code 200, OK' } },
    ]));

    expect(result).toMatchObject({ passed: true, reason: '2 of 2 Route 53 checkers report healthy (100%, needs more than 18%)' });
  });

  test('an observation whose fields are not as documented counts as unhealthy, never a crash', async () => {
    const result = await handler(event([{ Region: 7, StatusReport: { Status: 200 } }, { StatusReport: null }, {}]));

    expect(result).toMatchObject({
      passed: false,
      reason: '0 of 3 Route 53 checkers report healthy (0%, needs more than 18%); e.g. a checker: no status',
    });
  });
});

describe('route53-check event validation', () => {
  test.each([
    ['no healthCheckId', { observations: [] }, 'route53-check: `healthCheckId` must be a non-empty string, got nothing'],
    ['a blank healthCheckId', { healthCheckId: '  ', observations: [] }, 'route53-check: `healthCheckId` must be a non-empty string, got "  "'],
    ['no observations', { healthCheckId: HEALTH_CHECK_ID }, 'route53-check: `observations` must be the list of HealthCheckObservations of GetHealthCheckStatus, got nothing'],
    ['the whole answer instead of its list', { healthCheckId: HEALTH_CHECK_ID, observations: { HealthCheckObservations: [] } },
      'route53-check: `observations` must be the list of HealthCheckObservations of GetHealthCheckStatus, got {"HealthCheckObservations":[]}'],
    ['a string', { healthCheckId: HEALTH_CHECK_ID, observations: '[]' }, 'route53-check: `observations` must be the list of HealthCheckObservations of GetHealthCheckStatus, got "[]"'],
    ['an observation that is not an object', { healthCheckId: HEALTH_CHECK_ID, observations: [{}, null] },
      'route53-check: `observations[1]` must be an observation object (Region, IPAddress, StatusReport), got null'],
    ['not an object', null, 'route53-check: `event` must be a JSON object, got null'],
  ])('%s is rejected', async (_what, rawEvent, message) => {
    const promise = handler(rawEvent as unknown as Route53CheckEvent);

    await expect(promise).rejects.toThrow(InvalidEventError);
    await expect(promise).rejects.toThrow(message);
  });

  test('a valid event is read as given', () => {
    expect(readRoute53CheckEvent({ healthCheckId: ` ${HEALTH_CHECK_ID} `, observations: observations(1, 2) })).toEqual({
      healthCheckId: HEALTH_CHECK_ID,
      observations: observations(1, 2),
    });
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
