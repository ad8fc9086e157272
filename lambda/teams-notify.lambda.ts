/**
 * Posts the notification to a Microsoft Teams channel or chat through a Teams "Workflows"
 * webhook: a Power Automate workflow whose trigger is "When a Teams webhook request is
 * received" (the replacement of the retired Office 365 connectors), with an Adaptive Card.
 *
 * The credential is the webhook URL itself: it carries its signature (`sig=`), so whoever has
 * it can post. The URL is the value of the destination's Secrets Manager secret (the
 * destination is `{"secretArn": ...}` only, see `NotifierDefinition.endpointInSecret`), read at
 * run time, checked to be `https://` before anything is sent, and redacted everywhere: logs
 * show its host only.
 *
 * Parameters (`event.parameters`): `destination` (required). Nothing else: the channel is the
 * workflow's choice.
 *
 * The trigger answers 202 Accepted (empty body) once it has the request: the workflow posts the
 * card afterwards, so the answer is the workflow run's ID (`x-ms-workflow-run-id`), when given.
 * Throws `TeamsApiError` when the webhook refuses the request for good (400 for a payload it
 * cannot take, 401/403/404 for a URL that was revoked, regenerated or deleted, any other 4xx),
 * and `NotifierUnavailableError` when it cannot be reached, rate-limits (429) or fails on its
 * side (5xx, 408) beyond the handler's retry budget, so the workflow retries later.
 *
 * @see https://learn.microsoft.com/en-us/connectors/teams/?tabs=text1#microsoft-teams-webhook
 * @see https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
 * @see https://learn.microsoft.com/en-us/azure/connectors/connectors-native-reqres
 */
import { bodySnippet, HttpRequest, HttpResponse, isRetryableStatus } from './shared/http';
import { IncidentMessage, truncate } from './shared/message';
import {
  DeliveryOptions, deadlineFromContext, deliverNotification, LambdaContextLike, NotificationContext, NotifierDefinition,
} from './shared/notifier';
import { NotificationKind, NotifyEvent, NotifyResult } from '../src/contract';

const HANDLER = 'teams-notify';

/** The content type of an Adaptive Card attachment. */
export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/**
 * The most bytes of JSON the handler posts. A Teams message is limited to about 28 KB ("Request
 * Entity too large" beyond), and the workflow wraps the card in its own message: stay well below.
 *
 * @see https://learn.microsoft.com/en-us/connectors/teams/ (known issues: message size limit)
 * @see https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
 */
export const MAX_TEAMS_PAYLOAD_BYTES = 24_000;

/** The longest line of text in the card; longer lines are cut. */
const MAX_LINE_LENGTH = 2_000;

/** The Adaptive Card colour of the title, by kind. */
const TITLE_COLORS: Record<NotificationKind, 'attention' | 'good' | 'warning'> = {
  RECOVERED: 'good',
  RESOLVED: 'good',
  UNRESPONSIVE: 'attention',
  ERROR: 'attention',
  NOT_REBOOTED: 'attention',
  ESCALATION_FAILED: 'attention',
  WOULD_REBOOT: 'warning',
};

/** The Teams notifier has no parameters beyond `destination`. */
export type TeamsParameters = Record<string, never>;

/**
 * Thrown when the Teams webhook refuses the request for good: a 4xx other than 408 and 429 (a
 * payload the workflow cannot take, or a URL that was revoked, regenerated or deleted), a
 * redirect, or another answer that is not 2xx. Retrying cannot help. Transient failures are
 * `NotifierUnavailableError`.
 */
export class TeamsApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TeamsApiError';
  }
}

/** What the card shows besides the message (whose title and region say the rest, a drill's included). */
export interface CardContext {
  readonly instanceId: string;
  /** A fire drill: a fact says so. */
  readonly drill?: boolean;
}

/** The facts under the message: only those that are known. */
function cardFacts(message: IncidentMessage, context: CardContext): Array<{ title: string; value: string }> {
  const facts = [
    { title: 'Instance', value: truncate(context.instanceId, 100) },
    { title: 'Kind', value: message.kind },
    ...(message.region ? [{ title: 'Region', value: message.region }] : []),
    ...(message.executionId ? [{ title: 'Execution', value: truncate(message.executionId, 400) }] : []),
    ...(context.drill === true ? [{ title: 'Drill', value: 'yes: started as a fire drill' }] : []),
  ];
  return facts;
}

/**
 * A block that shows `text` as it is. Teams reads a `TextBlock`'s text as markdown, so an alarm
 * reason, a URL or a name with `_`, `*` or `[…](…)` in it would turn italic, bold or into a link;
 * the `TextRun`s of a `RichTextBlock` are never read as markdown.
 *
 * @see https://learn.microsoft.com/en-us/adaptive-cards/authoring-cards/text-features
 */
function literalText(text: string, style: Record<string, string> = {}): Record<string, unknown> {
  return { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text, ...style }] };
}

