import { awscdk, javascript, TextFile } from 'projen';

/** Handlers that run on AWS Lambda; each is bundled into `assets/<name>.lambda/index.js`. */
const HANDLERS = ['url-check', 'ssh-check', 'route53-check', 'slack-notify', 'opsgenie-notify', 'guard'];

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
    include: ['.projenrc.ts', 'lambda/**/*.ts', 'local/**/*.ts'],
    compilerOptions: {},
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'lambda', 'local', 'projenrc', '.projenrc.ts'],
    projectService: false,
    tsconfigPath: './tsconfig.dev.json',
  },

  lambdaAutoDiscover: false,
  devDeps: [
    '@aws-sdk/client-ec2@^3',
    '@aws-sdk/client-route-53@^3',
    '@aws-sdk/client-secrets-manager@^3',
    '@types/aws-lambda',
    '@types/ssh2',
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

  gitignore: ['/cdk.out/', '/local/cdk.out/', '/.jsii.tabl.json'],
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

// The tarball ships the compiled lib/ and the handler bundles in assets/: refuse to pack without them,
// so that `npx projen package:js` on a fresh clone fails loudly instead of shipping a broken package.
const bundles = HANDLERS.map((name) => `assets/lambda/${name}.lambda/index.js`);
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

project.synth();
