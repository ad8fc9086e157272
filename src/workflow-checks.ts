import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { CheckResult, InstanceView, Route53CheckEvent, SshCheckEvent, UrlCheckEvent } from './contract';
import { AWS_API_RETRY, CHECK_RETRY, fromState, INVALID_EVENT_ERROR, statePath, TaskContext, WORKFLOW_ROLE_GRANTS } from './workflow-tasks';

/** The checks of one run: a Parallel state with a branch per enabled check. */

/** Thrown by the URL check when a certificate was not accepted: a configuration error, never a verdict. */
const CERTIFICATE_ERROR = 'CertificateError';

/** One enabled check: which function runs it and with which static event. */
export type WorkflowCheck = {
  /** Human name used in state names, e.g. "URL". */
  readonly title: string;
  readonly handler: lambda.IFunction;
} & (
  /** The workflow adds the instance it looked up. */
  | { readonly kind: 'url'; readonly event: Omit<UrlCheckEvent, 'instance'> }
  | { readonly kind: 'ssh'; readonly event: Omit<SshCheckEvent, 'instance'> }
  /** The workflow adds what the Route 53 checkers observed. */
  | { readonly kind: 'route53'; readonly event: Omit<Route53CheckEvent, 'observations'> }
);

/** A Parallel state that runs every check once and puts the results, in order, at `resultPath`. */
export function checkRunState(context: TaskContext, id: string, verb: string, resultPath: string): sfn.Parallel {
  const run = new sfn.Parallel(context.scope, id, {
    comment: 'Runs every enabled check at once; each answers { check, passed, reason, latencyMs, checkedAt }.',
    resultPath,
  });
  for (const check of context.checks) {
    run.branch(checkBranch(context.scope, check, verb));
  }
  return run;
}

function checkBranch(scope: Construct, check: WorkflowCheck, verb: string): sfn.IChainable {
  const invoke = (payload: UrlCheckEvent | SshCheckEvent | Route53CheckEvent) => {
    const task = new tasks.LambdaInvoke(scope, `${verb} ${check.title}`, {
      lambdaFunction: check.handler,
      payload: sfn.TaskInput.fromObject(payload),
      outputPath: '$.Payload',
      retryOnServiceExceptions: true,
    });
    task.addRetry({ errors: [INVALID_EVENT_ERROR, CERTIFICATE_ERROR], maxAttempts: 0 });
    task.addRetry(CHECK_RETRY);
    return task;
  };
  if (check.kind !== 'route53') {
    return invoke({ ...check.event, instance: fromState<InstanceView>(statePath('inspection', 'instance')) });
  }
  const status = new tasks.CallAwsService(scope, `${verb} ${check.title} status`, {
    comment: 'Reads what the Route 53 checkers see; the function only judges it.',
    service: 'route53',
    action: 'getHealthCheckStatus',
    parameters: { HealthCheckId: check.event.healthCheckId },
    iamResources: WORKFLOW_ROLE_GRANTS,
    resultSelector: { 'observations.$': '$.HealthCheckObservations' },
    resultPath: statePath('healthCheckStatus'),
  });
  status.addRetry(AWS_API_RETRY);
  return status.next(invoke({ ...check.event, observations: fromState(statePath('healthCheckStatus', 'observations')) }));
}

/** True when every check result at `path` passed. */
export function allPassed(checks: WorkflowCheck[], path: string): sfn.Condition {
  const passed: keyof CheckResult = 'passed';
  const conditions = checks.map((_, i) => sfn.Condition.booleanEquals(`${path}[${i}].${passed}`, true));
  return conditions.length === 1 ? conditions[0] : sfn.Condition.and(...conditions);
}

