/**
 * A fake PagerDuty Events API v2 on 127.0.0.1, recording every request, and as strict as the
 * real service where it matters to the workflow's promises. It follows PagerDuty's own
 * documentation:
 *
 * - Overview, response codes and retry logic (202 accepted, 400 invalid: do not retry, 429 and
 *   5xx: retry later), the 512 KB size limit, the required PD-CEF fields:
 *   https://developer.pagerduty.com/docs/events-api-v2/overview/
 *   (source: https://github.com/PagerDuty/developer-docs/blob/main/docs/events-API-v2/01-Overview.md)
 * - Alert events (`POST /v2/enqueue`): `routing_key` (32 characters) and `event_action`
 *   (`trigger`, `acknowledge`, `resolve`) required; `payload.summary` (at most 1024
 *   characters), `payload.source` and `payload.severity` (`critical`, `error`, `warning`,
 *   `info`) required for a trigger; `dedup_key` at most 255 characters, required unless the
 *   action is `trigger` (one is generated when a trigger has none). De-duplication: an event
 *   with the `dedup_key` of an open alert applies to that alert (a trigger adds a log entry and
 *   does not notify again; an acknowledged alert never notifies); once resolved, a trigger with
 *   the key opens a new alert and an acknowledge or resolve is dropped; events with another
 *   routing key than the original trigger never apply to the alert:
 *   https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
 *   (source: https://github.com/PagerDuty/developer-docs/blob/main/docs/events-API-v2/02-Trigger-Events.md)
 * - Change events (`POST /v2/change/enqueue`): `routing_key` and `payload.summary` (at most
 *   1024 characters) required; informational, they never notify anyone; not accepted on
 *   ruleset keys (those begin with `R`):
 *   https://developer.pagerduty.com/docs/events-api-v2/send-change-events/
 *   (source: https://github.com/PagerDuty/developer-docs/blob/main/docs/events-API-v2/03-Change-Events.md)
 * - Answers: 202 `{"status":"success","message":"Event processed","dedup_key":...}`, errors
 *   `{"status","message","errors":[...]}`: the Events API's OpenAPI document (a change event's
 *   202 has no `dedup_key`),
 *   https://github.com/PagerDuty/api-schema/blob/main/reference/events-v2/openapiv3.json; a 400
 *   reads `{"status":"invalid event","message":"Event object is invalid","errors":[...]}`
 *   (the wording of the individual `errors` is ours: PagerDuty does not document it).
 * - Rate limits: about 120 events a minute per routing key over a sliding 60 s window, then
 *   `429 - Request Limit Exceeded` and the event is not ingested (PagerDuty documents no
 *   `Retry-After`; queue an answer with one to test it):
 *   https://developer.pagerduty.com/docs/events-api-v2/rate-limits/
 *   (source: https://github.com/PagerDuty/developer-docs/blob/main/docs/events-API-v2/05-Rate-Limits.md)
 *
 * The Events API is asynchronous: the 202 comes before the event is processed; here processing
 * happens `processingMs` later (`await settled()` before reading `alerts` or `pages`).
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';

/** PagerDuty's documented limits. */
export const PAGERDUTY_EVENT_LIMITS = { routingKey: 32, summary: 1_024, dedupKey: 255, bodyBytes: 512 * 1024, eventsPerMinute: 120 };

const SEVERITIES = ['critical', 'error', 'warning', 'info'];
const ACTIONS = ['trigger', 'acknowledge', 'resolve'];

/** An answer the fake gives once, before its usual answer (e.g. a 429 with `Retry-After`, a 503). */
export interface FakePagerDutyAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** A request the fake received, and how it answered. */
export interface PagerDutyRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  /** The raw body, as sent. */
  readonly rawBody: string;
  /** The parsed JSON body, `undefined` when it was not JSON. */
  readonly body: any;
  /** The HTTP status the fake answered. */
  readonly status: number;
  /** Whether the event was accepted (a 2xx): only accepted events are processed. */
  readonly accepted: boolean;
}

/** An alert the fake holds, by routing key and dedup key. */
export interface FakePagerDutyAlert {
  readonly routingKey: string;
  readonly dedupKey: string;
  /** The trigger that opened the alert (and paged). */
  readonly trigger: PagerDutyRequest;
  status: 'triggered' | 'acknowledged' | 'resolved';
  /** Every trigger the alert absorbed, the first included. */
  triggers: number;
}

