/**
 * Incident measures: incidents played through the example stack's state machine with
 * `playScenario` (see `local/scenarios.ts`), waits scaled down, times reported as they
 * would pass on AWS, and each incident priced at list prices.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CpuFirstLineSupport } from '../../src';
import { InstanceHealth } from '../fakes';
import { allStates, renderWorkflow, RunReport, TimelineEntry } from '../harness';
import { playScenario, Scenario, ScenarioResult, World } from '../scenarios';

/** The incidents the bench plays. */
export const BENCH_SCENARIOS: Scenario[] = [
  { name: 'healthy despite the CPU', initialHealth: 'healthy' },
  { name: 'hung, back 30 s after the reboot', initialHealth: 'hung', bootSeconds: 30 },
  { name: 'hung, back 90 s after the reboot', initialHealth: 'hung', bootSeconds: 90 },
  { name: 'hung, back 240 s after the reboot', initialHealth: 'hung', bootSeconds: 240 },
  // The re-checks are due 30 s (the grace period) and then every 30 s (the interval) after the
  // reboot decision; back just after the one due at 60 s: the worst wait for the recovered message.
  { name: 'hung, back 61 s after the reboot', initialHealth: 'hung', bootSeconds: 61 },
  { name: 'hung, never back', initialHealth: 'hung', afterReboot: 'hung' },
  // Connections accepted, never answered: every check waits for its whole timeout.
  { name: 'frozen, back 90 s after the reboot', initialHealth: 'frozen', bootSeconds: 90 },
  // Every re-check waits for its whole timeout, up to the deadline: the latest escalation.
  { name: 'frozen, never back', initialHealth: 'frozen', afterReboot: 'frozen' },
];

/** One hour of watching: a healthy instance whose CPU alarm stays in ALARM for an hour. */
export const WATCH_SCENARIO: Scenario = {
  name: 'healthy, CPU alarm in ALARM for 1 hour',
  initialHealth: 'healthy',
  alarmSeconds: 3600,
  // The construct's default watch (every 5 minutes, for 6 hours), not the tests' shorter one.
  props: { watch: {} },
};

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
  /** Seconds from the reboot decision to the first re-check ('Decide reboot'). */
  readonly gracePeriodSeconds: number;
  /** Seconds from the start of one re-check to the next ('Schedule re-check'). */
  readonly recheckIntervalSeconds: number;
  /** Seconds from the reboot decision after which no re-check starts ('Decide reboot'). */
  readonly deadlineSeconds: number;
  /** Seconds of 'Wait to watch'; undefined when the workflow does not watch. */
  readonly watchIntervalSeconds?: number;
  /** Memory of the stack's functions, which all have the same. */
  readonly lambdaMemoryMb: number;
  /** Architecture of the stack's functions, which all have the same. */
  readonly lambdaArchitecture: string;
}

