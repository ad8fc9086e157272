/**
 * The Route 53 check: reads the current status of a Route 53 health check and judges it the
 * way Route 53 does: healthy while more than 18% of its checkers report healthy.
 *
 * No observations is a failed result. API errors are thrown: transient ones (throttling, 5xx)
 * so that Step Functions retries, the others (a deleted health check, a missing permission)
 * because they say nothing about the instance and must not lead to a reboot: the workflow
 * escalates them to a human. A malformed event throws InvalidEventError.
 */
import { GetHealthCheckStatusCommand, HealthCheckObservation, Route53Client } from '@aws-sdk/client-route-53';
import { errorMessage, errorName, isTransientAwsError } from './shared/aws-errors';
import { completeCheck } from './shared/check-result';
import { CheckResult, Route53CheckEvent } from './shared/types';
import { requireObject, requireString } from './shared/validate';

const HANDLER = 'route53-check';
const route53 = new Route53Client({});

/** Route 53 considers an endpoint healthy while more than this share of checkers report it healthy. */
export const HEALTHY_CHECKER_THRESHOLD = 0.18;

/** The validated event. */
export interface Route53CheckSettings {
  readonly healthCheckId: string;
}

/**
 * Validates the event.
 *
 * @throws InvalidEventError when `healthCheckId` is missing or not a string
 */
export function readRoute53CheckEvent(event: unknown): Route53CheckSettings {
  const fields = requireObject(HANDLER, event);
  return { healthCheckId: requireString(HANDLER, fields, 'healthCheckId') };
}

/** Whether one checker reports healthy: its status starts with "Success". */
export function isHealthyObservation(observation: HealthCheckObservation): boolean {
  return observation.StatusReport?.Status?.startsWith('Success') === true;
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
    const status = example.StatusReport?.Status?.trim() || 'no status';
    reason += `; e.g. ${example.Region ?? 'a checker'}: ${status.length > 200 ? `${status.slice(0, 199)}…` : status}`;
  }
  return { passed, reason };
}

/** Runs the Route 53 check for a validated event. */
export async function runRoute53Check(settings: Route53CheckSettings, client: Route53Client = route53): Promise<CheckResult> {
  const startedAtMs = Date.now();
  const { healthCheckId } = settings;
  const logFields = { healthCheckId };
  let observations: HealthCheckObservation[];
  try {
    const answer = await client.send(new GetHealthCheckStatusCommand({ HealthCheckId: healthCheckId }));
    observations = answer.HealthCheckObservations ?? [];
  } catch (error) {
    if (isTransientAwsError(error)) {
      throw error;
    }
    // A configuration error, not a verdict on the instance: never let it cause a reboot.
    const failure = new Error(errorName(error) === 'NoSuchHealthCheck'
      ? `Route 53 health check ${healthCheckId} does not exist (NoSuchHealthCheck)`
      : `Route 53 GetHealthCheckStatus for ${healthCheckId} failed: ${errorName(error)}: ${errorMessage(error)}`);
    failure.name = errorName(error);
    throw failure;
  }
  const outcome = judgeHealthCheckObservations(observations, healthCheckId);
  return completeCheck('route53', startedAtMs, { ...outcome, target: healthCheckId }, logFields);
}

/** Lambda entry point. */
export const handler = async (event: Route53CheckEvent): Promise<CheckResult> => runRoute53Check(readRoute53CheckEvent(event));
