/**
 * Synth measures: time, peak memory and resource count per stack size, each run in a
 * fresh child process; and the 1-minute alarm period, synthesized in this process.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { benchStack } from './stack';
import { median } from './stats';
import type { SynthSample } from './synth-child';

/** CloudFormation's limit on resources per stack. */
export const CLOUDFORMATION_RESOURCE_LIMIT = 500;

/** CloudFormation's limit on a template uploaded to S3, as `cdk deploy` does, in bytes. */
export const CLOUDFORMATION_TEMPLATE_LIMIT = 1_000_000;

/** The synth of one stack size, over several child processes. */
export interface SynthSize {
  readonly instances: number;
  readonly resources: number;
  readonly resourcesByType: Record<string, number>;
  /** Bytes of the template as written to the cloud assembly. */
  readonly templateBytes: number;
  /** The synth warnings, each once. */
  readonly warnings: string[];
  /** Synth time of each run, in milliseconds. */
  readonly runsMs: number[];
  readonly medianMs: number;
  /** Median peak RSS of the runs' processes, in bytes. */
  readonly peakRssBytes: number;
  /** Median RSS before `new App()`, in bytes. */
  readonly rssBeforeBytes: number;
}

/** How the template grows with instances. */
export interface SynthScaling {
  readonly sizes: SynthSize[];
  /** (R(max) - R(min)) / (max - min): resources each extra instance adds. */
  readonly perInstance: number;
  /** Resources of the stack with no instance, extrapolated: R(min) - min × perInstance. */
  readonly fixed: number;
  /** The most instances whose stack stays within the resource limit, by the line above. */
  readonly maxInstancesByResources: number;
  /** (B(max) - B(min)) / (max - min): template bytes each extra instance adds. */
  readonly bytesPerInstance: number;
  /** The most instances whose template stays within the size limit, by the line above. */
  readonly maxInstancesByBytes: number;
  /** The most instances in one stack: the smaller of the two. */
  readonly maxInstances: number;
  /** Which limit binds. */
  readonly bindingLimit: 'resources' | 'template size';
  /** The synth time each extra instance adds in each run, in ms: (t(max) - t(10)) / (max - 10). */
  readonly msPerInstanceRuns: number[];
  /** Their median. */
  readonly msPerInstance: number;
  /** The same measures of `floorStack`, synthesized in the same runs: aws-cdk-lib's own part. */
  readonly floor: FloorScaling;
}

/** How the synth of `floorStack` (four bare aws-cdk-lib resources per instance) grows with instances. */
export interface FloorScaling {
  /** Resources each extra instance adds: (R(max) - R(10)) / (max - 10). */
  readonly perInstance: number;
  /** The synth time each extra instance adds in each run, in ms: (t(max) - t(10)) / (max - 10). */
  readonly msPerInstanceRuns: number[];
  /** Their median. */
  readonly msPerInstance: number;
}

