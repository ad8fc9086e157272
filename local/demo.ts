/**
 * `npx projen demo`: synthesizes an example stack and runs its state machine on this
 * machine through the main incidents, printing the path each takes with its timeline and
 * the messages sent. No AWS account needed: see `scenarios.ts`.
 */
import { messageText, playScenario, SCENARIOS, ScenarioResult } from './scenarios';

/** Real milliseconds per simulated second of waiting. */
const MS_PER_SECOND = 10;

function printResult(result: ScenarioResult, index: number): void {
  const { report, scenario } = result;
  const line = '─'.repeat(78);
  console.log(`\n${line}\n${index + 1}. ${scenario.name}\n${line}`);
  for (const entry of report.timeline) {
    const seconds = (entry.atMs / result.msPerSecond).toFixed(0).padStart(5);
    console.log(`  t+${seconds} s  ${entry.state}`);
  }
  console.log(`  outcome: ${report.status} at "${report.path[report.path.length - 1]}", reboots: ${result.reboots}, `
    + `Lambda invocations: ${report.lambdaInvocations}, state transitions: ${report.stateTransitions}, `
    + `real time: ${report.durationMs} ms`);
  for (const message of result.slackMessages) {
    console.log(`  Slack ${message.body?.channel}: ${indent(messageText(message))}`);
  }
  for (const alert of result.opsGenieAlerts) {
    console.log(`  OpsGenie alert (alias ${alert.body?.alias}, ${alert.body?.priority}): ${indent(messageText(alert))}`);
  }
  if (result.slackMessages.length + result.opsGenieAlerts.length === 0) {
    console.log('  no message sent');
  }
}

function indent(text: string): string {
  return text.split('\n').join('\n      ');
}

async function main(): Promise<void> {
  console.log('cdk-cpu-first-line-support demo: the synthesized state machine, run locally with the real handlers.');
  console.log(`Waits are scaled: 1 simulated second = ${MS_PER_SECOND} ms; times below are simulated seconds.`);
  let failed = false;
  for (const [index, scenario] of SCENARIOS.entries()) {
    const result = await playScenario(scenario, MS_PER_SECOND);
    printResult(result, index);
    failed ||= result.report.status !== 'SUCCEEDED';
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
