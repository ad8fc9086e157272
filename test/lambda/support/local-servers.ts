/**
 * Real servers on 127.0.0.1 (ephemeral ports) for the handler tests, standing in for
 * instances, Slack and OpsGenie. Nothing here talks to any other host.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { inspect } from 'node:util';

/** A request the local HTTP server received. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** Answers one request; `index` counts requests from 0. */
export type Responder = (request: RecordedRequest, response: http.ServerResponse, index: number) => void;

/** A running local HTTP server. */
export interface LocalHttpServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** Replaces how requests are answered. */
  respondWith(responder: Responder): void;
  close(): Promise<void>;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as net.AddressInfo).port;
}

/** Starts an HTTP server on 127.0.0.1 that records every request and answers with `responder`. */
export async function startHttpServer(responder: Responder): Promise<LocalHttpServer> {
  const requests: RecordedRequest[] = [];
  let current = responder;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      current(recorded, res, requests.length - 1);
    });
  });
  const port = await listen(server);
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    respondWith: (next) => {
      current = next;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A running raw TCP server, with its open sockets (to check that clients close theirs). */
export interface LocalTcpServer {
  readonly port: number;
  readonly sockets: Set<net.Socket>;
  /** How many connections were accepted. */
  connections(): number;
  close(): Promise<void>;
}

/** Starts a TCP server on 127.0.0.1 that hands each connection to `onConnection`. */
export async function startTcpServer(onConnection: (socket: net.Socket) => void): Promise<LocalTcpServer> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.resume(); // read (and discard) what the client sends, so its FIN is seen
    onConnection(socket);
  });
  const port = await listen(server);
  return {
    port,
    sockets,
    connections: () => count,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) {
        socket.destroy();
      }
      server.close(() => resolve());
    }),
  };
}

/** A port on 127.0.0.1 that was just open and is now closed, so connecting is refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Answers a request with a JSON body. */
export function sendJson(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** Waits until `condition` holds, polling every 10 ms, at most `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Silences the handlers' JSON logs and returns everything written to the console. */
export function captureConsole(): { output: () => string } {
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
    jest.spyOn(console, method).mockImplementation(() => undefined));
  return {
    output: () => spies.flatMap((spy) => spy.mock.calls.map((args) => args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 10 }))).join(' '))).join('\n'),
  };
}