/** One played incident, measured. */
export interface IncidentMeasure {
  readonly scenario: Scenario;
  /** The outcome state the execution entered last (`RunReport.outcome`). */
  readonly outcome: string;
  /** Simulated seconds from the start to the outcome state. */
  readonly simulatedSeconds: number;
  /** Simulated seconds from the start to the end of the execution (watching included). */
  readonly totalSimulatedSeconds: number;
  readonly realMs: number;
  readonly reboots: number;
  /** Slack messages and OpsGenie alerts received. */
  readonly messages: number;
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
  /** Simulated seconds from 'Reboot instance' to 'Notify unresponsive'; undefined if there was none. */
  readonly escalationSeconds?: number;
  /** Re-checks run ('Re-check instance' entered). */
  readonly rechecks: number;
  /** Watch cycles ('Wait to watch' entered). */
  readonly watchCycles: number;
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

/** A number in the (static) payload a state hands its function; throws when there is none. */
function payloadNumber(states: Record<string, any>, name: string, field: string): number {
  const parameters = stateNamed(states, name).Parameters ?? {};
  // A Lambda task with `payloadResponseOnly` hands its Parameters over as the payload.
  const value = (parameters.Payload ?? parameters)[field];
  if (typeof value !== 'number') throw new Error(`State "${name}" hands no number ${field} to its function (${JSON.stringify(parameters)})`);
  return value;
}

/** The construct of the stack `playScenario` synthesized. */
function supportOf(stack: Stack): CpuFirstLineSupport {
  const support = stack.node.findAll().find((c): c is CpuFirstLineSupport => c instanceof CpuFirstLineSupport);
  if (!support) throw new Error(`No CpuFirstLineSupport in ${stack.stackName}`);
  return support;
}

/** Reads the workflow's check timeouts, re-check schedule, watch interval and function settings from the template. */
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
  const watchWait = states['Wait to watch'];
  return {
    slowestCheckTimeoutMs: Math.max(...timeouts),
    gracePeriodSeconds: payloadNumber(states, 'Decide reboot', 'gracePeriodSeconds'),
    deadlineSeconds: payloadNumber(states, 'Decide reboot', 'deadlineSeconds'),
    recheckIntervalSeconds: payloadNumber(states, 'Schedule re-check', 'intervalSeconds'),
    watchIntervalSeconds: watchWait?.Seconds,
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
  // From entering 'Reboot instance', a moment before EC2 reboots the fake: never less than the real gap.
  return (notified.simulatedMs - reboot.simulatedMs) / 1000 - scenario.bootSeconds;
}

/** Simulated seconds from the reboot to the start of the unresponsive escalation. */
function escalationSeconds(report: RunReport, scenario: Scenario): number | undefined {
  if (!report.path.includes('Notify unresponsive')) return undefined;
  const reboot = entered(report, 'Reboot instance', scenario);
  const notified = entered(report, 'Notify unresponsive', scenario);
  return (notified.simulatedMs - reboot.simulatedMs) / 1000;
}

function measureIncident(result: ScenarioResult, facts: WorkflowFacts): IncidentMeasure {
  const { report, scenario } = result;
  if (report.status !== 'SUCCEEDED') {
    throw new Error(`Scenario "${scenario.name}" failed: ${JSON.stringify(report.output)}`);
  }
  if (!report.outcome) throw new Error(`Scenario "${scenario.name}": no outcome state in its timeline (${report.path.join(' → ')})`);
  const outcome = entered(report, report.outcome, scenario);
  const last = report.timeline[report.timeline.length - 1];
  const count = (state: string) => report.path.filter((s) => s === state).length;
  return {
    scenario,
    outcome: report.outcome,
    simulatedSeconds: outcome.simulatedMs / 1000,
    totalSimulatedSeconds: last.simulatedMs / 1000,
    realMs: report.durationMs,
    reboots: result.reboots,
    messages: result.slackMessages.length + result.opsGenieAlerts.length,
    lambdaInvocations: report.lambdaInvocations,
    stateTransitions: report.stateTransitions,
    ...incidentCost(report, facts),
    firstVerdictMs: firstVerdictMs(report, scenario),
    recoveredGapSeconds: recoveredGapSeconds(report, scenario),
    escalationSeconds: escalationSeconds(report, scenario),
    rechecks: count('Re-check instance'),
    watchCycles: count('Wait to watch'),
  };
}

/**
 * Boots the fake instance on the simulated clock: back `bootSeconds` simulated seconds after
 * EC2 reboots it, however the real time between its waits goes. (`playScenario` boots it
 * after `bootSeconds` × msPerSecond real milliseconds, while the checks and the handlers take
 * their real time 1:1 on the simulated clock, so the instance would come back early there.)
 */
function bootOnSimulatedClock(world: World, bootSeconds: number): void {
  const { instance, clock } = world;
  let health = instance.health;
  let backAt: number | undefined;
  Object.defineProperty(instance, 'health', {
    configurable: true,
    enumerable: true,
    get: (): InstanceHealth => {
      if (backAt !== undefined && clock.now() >= backAt) {
        health = instance.afterReboot;
        backAt = undefined;
      }
      return health;
    },
    set: (value: InstanceHealth) => {
      health = value;
      backAt = undefined;
    },
  });
  instance.reboot = () => {
    instance.reboots++;
    health = 'rebooting';
    backAt = clock.now() + bootSeconds * 1000;
  };
}

/** Plays one scenario with the instance booting on the simulated clock. */
function play(scenario: Scenario, msPerSecond: number): Promise<ScenarioResult> {
  return playScenario({
    ...scenario,
    inject: (world) => {
      bootOnSimulatedClock(world, scenario.bootSeconds ?? 0);
      scenario.inject?.(world);
    },
  }, msPerSecond);
}

/** Plays the scenarios one after the other (`playScenario` mocks AWS process-wide). */
export async function measureIncidents(scenarios: Scenario[], msPerSecond: number): Promise<{ facts: WorkflowFacts; incidents: IncidentMeasure[] }> {
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    results.push(await play(scenario, msPerSecond));
  }
  const facts = workflowFacts(results[0].stack);
  return { facts, incidents: results.map((result) => measureIncident(result, facts)) };
}

/** Watching an alarm that stays in ALARM, measured and priced per hour of ALARM. */
export interface WatchMeasure {
  readonly incident: IncidentMeasure;
  /** Simulated seconds the alarm stayed in ALARM. */
  readonly alarmSeconds: number;
  /** `DescribeAlarms` calls ('Read alarm state' runs). */
  readonly alarmReads: number;
  readonly stateTransitionsPerHour: number;
  readonly lambdaInvocationsPerHour: number;
  readonly billedLambdaMsPerHour: number;
  readonly costUsdPerHour: number;
}

/**
 * Plays `scenario` (a healthy instance, its alarm in ALARM for `alarmSeconds`) and prices the
 * whole execution, per hour of ALARM. Throws if anything was rebooted or anyone told.
 */
export async function measureWatch(scenario: Scenario, msPerSecond: number, facts: WorkflowFacts): Promise<WatchMeasure> {
  const alarmSeconds = scenario.alarmSeconds;
  if (!alarmSeconds) throw new Error(`Scenario "${scenario.name}" has no alarmSeconds`);
  const result = await play(scenario, msPerSecond);
  const incident = measureIncident(result, facts);
  if (incident.reboots !== 0 || incident.messages !== 0) {
    throw new Error(`Scenario "${scenario.name}": a healthy instance was rebooted ${incident.reboots} times and ${incident.messages} messages were sent`);
  }
  if (incident.outcome !== 'All good') throw new Error(`Scenario "${scenario.name}" ended ${incident.outcome}, not All good`);
  const perHour = 3600 / alarmSeconds;
  return {
    incident,
    alarmSeconds,
    alarmReads: result.report.path.filter((s) => s === 'Read alarm state').length,
    stateTransitionsPerHour: incident.stateTransitions * perHour,
    lambdaInvocationsPerHour: incident.lambdaInvocations * perHour,
    billedLambdaMsPerHour: incident.billedLambdaMs * perHour,
    costUsdPerHour: incident.costUsd * perHour,
  };
}
