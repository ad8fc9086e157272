/**
 * The names of the workflow's outcome states, a copy of `OUTCOMES` in src/workflow.ts: that
 * module imports aws-cdk-lib, which the CLI bundle must not carry. test/cli/outcomes.test.ts
 * proves the two lists equal.
 */
export const OUTCOMES: readonly string[] = [
  'All good',
  'Already handled',
  'Paused',
  'Recovered',
  'Escalated',
  'Escalated without reboot',
  'Dry run',
  'Escalated after error',
  'Escalation failed',
  'Resolved',
];

/**
 * The instance tag that pauses the workflow, a copy of `CpuFirstLineSupport.PAUSE_TAG_KEY`
 * (test/cli/outcomes.test.ts proves the two equal).
 */
export const PAUSE_TAG_KEY = 'cpu-first-line-support:paused';
