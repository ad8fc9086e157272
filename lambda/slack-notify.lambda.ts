/**
 * Posts the notification to a Slack channel with `chat.postMessage`, using a bot token read
 * from Secrets Manager.
 *
 * Parameters (`event.parameters`): `destination` (required: which of the function's configured
 * `{secretArn, baseUrl}` to use, see `readDestination`) and `channel` (required, an ID like
 * C0123456789 or a name like #ops). The token's secret and the API base URL (e.g.
 * https://slack.com/api) are the function's configuration, never the event's.
 *
 * Throws `SlackApiError` when Slack refuses the message for good (`ok: false` with a permanent
 * code such as `channel_not_found`, or a 4xx), and `NotifierUnavailableError` when Slack cannot
 * be reached, rate-limits or fails on its side (HTTP 5xx, 408, 429, or a transient `ok: false`
 * code) beyond the handler's retry budget, so the workflow retries later.
 *
 * @see https://api.slack.com/methods/chat.postMessage
 * @see https://api.slack.com/docs/rate-limits
 */
import { bodySnippet, HttpRequest, HttpResponse, isRetryableStatus } from './shared/http';
import { IncidentMessage, truncate } from './shared/message';
import {
  DeliveryOptions, deadlineFromContext, deliverNotification, LambdaContextLike, NotificationContext, NotifierDefinition, readParameter,
} from './shared/notifier';
import { NotificationKind, NotifyEvent, NotifyResult } from '../src/contract';
import { Fields } from './shared/validate';

const HANDLER = 'slack-notify';

/** Slack's public Web API. */
export const DEFAULT_SLACK_API_BASE_URL = 'https://slack.com/api';

/** Slack error codes (HTTP 200, `ok: false`) that mean "try again". */
const TRANSIENT_SLACK_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** Slack cuts messages longer than 40,000 characters; stay below. */
const MAX_SLACK_TEXT_LENGTH = 39_000;

const EMOJI: Record<NotificationKind, string> = {
  RECOVERED: ':white_check_mark:',
  UNRESPONSIVE: ':rotating_light:',
  ERROR: ':warning:',
  NOT_REBOOTED: ':no_entry:',
  WOULD_REBOOT: ':test_tube:',
  ESCALATION_FAILED: ':sos:',
  RESOLVED: ':large_green_circle:',
};

/** The Slack notifier's parameters (the token's secret and the base URL are the destination's). */
export interface SlackParameters {
  readonly channel: string;
}

/** Slack's answer to `chat.postMessage`. */
interface SlackAnswer {
  readonly ok?: boolean;
  readonly error?: string;
  readonly ts?: string;
  readonly warning?: string;
  readonly response_metadata?: { readonly messages?: string[] };
  readonly needed?: string;
  readonly provided?: string;
}

/**
 * Thrown when Slack refuses the message for good (a permanent `ok: false` code, a 4xx other
 * than 408 and 429, or an answer that is not JSON); the message carries Slack's error code.
 * Retrying cannot help. Transient failures are `NotifierUnavailableError`.
 */
export class SlackApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SlackApiError';
  }
}

