import * as net from 'node:net';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { Server } from 'ssh2';
import { captureConsole, closedPort, LocalTcpServer, startTcpServer, waitFor } from './support/local-servers';
import { CHECK_OVERHEAD_MS } from '../../lambda/shared/check-result';
import { InvalidEventError } from '../../lambda/shared/invalid-event-error';
import { SshCheckEvent } from '../../lambda/shared/types';
import { describeSshError, handler, probeSsh, PROBE_USERNAME } from '../../lambda/ssh-check.lambda';
import { SSH_HOST_KEY } from '../../local/ssh-host-key';

const ec2Mock = mockClient(EC2Client);
const INSTANCE_ID = 'i-0123456789abcdef0';

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

function event(overrides: Partial<SshCheckEvent> = {}): SshCheckEvent {
  return { instanceId: INSTANCE_ID, port: sshPort, addressType: 'PUBLIC', timeoutMs: 2000, ...overrides };
}

function instanceWithPublicIp(address: string | undefined, state = 'running', privateAddress = '10.0.0.5'): void {
  ec2Mock.on(DescribeInstancesCommand).resolves({
    Reservations: [{
      Instances: [{ InstanceId: INSTANCE_ID, PublicIpAddress: address, PrivateIpAddress: privateAddress, State: { Name: state as any } }],
    }],
  });
}

describe('ssh-check against a real SSH server', () => {
  test('a server that completes the handshake passes, although it rejects the login', async () => {
    instanceWithPublicIp('127.0.0.1');

    const result = await handler(event());

    expect(result).toMatchObject({ check: 'ssh', passed: true, target: `127.0.0.1:${sshPort}` });
    expect(result.reason).toMatch(new RegExp(`^SSH handshake with 127\\.0\\.0\\.1:${sshPort} succeeded`));
    expect(result.latencyMs).toBeLessThan(2000);
  });

  test('addressType PRIVATE connects to the private IP', async () => {
    instanceWithPublicIp('203.0.113.7', 'running', '127.0.0.1');

    const result = await handler(event({ addressType: 'PRIVATE' }));

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
});

describe('ssh-check failures', () => {
  let tcpServer: LocalTcpServer | undefined;

  afterEach(async () => {
    await tcpServer?.close();
    tcpServer = undefined;
  });

  test('a closed port fails quickly with "connection refused"', async () => {
    const port = await closedPort();
    instanceWithPublicIp('127.0.0.1');

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
    instanceWithPublicIp('127.0.0.1');

    const started = Date.now();
    const result = await handler(event({ port: tcpServer.port, timeoutMs: 500 }));
    const elapsed = Date.now() - started;

    expect(result).toMatchObject({ passed: false, reason: `no SSH handshake within 500 ms with 127.0.0.1:${tcpServer.port}` });
    // The handler keeps CHECK_OVERHEAD_MS of the timeout for answering.
    expect(elapsed).toBeGreaterThanOrEqual(500 - CHECK_OVERHEAD_MS - 20);
    expect(elapsed).toBeLessThan(500);
    expect(tcpServer.connections()).toBe(1);
    const server = tcpServer;
    await waitFor(() => server.sockets.size === 0);
  });

  test('an instance without a public IP fails with "no address" without connecting', async () => {
    instanceWithPublicIp(undefined, 'stopped');

    const result = await handler(event());

    expect(result).toMatchObject({
      passed: false,
      reason: `no address: instance ${INSTANCE_ID} has no public IP address (state: stopped)`,
    });
    expect(result.target).toBeUndefined();
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
  ])('%s is rejected', async (_name, overrides, message) => {
    const promise = handler(event(overrides as Partial<SshCheckEvent>));

    await expect(promise).rejects.toThrow(InvalidEventError);
    await expect(promise).rejects.toThrow(message);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });
});
