/**
 * Incident measures: incidents played through the example stack's state machine with
 * `playScenario` (see `local/scenarios.ts`), waits scaled down, times reported as they
 * would pass on AWS, and each incident priced at list prices.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CpuFirstLineSupport } from '../../src';
import { allStates, renderWorkflow, RunReport, TimelineEntry } from '../harness';
import { playScenario, Scenario, ScenarioResult } from '../scenarios';

/** The incidents the bench plays. */
export const BENCH_SCENARIOS: Scenario[] = [
  { name: 'healthy despite the CPU', initialHealth: 'healthy' },
  { name: 'hung, back 30 s after the reboot', initialHealth: 'hung', bootSeconds: 30 },
  { name: 'hung, back 90 s after the reboot', initialHealth: 'hung', bootSeconds: 90 },
  { name: 'hung, back 240 s after the reboot', initialHealth: 'hung', bootSeconds: 240 },
  // Back just after a re-check (at 60 s): the worst wait for the recovered message, one interval.
  { name: 'hung, back 61 s after the reboot', initialHealth: 'hung', bootSeconds: 61 },
  { name: 'hung, never back', initialHealth: 'hung', afterReboot: 'hung' },
  // Connections accepted, never answered: every check waits for its whole timeout.
  { name: 'frozen, back 90 s after the reboot', initialHealth: 'frozen', bootSeconds: 90 },
];

/** List prices in us-east-1. */
export const PRICES = {
  region: 'us-east-1',
  /** Step Functions Standard, per state transition ($0.025 per 1,000). */
  stateTransition: 0.025 / 1000,
  /** Lambda, per request ($0.20 per 1M). */
  lambdaRequest: 0.2 / 1_000_000,
  /** Lambda, per GB-second, by architecture. */
  lambdaGbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 } as Record<string, number>,
};

/** What the example stack's workflow is configured with, read from its template. */
export interface WorkflowFacts {
  /** The longest `timeoutMs` among the checks of 'Check instance'. */
  readonly slowestCheckTimeoutMs: number;
  /** Seconds of 'Wait for reboot', before the first re-check. */
  readonly gracePeriodSeconds: number;
  /** Seconds of 'Wait before re-check'. */
  readonly recheckIntervalSeconds: number;
  /** Memory of the stack's functions, which all have the same. */
  readonly lambdaMemoryMb: number;
  /** Architecture of the stack's functions, which all have the same. */
  readonly lambdaArchitecture: string;
}

/** One played incident, measured. */
export interface IncidentMeasure {
  readonly scenario: Scenario;
  readonly outcome: string;
  readonly simulatedSeconds: number;
  readonly realMs: number;
  readonly reboots: number;
  readonly lambdaInvocations: number;
  readonly stateTransitions: number;
  /** Sum of the invocations' durations, each rounded up to 1 ms. */
  readonly billedLambdaMs: number;
  readonly costUsd: number;
  /** Real ms from entering 'Check instance' to entering the state after it. */
  readonly firstVerdictMs: number;
  /**
   * Simulated seconds from when the instance answers again (reboot + boot time) to
   * 'Notify recovered', for incidents where it comes back; undefined if none was sent.
   */
  readonly recoveredGapSeconds?: number;
}

/** The first timeline entry of a state; throws when the state never ran. */
function entered(report: RunReport, state: string, scenario: Scenario): TimelineEntry {
  const entry = report.timeline.find((t) => t.state === state);
  if (!entry) {
    throw new Error(`Scenario "${scenario.name}": no "${state}" state in its timeline (${report.path.join(' → ')})`);
  }
  return entry;
}

/** A state of the definition by name; throws when the definition has none. */
function stateNamed(states: Record<string, any>, name: string): any {
  const state = states[name];
  if (!state) throw new Error(`The state machine has no "${name}" state (states: ${Object.keys(states).join(', ')})`);
  return state;
}

/** The construct of the stack `playScenario` synthesized. */
function supportOf(stack: Stack): CpuFirstLineSupport {
  const support = stack.node.findAll().find((c): c is CpuFirstLineSupport => c instanceof CpuFirstLineSupport);
  if (!support) throw new Error(`No CpuFirstLineSupport in ${stack.stackName}`);
  return support;
}