/** Reads and validates the parameters; throws InvalidEventError. */
export function readSlackParameters(parameters: Fields): SlackParameters {
  return {
    channel: readParameter(HANDLER, parameters, 'channel'),
  };
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Renders the message as Slack mrkdwn: emoji and bold title, the lines, the execution ARN and
 * a console link. The whole message is in this one text (no blocks needed).
 */
export function renderSlackText(message: IncidentMessage): string {
  const lines = [`${EMOJI[message.kind] ?? ':information_source:'} *${escapeSlackText(message.title)}*`];
  lines.push(...message.lines.map(escapeSlackText));
  if (message.executionId) {
    lines.push(`Execution: \`${escapeSlackText(message.executionId)}\``);
  }
  if (message.executionUrl) {
    lines.push(`<${message.executionUrl}|Open the execution in the Step Functions console>`);
  }
  return truncate(lines.join('\n'), MAX_SLACK_TEXT_LENGTH);
}

/** The JSON body of `chat.postMessage`. */
export function buildSlackPayload(channel: string, message: IncidentMessage): Record<string, unknown> {
  return {
    channel,
    text: renderSlackText(message),
    unfurl_links: false,
    unfurl_media: false,
  };
}

function parseSlackAnswer(response: HttpResponse): SlackAnswer | undefined {
  try {
    const parsed: unknown = JSON.parse(response.body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as SlackAnswer) : undefined;
  } catch {
    return undefined;
  }
}

/** Slack's error code of a transient `ok: false` answer, else `undefined`. */
function transientSlackError(response: HttpResponse): string | undefined {
  const answer = parseSlackAnswer(response);
  return answer?.ok === false && typeof answer.error === 'string' && TRANSIENT_SLACK_ERRORS.has(answer.error) ? answer.error : undefined;
}

/** Whether Slack's answer is transient, worth another attempt: 408, 429, 5xx, or a transient `ok: false` error. */
export function isRetryableSlackResponse(response: HttpResponse): boolean {
  return isRetryableStatus(response) || transientSlackError(response) !== undefined;
}

/**
 * Judges Slack's final, non-transient answer: returns the message timestamp (`ts`) when `ok: true`.
 *
 * @throws SlackApiError for a non-2xx status, a non-JSON body or `ok: false` (with the error code)
 */
export function interpretSlackResponse(response: HttpResponse, channel: string): string | undefined {
  if (response.status < 200 || response.status >= 300) {
    throw new SlackApiError(`Slack chat.postMessage answered HTTP ${response.status} after ${response.attempts} attempt(s): ${bodySnippet(response.body)}`);
  }
  const answer = parseSlackAnswer(response);
  if (!answer) {
    throw new SlackApiError(`Slack chat.postMessage answered HTTP ${response.status} with a body that is not JSON: ${bodySnippet(response.body)}`);
  }
  if (answer.ok !== true) {
    const code = typeof answer.error === 'string' ? answer.error : 'unknown_error';
    const scopes = answer.needed ? ` (needed scope: ${answer.needed}; token has: ${answer.provided ?? 'none'})` : '';
    throw new SlackApiError(`Slack chat.postMessage to channel ${channel} failed: ${code}${scopes}`);
  }
  return typeof answer.ts === 'string' ? answer.ts : undefined;
}

/** The Slack notifier, as plugged into {@link deliverNotification}. */
export const SLACK_NOTIFIER: NotifierDefinition<SlackParameters> = {
  notifier: 'slack',
  handler: HANDLER,
  service: 'Slack chat.postMessage',
  readParameters: readSlackParameters,
  buildRequest: ({ parameters, destination, message, secret }: NotificationContext<SlackParameters>): HttpRequest => ({
    url: `${destination.baseUrl}/chat.postMessage`,
    method: 'POST',
    headers: {
      'Authorization': `Bearer ${secret}`,
      'Content-Type': 'application/json; charset=utf-8',
    },
    body: JSON.stringify(buildSlackPayload(parameters.channel, message)),
  }),
  isTransient: isRetryableSlackResponse,
  describeTransient: transientSlackError,
  interpretResponse: (response, parameters) => interpretSlackResponse(response, parameters.channel),
  describeParameters: (parameters) => ({ channel: parameters.channel }),
};

/** Posts the notification to Slack; `options` set the deadline and tune the retries (for tests). */
export async function notifySlack(event: NotifyEvent, options: DeliveryOptions = {}): Promise<NotifyResult> {
  return deliverNotification(SLACK_NOTIFIER, event, options);
}

/** Lambda entry point: every attempt ends before the function's own timeout. */
export const handler = async (event: NotifyEvent, context?: LambdaContextLike): Promise<NotifyResult> =>
  notifySlack(event, { deadlineMs: deadlineFromContext(context) });