/** Options of {@link FakePagerDuty}. */
export interface FakePagerDutyOptions {
  /**
   * The routing keys of the integrations that exist; another well-formed key is refused with
   * "Invalid routing key".
   * @default - every 32-character key
   */
  readonly routingKeys?: readonly string[];
  /** Events per routing key in a sliding 60 s window before 429. @default 120 */
  readonly eventsPerMinute?: number;
  /** The clock of the rate limit, in epoch ms. @default Date.now */
  readonly now?: () => number;
}

/** The fake PagerDuty Events API v2; see the module documentation for what it follows. */
export class FakePagerDuty {
  /** Every request received, in order, whatever the answer. */
  public readonly requests: PagerDutyRequest[] = [];
  /** The triggers that notified someone: each opened an alert that had none open (after processing). */
  public readonly pages: PagerDutyRequest[] = [];
  /** The accepted change events (after processing): shown on the service, never paged. */
  public readonly changeEvents: PagerDutyRequest[] = [];
  /** Answers given first, one per request, before any validation (never processed). */
  public readonly queue: FakePagerDutyAnswer[] = [];
  /** How long after its 202 an event is processed, in real milliseconds. */
  public processingMs = 5;
  public port = 0;
  private readonly alertsByKey = new Map<string, FakePagerDutyAlert>();
  private readonly received = new Map<string, number[]>();
  private readonly processing = new Set<Promise<void>>();
  private readonly server: http.Server;

  constructor(private readonly options: FakePagerDutyOptions = {}) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.handle(req, Buffer.concat(chunks).toString('utf8'), res));
    });
  }

  /** `http://127.0.0.1:<port>`: the base URL, as `https://events.pagerduty.com` is. */
  public get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The alert of `dedupKey` (under `routingKey`, or any), open or resolved. */
  public alert(dedupKey: string, routingKey?: string): FakePagerDutyAlert | undefined {
    return [...this.alertsByKey.values()].find((a) => a.dedupKey === dedupKey && (routingKey === undefined || a.routingKey === routingKey));
  }

  /** Every alert the fake holds, in the order they were opened. */
  public get alerts(): readonly FakePagerDutyAlert[] {
    return [...this.alertsByKey.values()];
  }

  public async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  /** Waits until every accepted event was processed. */
  public async settled(): Promise<void> {
    while (this.processing.size > 0) {
      await Promise.all([...this.processing]);
    }
  }

  public async stop(): Promise<void> {
    await this.settled();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, rawBody: string, res: http.ServerResponse): void {
    const path = req.url ?? '';
    let body: any;
    try {
      body = rawBody !== '' ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    const answer = this.answer(req.method ?? '', path, rawBody, body);
    const request: PagerDutyRequest = {
      method: req.method ?? '', path, headers: req.headers, rawBody, body, status: answer.status, accepted: answer.status >= 200 && answer.status < 300,
    };
    this.requests.push(request);
    res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body ?? {}));
    if (request.accepted) {
      const done = new Promise<void>((resolve) => setTimeout(resolve, this.processingMs)).then(() => this.process(request, answer.body));
      this.processing.add(done);
      void done.finally(() => this.processing.delete(done));
    }
  }

  /** Decides the answer to a request: queued, 404, 400 invalid event, 429 rate limited or 202. */
  private answer(method: string, path: string, rawBody: string, body: any): FakePagerDutyAnswer {
    const queued = this.queue.shift();
    if (queued) return queued;
    const change = path === '/v2/change/enqueue';
    if (method !== 'POST' || (path !== '/v2/enqueue' && !change)) {
      return { status: 404, body: { status: 'not found', message: `${method} ${path} is not part of the Events API v2` } };
    }
    if (Buffer.byteLength(rawBody) > PAGERDUTY_EVENT_LIMITS.bodyBytes) {
      return { status: 413, body: { status: 'request too large', message: 'Events API payloads are limited to 512 KB' } };
    }
    const errors = body === undefined || typeof body !== 'object' || Array.isArray(body)
      ? ['JSON parse error']
      : [...this.routingKeyErrors(body.routing_key, change), ...(change ? changeErrors(body) : alertErrors(body))];
    if (errors.length > 0) {
      return { status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors } };
    }
    if (this.rateLimited(body.routing_key)) {
      return { status: 429, body: { status: 'rate limited', message: 'Request Limit Exceeded' } };
    }
    if (change) {
      // Nothing to de-duplicate: the answer carries no dedup_key.
      return { status: 202, body: { status: 'success', message: 'Event processed' } };
    }
    const dedup = typeof body.dedup_key === 'string' && body.dedup_key !== '' ? body.dedup_key : randomUUID().replace(/-/g, '');
    return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: dedup } };
  }

  private routingKeyErrors(routingKey: unknown, change: boolean): string[] {
    if (typeof routingKey !== 'string' || routingKey.length !== PAGERDUTY_EVENT_LIMITS.routingKey) {
      return [`Length of 'routing_key' is incorrect (should be ${PAGERDUTY_EVENT_LIMITS.routingKey} characters)`];
    }
    if (this.options.routingKeys !== undefined && !this.options.routingKeys.includes(routingKey)) {
      return ['Invalid routing key'];
    }
    return change && routingKey.startsWith('R') ? ['Change events cannot be sent to a ruleset routing key'] : [];
  }

  /** Counts an event against its routing key's sliding 60 s window; true when over the limit (not ingested). */
  private rateLimited(routingKey: string): boolean {
    const now = (this.options.now ?? Date.now)();
    const recent = (this.received.get(routingKey) ?? []).filter((at) => at > now - 60_000);
    const limited = recent.length >= (this.options.eventsPerMinute ?? PAGERDUTY_EVENT_LIMITS.eventsPerMinute);
    if (!limited) recent.push(now);
    this.received.set(routingKey, recent);
    return limited;
  }

  /** Applies an accepted event, as PagerDuty does after its 202 (see the module documentation). */
  private process(request: PagerDutyRequest, answer: any): void {
    if (request.path === '/v2/change/enqueue') {
      this.changeEvents.push(request);
      return;
    }
    const routingKey: string = request.body.routing_key;
    const dedup: string = answer.dedup_key;
    const key = `${routingKey}\u0000${dedup}`;
    const alert = this.alertsByKey.get(key);
    const open = alert !== undefined && alert.status !== 'resolved';
    switch (request.body.event_action) {
      case 'trigger':
        if (open) {
          alert.triggers++;
        } else {
          // A new alert (the first, or after the last one was resolved) notifies the on-call.
          this.alertsByKey.delete(key);
          this.alertsByKey.set(key, { routingKey, dedupKey: dedup, trigger: request, status: 'triggered', triggers: 1 });
          this.pages.push(request);
        }
        break;
      case 'acknowledge':
        if (open) alert.status = 'acknowledged';
        break;
      default:
        if (open) alert.status = 'resolved';
        break;
    }
  }
}

