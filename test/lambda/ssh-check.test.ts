import * as net from 'node:net';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { Server } from 'ssh2';
import { CHECKED_INSTANCE_ID as INSTANCE_ID, instanceView, notFoundView } from './support/instances';
import { captureConsole, closedPort, LocalTcpServer, startTcpServer, waitFor } from './support/local-servers';
import { CHECK_OVERHEAD_MS } from '../../lambda/shared/check-result';
import {
  findDescribedInstance,
  formatHostPort,
  isNoAddressReason,
  PAUSE_TAG_KEY,
  pickInstanceAddress,
  REBOOT_LEDGER_TAG_KEY,
  toInstanceView,
} from '../../lambda/shared/instance-address';
import { InvalidEventError } from '../../lambda/shared/invalid-event-error';
import { describeSshError, handler, probeSsh, PROBE_USERNAME } from '../../lambda/ssh-check.lambda';
import { SSH_HOST_KEY } from '../../local/ssh-host-key';
import { InstanceView, SshCheckEvent } from '../../src/contract';

/** Only to prove that the check never calls EC2: it must take the address from the event. */
const ec2Mock = mockClient(EC2Client);

/** A real SSH server on 127.0.0.1 that completes the handshake and rejects every login. */
let sshServer: Server;
let sshPort: number;
const offeredUsernames: string[] = [];
const offeredMethods: string[] = [];

beforeAll(async () => {
  sshServer = new Server({ hostKeys: [SSH_HOST_KEY] }, (client) => {
    client.on('authentication', (ctx) => {
      offeredUsernames.push(ctx.username);
      offeredMethods.push(ctx.method);
      ctx.reject();
    });
    client.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => sshServer.listen(0, '127.0.0.1', () => resolve()));
  sshPort = (sshServer.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => sshServer.close(() => resolve()));
});

beforeEach(() => {
  captureConsole();
  ec2Mock.reset();
});

/** An event for the instance at 127.0.0.1 (public IP), port `sshPort`. */
function event(overrides: Partial<SshCheckEvent> = {}): SshCheckEvent {
  return {
    instanceId: INSTANCE_ID,
    instance: instanceView({ publicIp: '127.0.0.1', privateIp: '10.0.0.5' }),
    port: sshPort,
    addressType: 'PUBLIC',
    timeoutMs: 2000,
    ...overrides,
  };
}

describe('ssh-check against a real SSH server', () => {
  test('a server that completes the handshake passes, although it rejects the login', async () => {
    const result = await handler(event());

    expect(result).toMatchObject({ check: 'ssh', passed: true, target: `127.0.0.1:${sshPort}` });
    expect(result.reason).toMatch(new RegExp(`^SSH handshake with 127\\.0\\.0\\.1:${sshPort} succeeded`));
    expect(result.latencyMs).toBeLessThan(2000);
  });

  test('addressType PRIVATE connects to the private IP', async () => {
    const result = await handler(event({ addressType: 'PRIVATE', instance: instanceView({ publicIp: '203.0.113.7', privateIp: '127.0.0.1' }) }));

    expect(result).toMatchObject({ passed: true, target: `127.0.0.1:${sshPort}` });
  });

  test('the reason names the negotiated host key, and no password or key is offered', async () => {
    offeredMethods.length = 0;

    const outcome = await probeSsh('127.0.0.1', sshPort, 2000);

    expect(outcome).toEqual({ passed: true, reason: `SSH handshake with 127.0.0.1:${sshPort} succeeded (host key ssh-ed25519)` });
    // The probe ends the connection at the handshake; if a login attempt got through, it carried no credentials.
    expect(offeredMethods.filter((method) => method !== 'none')).toEqual([]);
    expect(offeredUsernames.filter((name) => name !== PROBE_USERNAME)).toEqual([]);
  });

  test('the address comes from the event\'s instance: EC2 is never called, however slow it is', async () => {
    // Were the check to look the instance up itself, a 1.9 s DescribeInstances would leave the
    // probe nothing of a 2 s timeout, and the address it answers is not the instance's.
    ec2Mock.on(DescribeInstancesCommand).callsFake(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1900));
      return { Reservations: [{ Instances: [{ InstanceId: INSTANCE_ID, State: { Name: 'running' }, PublicIpAddress: '203.0.113.7' }] }] };
    });

    const result = await handler(event());

    expect(result).toMatchObject({ passed: true, target: `127.0.0.1:${sshPort}` });
    expect(result.latencyMs).toBeLessThan(1000);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });
});

