/** Building and logging the `CheckResult` every check handler answers with. */
import { logDecision } from './log';
import { CheckName, CheckResult } from './types';

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
