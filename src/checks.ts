import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { placeholder } from './definition';
import { CHECK_FUNCTION_TIMEOUT, sharedFunction } from './handlers';
import { InstanceAddress, SshCheckOptions, UrlCheckOptions, UrlCheckProtocol } from './options';
import { WorkflowCheck } from './workflow-checks';

/** What the checks are given: the construct's check props. */
export interface ChecksProps {
  /** The instance, whose security groups then admit the check functions that reach its private address in `vpc`. */
  readonly instance?: ec2.IInstance;
  readonly urlCheck?: UrlCheckOptions;
  readonly sshCheck?: SshCheckOptions;
  readonly healthCheckId?: string;
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
}

/** The enabled checks and the stack's functions that run them. */
export interface Checks {
  /** In the order their results appear in each run. */
  readonly checks: WorkflowCheck[];
  readonly urlCheckFunction?: lambda.IFunction;
  readonly sshCheckFunction?: lambda.IFunction;
  readonly route53CheckFunction?: lambda.IFunction;
}

/**
 * The enabled checks, each with the stack's shared function that runs it and its static event.
 * The instance ID and the URL in the events are placeholders, which each state machine fills in
 * (see `definition.ts`): instances configured alike share one definition.
 */
export function createChecks(scope: Construct, props: ChecksProps): Checks {
  const checks: WorkflowCheck[] = [];
  const url = props.urlCheck ?? {};
  let urlCheckFunction: lambda.IFunction | undefined;
  if (url.enabled ?? true) {
    urlCheckFunction = checkFunction(scope, 'CpuFirstLineSupportUrlCheck', 'url-check',
      'cdk-cpu-first-line-support: answers whether an instance serves a URL', props);
    const protocol = url.protocol ?? UrlCheckProtocol.HTTP;
    const port = url.port ?? (protocol === UrlCheckProtocol.HTTPS ? 443 : 80);
    // A URL of its own may name another host (a load balancer): only the instance's own address is opened.
    if (url.url === undefined) {
      admitCheck(props, urlCheckFunction, port, url.address, 'URL check');
    }
    checks.push({
      kind: 'url',
      title: 'URL',
      handler: urlCheckFunction,
      event: {
        instanceId: placeholder('InstanceId'),
        ...(url.url !== undefined ? { url: placeholder('UrlCheckUrl') } : {}),
        protocol,
        port,
        path: url.path ?? '/',
        addressType: url.address ?? InstanceAddress.PUBLIC_IP,
        method: (url.method ?? 'GET').toUpperCase(),
        healthyHttpCodes: url.healthyHttpCodes ?? '200-399',
        timeoutMs: (url.timeout ?? Duration.seconds(10)).toMilliseconds(),
        verifyCertificate: url.verifyCertificate ?? true,
      },
    });
  }
  let route53CheckFunction: lambda.IFunction | undefined;
  if (props.healthCheckId !== undefined) {
    route53CheckFunction = sharedFunction(scope, {
      id: 'CpuFirstLineSupportRoute53Check',
      handler: 'route53-check',
      description: 'cdk-cpu-first-line-support: judges the status of a Route 53 health check',
      timeout: CHECK_FUNCTION_TIMEOUT,
    });
    checks.push({ kind: 'route53', title: 'Route 53 health check', handler: route53CheckFunction, event: { healthCheckId: placeholder('HealthCheckId') } });
  }
  const ssh = props.sshCheck ?? {};
  let sshCheckFunction: lambda.IFunction | undefined;
  if (ssh.enabled ?? true) {
    sshCheckFunction = checkFunction(scope, 'CpuFirstLineSupportSshCheck', 'ssh-check',
      'cdk-cpu-first-line-support: answers whether an instance completes an SSH handshake', props);
    admitCheck(props, sshCheckFunction, ssh.port ?? 22, ssh.address, 'SSH check');
    checks.push({
      kind: 'ssh',
      title: 'SSH',
      handler: sshCheckFunction,
      event: {
        instanceId: placeholder('InstanceId'),
        port: ssh.port ?? 22,
        addressType: ssh.address ?? InstanceAddress.PUBLIC_IP,
        timeoutMs: (ssh.timeout ?? Duration.seconds(10)).toMilliseconds(),
      },
    });
  }
  return { checks, urlCheckFunction, sshCheckFunction, route53CheckFunction };
}

/** A check that connects to the instance: in the VPC when one is given. */
function checkFunction(scope: Construct, id: string, handler: 'url-check' | 'ssh-check', description: string, props: ChecksProps): lambda.Function {
  return sharedFunction(scope, {
    id,
    handler,
    description,
    timeout: CHECK_FUNCTION_TIMEOUT,
    vpc: props.vpc,
    vpcSubnets: props.vpcSubnets,
  });
}

/**
 * Admits a check function in the VPC to `instance` on the check's port, when the check connects
 * to the instance's private address. A security group that names another as its source admits
 * the private addresses of that group's network interfaces only: a check of the public address
 * reaches the instance through a NAT gateway, whose address no security group rule here can name.
 *
 * Only the instance's groups get a rule: the function's group allows all outbound traffic (the
 * Lambda default). When the instance's group is in another stack, `remoteRule` puts the rule in
 * the function's stack, which already depends on the instance's stack; `instance.connections.allowFrom`
 * would put it in the instance's stack, which would then depend on this one: a cycle. In one stack
 * the rule stays under the instance's group, as before. Either way its construct ID names the
 * group, the source and the port, so instances behind one group get one rule.
 *
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html#security-group-referencing
 */
function admitCheck(props: ChecksProps, fn: ec2.IConnectable, port: number, address: InstanceAddress | undefined, check: string): void {
  if (props.instance && props.vpc && address === InstanceAddress.PRIVATE_IP) {
    for (const group of props.instance.connections.securityGroups) {
      for (const source of fn.connections.securityGroups) {
        group.addIngressRule(source, ec2.Port.tcp(port), `cdk-cpu-first-line-support ${check}`, true);
      }
    }
  }
}
