/**
 * `npm run bench` (`npx projen bench`): measures the library and prints Markdown tables
 * for the README on stdout (progress goes to stderr). The task first bundles the handlers
 * and compiles lib/ with jsii, so it runs from a fresh clone after `npm ci`.
 *
 * What it measures, and how:
 *
 * 1. Synth. A stack with 1, 10 and 100 `CpuFirstLineSupport` instances configured like the
 *    example stack (`bench/stack.ts`), each size synthesized 3 times (3 runs of the 3 sizes), each time in a fresh
 *    child process (`bench/synth-child.ts`): the wall time of `new App()` … `app.synth()`
 *    only (median), the process's peak RSS, the template's resource count and its bytes as
 *    written to the cloud assembly, and the synth warnings; from which the resources and
 *    bytes per extra instance, (R100 - R1) / 99 and (B100 - B1) / 99, the most instances
 *    within CloudFormation's 500-resource and 1,000,000-byte limits (the smaller binds), and
 *    the synth time per extra instance: (t100 - t10) / 90 in each run (a run synthesizes every
 *    size once, back to back), median of the runs. Each run then synthesizes the floor
 *    (`floorStack`: the four resource types an instance adds, as bare aws-cdk-lib constructs,
 *    without the library) with 10 and 100 instances: the part of the synth time per instance
 *    that is aws-cdk-lib's own on this machine.
 * 2. Size. Each handler bundle in `assets/lambda/<name>/index.js`, raw and gzipped at level 9,
 *    and the npm tarball (`npm pack --dry-run`, which writes nothing).
 * 3. Cold start. `require(<bundle>)` timed with `process.hrtime` in a fresh `node` process,
 *    median of 5 runs per bundle; `@aws-sdk/*`, left out of the bundles, resolves from
 *    node_modules as it would from the Lambda runtime.
 * 4. Incidents. The example stack's state machine played locally with `playScenario`
 *    (`scenarios.ts`), waits run 100x faster, times reported as they would pass on AWS (the
 *    harness's simulated clock: waits and Step Functions' retry intervals at their full length,
 *    everything else at its real time; the fake instance boots on that clock too); each
 *    incident priced at us-east-1 list prices from its state transitions, Lambda requests and
 *    Lambda durations (the handlers' real wall time here, rounded up to 1 ms).
 * 5. Watching. A healthy instance whose CPU alarm stays in ALARM for an hour: the execution
 *    keeps reading the alarm and checking the instance every watch interval; priced per hour.
 * 6. Targets. Each target of the issue with the measured value and PASS or MISS. A MISS
 *    does not fail the task; only an error does.
 */
import { execFileSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { HandlerAsset, measureAssets, measureRequireTimes, measureTarball, RequireTime, Tarball } from './bench/assets';
import { BENCH_SCENARIOS, IncidentMeasure, measureIncidents, measureWatch, PRICES, WATCH_SCENARIO, WatchMeasure, WorkflowFacts } from './bench/incidents';
import { kb, mb, ms, seconds, table, usd, verdict } from './bench/markdown';
import { sum } from './bench/stats';
import {
  AlarmPeriodCheck,
  checkAlarmPeriod,
  CLOUDFORMATION_RESOURCE_LIMIT,
  CLOUDFORMATION_TEMPLATE_LIMIT,
  growthByType,
  measureSynth,
  SynthScaling,
} from './bench/synth';

const ROOT = path.join(__dirname, '..');
/** Stack sizes synthesized. */
const SYNTH_SIZES = [1, 10, 100];
/** Child processes per stack size; the synth time reported is their median. */
const SYNTH_RUNS = 3;
/** Fresh processes per bundle for the cold `require` time. */
const REQUIRE_RUNS = 5;
/** Real milliseconds per simulated second of waiting. */
const MS_PER_SECOND = 10;

/** The bundles of the check handlers, whose cold start delays every verdict. */
const CHECK_BUNDLES = ['url-check.lambda', 'ssh-check.lambda', 'route53-check.lambda'];

/** The issue's targets. */
const TARGETS = {
  resourcesPerInstance: 4,
  instancesUnderLimit: 100,
  synth100Ms: 5000,
  /** Synth time each extra instance adds: (t100 - t10) / 90. */
  synthMsPerInstance: 5,
  /** Slack after the instance answers again, on top of one re-check interval. */
  recoveredSlackSeconds: 5,
  /** Cold `require` of each check handler's bundle (median). */
  checkRequireMs: 150,
  assetsGzipBytes: 250_000,
  tarballBytes: 1_000_000,
};

/** Rounded to one decimal. */
function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** The commit measured, marked when the working tree has changes. */
function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' }).trim() !== '';
    return dirty ? `${head} with uncommitted changes` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function machine(): string {
  const cpus = os.cpus();
  const memoryGb = (os.totalmem() / 1024 ** 3).toFixed(1);
  return [
    `Machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${memoryGb} GiB RAM, `
      + `${os.type()} ${os.release()} ${os.arch()}, Node.js ${process.version}.`,
    `Run: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}, commit ${commit()}, `
      + `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} at the start.`,
  ].join('\n');
}

function synthSection(synth: SynthScaling): string {
  const rows = synth.sizes.map((size) => [
    String(size.instances),
    String(size.resources),
    size.templateBytes.toLocaleString('en-US'),
    String(size.warnings.length),
    ms(size.medianMs),
    `${ms(Math.min(...size.runsMs))} – ${ms(Math.max(...size.runsMs))}`,
    mb(size.peakRssBytes),
    mb(size.rssBeforeBytes),
  ]);
  const first = synth.sizes[0];
  const last = synth.sizes[synth.sizes.length - 1];
  const growth = growthByType(first, last).map(([type, difference]) => `${type} +${difference}`).join(', ');
  return [
    '### Synth',
    '',
    table(['instances', 'resources', 'template bytes', 'synth warnings', `synth time (median of ${SYNTH_RUNS})`, 'range', 'peak RSS', 'RSS before synth'],
      rows, ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']),
    '',
    `Resources per extra instance: (${last.resources} - ${first.resources}) / ${last.instances - first.instances} = `
      + `${synth.perInstance.toFixed(2)}; fixed per stack: ${synth.fixed.toFixed(0)}; `
      + `instances within the ${CLOUDFORMATION_RESOURCE_LIMIT}-resource limit: ${synth.maxInstancesByResources}.`,
    `Template bytes per extra instance: (${last.templateBytes} - ${first.templateBytes}) / ${last.instances - first.instances} = `
      + `${Math.round(synth.bytesPerInstance)}; instances within the ${CLOUDFORMATION_TEMPLATE_LIMIT.toLocaleString('en-US')}-byte limit: `
      + `${synth.maxInstancesByBytes}.`,
    `Instances per stack: ${synth.maxInstances} (the ${synth.bindingLimit} limit binds).`,
    `Synth time per extra instance, (t${last.instances} - t10) / ${last.instances - 10} in each run: `
      + `${synth.msPerInstanceRuns.map((v) => v.toFixed(2)).join(', ')} ms; median ${synth.msPerInstance.toFixed(2)} ms.`,
    `The floor, in the same runs: ${synth.floor.perInstance} bare aws-cdk-lib resources per instance (\`floorStack\`: an alarm, a role, `
      + `a state machine and a rule, without the library) add ${synth.floor.msPerInstanceRuns.map((v) => v.toFixed(2)).join(', ')} ms; `
      + `median ${synth.floor.msPerInstance.toFixed(2)} ms. The library's own part: ${(synth.msPerInstance - synth.floor.msPerInstance).toFixed(2)} ms.`,
    `From ${first.instances} to ${last.instances} instances: ${growth}.`,
    ...synth.sizes.flatMap((size) => size.warnings.map((w) => `Warning at ${size.instances} instances: ${w}`)),
  ].join('\n');
}

function packageSection(assets: HandlerAsset[], requireTimes: RequireTime[], tarball: Tarball): string {
  const rows = assets.map((asset, i) => {
    const times = requireTimes[i].runsMs;
    return [
      asset.name,
      kb(asset.rawBytes),
      kb(asset.gzipBytes),
      ms(requireTimes[i].medianMs),
      `${ms(Math.min(...times))} – ${ms(Math.max(...times))}`,
    ];
  });
  rows.push(['**total**', kb(sum(assets.map((a) => a.rawBytes))), kb(sum(assets.map((a) => a.gzipBytes))), '', '']);
  return [
    '### Handler bundles and package',
    '',
    table(['bundle', 'raw', 'gzipped', `cold require (median of ${REQUIRE_RUNS})`, 'range'], rows, ['l', 'r', 'r', 'r', 'r']),
    '',
    `npm tarball: ${mb(tarball.bytes)} (${mb(tarball.unpackedBytes)} unpacked, ${tarball.files} files).`,
  ].join('\n');
}

function incidentSection(incidents: IncidentMeasure[], facts: WorkflowFacts): string {
  const rows = incidents.map((i) => [
    i.scenario.name,
    i.outcome,
    seconds(round1(i.simulatedSeconds)),
    String(i.rechecks),
    String(i.reboots),
    String(i.lambdaInvocations),
    String(i.stateTransitions),
    ms(i.billedLambdaMs),
    usd(i.costUsd),
    ms(i.firstVerdictMs),
    i.recoveredGapSeconds === undefined ? '–' : seconds(round1(i.recoveredGapSeconds)),
    i.escalationSeconds === undefined ? '–' : seconds(round1(i.escalationSeconds)),
  ]);
  const gbSecond = PRICES.lambdaGbSecond[facts.lambdaArchitecture];
  return [
    '### Incidents',
    '',
    table(
      ['incident', 'outcome', 'time to outcome', 're-checks', 'reboots', 'Lambda invocations', 'state transitions',
        'billed Lambda time', 'cost', 'first verdict (real)', 'recovered message after the instance answers',
        'reboot to escalation'],
      rows,
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    `Settings of the example stack: grace period ${facts.gracePeriodSeconds} s, re-check interval ${facts.recheckIntervalSeconds} s, `
      + `deadline ${facts.deadlineSeconds} s, slowest check timeout ${ms(facts.slowestCheckTimeoutMs)}. `
      + `Waits run ${1000 / MS_PER_SECOND}x faster; times are as they would pass on AWS (Step Functions' retry intervals `
      + 'included at their full length; the instance boots on the same clock). Billed Lambda time is the handlers\' '
      + `wall time on this machine, warm, in-process, over loopback. Prices: ${PRICES.region} list prices, `
      + `Step Functions Standard $0.025 per 1,000 state transitions; Lambda ${facts.lambdaArchitecture} $0.20 per 1M requests `
      + `and $${gbSecond} per GB-second at ${facts.lambdaMemoryMb} MB; no free tier.`,
  ].join('\n');
}

function watchSection(watch: WatchMeasure, facts: WorkflowFacts): string {
  const { incident } = watch;
  const gbSeconds = (watch.billedLambdaMsPerHour / 1000) * (facts.lambdaMemoryMb / 1024);
  const parts = [
    ['state transitions', String(watch.stateTransitionsPerHour), usd(watch.stateTransitionsPerHour * PRICES.stateTransition)],
    ['Lambda requests', String(watch.lambdaInvocationsPerHour), usd(watch.lambdaInvocationsPerHour * PRICES.lambdaRequest)],
    [`Lambda GB-seconds (${facts.lambdaMemoryMb} MB, ${ms(watch.billedLambdaMsPerHour)} billed)`, gbSeconds.toFixed(4),
      usd(gbSeconds * PRICES.lambdaGbSecond[facts.lambdaArchitecture])],
    ['**total per hour**', '', usd(watch.costUsdPerHour)],
  ];
  return [
    '### Watching an alarm that stays in ALARM',
    '',
    `${incident.scenario.name}: one execution, ${incident.watchCycles} watch cycles every ${facts.watchIntervalSeconds ?? '?'} s, `
      + `${watch.alarmReads} alarm reads, ${seconds(Math.round(incident.totalSimulatedSeconds))} in all; `
      + `outcome ${incident.outcome}, ${incident.reboots} reboots, ${incident.messages} messages.`,
    '',
    table(['per hour of ALARM', 'count', 'cost'], parts, ['l', 'r', 'r']),
    '',
    `The first cycle (the incident itself) included. Prices as above: $${PRICES.stateTransition.toFixed(6)} per state transition, `
      + `$${PRICES.lambdaRequest.toFixed(7)} per Lambda request, $${PRICES.lambdaGbSecond[facts.lambdaArchitecture]} per GB-second `
      + `(${facts.lambdaArchitecture}); billed Lambda time is the handlers' warm wall time here, each invocation rounded up to 1 ms.`,
  ].join('\n');
}

interface Target {
  readonly name: string;
  readonly measured: string;
  readonly passed: boolean;
  /** What the reader should know about the measure, printed under the table. */
  readonly note?: string;
}

function synthTargets(synth: SynthScaling): Target[] {
  const last = synth.sizes[synth.sizes.length - 1];
  return [
    {
      name: `resources per extra instance ≤ ${TARGETS.resourcesPerInstance}`,
      measured: synth.perInstance.toFixed(2),
      passed: synth.perInstance <= TARGETS.resourcesPerInstance,
    },
    {
      name: `instances per stack (${CLOUDFORMATION_RESOURCE_LIMIT} resources, ${CLOUDFORMATION_TEMPLATE_LIMIT.toLocaleString('en-US')} template bytes) `
        + `≥ ${TARGETS.instancesUnderLimit}`,
      measured: `${synth.maxInstances} (${synth.maxInstancesByResources} by resources, ${synth.maxInstancesByBytes} by bytes)`,
      passed: synth.maxInstances >= TARGETS.instancesUnderLimit,
    },
    {
      name: `${last.instances} instances synthesize without a warning, template ≤ ${CLOUDFORMATION_TEMPLATE_LIMIT.toLocaleString('en-US')} bytes, `
        + `≤ ${CLOUDFORMATION_RESOURCE_LIMIT} resources`,
      measured: `${last.warnings.length} warnings, ${last.templateBytes.toLocaleString('en-US')} bytes, ${last.resources} resources`,
      passed: synth.sizes.every((size) => size.warnings.length === 0)
        && last.templateBytes <= CLOUDFORMATION_TEMPLATE_LIMIT && last.resources <= CLOUDFORMATION_RESOURCE_LIMIT,
    },
    {
      name: `synth time per extra instance, (t${last.instances} - t10) / ${last.instances - 10}, ≤ ${TARGETS.synthMsPerInstance} ms`,
      measured: `${synth.msPerInstance.toFixed(2)} ms (median of ${SYNTH_RUNS} runs); `
        + `floor of ${synth.floor.perInstance} bare aws-cdk-lib resources: ${synth.floor.msPerInstance.toFixed(2)} ms`,
      passed: synth.msPerInstance <= TARGETS.synthMsPerInstance,
      note: synth.floor.msPerInstance > TARGETS.synthMsPerInstance
        ? `On this machine aws-cdk-lib alone takes ${synth.floor.msPerInstance.toFixed(2)} ms per instance for the same four resource `
          + `types written bare (\`floorStack\`), more than the ${TARGETS.synthMsPerInstance} ms target: no library built on them can meet it here.`
        : undefined,
    },
    {
      name: `synth of ${last.instances} instances < ${TARGETS.synth100Ms / 1000} s`,
      measured: `${ms(last.medianMs)} (median of ${SYNTH_RUNS})`,
      passed: last.medianMs < TARGETS.synth100Ms,
    },
  ];
}

function incidentTargets(incidents: IncidentMeasure[], facts: WorkflowFacts): Target[] {
  // Every incident whose first run fails; the frozen one makes each check wait for its timeout.
  const hung = incidents.filter((i) => i.scenario.initialHealth !== 'healthy');
  const slowestVerdict = Math.max(...hung.map((i) => i.firstVerdictMs));
  const verdictLimit = facts.slowestCheckTimeoutMs;
  const overBy = slowestVerdict - verdictLimit;

  const comingBack = incidents.filter((i) => i.scenario.bootSeconds !== undefined);
  const gapLimit = facts.recheckIntervalSeconds + TARGETS.recoveredSlackSeconds;
  const unsent = comingBack.filter((i) => i.recoveredGapSeconds === undefined);
  const worstGap = Math.max(...comingBack.map((i) => i.recoveredGapSeconds ?? Infinity));

  const earlyBoot = facts.gracePeriodSeconds - gapLimit;

  const escalated = incidents.filter((i) => i.escalationSeconds !== undefined);
  const frozen = incidents.find((i) => i.scenario.initialHealth === 'frozen' && i.scenario.afterReboot === 'frozen');
  if (!frozen) throw new Error('No scenario of a frozen instance that never comes back');
  const escalationLimit = facts.deadlineSeconds + facts.slowestCheckTimeoutMs / 1000;
  const latest = escalated.reduce((a, b) => (b.escalationSeconds! > a.escalationSeconds! ? b : a), frozen);

  const slowBoot = incidents.find((i) => i.scenario.bootSeconds === 240);
  if (!slowBoot) throw new Error('No scenario with a 240 s reboot');
  return [
    {
      name: `first-run verdict latency ≤ the slowest check's timeout (${ms(verdictLimit)})`,
      measured: `${ms(slowestVerdict)} (slowest of ${hung.length} unhealthy incidents)${overBy > 0 ? `, over by ${ms(overBy)}` : ''}`,
      passed: slowestVerdict <= verdictLimit,
      note: slowestVerdict < verdictLimit / 2
        ? 'The checks of the hung stand-in failed long before their timeout: it refuses at once. A hung instance that '
          + 'does not answer at all keeps its checks waiting for their whole timeout.'
        : undefined,
    },
    {
      name: `recovered message ≤ one re-check interval (${facts.recheckIntervalSeconds} s) + ${TARGETS.recoveredSlackSeconds} s after the instance answers`,
      measured: unsent.length
        ? `no recovered message in: ${unsent.map((i) => i.scenario.name).join('; ')}`
        : `${seconds(Math.round(worstGap))} (worst of ${comingBack.length} incidents)`,
      passed: unsent.length === 0 && worstGap <= gapLimit,
      note: earlyBoot > 0
        ? `The first re-check waits for the ${facts.gracePeriodSeconds} s grace period: an instance back less than `
          + `${seconds(earlyBoot)} after the reboot gets its message more than ${seconds(gapLimit)} after it answers.`
        : undefined,
    },
    {
      name: `escalation of an instance that never comes back ≤ deadline + slowest check timeout (${seconds(escalationLimit)} after the reboot)`,
      measured: frozen.escalationSeconds === undefined
        ? `${frozen.scenario.name}: ${frozen.outcome}, no unresponsive escalation`
        : `${seconds(round1(latest.escalationSeconds!))} (${latest.scenario.name}; latest of ${escalated.length} escalations, `
          + `${latest.rechecks} re-checks)${latest.escalationSeconds! > escalationLimit ? `, over by ${ms((latest.escalationSeconds! - escalationLimit) * 1000)}` : ''}`,
      passed: frozen.escalationSeconds !== undefined && latest.escalationSeconds! <= escalationLimit,
      note: 'From entering "Reboot instance" to entering "Notify unresponsive", simulated time; the deadline runs from the '
        + 'reboot decision, a moment before.',
    },
    {
      name: 'reboot taking 240 s, 10-minute deadline: ends Recovered, never escalated',
      measured: `${slowBoot.outcome} after ${seconds(Math.round(slowBoot.simulatedSeconds))}`,
      passed: slowBoot.outcome === 'Recovered',
    },
  ];
}

function packageTargets(assets: HandlerAsset[], tarball: Tarball, alarm: AlarmPeriodCheck, requireTimes: RequireTime[]): Target[] {
  const gzipped = sum(assets.map((a) => a.gzipBytes));
  const checkTimes = CHECK_BUNDLES.map((name) => {
    const time = requireTimes.find((t) => t.name === name);
    if (!time) throw new Error(`No bundle ${name} in assets/lambda: run \`npx projen bundle\``);
    return time;
  });
  const slowestRequire = Math.max(...checkTimes.map((t) => t.medianMs));
  const periodOk = alarm.periods.length > 0 && alarm.periods.every((p) => p === 60);
  return [
    {
      name: `handler bundles gzipped ≤ ${kb(TARGETS.assetsGzipBytes)}`,
      measured: `${kb(gzipped)} (${assets.length} bundles)`,
      passed: gzipped <= TARGETS.assetsGzipBytes,
    },
    {
      name: `cold require of each check handler ≤ ${TARGETS.checkRequireMs} ms (median of ${REQUIRE_RUNS} fresh processes)`,
      measured: checkTimes.map((t) => `${t.name.replace(/\.lambda$/, '')} ${ms(t.medianMs)}`).join(', '),
      passed: slowestRequire <= TARGETS.checkRequireMs,
    },
    {
      name: `npm tarball ≤ ${mb(TARGETS.tarballBytes)}`,
      measured: mb(tarball.bytes),
      passed: tarball.bytes <= TARGETS.tarballBytes,
    },
    {
      name: 'alarm period 60 s supported for instances with detailed monitoring (documented)',
      measured: `CPU alarm Period ${alarm.periods.join(', ') || 'missing'} in the template; synth warning: ${alarm.warns ? 'yes' : 'no'}; `
        + `README: ${alarm.documented ? 'yes' : 'no'}`,
      passed: periodOk && alarm.documented,
    },
  ];
}

function targetSection(targets: Target[]): string {
  const missed = targets.filter((t) => !t.passed).length;
  const notes = targets.filter((t) => t.note).map((t) => `- ${t.name}: ${t.note}`);
  return [
    '### Targets',
    '',
    table(['target', 'measured', 'verdict'], targets.map((t) => [t.name, t.measured, verdict(t.passed)]), ['l', 'l', 'l']),
    '',
    missed ? `**${missed} of ${targets.length} targets MISSED.**` : `All ${targets.length} targets met.`,
    ...(notes.length ? ['', 'Notes:', '', ...notes] : []),
  ].join('\n');
}

async function main(): Promise<void> {
  const header = machine();
  progress(`synthesizing ${SYNTH_SIZES.join(', ')} instances, ${SYNTH_RUNS} child processes each`);
  const synth = measureSynth(SYNTH_SIZES, SYNTH_RUNS);
  progress('measuring the handler bundles and the npm tarball');
  const assets = measureAssets(ROOT);
  const tarball = measureTarball(ROOT);
  progress(`requiring each bundle in ${REQUIRE_RUNS} fresh processes`);
  const requireTimes = measureRequireTimes(ROOT, assets, REQUIRE_RUNS);
  progress(`playing ${BENCH_SCENARIOS.length} incidents`);
  const { facts, incidents } = await measureIncidents(BENCH_SCENARIOS, MS_PER_SECOND);
  progress(`playing "${WATCH_SCENARIO.name}"`);
  const watch = await measureWatch(WATCH_SCENARIO, MS_PER_SECOND, facts);
  const alarm = checkAlarmPeriod(path.join(ROOT, 'README.md'));

  const targets = [...synthTargets(synth), ...incidentTargets(incidents, facts), ...packageTargets(assets, tarball, alarm, requireTimes)];
  console.log([
    header,
    synthSection(synth),
    packageSection(assets, requireTimes, tarball),
    incidentSection(incidents, facts),
    watchSection(watch, facts),
    targetSection(targets),
  ].join('\n\n'));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