describe('ssh-check failures', () => {
  let tcpServer: LocalTcpServer | undefined;

  afterEach(async () => {
    await tcpServer?.close();
    tcpServer = undefined;
  });

  test('a closed port fails quickly with "connection refused"', async () => {
    const port = await closedPort();

    const started = Date.now();
    const result = await handler(event({ port }));

    expect(result).toMatchObject({ passed: false, reason: `connection refused by 127.0.0.1:${port}`, target: `127.0.0.1:${port}` });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('an HTTP server on the port fails (it does not speak SSH)', async () => {
    tcpServer = await startTcpServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));

    const started = Date.now();
    const outcome = await probeSsh('127.0.0.1', tcpServer.port, 2000);

    expect(outcome).toEqual({
      passed: false,
      reason: `127.0.0.1:${tcpServer.port} closed the connection before the SSH handshake (is it an SSH server?)`,
    });
    expect(Date.now() - started).toBeLessThan(2500);
  });

  test('a server that sends an SSH banner and then garbage fails', async () => {
    tcpServer = await startTcpServer((socket) => {
      socket.write('SSH-2.0-Bogus\r\n');
      socket.write(Buffer.from('00000010ffffffffffffffffffffffff', 'hex'));
    });

    const outcome = await probeSsh('127.0.0.1', tcpServer.port, 1000);

    expect(outcome).toEqual({ passed: false, reason: `127.0.0.1:${tcpServer.port} does not complete an SSH handshake: Bad packet length` });
  });

  test('a server that writes garbage lines and never an SSH banner fails within the timeout', async () => {
    tcpServer = await startTcpServer((socket) => socket.write('garbage without an ssh banner\r\n'));

    const started = Date.now();
    const outcome = await probeSsh('127.0.0.1', tcpServer.port, 500);

    expect(outcome).toEqual({ passed: false, reason: `no SSH handshake within 500 ms with 127.0.0.1:${tcpServer.port}` });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  test('a server that accepts TCP and never answers fails at the timeout, and the socket is closed', async () => {
    tcpServer = await startTcpServer(() => undefined);

    const started = Date.now();
    const result = await handler(event({ port: tcpServer.port, timeoutMs: 500 }));
    const elapsed = Date.now() - started;

    expect(result).toMatchObject({ passed: false, reason: `no SSH handshake within 500 ms with 127.0.0.1:${tcpServer.port}` });
    // The probe gets the whole timeout but CHECK_OVERHEAD_MS, kept for answering.
    expect(elapsed).toBeGreaterThanOrEqual(500 - CHECK_OVERHEAD_MS - 20);
    expect(elapsed).toBeLessThan(500);
    expect(tcpServer.connections()).toBe(1);
    const server = tcpServer;
    await waitFor(() => server.sockets.size === 0);
  });

  test.each<[string, InstanceView, string]>([
    ['without a public IP', instanceView({ state: 'stopped', privateIp: '127.0.0.1' }), `no address: instance ${INSTANCE_ID} has no public IP address (state: stopped)`],
    ['not found', notFoundView(), `no address: instance ${INSTANCE_ID} was not found`],
    ['terminated', instanceView({ state: 'terminated', publicIp: '127.0.0.1' }), `no address: instance ${INSTANCE_ID} is terminated`],
    ['stopping, with its address still set', instanceView({ state: 'stopping', publicIp: '127.0.0.1' }), `no address: instance ${INSTANCE_ID} is stopping`],
  ])('an instance %s fails with "no address" without connecting', async (_what, instance, reason) => {
    tcpServer = await startTcpServer(() => undefined);

    const result = await handler(event({ instance, port: tcpServer.port }));

    expect(result).toMatchObject({ check: 'ssh', passed: false, reason });
    expect(result.target).toBeUndefined();
    expect(isNoAddressReason(result.reason)).toBe(true);
    expect(tcpServer.connections()).toBe(0);
  });

  test('errors are described in words', () => {
    expect(describeSshError({ code: 'EHOSTUNREACH', message: 'x' }, '10.0.0.5:22', 2000)).toBe('10.0.0.5:22 is unreachable (EHOSTUNREACH)');
    expect(describeSshError({ level: 'client-timeout', message: 'Timed out' }, '10.0.0.5:22', 2000)).toBe('no SSH handshake within 2000 ms with 10.0.0.5:22');
    expect(describeSshError({ level: 'protocol', message: 'Bad packet length' }, '10.0.0.5:22', 2000))
      .toBe('10.0.0.5:22 does not complete an SSH handshake: Bad packet length');
    expect(describeSshError({ level: 'client-socket', code: 'EPIPE', message: 'write EPIPE' }, '10.0.0.5:22', 2000))
      .toBe('SSH connection to 10.0.0.5:22 failed: write EPIPE (EPIPE)');
  });
});

describe('ssh-check event validation', () => {
  test.each([
    ['missing instanceId', { instanceId: '' }, 'ssh-check: `instanceId` must be a non-empty string, got ""'],
    ['bad port', { port: 0 }, 'ssh-check: `port` must be an integer port from 1 to 65535, got 0'],
    ['bad timeout', { timeoutMs: 'abc' }, 'ssh-check: `timeoutMs` must be a positive number, got "abc"'],
    ['bad address type', { addressType: 'IPV6' }, 'ssh-check: `addressType` must be one of "PUBLIC", "PRIVATE", got "IPV6"'],
    ['missing instance', { instance: undefined }, 'ssh-check: `instance` must be the instance as the workflow looked it up'],
    ['instance of another instance', { instance: instanceView({ instanceId: 'i-0fedcba9876543210' }) },
      `ssh-check: \`instance.instanceId\` must be the checked instance "${INSTANCE_ID}", got "i-0fedcba9876543210"`],
    ['instance.found not a boolean', { instance: { ...instanceView(), found: 'yes' } }, 'ssh-check: `instance.found` must be true or false, got "yes"'],
    ['instance.state missing', { instance: { ...instanceView(), state: undefined } }, 'ssh-check: `instance.state` must be a non-empty string, got nothing'],
    ['instance.paused missing', { instance: { ...instanceView(), paused: undefined } }, 'ssh-check: `instance.paused` must be true or false, got nothing'],
    ['instance.rebootLedger not a string', { instance: { ...instanceView(), rebootLedger: 3 } }, 'ssh-check: `instance.rebootLedger` must be a string, got 3'],
    ['instance.publicIp not an address', { instance: instanceView({ publicIp: 'ec2-203-0-113-7.compute.amazonaws.com' }) },
      'ssh-check: `instance.publicIp` must be an IPv4 or IPv6 address when set, got "ec2-203-0-113-7.compute.amazonaws.com"'],
    ['instance.privateIp not a string', { instance: { ...instanceView(), privateIp: 10 } }, 'ssh-check: `instance.privateIp` must be an IPv4 or IPv6 address when set, got 10'],
    ['a DescribeInstances answer instead of the view', { instance: { Reservations: [] } }, 'ssh-check: `instance.instanceId` must be the checked instance'],
  ])('%s is rejected', async (_name, overrides, message) => {
    const promise = handler(event(overrides as Partial<SshCheckEvent>));

    await expect(promise).rejects.toThrow(InvalidEventError);
    await expect(promise).rejects.toThrow(message);
  });

  test('null addresses count as not set', async () => {
    const result = await handler(event({ instance: { ...instanceView(), publicIp: null, privateIp: null } as unknown as InstanceView }));

    expect(result).toMatchObject({ passed: false, reason: `no address: instance ${INSTANCE_ID} has no public IP address (state: running)` });
  });
});

/** The address picking the URL and SSH checks share, and the view the guard builds for them. */
describe('instance address', () => {
  test.each<[string, 'PUBLIC' | 'PRIVATE', object, InstanceView]>([
    ['not found', 'PUBLIC', { reason: `no address: instance ${INSTANCE_ID} was not found` }, notFoundView()],
    ['terminated', 'PUBLIC', { reason: `no address: instance ${INSTANCE_ID} is terminated` }, instanceView({ state: 'terminated', publicIp: '198.51.100.1' })],
    ['shutting down', 'PRIVATE', { reason: `no address: instance ${INSTANCE_ID} is shutting-down` }, instanceView({ state: 'shutting-down' })],
    ['without a public IP', 'PUBLIC', { reason: `no address: instance ${INSTANCE_ID} has no public IP address (state: running)` }, instanceView({ privateIp: '10.0.0.5' })],
    ['stopped, without addresses', 'PRIVATE', { reason: `no address: instance ${INSTANCE_ID} has no private IP address (state: stopped)` }, instanceView({ state: 'stopped' })],
    ['stopped, with a private IP', 'PRIVATE', { reason: `no address: instance ${INSTANCE_ID} is stopped` }, instanceView({ state: 'stopped', privateIp: '10.0.0.5' })],
    ['in an unknown state', 'PUBLIC', { address: '198.51.100.1' }, instanceView({ state: 'unknown', publicIp: '198.51.100.1' })],
    ['running', 'PRIVATE', { address: '10.0.0.5' }, instanceView({ publicIp: '198.51.100.1', privateIp: '10.0.0.5' })],
  ])('an instance %s, %s address: %j', (_what, addressType, expected, instance) => {
    expect(pickInstanceAddress(instance, addressType)).toEqual(expected);
  });

  test('every reason for a missing address is recognised as such, and nothing else', () => {
    expect(isNoAddressReason(pickInstanceAddress(notFoundView(), 'PUBLIC').reason)).toBe(true);
    expect(isNoAddressReason('connection refused by 10.0.0.5:22')).toBe(false);
    expect(isNoAddressReason(undefined)).toBe(false);
  });

  test('toInstanceView reads state, addresses and the two tags of a DescribeInstances instance', () => {
    expect(toInstanceView(INSTANCE_ID, {
      InstanceId: INSTANCE_ID,
      State: { Name: 'running' },
      PublicIpAddress: '198.51.100.1',
      PrivateIpAddress: '10.0.0.5',
      Tags: [
        { Key: 'Name', Value: 'api' },
        { Key: PAUSE_TAG_KEY, Value: 'maintenance until 12:00' },
        { Key: REBOOT_LEDGER_TAG_KEY, Value: '2024-05-01T09:30:00Z' },
      ],
    })).toEqual({
      instanceId: INSTANCE_ID,
      found: true,
      state: 'running',
      publicIp: '198.51.100.1',
      privateIp: '10.0.0.5',
      paused: true,
      pauseTagValue: 'maintenance until 12:00',
      rebootLedger: '2024-05-01T09:30:00Z',
    });
    expect(PAUSE_TAG_KEY).toBe('cpu-first-line-support:paused');
    expect(REBOOT_LEDGER_TAG_KEY).toBe('cpu-first-line-support:reboots');
  });

  test.each([
    ['an empty value pauses', '', true],
    ['"false" does not pause', 'false', false],
    ['" FALSE " does not pause', ' FALSE ', false],
    ['"no" pauses', 'no', true],
  ])('the pause tag: %s', (_what, value, paused) => {
    const view = toInstanceView(INSTANCE_ID, { State: { Name: 'running' }, Tags: [{ Key: PAUSE_TAG_KEY, Value: value }] });

    expect(view.paused).toBe(paused);
    expect(view.pauseTagValue).toBe(paused ? value : undefined);
  });

  test('toInstanceView of nothing is an instance that was not found; a sparse instance never reads "undefined"', () => {
    expect(toInstanceView(INSTANCE_ID, undefined)).toEqual(notFoundView());
    const sparse = toInstanceView(INSTANCE_ID, { PublicIpAddress: ' ', Tags: [{ Key: REBOOT_LEDGER_TAG_KEY }] });
    expect(sparse).toEqual({ instanceId: INSTANCE_ID, found: true, state: 'unknown', paused: false, rebootLedger: '' });
    expect(pickInstanceAddress(sparse, 'PUBLIC')).toEqual({ reason: `no address: instance ${INSTANCE_ID} has no public IP address (state: unknown)` });
  });

  test('findDescribedInstance finds the instance in the reservations, or nothing', () => {
    const other = { InstanceId: 'i-0fedcba9876543210', State: { Name: 'running' } };
    const ours = { InstanceId: INSTANCE_ID, State: { Name: 'stopped' } };

    expect(findDescribedInstance([{ Instances: [other] }, { Instances: [ours] }], INSTANCE_ID)).toBe(ours);
    expect(findDescribedInstance([{}, { Instances: [] }], INSTANCE_ID)).toBeUndefined();
    expect(findDescribedInstance([], INSTANCE_ID)).toBeUndefined();
    expect(findDescribedInstance(undefined, INSTANCE_ID)).toBeUndefined();
  });

  test('formatHostPort brackets IPv6', () => {
    expect(formatHostPort('10.0.0.5', 22)).toBe('10.0.0.5:22');
    expect(formatHostPort('2001:db8::5', 22)).toBe('[2001:db8::5]:22');
  });
});
