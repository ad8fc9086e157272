/**
 * Stand-ins on 127.0.0.1 for what the workflow talks to: an EC2 instance (a web server and
 * an SSH server that can hang and reboot), Slack and OpsGenie; and the AWS APIs, mocked
 * with aws-sdk-client-mock and driven by the fake instance.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import * as path from 'path';
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
  /** The EC2 state `DescribeInstances` reports; it stays 'running' while the instance reboots, as on EC2. */
  public state = 'running';
  /** The instance's tags, as `DescribeInstances` reports them and `CreateTags` writes them. */
  public tags: Record<string, string> = {};
  /** The public IP `DescribeInstances` reports; `undefined` for an instance without one. */
  public publicIp: string | undefined = '127.0.0.1';
  public httpPort = 0;
  public sshPort = 0;
  /** The same web server over HTTPS, with the self-signed test certificate (test/lambda/fixtures). */
  public httpsPort = 0;

  private readonly web: http.Server;
  private readonly secureWeb: https.Server;
  private readonly sshFront: net.Server;
  private readonly ssh: SshServer;
  private readonly sockets = new Set<net.Socket>();
  private bootTimer?: NodeJS.Timeout;

  constructor() {
    const serve: http.RequestListener = (req, res) => {
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
    };
    this.web = http.createServer(serve);
    const fixtures = path.join(__dirname, '..', 'test', 'lambda', 'fixtures');
    this.secureWeb = https.createServer({
      key: fs.readFileSync(path.join(fixtures, 'self-signed.key.pem')),
      cert: fs.readFileSync(path.join(fixtures, 'self-signed.cert.pem')),
    }, serve);
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
    this.httpsPort = await listen(this.secureWeb);
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
    await Promise.all([closeServer(this.web), closeServer(this.secureWeb), closeServer(this.sshFront)]);
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
  /**
   * Whether the fake accepted it: Slack answered `ok: true`, OpsGenie a 2xx status (which,
   * as with the real OpsGenie, only says the request will be processed, not that anyone was
   * paged: see `FakeNotifiers.opsGeniePages`).
   */
  readonly accepted: boolean;
  readonly authorization?: string;
  readonly body: any;
}

/** An alert the fake OpsGenie holds, open or closed. */
export interface FakeOpsGenieAlert {
  readonly alias: string;
  /** The create request that opened the alert (and notified). */
  readonly request: ReceivedRequest;
  /** How many creates this alert absorbed, the first included (OpsGenie's `count`). */
  count: number;
  /** Open until `closeOpsGenieAlert(alias)`. */
  open: boolean;
}

/**
 * Slack (`POST /api/chat.postMessage`) and OpsGenie (`POST /v2/alerts`) on loopback,
 * recording what they receive, and as strict as the real services where it matters to the
 * workflow's promises:
 *
 * - Slack answers HTTP 200 with `ok: false` and an error code when it refuses a message, and
 *   HTTP 429 with `Retry-After` when it rate-limits (queue one in `slackQueue`).
 *   https://api.slack.com/methods/chat.postMessage, https://api.slack.com/docs/rate-limits
 * - OpsGenie answers 202 `{"result":"Request will be processed"}` BEFORE it processes the
 *   request: processing is asynchronous (here `opsGenieProcessingMs` later), so a 202 does not
 *   prove that an alert was created. https://docs.opsgenie.com/docs/alert-api ("Create alert
 *   requests are processed asynchronously")
 * - OpsGenie keeps one open alert per alias: a create with the alias of an open alert only
 *   increments that alert's `count` and notifies nobody; only the first create of an alias
 *   (or one after the alert was closed) opens an alert and pages.
 *   https://docs.opsgenie.com/docs/alert-api#create-alert ("alias ... used for alert
 *   deduplication"), https://support.atlassian.com/opsgenie/docs/what-is-alert-de-duplication/
 * - OpsGenie refuses a create without a `message` with 422, and expects a `GenieKey`
 *   authorization (401 otherwise).
 * - Closing an alert by alias (`POST /v2/alerts/{alias}/close?identifierType=alias`) is also
 *   answered 202 before it is processed; the request status then says whether an alert was
 *   closed, or `isSuccess: false` when no alert has that alias.
 *   https://docs.opsgenie.com/docs/alert-api#close-alert
 */
