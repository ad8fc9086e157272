/**
 * A child process of `npm run bench`: synthesizes one stack with `count` instances
 * (`ts-node local/bench/synth-child.ts <count> [floor]`; with `floor`, the `floorStack` of
 * bare aws-cdk-lib constructs instead of the library's) and prints one JSON line with what it
 * measured. A fresh process per size keeps the peak RSS of one size apart from another's.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { benchStack, floorStack } from './stack';
import { countBy } from './stats';

/** What one synth measured. */
export interface SynthSample {
  readonly instances: number;
  /** Wall time of `new App()` … `app.synth()`, in milliseconds. */
  readonly synthMs: number;
  /** Resources in the stack's template. */
  readonly resources: number;
  /** Resources by CloudFormation type. */
  readonly resourcesByType: Record<string, number>;
  /** Bytes of the template file as written to the cloud assembly (what CloudFormation receives). */
  readonly templateBytes: number;
  /** The synth warnings of the stack (aws-cdk-lib's and the library's), each once. */
  readonly warnings: string[];
  /** RSS after the modules loaded, before `new App()`, in bytes. */
  readonly rssBeforeBytes: number;
  /** Peak RSS of the whole process (Node.js, ts-node, aws-cdk-lib, the synth), in bytes. */
  readonly peakRssBytes: number;
}

function synthesize(count: number, build: (app: App, count: number) => Stack): SynthSample {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cdk.out-'));
  try {
    const rssBeforeBytes = process.memoryUsage().rss;
    const started = process.hrtime.bigint();
    const app = new App({ outdir });
    const stack = build(app, count);
    const assembly = app.synth();
    const synthMs = Number(process.hrtime.bigint() - started) / 1e6;
    const artifact = assembly.getStackByName(stack.stackName);
    const resources = Object.values<{ Type: string }>(artifact.template.Resources ?? {});
    const warnings = [...new Set(artifact.messages.filter((m) => m.level === 'warning').map((m) => String(m.entry.data)))];
    return {
      instances: count,
      synthMs,
      resources: resources.length,
      resourcesByType: countBy(resources.map((r) => r.Type)),
      templateBytes: fs.statSync(artifact.templateFullPath).size,
      warnings,
      rssBeforeBytes,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const count = Number(process.argv[2]);
const kind = process.argv[3];
if (!Number.isInteger(count) || count < 1 || (kind !== undefined && kind !== 'floor')) {
  throw new Error(`usage: synth-child.ts <instance count> [floor], got ${process.argv.slice(2).join(' ')}`);
}
console.log(JSON.stringify(synthesize(count, kind === 'floor' ? floorStack : benchStack)));