/** The Adaptive Card (version 1.4) for a message, with the given lines. */
function adaptiveCard(message: IncidentMessage, context: CardContext, lines: readonly string[]): Record<string, unknown> {
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    msteams: { width: 'Full' },
    body: [
      literalText(message.title, { weight: 'Bolder', size: 'Medium', color: TITLE_COLORS[message.kind] ?? 'attention' }),
      ...lines.map((line) => ({ ...literalText(line), spacing: 'Small' })),
      { type: 'FactSet', facts: cardFacts(message, context) },
    ],
    ...(message.executionUrl
      ? { actions: [{ type: 'Action.OpenUrl', title: 'Open the execution in the Step Functions console', url: message.executionUrl }] }
      : {}),
  };
}

/** The message envelope the Workflows webhook takes: one Adaptive Card attachment. */
function envelope(card: Record<string, unknown>): Record<string, unknown> {
  return { type: 'message', attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: card }] };
}

/**
 * The JSON body for the Workflows webhook: `{"type":"message","attachments":[<Adaptive Card>]}`,
 * at most {@link MAX_TEAMS_PAYLOAD_BYTES} bytes. Each line is cut at 2,000 characters; when the
 * card is still too large, the last lines are left out and a final line says how many.
 *
 * @see https://learn.microsoft.com/en-us/connectors/teams/?tabs=text1#microsoft-teams-webhook
 */
export function buildTeamsPayload(message: IncidentMessage, context: CardContext, maxBytes: number = MAX_TEAMS_PAYLOAD_BYTES): string {
  const lines = message.lines.map((line) => truncate(line, MAX_LINE_LENGTH));
  for (let kept = lines.length; kept >= 0; kept--) {
    const cut = lines.length - kept;
    const shown = cut > 0 ? [...lines.slice(0, kept), `… ${cut} more line(s) left out to fit the Teams size limit: open the execution for everything.`] : lines;
    const body = JSON.stringify(envelope(adaptiveCard(message, context, shown)));
    if (Buffer.byteLength(body, 'utf8') <= maxBytes) {
      return body;
    }
  }
  // Title, facts and link alone are far below the limit; this only guards a misuse of maxBytes.
  throw new TeamsApiError(`the Teams card does not fit in ${maxBytes} bytes even without its details`);
}

/** What a refusal means, by status. */
function refusalHint(status: number): string {
  switch (status) {
    case 400:
      return 'the workflow refused the payload';
    case 401:
    case 403:
      return 'the webhook URL\'s signature is refused: the URL was regenerated or the workflow no longer lets anyone trigger it; '
        + 'store its current HTTP POST URL in the secret';
    case 404:
      return 'no workflow at the webhook URL: it was deleted, turned off or the URL is wrong; store its current HTTP POST URL in the secret';
    case 413:
      return 'the card is too large for Teams';
    default:
      return 'the webhook refused the request';
  }
}

/**
 * Judges the webhook's final, non-transient answer: returns the workflow run's ID
 * (`x-ms-workflow-run-id`) for a 2xx, when given.
 *
 * @throws TeamsApiError for any other status, saying what it means
 */
export function interpretTeamsResponse(response: HttpResponse): string | undefined {
  if (response.status >= 200 && response.status < 300) {
    const runId = response.headers.get('x-ms-workflow-run-id')?.trim();
    return runId ? runId : undefined;
  }
  throw new TeamsApiError(`Teams workflow webhook answered HTTP ${response.status} after ${response.attempts} attempt(s): ${refusalHint(response.status)}: `
    + `${bodySnippet(response.body)}`);
}

/** The Teams notifier, as plugged into {@link deliverNotification}. */
export const TEAMS_NOTIFIER: NotifierDefinition<TeamsParameters> = {
  notifier: 'teams',
  handler: HANDLER,
  service: 'Teams workflow webhook',
  endpointInSecret: true,
  readParameters: () => ({}),
  buildRequest: ({ event, message, secret }: NotificationContext<TeamsParameters>): HttpRequest => ({
    // The secret is the URL; deliverNotification has checked it.
    url: secret,
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: buildTeamsPayload(message, {
      instanceId: event.instanceId,
      drill: event.drill === true,
    }),
  }),
  isTransient: isRetryableStatus,
  interpretResponse: (response) => interpretTeamsResponse(response),
};

/** Posts the notification to Teams; `options` set the deadline and tune the retries (for tests). */
export async function notifyTeams(event: NotifyEvent, options: DeliveryOptions = {}): Promise<NotifyResult> {
  return deliverNotification(TEAMS_NOTIFIER, event, options);
}

/** Lambda entry point: every attempt ends before the function's own timeout. */
export const handler = async (event: NotifyEvent, context?: LambdaContextLike): Promise<NotifyResult> =>
  notifyTeams(event, { deadlineMs: deadlineFromContext(context) });
