/**
 * The Route 53 check: judges the current status of a Route 53 health check the way Route 53
 * does: healthy while more than 18% of its checkers report healthy.
 *
 * The function calls no AWS API: the state machine reads the status itself
 * (`route53:getHealthCheckStatus` through the Step Functions SDK integration, with its own
 * retries, so a slow, throttled or failing call is a workflow error that never leads to a
 * reboot) and hands the `HealthCheckObservations` over in the event. No observations is a
 * failed result; a malformed event throws InvalidEventError.
 */
import { completeCheck } from './shared/check-result';
import { CheckResult, Route53CheckEvent } from '../src/contract';
import { invalid, requireObject, requireString } from './shared/validate';

const HANDLER = 'route53-check';

/** Route 53 considers an endpoint healthy while more than this share of checkers report it healthy. */
export const HEALTHY_CHECKER_THRESHOLD = 0.18;

/**
 * One checker's observation, as `GetHealthCheckStatus` answers it (PascalCase, as both the SDK
 * and the Step Functions SDK integration give it; `CheckedTime` may be a string or a number).
 * Only `Region` and `StatusReport.Status` are read.
 */
export type HealthCheckObservation = Route53CheckEvent['observations'][number];

/** The validated event. */
export interface Route53CheckSettings {
  readonly healthCheckId: string;
  readonly observations: readonly HealthCheckObservation[];
}

/**
 * Validates the event: `healthCheckId` and `observations`, the `HealthCheckObservations` list
 * of `GetHealthCheckStatus` (each an object; fields it lacks make that checker count as unhealthy).
 *
 * @throws InvalidEventError naming the field, the value and what is allowed
 */
export function readRoute53CheckEvent(event: unknown): Route53CheckSettings {
  const fields = requireObject(HANDLER, event);
  const healthCheckId = requireString(HANDLER, fields, 'healthCheckId');
  const observations = fields.observations;
  if (!Array.isArray(observations)) {
    throw invalid(HANDLER, 'observations', 'must be the list of HealthCheckObservations of GetHealthCheckStatus', observations);
  }
  observations.forEach((observation: unknown, index) => {
    if (typeof observation !== 'object' || observation === null || Array.isArray(observation)) {
      throw invalid(HANDLER, `observations[${index}]`, 'must be an observation object (Region, IPAddress, StatusReport)', observation);
    }
  });
  return { healthCheckId, observations: observations as HealthCheckObservation[] };
}

/** Whether one checker reports healthy: its status starts with "Success". */
export function isHealthyObservation(observation: HealthCheckObservation): boolean {
  const status = observation?.StatusReport?.Status;
  return typeof status === 'string' && status.startsWith('Success');
}

function formatPercent(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}

/**
 * Judges a health check's observations as Route 53 does: passed while MORE than 18% of the
 * checkers report healthy. No observations is a failure.
 */
export function judgeHealthCheckObservations(
  observations: readonly HealthCheckObservation[],
  healthCheckId = 'the health check',
): { passed: boolean; reason: string } {
  if (observations.length === 0) {
    return { passed: false, reason: `Route 53 returned no checker observations for health check ${healthCheckId}` };
  }
  const healthy = observations.filter(isHealthyObservation).length;
  const ratio = healthy / observations.length;
  const passed = ratio > HEALTHY_CHECKER_THRESHOLD;
  let reason = `${healthy} of ${observations.length} Route 53 checkers report healthy (${formatPercent(ratio)}, needs more than ${formatPercent(HEALTHY_CHECKER_THRESHOLD)})`;
  const example = observations.find((observation) => !isHealthyObservation(observation));
  if (!passed && example) {
    const rawStatus = example.StatusReport?.Status;
    const status = (typeof rawStatus === 'string' ? rawStatus.trim() : '') || 'no status';
    const region = typeof example.Region === 'string' && example.Region !== '' ? example.Region : 'a checker';
    reason += `; e.g. ${region}: ${status.length > 200 ? `${status.slice(0, 199)}…` : status}`;
  }
  return { passed, reason };
}

/** Runs the Route 53 check for a validated event. */
export function runRoute53Check(settings: Route53CheckSettings): CheckResult {
  const startedAtMs = Date.now();
  const { healthCheckId, observations } = settings;
  const outcome = judgeHealthCheckObservations(observations, healthCheckId);
  return completeCheck('route53', startedAtMs, { ...outcome, target: healthCheckId }, { healthCheckId, checkers: observations.length });
}

/** Lambda entry point. */
export const handler = async (event: Route53CheckEvent): Promise<CheckResult> => runRoute53Check(readRoute53CheckEvent(event));
