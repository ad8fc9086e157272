import { Stack, Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';

/** ARNs of the resources the workflow touches, with a literal partition where the stack's region is known. */

/** The ARN of a Route 53 health check (global: no region, no account). */
export function healthCheckArn(stack: Stack, healthCheckId: string): string {
  return stack.formatArn({
    partition: knownPartition(stack),
    service: 'route53',
    region: '',
    account: '',
    resource: 'healthcheck',
    resourceName: healthCheckId,
  });
}

/** The ARN of an instance in the stack's account and region. */
export function instanceArn(stack: Stack, instanceId: string): string {
  return stack.formatArn({ partition: knownPartition(stack), service: 'ec2', resource: 'instance', resourceName: instanceId });
}

/** The stack's partition as a literal where its region is known (a smaller template), else undefined: a reference. */
export function knownPartition(stack: Stack): string | undefined {
  return Token.isUnresolved(stack.region) ? undefined : RegionInfo.get(stack.region).partition;
}
