/**
 * Finding the IP address a check connects to, from EC2 `DescribeInstances`.
 *
 * A missing, terminated or stopped instance, or one without the requested address, is an
 * answer ("no address: ..."), because the check then simply fails. Throttling and 5xx errors
 * are thrown so Step Functions retries the task, and so are other API errors (for example a
 * missing IAM permission): a broken setup must surface as a workflow error, not as a failed
 * check that reboots a healthy instance.
 */
import { DescribeInstancesCommand, EC2Client, Instance } from '@aws-sdk/client-ec2';
import { errorName } from './aws-errors';
import { AddressType } from './types';

/** The outcome of an address lookup: an address to connect to, or why there is none. */
export type AddressLookup =
  | { readonly address: string; readonly reason?: undefined }
  | { readonly address?: undefined; readonly reason: string };

/** How every reason for a missing address starts. */
const NO_ADDRESS = 'no address';

/** Whether a check's reason says it found no address to check (so a reboot cannot help). */
export function isNoAddressReason(reason: unknown): boolean {
  return typeof reason === 'string' && reason.startsWith(NO_ADDRESS);
}

/** EC2 errors that mean "there is no such instance", answered as a reason. */
const INSTANCE_NOT_FOUND_ERRORS = new Set(['InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed']);

/** States in which an instance answers nobody. */
const GONE_STATES = new Set(['shutting-down', 'terminated']);
const STOPPED_STATES = new Set(['stopping', 'stopped']);

/**
 * Picks the address of `instance` for `addressType`, or explains why there is none.
 * Pure: `instance` is the first instance of a `DescribeInstances` answer, if any.
 */
export function pickInstanceAddress(instance: Instance | undefined, instanceId: string, addressType: AddressType): AddressLookup {
  if (!instance) {
    return { reason: `${NO_ADDRESS}: instance ${instanceId} was not found` };
  }
  const state = instance.State?.Name ?? 'unknown';
  if (GONE_STATES.has(state)) {
    return { reason: `${NO_ADDRESS}: instance ${instanceId} is ${state}` };
  }
  const address = addressType === 'PRIVATE' ? instance.PrivateIpAddress : instance.PublicIpAddress;
  if (!address) {
    const kind = addressType === 'PRIVATE' ? 'private' : 'public';
    return { reason: `${NO_ADDRESS}: instance ${instanceId} has no ${kind} IP address (state: ${state})` };
  }
  if (STOPPED_STATES.has(state)) {
    return { reason: `${NO_ADDRESS}: instance ${instanceId} is ${state}` };
  }
  return { address };
}

/** What `DescribeInstances` says about one instance. */
export interface InstanceDescription {
  /** The instance, or `undefined` when EC2 does not know it. */
  readonly instance?: Instance;
  /** The EC2 error name when EC2 answered that the ID is unknown or malformed. */
  readonly notFoundError?: string;
}

/**
 * Describes one instance.
 *
 * @throws the AWS error for throttling, 5xx and every other unexpected API error
 */
export async function describeInstance(ec2: EC2Client, instanceId: string): Promise<InstanceDescription> {
  try {
    const answer = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    return {
      instance: (answer.Reservations ?? [])
        .flatMap((reservation) => reservation.Instances ?? [])
        .find((candidate) => candidate.InstanceId === instanceId || candidate.InstanceId === undefined),
    };
  } catch (error) {
    if (INSTANCE_NOT_FOUND_ERRORS.has(errorName(error))) {
      return { notFoundError: errorName(error) };
    }
    throw error;
  }
}

/**
 * Looks up the public or private IP address of an instance.
 *
 * @returns `{ address }`, or `{ reason }` when the instance does not exist or has no such address
 * @throws the AWS error for throttling, 5xx and every other unexpected API error
 */
export async function resolveInstanceAddress(ec2: EC2Client, instanceId: string, addressType: AddressType): Promise<AddressLookup> {
  const { instance, notFoundError } = await describeInstance(ec2, instanceId);
  if (notFoundError) {
    return { reason: `${NO_ADDRESS}: instance ${instanceId} was not found (${notFoundError})` };
  }
  return pickInstanceAddress(instance, instanceId, addressType);
}

/** Formats `host:port`, bracketing IPv6 addresses. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
