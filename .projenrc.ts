import { awscdk, javascript, TextFile } from 'projen';

/** Handlers that run on AWS Lambda; each is bundled into `assets/<name>.lambda/index.js`. */
const HANDLERS = ['url-check', 'ssh-check', 'route53-check', 'slack-notify', 'opsgenie-notify', 'pagerduty-notify', 'teams-notify', 'guard'];

/**
 * The Node.js 22 Lambda runtime ships AWS SDK v3, so the bundles leave it out. `ssh2`
 * has optional native parts that it replaces with pure JavaScript when they are absent.
 */
const BUNDLE_EXTERNALS = ['@aws-sdk/*', 'cpu-features', '*.node'];

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-cpu-first-line-support',
  description:
    'An unattended first line of support for an EC2 instance whose CPU maxes out: check it, reboot it, check again, then tell Slack or page OpsGenie.',
  author: 'cdk-cpu-first-line-support maintainers',
  authorAddress: 'maintainers@example.com',
  repositoryUrl: 'https://github.com/cdk-cpu-first-line-support/cdk-cpu-first-line-support.git',
  license: 'Apache-2.0',
  keywords: ['cdk', 'awscdk', 'ec2', 'cpu', 'cloudwatch', 'step-functions', 'reboot', 'slack', 'opsgenie', 'auto-remediation'],
  defaultReleaseBranch: 'main',
  // Until 1.0: the API may still change between minor releases.
  stability: 'experimental',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,

  cdkVersion: '2.200.0',
  jsiiVersion: '~6.0.0',

  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    include: ['.projenrc.ts', 'lambda/**/*.ts', 'local/**/*.ts', 'cli/**/*.ts'],
    compilerOptions: {},
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'lambda', 'local', 'cli', 'projenrc', '.projenrc.ts'],
    projectService: false,
    tsconfigPath: './tsconfig.dev.json',
  },

  lambdaAutoDiscover: false,
  devDeps: [
    '@aws-cdk/integ-runner@^2',
    '@aws-cdk/integ-tests-alpha@2.193.0-alpha.0',
    '@aws-sdk/client-cloudformation@^3',
    '@aws-sdk/client-ec2@^3',
    '@aws-sdk/client-sfn@^3',
    '@aws-sdk/client-route-53@^3',
    '@aws-sdk/client-secrets-manager@^3',
    '@types/aws-lambda',
    '@types/ssh2',
    'aws-cdk@^2',
    'aws-local-stepfunctions@^3',
    'aws-sdk-client-mock@^4',
    'cdk-nag@^2',
    'ssh2@^1.17.0',
  ],

  jestOptions: {
    // A snapshot that the test run rewrites cannot fail: update them on purpose with `npx projen test:update`.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      setupFiles: ['<rootDir>/test/setup.ts'],
      testTimeout: 30_000,
    },
  },

  publishToPypi: {
    distName: 'cdk-cpu-first-line-support',
    module: 'cdk_cpu_first_line_support',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdkcpufirstlinesupport',
    mavenGroupId: 'io.github.cdk-cpu-first-line-support',
    mavenArtifactId: 'cdk-cpu-first-line-support',
  },
  publishToNuget: {
    dotNetNamespace: 'CdkCpuFirstLineSupport',
    packageId: 'CdkCpuFirstLineSupport',
  },
  publishToGo: {
    moduleName: 'github.com/cdk-cpu-first-line-support/cdk-cpu-first-line-support-go',
  },

  gitignore: ['/cdk.out/', '/local/cdk.out/', '/.jsii.tabl.json', '/test/cdk-integ.out.*', '/examples/*/cdk.out/', '/examples/*/node_modules/'],
});

// Node.js 20 or later, to build and to synthesize; .nvmrc names 22, the Lambda runtime the handlers are built for.
project.package.addEngine('node', '>= 20.0.0');
new TextFile(project, '.nvmrc', { lines: ['22'] });

for (const name of HANDLERS) {
  project.bundler.addBundle(`lambda/${name}.lambda.ts`, {
    platform: 'node',
    target: 'node22',
    externals: BUNDLE_EXTERNALS,
  });
}

// The handler sources are not shipped; their bundles in assets/ are.
project.addPackageIgnore('/lambda/');
project.addPackageIgnore('/local/');
project.addPackageIgnore('/.ci/');
project.addPackageIgnore('/rosetta/');
project.addPackageIgnore('/examples/');

// The tarball ships the compiled lib/ and the handler bundles in assets/: refuse to pack without them,
// so that `npx projen package:js` on a fresh clone fails loudly instead of shipping a broken package.
const bundles = [...HANDLERS.map((name) => `assets/lambda/${name}.lambda/index.js`), 'assets/cli/cpu-first-line-support/index.js'];
project.tasks.tryFind('package:js')!.prependExec(
  `node -e "const fs = require('fs'); const missing = ${JSON.stringify(['lib/index.js', ...bundles]).replace(/"/g, "'")}.filter((f) => !fs.existsSync(f)); `
  + 'if (missing.length) { console.error(\'Missing \' + missing.join(\', \') + \': run npx projen build first\'); process.exit(1); }"',
);