export class FakeNotifiers {
  /** Every `chat.postMessage` Slack answered with its usual answer (not a queued one). */
  public readonly slackMessages: ReceivedRequest[] = [];
  /** Every create-alert request OpsGenie answered with its usual answer (not a queued one), paging or not. */
  public readonly opsGenieAlerts: ReceivedRequest[] = [];
  /**
   * The create requests that notified someone: the first create of an alias that had no open
   * alert, once processed (a few ms after the 202; `await settled()` first).
   */
  public readonly opsGeniePages: ReceivedRequest[] = [];
  /** Every close-alert request OpsGenie answered, with the alias in `path`. */
  public readonly opsGenieCloses: ReceivedRequest[] = [];
  public port = 0;
  /** What Slack answers; `{ ok: false, error }` reproduces Slack's failures. */
  public slackAnswer: Record<string, unknown> = { ok: true, ts: '1764100000.000100' };
  /** The HTTP status OpsGenie answers with; only a 2xx is processed. */
  public opsGenieStatus = 202;
  /** How long after its 202 OpsGenie processes a create request, in real milliseconds. */
  public opsGenieProcessingMs = 5;
  /** Answers Slack gives first, one per request, e.g. a 429 with `Retry-After`. */
  public slackQueue: FakeAnswer[] = [];
  /** Answers OpsGenie gives first, one per request; a queued answer is never processed. */
  public opsGenieQueue: FakeAnswer[] = [];
  private readonly alerts = new Map<string, FakeOpsGenieAlert>();
  private readonly processing = new Set<Promise<void>>();
  /** How each processed create request ended, by request ID. */
  private readonly processed = new Map<string, { isSuccess: boolean; status: string; alias: string }>();
  /**
   * When set, OpsGenie accepts create requests (202) and then fails to process them with this
   * status, e.g. "Team [sre] does not exist" (the request status shows `isSuccess: false`).
   */
  public opsGenieProcessingFailure?: string;
  private readonly server: http.Server;

  constructor() {
    this.server = http.createServer((req, res) => {
      let data = '';
      req.on('data', (chunk) => (data += chunk));
      req.on('end', () => {
        let body: any;
        try {
          body = data ? JSON.parse(data) : undefined;
        } catch {
          body = data;
        }
        const received = { path: req.url ?? '', authorization: req.headers.authorization, body };
        res.setHeader('content-type', 'application/json');
        const queued = req.url === '/api/chat.postMessage' ? this.slackQueue.shift()
          : req.url === '/v2/alerts' ? this.opsGenieQueue.shift() : undefined;
        if (queued) {
          res.writeHead(queued.status, queued.headers).end(JSON.stringify(queued.body ?? {}));
        } else if (req.url === '/api/chat.postMessage') {
          this.slackMessages.push({ ...received, accepted: this.slackAnswer.ok === true });
          res.end(JSON.stringify(this.slackAnswer));
        } else if (req.url === '/v2/alerts') {
          this.createAlert(received, res);
        } else if (req.method === 'POST' && /^\/v2\/alerts\/[^/]+\/close\?identifierType=alias$/.test(req.url ?? '')) {
          this.closeAlert(decodeURIComponent((req.url ?? '').split('/')[3]), received, res);
        } else if (req.method === 'GET' && req.url?.startsWith('/v2/alerts/requests/')) {
          this.requestStatus(decodeURIComponent(req.url.slice('/v2/alerts/requests/'.length)), res);
        } else {
          res.statusCode = 404;
          res.end('{}');
        }
      });
    });
  }

  /** Every alert OpsGenie holds, by alias (open and closed). */
  public get opsGenieAlertsByAlias(): ReadonlyMap<string, FakeOpsGenieAlert> {
    return this.alerts;
  }

  /** Closes the open alert of `alias` (as a human or `POST /v2/alerts/:alias/close` would): the next create pages again. */
  public closeOpsGenieAlert(alias: string): void {
    const alert = this.alerts.get(alias);
    if (alert) alert.open = false;
  }

  /** Opens an alert with `alias`, as an earlier incident (or another tool) would have: creates with that alias page nobody. */
  public openOpsGenieAlert(alias: string): void {
    const request: ReceivedRequest = { path: '/v2/alerts', accepted: true, body: { alias, message: 'an earlier alert' } };
    this.alerts.set(alias, { alias, request, count: 1, open: true });
  }

  /** Waits until every accepted create request was processed. */
  public async settled(): Promise<void> {
    while (this.processing.size > 0) {
      await Promise.all([...this.processing]);
    }
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
    await this.settled();
    await closeServer(this.server);
  }

  /**
   * `GET /v2/alerts/requests/{requestId}`: 404 until the create request is processed, then
   * `{ data: { isSuccess, status, alias } }` (OpsGenie Alert API, "Get request status").
   */
  private requestStatus(requestId: string, res: http.ServerResponse): void {
    const outcome = this.processed.get(requestId);
    if (!outcome) {
      res.statusCode = 404;
      res.end(JSON.stringify({ message: 'Request not found. It might not be processed, yet.', took: 0.0, requestId }));
      return;
    }
    res.end(JSON.stringify({ data: { success: outcome.isSuccess, action: 'Create', isSuccess: outcome.isSuccess, status: outcome.status, alias: outcome.alias }, took: 0.0, requestId }));
  }

