/** Reboot decisions as the guard answers them, for the notifier tests. */
import { RebootDecision } from '../../../src/contract';

/** The instance the notifier tests write about. */
export const DECISION_INSTANCE_ID = 'i-0abc1234567890def';

export const NOT_RUNNING: RebootDecision = {
  verdict: 'NOT_RUNNING',
  reason: `instance ${DECISION_INSTANCE_ID} is stopped; only a running instance is rebooted, so it was not rebooted`,
  instanceState: 'stopped',
  rebootsInWindow: 0,
  ledger: '',
};

export const BUDGET_EXHAUSTED: RebootDecision = {
  verdict: 'BUDGET_EXHAUSTED',
  reason: '1 reboot by cpu-first-line-support in the last 1 hour (at 2024-05-01 09:30:00 UTC); the budget is 1 per 1 hour, so it was not rebooted again',
  instanceState: 'running',
  rebootsInWindow: 1,
  ledger: '',
};

export const DRY_RUN: RebootDecision = {
  verdict: 'DRY_RUN',
  reason: `dry run: instance ${DECISION_INSTANCE_ID} would have been rebooted (0 of 1 reboots used in the last 1 hour)`,
  instanceState: 'running',
  rebootsInWindow: 0,
  ledger: '',
};
