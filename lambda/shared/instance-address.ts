/**
 * The instance as the workflow sees it, and the address a check connects to.
 *
 * The checks never call EC2: the state machine describes the instance once per run (the
 * `ec2:describeInstances` SDK integration, retried by Step Functions), the guard turns the
 * answer into an {@link InstanceView} with {@link toInstanceView}, and the checks pick their
 * address from that view with {@link pickInstanceAddress}. A slow or failing lookup is thus a
 * workflow error, never a failed check that reboots a healthy instance.
 *
 * A missing, terminated or stopped instance, or one without the requested address, is an
 * answer ("no address: ..."), because the check then simply fails; the guard recognises these
 * reasons with {@link isNoAddressReason} and does not reboot for them.
 *
 * Pure, and free of the AWS SDK: the check handlers' bundles load nothing of it.
 */
import { isIP } from 'node:net';
import { Fields, invalid } from './validate';
import { AddressType, InstanceView } from '../../src/contract';

/** While an instance carries this tag (with any value but "false"), the workflow only records alarms. */
export const PAUSE_TAG_KEY = 'cpu-first-line-support:paused';

/** The tag on the instance that holds the times of the library's recent reboots, space-separated. */
export const REBOOT_LEDGER_TAG_KEY = 'cpu-first-line-support:reboots';

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

/** States in which an instance answers nobody. */
const GONE_STATES = new Set(['shutting-down', 'terminated']);
const STOPPED_STATES = new Set(['stopping', 'stopped']);

/** The state of an instance EC2 does not know. */
export const NOT_FOUND_STATE = 'not found';

/**
 * One instance of a `DescribeInstances` answer, as far as the workflow reads it: the PascalCase
 * fields of the EC2 API, which both the SDK and the Step Functions SDK integration answer with.
 * Declared here, structurally, so that no handler loads the AWS SDK for its types.
 */
export interface DescribedInstance {
  readonly InstanceId?: string;
  readonly State?: { readonly Name?: string };
  readonly PublicIpAddress?: string;
  readonly PrivateIpAddress?: string;
  readonly Tags?: ReadonlyArray<{ readonly Key?: string; readonly Value?: string }>;
}

/** The `Reservations` of a `DescribeInstances` answer, as far as the workflow reads them. */
export type DescribedInstanceReservations = ReadonlyArray<{ readonly Instances?: readonly DescribedInstance[] }>;

/**
 * The instance `instanceId` in the `Reservations` of a `DescribeInstances` answer, or
 * `undefined` when they hold none (no reservations, reservations without instances). An
 * instance without an ID counts as the one asked for, since the call asked for exactly one.
 */
export function findDescribedInstance(reservations: DescribedInstanceReservations | undefined, instanceId: string): DescribedInstance | undefined {
  return (reservations ?? [])
    .flatMap((reservation) => reservation?.Instances ?? [])
    .find((candidate) => candidate?.InstanceId === instanceId || candidate?.InstanceId === undefined);
}

function tagValue(instance: DescribedInstance | undefined, key: string): string | undefined {
  const tags = Array.isArray(instance?.Tags) ? instance.Tags : [];
  const value = tags.find((tag) => tag?.Key === key)?.Value;
  return typeof value === 'string' ? value : undefined;
}

