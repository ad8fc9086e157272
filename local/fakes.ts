/**
 * Stand-ins on 127.0.0.1 for what the workflow talks to: an EC2 instance (a web server and
 * an SSH server that can hang and reboot), Slack and OpsGenie; and the AWS APIs, mocked
 * with aws-sdk-client-mock and driven by the fake instance.
 */
import * as http from 'http';
import * as net from 'net';
import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  EC2Client,
  RebootInstancesCommand,
} from '@aws-sdk/client-ec2';
import { GetHealthCheckStatusCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { Server as SshServer } from 'ssh2';
import { SSH_HOST_KEY } from './ssh-host-key';

/** How the fake instance behaves. */
export type InstanceHealth =
  /** Serves HTTP 200, completes SSH handshakes, Route 53 checkers see it healthy. */
  | 'healthy'
  /** CPU pegged: HTTP 503, SSH connections dropped, Route 53 checkers see failures. */
  | 'hung'
  /** Rebooting: every connection dropped, Route 53 checkers see failures. */
  | 'rebooting'
  /** Frozen: connections are accepted and never answered (no HTTP status, no SSH banner). */
  | 'frozen';

/** Closes a server and every connection it still holds. */
function closeServer(server: net.Server | http.Server): Promise<void> {
  (server as http.Server).closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

/**
 * An EC2 instance on loopback: a web server and an SSH server whose behaviour follows
 * `health`. `reboot()` takes it down for `bootMs`, then it comes back `afterReboot`.
 */
export class FakeInstance {
  public health: InstanceHealth = 'healthy';
  /** How the instance is once it has booted again. */
  public afterReboot: InstanceHealth = 'healthy';
  /** How long a reboot takes, in real milliseconds. */
  public bootMs = 0;
  /** How many times the instance was rebooted. */
  public reboots = 0;
  /** The EC2 state `DescribeInstances` reports; 'running' follows `health` ('pending' while rebooting). */
  public state = 'running';
  /** The instance's tags, as `DescribeInstances` reports them and `CreateTags` writes them. */
  public tags: Record<string, string> = {};
  /** The public IP `DescribeInstances` reports; `undefined` for an instance without one. */
  public publicIp: string | undefined = '127.0.0.1';
  public httpPort = 0;
  public sshPort = 0;

  private readonly web: http.Server;
  private readonly sshFront: net.Server;
  private readonly ssh: SshServer;
  private readonly sockets = new Set<net.Socket>();
  private bootTimer?: NodeJS.Timeout;

  constructor() {
    this.web = http.createServer((req, res) => {
      req.resume();
      if (this.health === 'rebooting') {
        req.socket.destroy();
      } else if (this.health === 'frozen') {
        // Never answer; stop() closes the connection.
      } else if (this.health === 'hung') {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      }
    });
    this.ssh = new SshServer({ hostKeys: [SSH_HOST_KEY] }, (client) => {
      client.on('authentication', (ctx) => ctx.reject());
      client.on('error', () => undefined);
    });
    // A TCP front that drops connections while the instance is not healthy.
    this.sshFront = net.createServer((socket) => {
      socket.on('error', () => undefined);
      if (this.health !== 'healthy' && this.health !== 'frozen') {
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      if (this.health === 'healthy') {
        this.ssh.injectSocket(socket);
      }
    });
  }

  public async start(): Promise<this> {
    this.httpPort = await listen(this.web);
    this.sshPort = await listen(this.sshFront);
    return this;
  }

  /** Starts a reboot: down now, back as `afterReboot` after `bootMs`. */
  public reboot(): void {
    this.reboots++;
    this.health = 'rebooting';
    clearTimeout(this.bootTimer);
    this.bootTimer = setTimeout(() => {
      this.health = this.afterReboot;
    }, this.bootMs);
  }

  public async stop(): Promise<void> {
    clearTimeout(this.bootTimer);
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([closeServer(this.web), closeServer(this.sshFront)]);
  }
}

/** An answer the fake Slack or OpsGenie gives once, before its usual answer. */
export interface FakeAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** A request the fake Slack or OpsGenie received. */
export interface ReceivedRequest {
  readonly path: string;
  /** Whether the fake accepted it: Slack answered `ok: true`, OpsGenie a 2xx status. */
  readonly accepted: boolean;
  readonly authorization?: string;
  readonly body: any;
}

/**
 * Slack (`POST /api/chat.postMessage`) and OpsGenie (`POST /v2/alerts`) on loopback,
 * recording what they receive.
 */
export class FakeNotifiers {
  public readonly slackMessages: ReceivedRequest[] = [];
  public readonly opsGenieAlerts: ReceivedRequest[] = [];
  public port = 0;
  /** What Slack answers; `{ ok: false, error }` reproduces Slack's failures. */
  public slackAnswer: Record<string, unknown> = { ok: true, ts: '1764100000.000100' };
  /** The HTTP status OpsGenie answers with. */
  public opsGenieStatus = 202;
  /** Answers Slack gives first, one per request, e.g. a 429 with `Retry-After`. */
  public slackQueue: FakeAnswer[] = [];
  /** Answers OpsGenie gives first, one per request. */
  public opsGenieQueue: FakeAnswer[] = [];
  private readonly server: http.Server;

  constructor() {
    this.server = http.createServer((req, res) => {
      let data = '';
      req.on('data', (chunk) => (data += chunk));
      req.on('end', () => {
        const received = { path: req.url ?? '', authorization: req.headers.authorization, body: data ? JSON.parse(data) : undefined };
        res.setHeader('content-type', 'application/json');
        const queued = req.url === '/api/chat.postMessage' ? this.slackQueue.shift()
          : req.url === '/v2/alerts' ? this.opsGenieQueue.shift() : undefined;
        if (queued) {
          res.writeHead(queued.status, queued.headers).end(JSON.stringify(queued.body ?? {}));
        } else if (req.url === '/api/chat.postMessage') {
          this.slackMessages.push({ ...received, accepted: this.slackAnswer.ok === true });
          res.end(JSON.stringify(this.slackAnswer));
        } else if (req.url === '/v2/alerts') {
          this.opsGenieAlerts.push({ ...received, accepted: this.opsGenieStatus < 300 });
          res.statusCode = this.opsGenieStatus;
          res.end(JSON.stringify({ result: 'Request will be processed', took: 0.01, requestId: `req-${this.opsGenieAlerts.length}` }));
        } else {
          res.statusCode = 404;
          res.end('{}');
        }
      });
    });
  }

  public get slackApiBaseUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  public get opsGenieBaseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  public async start(): Promise<this> {
    this.port = await listen(this.server);
    return this;
  }

  public async stop(): Promise<void> {
    await closeServer(this.server);
  }
}

/** Secret values the mocked Secrets Manager serves, by secret ARN. */
export type SecretValues = Record<string, string>;

/** The AWS API calls the fakes answer, by name. */
export type FakeApi = 'DescribeInstances' | 'CreateTags' | 'RebootInstances' | 'GetHealthCheckStatus' | 'GetSecretValue';

/** A failure planned for the next calls of a fake API: `trip()` throws it while calls remain. */
export class PlannedFailure {
  private error?: Error;
  private times = 0;

  /** Makes the next `times` calls throw `error` (`Infinity` for every call). */
  public arm(error: Error, times = 1): void {
    this.error = error;
    this.times = times;
  }

  /** Throws the planned error if calls remain, counting this one. */
  public trip(): void {
    if (this.error && this.times > 0) {
      this.times--;
      throw this.error;
    }
  }
}

/** An AWS SDK error as the SDK throws it: a name, a message and the HTTP status. */
export function awsError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
}

/**
 * Mocks the AWS APIs the workflow calls, answering from the fake instance:
 * `DescribeInstances` (its state, tags and IPs), `CreateTags` (writes its tags), `RebootInstances`
 * (reboots the fake), `GetHealthCheckStatus` (16 checkers that follow the fake's health)
 * and `GetSecretValue` (from `secrets`). Call `restore()` when done.
 */
export function mockAws(instance: FakeInstance, instanceId: string, secrets: SecretValues) {
  const ec2 = mockClient(EC2Client);
  const route53 = mockClient(Route53Client);
  const secretsManager = mockClient(SecretsManagerClient);
  const failures = new Map<FakeApi, PlannedFailure>();
  const failure = (api: FakeApi) => failures.get(api) ?? failures.set(api, new PlannedFailure()).get(api)!;
  /** Answers with `answer`, unless a failure was planned for `api` with `failNext`. */
  const fake = <I, O>(api: FakeApi, answer: (input: I) => O) => (input: I): O => {
    failure(api).trip();
    return answer(input);
  };

  ec2.on(DescribeInstancesCommand).callsFake(fake('DescribeInstances', () => ({
    Reservations: [{
      Instances: [{
        InstanceId: instanceId,
        State: { Name: instance.state === 'running' && instance.health === 'rebooting' ? 'pending' : instance.state },
        PublicIpAddress: instance.publicIp,
        PrivateIpAddress: '127.0.0.1',
        Tags: Object.entries(instance.tags).map(([Key, Value]) => ({ Key, Value })),
      }],
    }],
  })));
  ec2.on(CreateTagsCommand).callsFake(fake('CreateTags', (input: { Tags?: { Key?: string; Value?: string }[] }) => {
    for (const tag of input.Tags ?? []) {
      if (tag.Key) instance.tags[tag.Key] = tag.Value ?? '';
    }
    return {};
  }));
  ec2.on(RebootInstancesCommand).callsFake(fake('RebootInstances', () => {
    instance.reboot();
    return {};
  }));
  route53.on(GetHealthCheckStatusCommand).callsFake(fake('GetHealthCheckStatus', () => {
    const status = instance.health === 'healthy' ? 'Success: HTTP Status Code 200, OK' : 'Failure: Connection timed out.';
    return {
      HealthCheckObservations: Array.from({ length: 16 }, (_, i) => ({
        Region: 'us-east-1',
        IPAddress: `15.177.0.${i + 1}`,
        StatusReport: { Status: status, CheckedTime: new Date() },
      })),
    };
  }));
  secretsManager.on(GetSecretValueCommand).callsFake(fake('GetSecretValue', (input: { SecretId: string }) => {
    const value = secrets[input.SecretId];
    if (value === undefined) {
      const error = new Error('Secrets Manager can\'t find the specified secret.');
      error.name = 'ResourceNotFoundException';
      throw error;
    }
    return { ARN: input.SecretId, SecretString: value };
  }));

  return {
    ec2,
    route53,
    secretsManager,
    /** Makes the next `times` calls of `api` throw `error` (`Infinity` for every call). */
    failNext(api: FakeApi, error: Error, times = 1): void {
      failure(api).arm(error, times);
    },
    restore(): void {
      ec2.restore();
      route53.restore();
      secretsManager.restore();
    },
  };
}
