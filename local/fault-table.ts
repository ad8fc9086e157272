/**
 * `npx projen faults`: prints the fault-injection catalogue as the Markdown table the
 * README shows (`test/faults.test.ts` checks that the README holds exactly this table).
 */
import { faultTable } from './faults';

console.log(faultTable());
