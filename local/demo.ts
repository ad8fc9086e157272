/**
 * `npx projen demo`: synthesizes an example stack and runs its state machine on this
 * machine through the main incidents, printing the path each takes with its timeline and
 * the messages sent. No AWS account needed: see `scenarios.ts`.
 */
import { TimelineEntry } from './harness';
import { messageText, playScenario, SCENARIOS, ScenarioResult } from './scenarios';

/** Real milliseconds per simulated second of waiting. */
const MS_PER_SECOND = 10;
/** States that add nothing to a printed timeline. */
const QUIET_STATES = new Set([
  'Start incident', 'Look up instance', 'Inspect instance', 'Take lock', 'Paused?', 'Healthy?', 'Look up before reboot',
  'Reboot allowed?', 'Wait before re-check', 'Look up before re-check', 'Inspect before re-check', 'Paused since the reboot?',
  'Renew lock', 'Count re-check', 'Healthy again?', 'Schedule re-check', 'Deadline passed?', 'Read alarm state', 'Alarm still on?',
  'Count watch cycle', 'Release lock', 'Done',
]);
/** Re-checks printed before the rest are folded into one line. */
const RECHECKS_SHOWN = 3;

function checkSummary(entry: TimelineEntry): string {
  if (entry.output === undefined) {
    return 'stopped by an error (see the alert below)';
  }
  const run: any[] = (entry.state === 'Check instance' ? entry.output.firstRun : entry.output.lastRun) ?? [];
  return run.map((r) => `${r.check} ${r.passed ? 'passed' : 'FAILED'}`).join(', ');
}

function printTimeline(timeline: TimelineEntry[]): void {
  const rechecks = timeline.filter((t) => t.state === 'Re-check instance');
  let recheckNumber = 0;
  let folded = 0;
  for (const entry of timeline) {
    if (QUIET_STATES.has(entry.state)) continue;
    let label = entry.state;
    if (entry.state === 'Re-check instance') {
      recheckNumber++;
      const isLast = recheckNumber === rechecks.length;
      if (recheckNumber > RECHECKS_SHOWN && !isLast) {
        folded++;
        continue;
      }
      if (folded > 0) {
        console.log(`           … ${folded} more re-checks with the same result …`);
        folded = 0;
      }
      label = `Re-check instance #${recheckNumber}: ${checkSummary(entry)}`;
    } else if (entry.state === 'Check instance') {
      label = `Check instance: ${checkSummary(entry)}`;
    }
    console.log(`  t+${(entry.simulatedMs / 1000).toFixed(0).padStart(4)} s  ${label}`);
  }
}

function printResult(result: ScenarioResult, index: number): void {
  const { report, scenario } = result;
  const line = '─'.repeat(78);
  console.log(`\n${line}\n${index + 1}. ${scenario.name}\n${line}`);
  printTimeline(report.timeline);
  console.log(`  outcome: ${report.status} at "${report.outcome}"; reboots: ${result.reboots}; `
    + `Lambda invocations: ${report.lambdaInvocations}; state transitions: ${report.stateTransitions}; `
    + `real time: ${report.durationMs} ms`);
  if (result.reports.length > 1) {
    const others = result.reports.slice(1).map((r) => r.outcome);
    console.log(`  ${others.length} more executions started by the same incident ended at: ${[...new Set(others)].map((o) => `"${o}" ×${others.filter((x) => x === o).length}`).join(', ')}`);
  }
  for (const message of result.slackMessages) {
    const answer = result.scenario.slackAnswer?.ok === false ? ` (Slack answered ok: false, ${result.scenario.slackAnswer.error})` : '';
    console.log(`  → Slack #${message.body?.channel}${answer}: ${firstLines(messageText(message), 6)}`);
  }
  for (const alert of result.opsGenieAlerts) {
    console.log(`  → OpsGenie ${alert.body?.priority} alert, alias ${alert.body?.alias}: ${alert.body?.message}`);
    console.log(`      ${firstLines(alert.body?.description ?? '', 6)}`);
  }
  if (result.slackMessages.length + result.opsGenieAlerts.length === 0) {
    console.log('  → no message sent');
  }
}

function firstLines(text: string, count: number): string {
  return text.split('\n').slice(0, count).join('\n      ');
}

async function main(): Promise<void> {
  console.log('cdk-cpu-first-line-support demo: an example stack is synthesized and its state machine');
  console.log('runs here with the real handlers against loopback stand-ins for the instance, Slack,');
  console.log(`OpsGenie and the AWS APIs. Waits run ${1000 / MS_PER_SECOND}x faster; times are as they would pass on AWS.`);
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
