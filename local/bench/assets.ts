/**
 * Package measures: the size of each handler bundle in `assets/lambda/`, raw and gzipped;
 * the npm tarball's size; and the cold `require` time of each bundle.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { median } from './stats';

/** One handler bundle and its sizes. */
export interface HandlerAsset {
  /** The asset directory's name, e.g. `url-check.lambda`. */
  readonly name: string;
  readonly file: string;
  readonly rawBytes: number;
  /** Gzipped at level 9. */
  readonly gzipBytes: number;
}

/** Every handler bundle, found by listing `assets/lambda/` so new handlers count too. */
export function measureAssets(root: string): HandlerAsset[] {
  const dir = path.join(root, 'assets', 'lambda');
  const names = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const assets = names.map((name) => {
    const file = path.join(dir, name, 'index.js');
    if (!fs.existsSync(file)) throw new Error(`${path.relative(root, file)} is missing: run \`npx projen bundle\``);
    const content = fs.readFileSync(file);
    return { name, file, rawBytes: content.length, gzipBytes: zlib.gzipSync(content, { level: 9 }).length };
  });
  if (assets.length === 0) throw new Error(`No handler bundle in ${dir}: run \`npx projen bundle\``);
  return assets;
}

/** What `npm pack` would upload. */
export interface Tarball {
  readonly bytes: number;
  readonly unpackedBytes: number;
  readonly files: number;
}

/** Measures the npm tarball with `npm pack --dry-run`, which writes nothing. */
export function measureTarball(root: string): Tarball {
  const stdout = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [pack] = JSON.parse(stdout);
  const paths: string[] = pack.files.map((f: { path: string }) => f.path);
  for (const required of ['lib/index.js', '.jsii']) {
    if (!paths.includes(required)) throw new Error(`The tarball lacks ${required}: run \`npx projen compile\` first`);
  }
  return { bytes: pack.size, unpackedBytes: pack.unpackedSize, files: pack.entryCount };
}

/** Cold `require` times of one bundle, each in a fresh `node` process. */
export interface RequireTime {
  readonly name: string;
  readonly runsMs: number[];
  readonly medianMs: number;
}

/** Times `require(BENCH_MODULE)` and prints the milliseconds. */
const REQUIRE_SCRIPT = `
const started = process.hrtime.bigint();
require(process.env.BENCH_MODULE);
process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6));
`;

/**
 * Requires each bundle in `runs` fresh processes. The bundles leave `@aws-sdk/*` out (the
 * Lambda runtime has it); here it resolves from `node_modules`, as it would from the runtime.
 */
export function measureRequireTimes(root: string, assets: HandlerAsset[], runs: number): RequireTime[] {
  return assets.map(({ name, file }) => {
    const runsMs = Array.from({ length: runs }, () => Number(execFileSync(process.execPath, ['-e', REQUIRE_SCRIPT], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, BENCH_MODULE: file },
      stdio: ['ignore', 'pipe', 'inherit'],
    })));
    return { name, runsMs, medianMs: median(runsMs) };
  });
}
