/**
 * The SSH check: a TCP connection and an SSH protocol handshake (key exchange) with the
 * instance. No credentials are sent: a server that completes the handshake is alive even
 * though it then rejects the login.
 *
 * The address comes from the event's `instance`, the instance as the workflow looked it up in
 * this run: the check calls no AWS API, so the whole timeout goes to the probe.
 *
 * Every failure is a failed result (never a throw): refused or unreachable port, a server
 * that does not speak SSH, no handshake within the timeout, an instance without the address.
 * Throws only InvalidEventError for a malformed event.
 */
import { Client } from 'ssh2';
import { completeCheck, probeWaitMs } from './shared/check-result';
import { formatHostPort, pickInstanceAddress, readInstanceView } from './shared/instance-address';
import { AddressType, CheckResult, InstanceView, SshCheckEvent } from '../src/contract';
import { readOneOf, readPort, requireObject, requireString, requireTimeoutMs } from './shared/validate';

const HANDLER = 'ssh-check';

/** The user name offered to the server; no password or key is ever sent. */
export const PROBE_USERNAME = 'cpu-first-line-support';
const ADDRESS_TYPES: readonly AddressType[] = ['PUBLIC', 'PRIVATE'];

/** The validated event. */
export interface SshCheckSettings {
  readonly instanceId: string;
  /** The instance as the workflow looked it up in this run. */
  readonly instance: InstanceView;
  readonly port: number;
  readonly addressType: AddressType;
  readonly timeoutMs: number;
}

/**
 * Validates the event; `port` defaults to 22 and `addressType` to PUBLIC.
 *
 * @throws InvalidEventError naming the field, the value and what is allowed
 */
export function readSshCheckEvent(event: unknown): SshCheckSettings {
  const fields = requireObject(HANDLER, event);
  const instanceId = requireString(HANDLER, fields, 'instanceId');
  return {
    instanceId,
    instance: readInstanceView(HANDLER, fields, instanceId),
    port: readPort(HANDLER, fields, 'port', 22),
    addressType: readOneOf(HANDLER, fields, 'addressType', ADDRESS_TYPES, 'PUBLIC'),
    timeoutMs: requireTimeoutMs(HANDLER, fields, 'timeoutMs'),
  };
}

/** An error emitted by an ssh2 `Client`. */
interface SshClientError {
  readonly message?: string;
  readonly code?: string;
  readonly level?: string;
}

/**
 * Describes an ssh2 client error as the reason of a failed check: "connection refused by
 * 203.0.113.7:22", "no SSH handshake within 2000 ms", "203.0.113.7:22 does not speak SSH: ...".
 */
export function describeSshError(error: SshClientError, target: string, timeoutMs: number): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return `connection refused by ${target}`;
    case 'ECONNRESET':
      return `connection reset by ${target} before the SSH handshake completed`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return `${target} is unreachable (${error.code})`;
    default:
      break;
  }
  if (error.level === 'client-timeout') {
    return `no SSH handshake within ${timeoutMs} ms with ${target}`;
  }
  const detail = error.message ?? 'unknown error';
  if (detail === 'Connection lost before handshake') {
    return `${target} closed the connection before the SSH handshake (is it an SSH server?)`;
  }
  if (error.level === 'client-socket' || error.level === 'client-dns' || error.code) {
    return `SSH connection to ${target} failed: ${detail}${error.code ? ` (${error.code})` : ''}`;
  }
  return `${target} does not complete an SSH handshake: ${detail}`;
}

/**
 * Connects to `host:port` and waits for the SSH handshake, at most `waitMs` (default
 * `timeoutMs`, the check's timeout, which the reasons name; a backstop timer covers every
 * stage, including a TCP connect that never completes). The socket is always closed before
 * this resolves. Never throws.
 */
export function probeSsh(host: string, port: number, timeoutMs: number, waitMs = timeoutMs): Promise<{ passed: boolean; reason: string }> {
  const target = formatHostPort(host, port);
  return new Promise((resolve) => {
    const client = new Client();
    let settled = false;
    const finish = (passed: boolean, reason: string) => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(backstop);
      if (passed) {
        client.end();
      }
      client.destroy();
      resolve({ passed, reason });
    };
    const backstop = setTimeout(() => finish(false, `no SSH handshake within ${timeoutMs} ms with ${target}`), waitMs);

    client.on('handshake', (negotiated) => {
      const hostKey = negotiated?.serverHostKey ? ` (host key ${negotiated.serverHostKey})` : '';
      finish(true, `SSH handshake with ${target} succeeded${hostKey}`);
    });
    client.on('ready', () => finish(true, `SSH handshake with ${target} succeeded (server accepted a login without credentials)`));
    client.on('error', (error: SshClientError) => {
      if (error.level === 'client-authentication') {
        finish(true, `SSH handshake with ${target} succeeded (server rejected login, as expected)`);
      } else {
        finish(false, describeSshError(error, target, timeoutMs));
      }
    });
    client.on('close', () => finish(false, `${target} closed the connection before the SSH handshake (is it an SSH server?)`));

    try {
      client.connect({
        host,
        port,
        username: PROBE_USERNAME,
        readyTimeout: waitMs,
        tryKeyboard: false,
        keepaliveInterval: 0,
      });
    } catch (error) {
      finish(false, describeSshError(error as SshClientError, target, timeoutMs));
    }
  });
}

/** Runs the SSH check for a validated event. */
export async function runSshCheck(settings: SshCheckSettings): Promise<CheckResult> {
  const startedAtMs = Date.now();
  const logFields = { instanceId: settings.instanceId, instanceState: settings.instance.state };
  const lookup = pickInstanceAddress(settings.instance, settings.addressType);
  if (lookup.address === undefined) {
    return completeCheck('ssh', startedAtMs, { passed: false, reason: lookup.reason }, logFields);
  }
  const target = formatHostPort(lookup.address, settings.port);
  const outcome = await probeSsh(lookup.address, settings.port, settings.timeoutMs, probeWaitMs(settings.timeoutMs, startedAtMs));
  return completeCheck('ssh', startedAtMs, { ...outcome, target }, logFields);
}

/** Lambda entry point. */
export const handler = async (event: SshCheckEvent): Promise<CheckResult> => runSshCheck(readSshCheckEvent(event));
