#!/usr/bin/env node
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FirstLineSupportStack, settingsFromContext } from '../lib/first-line-support-stack';

const app = new App();
new FirstLineSupportStack(app, app.node.tryGetContext('stackName') ?? 'CpuFirstLineSupportExample', {
  description: 'cdk-cpu-first-line-support example: first-line support for one EC2 instance',
  // The account and region of your AWS credentials (the instance must be in them).
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  settings: settingsFromContext(app.node),
});
// AWS Solutions checks: a finding that is not suppressed with a reason fails the synth.
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