// As a consumer would: the packed tarball in fresh apps with the newest and the minimum aws-cdk-lib,
// cdk-nag 2 and 3, without esbuild or Docker (see .ci/consumer-check.sh).
const consumerCheck = project.addTask('consumer-check', {
  description: 'Install the packed library into fresh consumer apps and synthesize the README example with cdk-nag 2 and 3',
  exec: 'bash .ci/consumer-check.sh',
});
project.packageTask.spawn(consumerCheck);

// Every TypeScript snippet of the README compiles, strictly, as Construct Hub translates it (fixtures in rosetta/).
project.postCompileTask.exec('jsii-rosetta extract --strict --fail');

// Python, Java, .NET and Go packaging needs toolchains that a local build does not have;
// the release workflow packages each language in its own job.
const packageAll = project.tasks.tryFind('package-all');
packageAll?.reset();
packageAll?.spawn(project.tasks.tryFind('package:js')!);

const demo = project.addTask('demo', {
  description: 'Synthesize an example stack and run its state machine locally through the main scenarios',
  // The AWS SDK warns that it will soon need Node.js 22; the demo runs the handlers on 20.
  env: { NODE_NO_WARNINGS: '1' },
});
// The example stack points its functions at the bundles in assets/.
demo.spawn(project.tasks.tryFind('bundle')!);
demo.exec('ts-node --project tsconfig.dev.json local/demo.ts');

const bench = project.addTask('bench', {
  description: 'Measure synth, bundle and package sizes, cold starts and incidents played locally; print Markdown tables',
  env: { NODE_NO_WARNINGS: '1' },
});
// The stacks point their functions at the bundles in assets/; the npm tarball needs lib/ compiled by jsii.
bench.spawn(project.tasks.tryFind('bundle')!);
bench.spawn(project.compileTask);
bench.exec('ts-node --project tsconfig.dev.json local/bench.ts');

project.addTask('faults', {
  description: 'Print the fault-injection catalogue (local/faults.ts) as the Markdown table the README shows',
  env: { NODE_NO_WARNINGS: '1' },
  exec: 'ts-node --project tsconfig.dev.json local/fault-table.ts',
});

// The `cpu-first-line-support` command (drills, incident listings): one self-contained bundle, AWS SDK
// included, so that `npx cpu-first-line-support` needs nothing but the package. Its sources are not shipped.
project.bundler.addBundle('cli/cpu-first-line-support.ts', {
  platform: 'node',
  target: 'node20',
  externals: [],
  banner: '#!/usr/bin/env node',
  executable: true,
});
project.addBins({ 'cpu-first-line-support': 'assets/cli/cpu-first-line-support/index.js' });
project.addPackageIgnore('/cli/');

// The deployable example (examples/basic) imports the published name, as a user's app does. In this repository
// that name is the source: `tsc -p tsconfig.dev.json` and eslint check the example against the current API
// (test/examples.test.ts maps it the same way with a virtual jest mock).
project.tsconfigDev.file.addOverride('compilerOptions.paths', { 'cdk-cpu-first-line-support': ['./src/index.ts'] });
project.eslint?.addLintPattern('examples');

// The integration test (test/integ.*.ts, for the integ-runner) and its committed snapshot (test/integ.*.ts.snapshot/).
// Offline, no AWS account: `integ:snapshot` synthesizes the test and compares templates and assets (the state machine
// definition is an asset) with the snapshot; `integ:update` rewrites the snapshot of a test that changed. With AWS
// credentials, `npx integ-runner ... --update-on-failed --force` (the same options) deploys it and runs its assertions.
const INTEG_RUNNER = 'integ-runner --directory test --language typescript --app "ts-node --project tsconfig.dev.json {filePath}"';
const integEnv = {
  // Without credentials, the AWS SDK must not go looking for them at an instance metadata endpoint.
  AWS_EC2_METADATA_DISABLED: 'true',
  NODE_NO_WARNINGS: '1',
};
const integSnapshot = project.addTask('integ:snapshot', {
  description: 'Check offline that the integration test snapshots (test/integ.*.ts.snapshot/) match what the tests synthesize now',
  env: integEnv,
});
// The stacks point their functions at the bundles in assets/: compare with the current handlers.
integSnapshot.spawn(project.tasks.tryFind('bundle')!);
integSnapshot.exec(INTEG_RUNNER);
const integUpdate = project.addTask('integ:update', {
  description: 'Rewrite offline the snapshot of every integration test whose synthesized templates or assets changed (no deploy)',
  env: integEnv,
});
integUpdate.spawn(project.tasks.tryFind('bundle')!);
integUpdate.exec(`${INTEG_RUNNER} --update-on-failed --dry-run`);
// The build checks the committed snapshot: a change of the workflow or a handler that was not looked at fails it.
project.testTask.spawn(integSnapshot);

project.synth();