  /** Answers a close-alert request at once, then closes the alias's open alert asynchronously. */
  private closeAlert(alias: string, received: Omit<ReceivedRequest, 'accepted'>, res: http.ServerResponse): void {
    const requestId = `close-${this.opsGenieCloses.length + 1}`;
    const authorized = /^GenieKey \S+$/.test(received.authorization ?? '');
    this.opsGenieCloses.push({ ...received, accepted: authorized });
    res.statusCode = authorized ? 202 : 401;
    res.end(JSON.stringify(authorized ? { result: 'Request will be processed', took: 0.01, requestId } : { message: 'Could not authenticate', requestId }));
    if (!authorized) return;
    const done = new Promise<void>((resolve) => setTimeout(resolve, this.opsGenieProcessingMs)).then(() => {
      const alert = this.alerts.get(alias);
      if (!alert) {
        this.processed.set(requestId, { isSuccess: false, status: 'Alert does not exist', alias });
        return;
      }
      alert.open = false;
      this.processed.set(requestId, { isSuccess: true, status: 'Closed alert', alias });
    });
    this.processing.add(done);
    void done.finally(() => this.processing.delete(done));
  }

  /** Answers a create-alert request at once, then processes it asynchronously (see the class doc). */
  private createAlert(received: Omit<ReceivedRequest, 'accepted'>, res: http.ServerResponse): void {
    const requestId = `req-${this.opsGenieAlerts.length + 1}`;
    let status = this.opsGenieStatus;
    let answer: Record<string, unknown> = { result: 'Request will be processed', took: 0.01, requestId };
    if (!/^GenieKey \S+$/.test(received.authorization ?? '')) {
      status = 401;
      answer = { message: 'Could not authenticate', took: 0.0, requestId };
    } else if (typeof received.body?.message !== 'string' || received.body.message.trim() === '') {
      status = 422;
      answer = { message: 'Request body is not processable. Please check the errors.', errors: { message: 'Message can not be empty.' }, took: 0.0, requestId };
    }
    const request: ReceivedRequest = { ...received, accepted: status < 300 };
    this.opsGenieAlerts.push(request);
    res.statusCode = status;
    res.end(JSON.stringify(answer));
    if (status >= 300) return;
    const done = new Promise<void>((resolve) => setTimeout(resolve, this.opsGenieProcessingMs)).then(() => {
      const alias = typeof request.body.alias === 'string' && request.body.alias !== '' ? request.body.alias : `generated-${requestId}`;
      if (this.opsGenieProcessingFailure !== undefined) {
        // Accepted with 202, then failed in processing: no alert, nobody paged.
        this.processed.set(requestId, { isSuccess: false, status: this.opsGenieProcessingFailure, alias });
        return;
      }
      this.processed.set(requestId, { isSuccess: true, status: 'Created alert', alias });
      const open = this.alerts.get(alias);
      if (open?.open) {
        open.count++;
      } else {
        this.alerts.set(alias, { alias, request, count: 1, open: true });
        this.opsGeniePages.push(request);
      }
    });
    this.processing.add(done);
    void done.finally(() => this.processing.delete(done));
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
  const delays = new Map<FakeApi, { ms: number; times: number }>();
  /** Answers with `answer` (after a planned delay), unless a failure was planned for `api` with `failNext`. */
  const fake = <I, O>(api: FakeApi, answer: (input: I) => O) => async (input: I): Promise<O> => {
    const delay = delays.get(api);
    if (delay && delay.times > 0) {
      delay.times--;
      await new Promise((resolve) => setTimeout(resolve, delay.ms));
    }
    failure(api).trip();
    return answer(input);
  };

  ec2.on(DescribeInstancesCommand).callsFake(fake('DescribeInstances', () => ({
    Reservations: [{
      Instances: [{
        InstanceId: instanceId,
        // EC2 keeps a rebooting instance `running` (EC2 user guide, "Reboot your instance"):
        // a reboot is not a state change.
        State: { Name: instance.state },
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
    /** Makes the next `times` calls of `api` answer only after `ms` real milliseconds (a slow API). */
    delayNext(api: FakeApi, ms: number, times = 1): void {
      delays.set(api, { ms, times });
    },
    restore(): void {
      ec2.restore();
      route53.restore();
      secretsManager.restore();
    },
  };
}