function isBlank(value: unknown): boolean {
  return typeof value !== 'string' || value.trim() === '';
}

/** What is wrong with an alert event (`/v2/enqueue`). */
function alertErrors(body: any): string[] {
  const errors: string[] = [];
  if (!ACTIONS.includes(body.event_action)) {
    errors.push(`'event_action' must be one of ${ACTIONS.join(', ')}`);
  }
  if (body.dedup_key !== undefined && (typeof body.dedup_key !== 'string' || body.dedup_key.length > PAGERDUTY_EVENT_LIMITS.dedupKey)) {
    errors.push(`'dedup_key' must be a string of at most ${PAGERDUTY_EVENT_LIMITS.dedupKey} characters`);
  }
  if (body.event_action !== 'trigger') {
    if (ACTIONS.includes(body.event_action) && isBlank(body.dedup_key)) errors.push(`'dedup_key' is required for '${body.event_action}'`);
    return errors;
  }
  const payload = body.payload;
  if (typeof payload !== 'object' || payload === null) {
    return [...errors, "'payload' is missing"];
  }
  errors.push(...summaryErrors(payload.summary));
  if (isBlank(payload.source)) errors.push("'payload.source' is missing or blank");
  if (payload.severity === undefined) {
    errors.push("'payload.severity' is missing");
  } else if (!SEVERITIES.includes(payload.severity)) {
    errors.push(`'payload.severity' must be one of ${SEVERITIES.join(', ')}`);
  }
  return errors;
}

/** What is wrong with a change event (`/v2/change/enqueue`). */
function changeErrors(body: any): string[] {
  const payload = body.payload;
  return typeof payload !== 'object' || payload === null ? ["'payload' is missing"] : summaryErrors(payload.summary);
}

function summaryErrors(summary: unknown): string[] {
  if (isBlank(summary)) return ["'payload.summary' is missing or blank"];
  return (summary as string).length > PAGERDUTY_EVENT_LIMITS.summary
    ? [`'payload.summary' is longer than ${PAGERDUTY_EVENT_LIMITS.summary} characters`]
    : [];
}
