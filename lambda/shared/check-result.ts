/** Building and logging the `CheckResult` every check handler answers with. */
import { logDecision } from './log';
import { CheckName, CheckResult } from '../../src/contract';

/**
 * The part of a check's timeout kept for what happens around the probe: invoking the
 * function and handing the answer back to Step Functions. The probe gets all the rest: a
 * check calls no AWS API (the workflow hands it the instance as it looked it up), so a slow
 * API cannot eat the probe's time, and a run's verdict comes within the slowest check's timeout.
 */
export const CHECK_OVERHEAD_MS = 200;

/** The shortest wait a probe gets, however little of the timeout is left. */
const MIN_PROBE_WAIT_MS = 50;

/** How long the probe may wait: what is left of `timeoutMs` since `startedAtMs`, less {@link CHECK_OVERHEAD_MS}. */
export function probeWaitMs(timeoutMs: number, startedAtMs: number, nowMs: number = Date.now()): number {
  return Math.max(MIN_PROBE_WAIT_MS, timeoutMs - CHECK_OVERHEAD_MS - (nowMs - startedAtMs));
}

/** What a check observed, before timing is added. */
export interface CheckObservation {
  readonly passed: boolean;
  readonly reason: string;
  readonly target?: string;
}

/**
 * Completes a check: adds the latency since `startedAtMs` and the finish time, writes one
 * log line with the decision, and returns the `CheckResult`.
 */
export function completeCheck(
  check: CheckName,
  startedAtMs: number,
  outcome: CheckObservation,
  logFields: Record<string, unknown> = {},
): CheckResult {
  const finishedAtMs = Date.now();
  const result: CheckResult = {
    check,
    passed: outcome.passed,
    reason: outcome.reason,
    latencyMs: Math.max(0, finishedAtMs - startedAtMs),
    checkedAt: new Date(finishedAtMs).toISOString(),
    ...(outcome.target !== undefined ? { target: outcome.target } : {}),
  };
  logDecision(`${check}-check`, result.passed ? 'passed' : 'failed', { ...logFields, ...result });
  return result;
}
