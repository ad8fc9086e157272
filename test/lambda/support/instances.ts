/** Instance views as the guard hands them to the checks (see `InstanceView` in src/contract.ts). */
import { InstanceView } from '../../../src/contract';

/** The instance the check tests look at. */
export const CHECKED_INSTANCE_ID = 'i-0123456789abcdef0';

/**
 * A running, found, unpaused instance without addresses, with `overrides` applied (e.g.
 * `{ publicIp: '127.0.0.1' }`, `{ state: 'stopped' }`).
 */
export function instanceView(overrides: Partial<InstanceView> = {}): InstanceView {
  return {
    instanceId: CHECKED_INSTANCE_ID,
    found: true,
    state: 'running',
    paused: false,
    rebootLedger: '',
    ...overrides,
  };
}

/** The view of an instance that EC2 does not know. */
export function notFoundView(instanceId = CHECKED_INSTANCE_ID): InstanceView {
  return { instanceId, found: false, state: 'not found', paused: false, rebootLedger: '' };
}