/** Synthesizes `instances` (of `floorStack` with `floor`) in a fresh child process and returns what it measured. */
function synthInChild(instances: number, floor = false): SynthSample {
  const child = path.join(__dirname, 'synth-child.ts');
  const args = [require.resolve('ts-node/dist/bin.js'), child, String(instances), ...(floor ? ['floor'] : [])];
  const stdout = execFileSync(process.execPath, args, {
    encoding: 'utf8',
    // This process has type-checked the sources already; the children only run them.
    env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.dev.json', TS_NODE_TRANSPILE_ONLY: 'true' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as SynthSample;
}

function summarize(instances: number, samples: SynthSample[]): SynthSize {
  const resources = new Set(samples.map((s) => s.resources));
  if (resources.size !== 1) throw new Error(`${instances} instances synthesized to different resource counts: ${[...resources]}`);
  const bytes = new Set(samples.map((s) => s.templateBytes));
  if (bytes.size !== 1) throw new Error(`${instances} instances synthesized to templates of different sizes: ${[...bytes]}`);
  return {
    instances,
    resources: samples[0].resources,
    resourcesByType: samples[0].resourcesByType,
    templateBytes: samples[0].templateBytes,
    warnings: [...new Set(samples.flatMap((s) => s.warnings))],
    runsMs: samples.map((s) => s.synthMs),
    medianMs: median(samples.map((s) => s.synthMs)),
    peakRssBytes: median(samples.map((s) => s.peakRssBytes)),
    rssBeforeBytes: median(samples.map((s) => s.rssBeforeBytes)),
  };
}

/**
 * Synthesizes a stack of each size `runs` times, each in its own child process. A run
 * synthesizes every size once, one after the other, then `floorStack` with 10 and the largest
 * size, so that the sizes of one run see the same machine: the synth time per instance, the
 * library's and the floor's, is the median of the runs' own slopes.
 */
export function measureSynth(instanceCounts: number[], runs: number): SynthScaling {
  const largest = Math.max(...instanceCounts);
  const floorCounts = [10, largest];
  const runsSamples = Array.from({ length: runs }, () => ({
    library: instanceCounts.map((count) => synthInChild(count)),
    floor: floorCounts.map((count) => synthInChild(count, true)),
  }));
  const samplesByRun = runsSamples.map((run) => run.library);
  const sizes = instanceCounts.map((count, i) => summarize(count, samplesByRun.map((run) => run[i])));
  const first = sizes[0];
  const last = sizes[sizes.length - 1];
  const perInstance = (last.resources - first.resources) / (last.instances - first.instances);
  const fixed = first.resources - first.instances * perInstance;
  const maxInstancesByResources = Math.floor((CLOUDFORMATION_RESOURCE_LIMIT - fixed) / perInstance);
  const bytesPerInstance = (last.templateBytes - first.templateBytes) / (last.instances - first.instances);
  const fixedBytes = first.templateBytes - first.instances * bytesPerInstance;
  const maxInstancesByBytes = Math.floor((CLOUDFORMATION_TEMPLATE_LIMIT - fixedBytes) / bytesPerInstance);
  const tenIndex = instanceCounts.indexOf(10);
  if (tenIndex < 0 || last.instances <= 10) throw new Error('The synth time per instance needs a stack of 10 instances and a larger one');
  const slopes = samplesByRun.map((run) => (run[run.length - 1].synthMs - run[tenIndex].synthMs) / (last.instances - 10));
  return {
    sizes,
    perInstance,
    fixed,
    maxInstancesByResources,
    bytesPerInstance,
    maxInstancesByBytes,
    maxInstances: Math.min(maxInstancesByResources, maxInstancesByBytes),
    bindingLimit: maxInstancesByResources <= maxInstancesByBytes ? 'resources' : 'template size',
    msPerInstanceRuns: slopes,
    msPerInstance: median(slopes),
    floor: floorScaling(runsSamples.map((run) => run.floor)),
  };
}

/** The floor's resources and synth time per extra instance, from runs of its two sizes. */
function floorScaling(runs: SynthSample[][]): FloorScaling {
  const slope = (run: SynthSample[], of: (sample: SynthSample) => number): number =>
    (of(run[1]) - of(run[0])) / (run[1].instances - run[0].instances);
  const perInstance = new Set(runs.map((run) => slope(run, (s) => s.resources)));
  if (perInstance.size !== 1) throw new Error(`The floor stack synthesized to different resource counts: ${[...perInstance]}`);
  const slopes = runs.map((run) => slope(run, (s) => s.synthMs));
  return { perInstance: [...perInstance][0], msPerInstanceRuns: slopes, msPerInstance: median(slopes) };
}

/** Resource types whose count differs between two sizes, with the difference. */
export function growthByType(from: Pick<SynthSize, 'resourcesByType'>, to: Pick<SynthSize, 'resourcesByType'>): Array<[string, number]> {
  const types = new Set([...Object.keys(from.resourcesByType), ...Object.keys(to.resourcesByType)]);
  return [...types]
    .map((type): [string, number] => [type, (to.resourcesByType[type] ?? 0) - (from.resourcesByType[type] ?? 0)])
    .filter(([, difference]) => difference !== 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** What the 1-minute alarm period synthesizes to. */
export interface AlarmPeriodCheck {
  /** The `Period` of each CPU alarm in the template. */
  readonly periods: number[];
  /** Whether synth warns that the period needs detailed monitoring. */
  readonly warns: boolean;
  /** Whether the README, outside its benchmark section, tells that such periods need detailed monitoring. */
  readonly documented: boolean;
}

/** The README without its `## Benchmark` section, whose pasted targets would otherwise vouch for themselves. */
function withoutBenchmarkSection(readme: string): string {
  return readme.replace(/^## Benchmark\n[\s\S]*?(?=^## |(?![\s\S]))/m, '');
}

/** Synthesizes one instance with `cpuAlarm.period` of 1 minute. */
export function checkAlarmPeriod(readmePath: string): AlarmPeriodCheck {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cdk.out-'));
  try {
    const stack = benchStack(new App({ outdir }), 1, { cpuAlarm: { period: Duration.minutes(1) } });
    const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm', {
      Properties: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization' },
    });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('detailed monitoring'));
    return {
      periods: Object.values(alarms).map((alarm: any) => alarm.Properties.Period),
      warns: warnings.length > 0,
      documented: /detailed monitoring/i.test(withoutBenchmarkSection(fs.readFileSync(readmePath, 'utf8'))),
    };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