function nonBlank(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * The view of one instance of a `DescribeInstances` answer (`undefined` when EC2 does not know
 * it): its state, addresses, whether the pause tag ({@link PAUSE_TAG_KEY}, any value but
 * "false") pauses the workflow, and the reboot-ledger tag ({@link REBOOT_LEDGER_TAG_KEY}). Pure.
 */
export function toInstanceView(instanceId: string, instance: DescribedInstance | undefined): InstanceView {
  if (!instance) {
    return { instanceId, found: false, state: NOT_FOUND_STATE, paused: false, rebootLedger: '' };
  }
  const pauseTagValue = tagValue(instance, PAUSE_TAG_KEY);
  const paused = pauseTagValue !== undefined && pauseTagValue.trim().toLowerCase() !== 'false';
  const publicIp = nonBlank(instance.PublicIpAddress);
  const privateIp = nonBlank(instance.PrivateIpAddress);
  return {
    instanceId,
    found: true,
    state: nonBlank(instance.State?.Name) ?? 'unknown',
    ...(publicIp !== undefined ? { publicIp } : {}),
    ...(privateIp !== undefined ? { privateIp } : {}),
    paused,
    ...(paused ? { pauseTagValue } : {}),
    rebootLedger: tagValue(instance, REBOOT_LEDGER_TAG_KEY) ?? '',
  };
}

/**
 * Picks the address of the instance for `addressType`, or explains why there is none: the
 * instance was not found, is terminated or shutting down, is stopped or stopping, or has no
 * such address. Pure.
 */
export function pickInstanceAddress(instance: InstanceView, addressType: AddressType): AddressLookup {
  const { instanceId, state } = instance;
  if (!instance.found) {
    return { reason: `${NO_ADDRESS}: instance ${instanceId} was not found` };
  }
  if (GONE_STATES.has(state)) {
    return { reason: `${NO_ADDRESS}: instance ${instanceId} is ${state}` };
  }
  const address = addressType === 'PRIVATE' ? instance.privateIp : instance.publicIp;
  if (!address) {
    const kind = addressType === 'PRIVATE' ? 'private' : 'public';
    return { reason: `${NO_ADDRESS}: instance ${instanceId} has no ${kind} IP address (state: ${state})` };
  }
  if (STOPPED_STATES.has(state)) {
    return { reason: `${NO_ADDRESS}: instance ${instanceId} is ${state}` };
  }
  return { address };
}

function optionalIp(handler: string, view: Fields, field: string): string | undefined {
  const value = view[field];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string' || isIP(value.trim()) === 0) {
    throw invalid(handler, `instance.${field}`, 'must be an IPv4 or IPv6 address when set', value);
  }
  return value.trim();
}

/**
 * Reads the instance view of a check's event (field `instance`), as the guard wrote it, and
 * checks that it is about `instanceId`.
 *
 * @throws InvalidEventError naming the field (e.g. `instance.found`), the value and what is allowed
 */
export function readInstanceView(handler: string, fields: Fields, instanceId: string, field = 'instance'): InstanceView {
  const value = fields[field];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(handler, field, 'must be the instance as the workflow looked it up (an object with instanceId, found, state, ...)', value);
  }
  const view = value as Fields;
  if (view.instanceId !== instanceId) {
    throw invalid(handler, `${field}.instanceId`, `must be the checked instance ${JSON.stringify(instanceId)}`, view.instanceId);
  }
  if (typeof view.found !== 'boolean') {
    throw invalid(handler, `${field}.found`, 'must be true or false', view.found);
  }
  if (typeof view.state !== 'string' || view.state.trim() === '') {
    throw invalid(handler, `${field}.state`, 'must be a non-empty string', view.state);
  }
  if (typeof view.paused !== 'boolean') {
    throw invalid(handler, `${field}.paused`, 'must be true or false', view.paused);
  }
  if (typeof view.rebootLedger !== 'string') {
    throw invalid(handler, `${field}.rebootLedger`, 'must be a string', view.rebootLedger);
  }
  if (view.pauseTagValue !== undefined && view.pauseTagValue !== null && typeof view.pauseTagValue !== 'string') {
    throw invalid(handler, `${field}.pauseTagValue`, 'must be a string when set', view.pauseTagValue);
  }
  const publicIp = optionalIp(handler, view, 'publicIp');
  const privateIp = optionalIp(handler, view, 'privateIp');
  return {
    instanceId,
    found: view.found,
    state: view.state.trim(),
    ...(publicIp !== undefined ? { publicIp } : {}),
    ...(privateIp !== undefined ? { privateIp } : {}),
    paused: view.paused,
    ...(typeof view.pauseTagValue === 'string' ? { pauseTagValue: view.pauseTagValue } : {}),
    rebootLedger: view.rebootLedger,
  };
}

/** Formats `host:port`, bracketing IPv6 addresses. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
