/** Check results as the check handlers answer them, for the notifier tests. */
import { CheckResult } from '../../../src/contract';

/** The URL check, refused (the run before the reboot in the alert tests). */
export const REFUSED_URL: CheckResult = {
  check: 'url', passed: false, reason: 'connection refused by 203.0.113.7:80', latencyMs: 3, checkedAt: '2024-05-01T10:10:00.000Z',
};

/** The Route 53 check, healthy. */
export const PASSED_ROUTE53: CheckResult = {
  check: 'route53', passed: true, reason: '16 of 16 Route 53 checkers report healthy (100%, needs more than 18%)', latencyMs: 40, checkedAt: '2024-05-01T10:10:00.000Z',
};

/** The URL check, answered with HTTP 500. */
export const HTTP_500_URL: CheckResult = {
  check: 'url', passed: false, reason: 'HTTP 500 from http://203.0.113.7:80/, expected 200-399', latencyMs: 20, checkedAt: '2024-05-01T10:00:05.000Z',
};

/** The SSH check, without a handshake. */
export const FAILED_SSH: CheckResult = {
  check: 'ssh', passed: false, reason: 'no SSH handshake within 2000 ms with 203.0.113.7:22', latencyMs: 2000, checkedAt: '2024-05-01T10:00:06.000Z',
};
