/** The CLI keeps its own copy of the workflow's outcome names (its bundle must not carry aws-cdk-lib). */
import { OUTCOMES as CLI_OUTCOMES } from '../../cli/shared/outcomes';
import { OUTCOMES } from '../../src/workflow';

test('the CLI\'s outcome names are the workflow\'s, in the same order', () => {
  expect(CLI_OUTCOMES).toEqual([...OUTCOMES]);
});
