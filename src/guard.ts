import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { CHECK_FUNCTION_TIMEOUT, sharedFunction } from './handlers';

/**
 * The stack's one guard function (`lambda/guard.lambda.ts`): it turns each lookup into the
 * instance view, decides reboots (state, pause tag, reboot budget, dry run) and keeps the
 * re-check clock. It calls no AWS API.
 */
export function guardFunction(scope: Construct): lambda.IFunction {
  return sharedFunction(scope, {
    id: 'CpuFirstLineSupportGuard',
    handler: 'guard',
    description: 'cdk-cpu-first-line-support: reads the instance, decides reboots and keeps the re-check clock',
    timeout: CHECK_FUNCTION_TIMEOUT,
  });
}
