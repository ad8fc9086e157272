/** The CLI reads the workflow's outcome names and pause tag from modules without aws-cdk-lib: the same values as the construct's. */
import { OUTCOMES as CLI_OUTCOMES, PAUSE_TAG_KEY } from '../../cli/shared/outcomes';
import { CpuFirstLineSupport } from '../../src';
import { OUTCOMES } from '../../src/workflow';

test('the CLI\'s outcome names are the workflow\'s, in the same order', () => {
  expect(CLI_OUTCOMES).toEqual([...OUTCOMES]);
});

test('the CLI\'s pause tag key is the construct\'s', () => {
  expect(PAUSE_TAG_KEY).toBe(CpuFirstLineSupport.PAUSE_TAG_KEY);
});