/** Reads the workflow's check timeouts, re-check interval and function settings from the template. */
export function workflowFacts(stack: Stack): WorkflowFacts {
  const states = allStates(renderWorkflow(supportOf(stack)).definition);
  const timeouts = stateNamed(states, 'Check instance').Branches
    .flatMap((branch: any) => Object.values<any>(branch.States))
    .map((state: any) => state.Parameters?.Payload?.timeoutMs)
    .filter((timeout: unknown): timeout is number => typeof timeout === 'number');
  if (timeouts.length === 0) throw new Error('No check of "Check instance" has a timeoutMs');

  const functions = Object.values<any>(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
  const memory = new Set(functions.map((fn) => fn.Properties.MemorySize));
  const architectures = new Set(functions.map((fn) => (fn.Properties.Architectures ?? ['x86_64'])[0]));
  if (memory.size !== 1 || architectures.size !== 1) {
    throw new Error(`The functions differ in memory (${[...memory]}) or architecture (${[...architectures]}); price them one by one`);
  }
  const [architecture] = architectures;
  if (!(architecture in PRICES.lambdaGbSecond)) throw new Error(`No Lambda price for architecture ${architecture}`);
  return {
    slowestCheckTimeoutMs: Math.max(...timeouts),
    gracePeriodSeconds: stateNamed(states, 'Wait for reboot').Seconds,
    recheckIntervalSeconds: stateNamed(states, 'Wait before re-check').Seconds,
    lambdaMemoryMb: [...memory][0],
    lambdaArchitecture: architecture,
  };
}

/** The cost of one execution: state transitions, Lambda requests and Lambda GB-seconds. */
function incidentCost(report: RunReport, facts: WorkflowFacts): { billedLambdaMs: number; costUsd: number } {
  const billedLambdaMs = report.lambdaDurationsMs.reduce((sum, d) => sum + Math.max(1, Math.ceil(d)), 0);
  const gbSeconds = (billedLambdaMs / 1000) * (facts.lambdaMemoryMb / 1024);
  const costUsd = report.stateTransitions * PRICES.stateTransition
    + report.lambdaInvocations * PRICES.lambdaRequest
    + gbSeconds * PRICES.lambdaGbSecond[facts.lambdaArchitecture];
  return { billedLambdaMs, costUsd };
}

/** Real ms the first run of the checks took to reach a verdict. */
function firstVerdictMs(report: RunReport, scenario: Scenario): number {
  const check = entered(report, 'Check instance', scenario);
  const next = report.timeline[report.timeline.indexOf(check) + 1];
  if (!next) throw new Error(`Scenario "${scenario.name}": the execution ended in "Check instance"`);
  return next.atMs - check.atMs;
}

/** Simulated seconds from the instance answering again to the recovered message. */
function recoveredGapSeconds(report: RunReport, scenario: Scenario): number | undefined {
  if (scenario.bootSeconds === undefined || !report.path.includes('Notify recovered')) return undefined;
  const reboot = entered(report, 'Reboot instance', scenario);
  const notified = entered(report, 'Notify recovered', scenario);
  return (notified.simulatedMs - reboot.simulatedMs) / 1000 - scenario.bootSeconds;
}

function measureIncident(result: ScenarioResult, facts: WorkflowFacts): IncidentMeasure {
  const { report, scenario } = result;
  if (report.status !== 'SUCCEEDED') {
    throw new Error(`Scenario "${scenario.name}" failed: ${JSON.stringify(report.output)}`);
  }
  const last = report.timeline[report.timeline.length - 1];
  return {
    scenario,
    outcome: last.state,
    simulatedSeconds: last.simulatedMs / 1000,
    realMs: report.durationMs,
    reboots: result.reboots,
    lambdaInvocations: report.lambdaInvocations,
    stateTransitions: report.stateTransitions,
    ...incidentCost(report, facts),
    firstVerdictMs: firstVerdictMs(report, scenario),
    recoveredGapSeconds: recoveredGapSeconds(report, scenario),
  };
}

/** Plays the scenarios one after the other (`playScenario` mocks AWS process-wide). */
export async function measureIncidents(scenarios: Scenario[], msPerSecond: number): Promise<{ facts: WorkflowFacts; incidents: IncidentMeasure[] }> {
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    results.push(await playScenario(scenario, msPerSecond));
  }
  const facts = workflowFacts(results[0].stack);
  return { facts, incidents: results.map((result) => measureIncident(result, facts)) };
}
