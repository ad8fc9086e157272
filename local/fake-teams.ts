/**
 * A Microsoft Teams "Workflows" webhook on loopback: a Power Automate workflow with the trigger
 * "When a Teams webhook request is received" and a "Post card in a chat or channel" action,
 * recording what it receives and as strict as the real one where it matters to the notifier.
 * Built from these documents:
 *
 * - The URL is the credential: `.../workflows/<id>/triggers/manual/paths/invoke?api-version=1&sp=...&sv=1.0&sig=<signature>`;
 *   a request without the workflow's signature is refused. The status of that refusal is not
 *   documented (Logic Apps answers 401 in practice); this fake answers 401 for a missing or
 *   wrong `sig` and 404 for a workflow it does not know, which the notifier treats alike.
 *   https://learn.microsoft.com/en-us/azure/connectors/connectors-native-reqres (the Request
 *   trigger's callback URL and its shared access signature)
 * - The body is a message with an Adaptive Card attachment:
 *   `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null,"content":{"type":"AdaptiveCard",...}}]}`;
 *   Workflows take Adaptive Cards only. A body that is not such a message is refused with 400.
 *   https://learn.microsoft.com/en-us/connectors/teams/?tabs=text1#microsoft-teams-webhook,
 *   https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
 * - The trigger answers 202 Accepted with an empty body as soon as it has the request (a
 *   workflow without a Response action), with the run's ID in `x-ms-workflow-run-id`; the card
 *   is posted by the workflow afterwards. A 202 therefore does not prove a post: a card over
 *   the message size limit (about 28 KB) is accepted, then its post fails ("Request Entity too
 *   large"), and nobody sees it (`failedPosts`).
 *   https://learn.microsoft.com/en-us/azure/connectors/connectors-native-reqres,
 *   https://learn.microsoft.com/en-us/connectors/teams/ (known issues: message size limit)
 * - Too many requests are throttled with 429 and `Retry-After` (queue one in `queue`).
 *   https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
 *   (rate limiting, HTTP 429 responses)
 */
import { randomBytes, randomUUID } from 'crypto';
import * as http from 'http';
import * as net from 'net';

/** The content type of an Adaptive Card attachment. */
const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/** The message size limit of a Teams post, in bytes. */
export const TEAMS_MESSAGE_LIMIT_BYTES = 28 * 1024;

/** An answer the fake gives once, before judging the request, e.g. a 429 with `Retry-After`. */
export interface FakeTeamsAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** A request the fake received. */
export interface FakeTeamsRequest {
  readonly method: string;
  /** The path and query, as sent (the signature included). */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The status the fake answered. */
  readonly status: number;
}

/** A card the workflow posted to the channel. */
export interface FakeTeamsPost {
  /** The workflow run that posted it (the 202's `x-ms-workflow-run-id`). */
  readonly runId: string;
  /** The Adaptive Card (`attachments[0].content`). */
  readonly card: any;
}

/**
 * The text a person reads in one block of a card: a `TextBlock`'s text, or the inlines of a
 * `RichTextBlock` joined (`TextRun`s, or plain strings, as Adaptive Cards schema 1.4 allows).
 */
export function blockText(block: any): string {
  return block.type === 'RichTextBlock'
    ? (block.inlines ?? []).map((inline: any) => (typeof inline === 'string' ? inline : inline.text ?? '')).join('')
    : block.text ?? '';
}

/** The text a person reads on a posted card, a line per block. */
export function cardText(card: any): string {
  const blocks: any[] = Array.isArray(card?.body) ? card.body : [];
  return blocks.map(blockText).join('\n');
}

/** Why a request body is not a message with one Adaptive Card, or `undefined` when it is. */
export function envelopeProblem(body: string): string | undefined {
  let message: any;
  try {
    message = JSON.parse(body);
  } catch {
    return 'the request body is not JSON';
  }
  if (typeof message !== 'object' || message === null || message.type !== 'message') {
    return 'the body must be a message: "type": "message"';
  }
  if (!Array.isArray(message.attachments) || message.attachments.length !== 1) {
    return '"attachments" must hold one attachment';
  }
  const [attachment] = message.attachments;
  if (attachment?.contentType !== ADAPTIVE_CARD) {
    return `the attachment's "contentType" must be "${ADAPTIVE_CARD}"`;
  }
  if (attachment.content?.type !== 'AdaptiveCard' || !Array.isArray(attachment.content.body)) {
    return 'the attachment\'s "content" must be an Adaptive Card ("type": "AdaptiveCard" with a "body")';
  }
  return undefined;
}

/** A Teams Workflows webhook on 127.0.0.1; see the file's comment for what it follows. */
export class FakeTeamsWorkflow {
  /** Every request, answered or refused, in order. */
  public readonly requests: FakeTeamsRequest[] = [];
  /** The cards posted to the channel. */
  public readonly posts: FakeTeamsPost[] = [];
  /** The cards accepted (202) whose post then failed: too large for a Teams message. */
  public readonly failedPosts: FakeTeamsPost[] = [];
  /** Answers given first, one per request, whatever the request (e.g. a 429 or a 503). */
  public queue: FakeTeamsAnswer[] = [];
  public port = 0;
  /** The workflow's signature; `regenerateSignature()` revokes the current URL. */
  public signature = randomBytes(32).toString('base64url');
  public readonly workflowId = randomUUID().replace(/-/g, '');
  private readonly server: http.Server;

  constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.answer(req, Buffer.concat(chunks).toString('utf8'), res));
    });
  }

  /** The workflow's HTTP POST URL: the secret a notifier needs. */
  public get webhookUrl(): string {
    return `http://127.0.0.1:${this.port}${this.path}?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${this.signature}`;
  }

  /** Regenerates the signature, as an owner who resets the URL does: the old URL is refused from now on. */
  public regenerateSignature(): void {
    this.signature = randomBytes(32).toString('base64url');
  }

  public async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  public async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private get path(): string {
    return `/powerautomate/automations/direct/workflows/${this.workflowId}/triggers/manual/paths/invoke`;
  }

  private answer(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const record = (status: number) => this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, status });
    const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      record(status);
      res.writeHead(status, payload === undefined ? headers : { 'Content-Type': 'application/json; charset=utf-8', ...headers });
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    const queued = this.queue.shift();
    if (queued) {
      send(queued.status, queued.body, queued.headers);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== this.path) {
      send(404, { error: { code: 'WorkflowNotFound', message: 'The workflow could not be found.' } });
    } else if (url.searchParams.get('sig') !== this.signature) {
      send(401, { error: { code: 'DirectApiInvalidAuthorizationSignature', message: 'The provided authorization signature is not valid.' } });
    } else if (req.method !== 'POST') {
      send(405, { error: { code: 'MethodNotAllowed', message: `The HTTP method '${req.method}' is not allowed.` } });
    } else {
      const problem = envelopeProblem(body);
      if (problem !== undefined) {
        send(400, { error: { code: 'InvalidRequestContent', message: problem } });
        return;
      }
      const runId = `08584${randomBytes(10).toString('hex').toUpperCase()}`;
      const post = { runId, card: JSON.parse(body).attachments[0].content };
      (Buffer.byteLength(body, 'utf8') > TEAMS_MESSAGE_LIMIT_BYTES ? this.failedPosts : this.posts).push(post);
      send(202, undefined, { 'x-ms-workflow-run-id': runId });
    }
  }
}
