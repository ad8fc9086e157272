/**
 * The human message for a notification, built from a `NotifyEvent` and shared by every
 * notifier: which instance, in which region, which checks failed and why (before the reboot
 * and in the last re-check), how many re-checks ran, how long recovery took, the alarm, the
 * reboot decision (why the instance was not rebooted, or would have been in a dry run), and
 * for kinds 'ERROR' and 'ESCALATION_FAILED' the error, the state that failed and whether the
 * instance was rebooted (only a reboot that was issued is ever called "the reboot").
 *
 * The event is read defensively: a missing or malformed field is left out of the message,
 * never printed as "undefined" or "null".
 */
import { formatUtc } from './time';
import { NotificationKind, NotifyEvent, REBOOT_VERDICTS, RebootVerdict } from '../../src/contract';
import { DRILL_PREFIX, LEADS, TITLE_TEMPLATES } from '../../src/notification-text';

/** Marks a list item in {@link IncidentMessage.lines}. */
export const BULLET = '• ';

/** Human names of the checks. */
const CHECK_LABELS: Record<string, string> = {
  url: 'URL check',
  route53: 'Route 53 health check',
  ssh: 'SSH check',
};

/** OpsGenie's limit for an alert message, which the title also respects. */
export const MAX_TITLE_LENGTH = 130;
const MAX_REASON_LENGTH = 500;
const MAX_CAUSE_LENGTH = 1_500;

/** A notification's content, independent of how a notifier renders it. */
export interface IncidentMessage {
  readonly kind: NotificationKind;
  /** One sentence of at most {@link MAX_TITLE_LENGTH} characters: what happened to which instance. */
  readonly title: string;
  /** The details, plain text, one line each; list items start with {@link BULLET}. */
  readonly lines: readonly string[];
  /** The Step Functions execution ARN, when known. */
  readonly executionId?: string;
  /** A link to the execution in the AWS console, when it can be built. */
  readonly executionUrl?: string;
  /** The AWS region of the instance, when known (the one the title names). */
  readonly region?: string;
}

/** One check result, read defensively from the event. */
export interface CheckOutcome {
  /** Human name of the check, e.g. "URL check"; "unnamed check" when the result has no name. */
  readonly label: string;
  readonly passed: boolean;
  /** Never empty. */
  readonly reason: string;
  /** `checkedAt` in epoch milliseconds, when readable. */
  readonly checkedAtMs?: number;
}

/** Options of {@link buildIncidentMessage}. */
export interface MessageOptions {
  /** The AWS region of the instance; defaults to `AWS_REGION`, then to the execution ARN's region. */
  readonly region?: string;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function nonBlankString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Cuts `text` to `max` characters, ending with "…" when cut. */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}

/** Collapses all whitespace (including newlines) to single spaces. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The human name of a check: "URL check", "SSH check", ...; "unnamed check" when there is no name. */
export function checkLabel(check: unknown): string {
  const name = nonBlankString(check);
  if (name === undefined) {
    return 'unnamed check';
  }
  return CHECK_LABELS[name] ?? `${name} check`;
}

/** Reads one element of `firstRun`/`lastRun`; an error object (`{ Error, Cause }`) counts as a failure. */
function toOutcome(value: unknown): CheckOutcome {
  const fields = asRecord(value) ?? {};
  const reasonText = nonBlankString(fields.reason);
  const errorText = [nonBlankString(fields.Error), nonBlankString(fields.Cause)].filter((part) => part !== undefined).join(': ');
  const reason = reasonText ?? (errorText !== '' ? `the check itself failed: ${errorText}` : 'no reason given');
  const checkedAtMs = typeof fields.checkedAt === 'string' ? Date.parse(fields.checkedAt) : NaN;
  return {
    label: checkLabel(fields.check),
    passed: fields.passed === true,
    reason: truncate(oneLine(reason), MAX_REASON_LENGTH),
    checkedAtMs: Number.isNaN(checkedAtMs) ? undefined : checkedAtMs,
  };
}

/**
 * Reads a `firstRun`/`lastRun` value: an array of check results (nested arrays, as a Parallel
 * state may produce, are flattened). Anything else reads as "no results".
 */
export function normalizeCheckResults(value: unknown): CheckOutcome[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value.flat(2).filter((item) => item !== undefined && item !== null).map(toOutcome);
}

/** The verdicts of a reboot decision. */
/** A reboot decision as read defensively from an event: only its readable fields. */
export interface DecisionSummary {
  readonly verdict?: RebootVerdict;
  /** Never blank. */
  readonly reason?: string;
  /** Never blank. */
  readonly instanceState?: string;
  /** A non-negative integer. */
  readonly rebootsInWindow?: number;
}

/**
 * Reads `decision` from an event: keeps the fields that are well-formed (a known verdict, in
 * any case; a non-blank reason and instance state; a non-negative integer count). Returns
 * `undefined` when the value is not an object or has neither a known verdict nor a reason,
 * since there is nothing to tell a human then.
 */
export function readRebootDecision(value: unknown): DecisionSummary | undefined {
  const fields = asRecord(value);
  if (fields === undefined) {
    return undefined;
  }
  const verdictText = nonBlankString(fields.verdict)?.toUpperCase();
  const verdict = REBOOT_VERDICTS.find((candidate) => candidate === verdictText);
  const reason = nonBlankString(fields.reason);
  if (verdict === undefined && reason === undefined) {
    return undefined;
  }
  const instanceState = nonBlankString(fields.instanceState);
  const count = fields.rebootsInWindow;
  const rebootsInWindow = typeof count === 'number' && Number.isInteger(count) && count >= 0 ? count : undefined;
  return {
    ...(verdict !== undefined ? { verdict } : {}),
    ...(reason !== undefined ? { reason } : {}),
    ...(instanceState !== undefined ? { instanceState } : {}),
    ...(rebootsInWindow !== undefined ? { rebootsInWindow } : {}),
  };
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** The lines of one run; `head` turns the summary ("2 of 3 checks failed:") into the first line. */
function runLines(outcomes: readonly CheckOutcome[], still: boolean, head: (summary: string) => string): string[] {
  if (outcomes.length === 0) {
    return [head('no check results were recorded.')];
  }
  const failed = outcomes.filter((outcome) => !outcome.passed);
  const passed = outcomes.filter((outcome) => outcome.passed);
  if (failed.length === 0) {
    const which = outcomes.map((outcome) => outcome.label).join(', ');
    return [head(outcomes.length === 1 ? `the only check passed: ${which}.` : `all ${outcomes.length} checks passed: ${which}.`)];
  }
  const verb = still ? 'still failed' : 'failed';
  const lines = [head(`${failed.length} of ${plural(outcomes.length, 'check')} ${verb}:`)];
  lines.push(...failed.map((outcome) => `${BULLET}${outcome.label}: ${outcome.reason}`));
  if (passed.length > 0) {
    lines.push(`Passed: ${passed.map((outcome) => outcome.label).join(', ')}.`);
  }
  return lines;
}

/**
 * Describes one run of the checks: an intro sentence, then one bullet per failed check with
 * its reason, then the checks that passed.
 *
 * @param intro how the sentence starts, e.g. "Before the reboot"
 * @param still whether to say "still failed" (for the last re-check of an unresponsive instance)
 */
export function describeRun(intro: string, outcomes: readonly CheckOutcome[], still = false): string[] {
  return runLines(outcomes, still, (summary) => `${intro}, ${summary}`);
}

/**
 * Describes a run that is neither before nor after a reboot (kinds 'NOT_REBOOTED' and
 * 'WOULD_REBOOT'): "Checks: 2 of 3 checks failed:", the failed checks, then the passed ones.
 */
export function describeChecks(outcomes: readonly CheckOutcome[]): string[] {
  return runLines(outcomes, false, (summary) => `Checks: ${summary}`);
}

/** How the last re-check is introduced, with the re-check count when known. */
export function lastRunIntro(recheckCount: unknown): string {
  if (typeof recheckCount === 'number' && Number.isInteger(recheckCount) && recheckCount > 0) {
    return recheckCount === 1
      ? 'In the only re-check after the reboot'
      : `In the last of ${recheckCount} re-checks after the reboot`;
  }
  return 'In the last re-check after the reboot';
}

/**
 * Formats a duration for humans: "under 1 s", "45 s", "3 min 12 s", "2 h 5 min", "1 d 3 h".
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 1000) {
    return 'under 1 s';
  }
  const totalSeconds = Math.floor(ms / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  const seconds = totalSeconds % 60;
  const pair = (big: number, bigUnit: string, small: number, smallUnit: string) =>
    (small > 0 ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`);
  if (days > 0) {
    return pair(days, 'd', hours, 'h');
  }
  if (hours > 0) {
    return pair(hours, 'h', minutes, 'min');
  }
  if (minutes > 0) {
    return pair(minutes, 'min', seconds, 's');
  }
  return `${seconds} s`;
}

/**
 * Milliseconds from `incidentStartedAt` to the latest `checkedAt` of the last run; `undefined`
 * when either is missing or unreadable, or the order is impossible.
 */
export function incidentDurationMs(incidentStartedAt: unknown, lastRun: readonly CheckOutcome[]): number | undefined {
  const start = typeof incidentStartedAt === 'string' ? Date.parse(incidentStartedAt) : NaN;
  const ends = lastRun.map((outcome) => outcome.checkedAtMs).filter((ms): ms is number => ms !== undefined);
  if (Number.isNaN(start) || ends.length === 0) {
    return undefined;
  }
  const duration = Math.max(...ends) - start;
  return duration >= 0 ? duration : undefined;
}

/** The alarm name and state reason of a CloudWatch alarm state-change event, when present. */
export function describeAlarm(alarmEvent: unknown): string[] {
  const detail = asRecord(asRecord(alarmEvent)?.detail);
  const name = nonBlankString(detail?.alarmName);
  const stateReason = nonBlankString(asRecord(detail?.state)?.reason);
  const lines: string[] = [];
  if (name !== undefined) {
    lines.push(`Alarm: ${truncate(oneLine(name), 255)}`);
  }
  if (stateReason !== undefined) {
    lines.push(`Alarm reason: ${truncate(oneLine(stateReason), 400)}`);
  }
  return lines;
}

/**
 * Describes a Step Functions `{ Error, Cause }`. A Lambda error's Cause is JSON
 * (`{"errorType":...,"errorMessage":...}`); its type and message are shown instead of the JSON.
 */
export function describeWorkflowError(error: unknown): string[] {
  const fields = asRecord(error);
  const name = nonBlankString(fields?.Error);
  let cause = nonBlankString(fields?.Cause);
  if (cause !== undefined && cause.startsWith('{')) {
    try {
      const parsed = asRecord(JSON.parse(cause));
      const message = nonBlankString(parsed?.errorMessage);
      if (message !== undefined) {
        const type = nonBlankString(parsed?.errorType);
        cause = type !== undefined ? `${type}: ${message}` : message;
      }
    } catch {
      // not JSON after all: show it as it is
    }
  }
  if (name === undefined && cause === undefined) {
    return ['The workflow did not report which error it hit.'];
  }
  const lines = [`Error: ${name ?? 'unnamed error'}`];
  if (cause !== undefined) {
    lines.push(`Cause: ${truncate(oneLine(cause), MAX_CAUSE_LENGTH)}`);
  }
  return lines;
}

/** Parses a Step Functions execution ARN: `arn:<partition>:states:<region>:<account>:execution:...`. */
function parseExecutionArn(arn: string): { partition: string; region: string } | undefined {
  const match = /^arn:([a-z-]+):states:([a-z0-9-]+):\d{12}:execution:/.exec(arn);
  return match ? { partition: match[1], region: match[2] } : undefined;
}

/** The AWS console link of an execution (commercial partition only), or `undefined`. */
export function executionConsoleUrl(executionArn: string): string | undefined {
  const parsed = parseExecutionArn(executionArn);
  if (!parsed || parsed.partition !== 'aws') {
    return undefined;
  }
  const { region } = parsed;
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** What a decision without a reason says, from its verdict. */
function verdictSentence(decision: DecisionSummary): string {
  const state = decision.instanceState !== undefined ? ` (state: ${truncate(oneLine(decision.instanceState), 60)})` : '';
  switch (decision.verdict) {
    case 'NOT_RUNNING':
      return `the instance is not running${state}; not rebooted`;
    case 'BUDGET_EXHAUSTED': {
      const count = decision.rebootsInWindow !== undefined ? ` (${plural(decision.rebootsInWindow, 'reboot')} in the window)` : '';
      return `the reboot budget is spent${count}; not rebooted`;
    }
    case 'DRY_RUN':
      return 'dry run: the instance would have been rebooted';
    case 'NO_ADDRESS':
      return 'the checks found no address to reach the instance; not rebooted';
    default:
      return 'the workflow decided to reboot the instance';
  }
}

/**
 * The reboot decision as a line: "Reboot decision: <reason>". Without a readable decision,
 * a 'NOT_REBOOTED' message says that the reason was not recorded; other kinds say nothing.
 */
export function describeDecision(kind: NotificationKind, value: unknown): string[] {
  const decision = readRebootDecision(value);
  if (decision === undefined) {
    return kind === 'NOT_REBOOTED' ? ['The workflow did not record why the instance was not rebooted.'] : [];
  }
  const reason = decision.reason !== undefined ? truncate(oneLine(decision.reason), MAX_REASON_LENGTH) : verdictSentence(decision);
  return [`Reboot decision: ${reason}`];
}

/** The title of a notification (at most {@link MAX_TITLE_LENGTH} characters). */
export function buildTitle(kind: NotificationKind, instanceId: string, region: string | undefined): string {
  const instance = `EC2 instance ${truncate(instanceId, 60)}${region ? ` (${region})` : ''}`;
  return truncate((TITLE_TEMPLATES[kind] ?? TITLE_TEMPLATES.ERROR).replace('{instance}', instance), MAX_TITLE_LENGTH);
}

/** An ISO timestamp as "2024-05-01 10:00:00 UTC"; the input as given when unreadable. */
export function formatTimestamp(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : formatUtc(ms);
}

/** When the incident started, when known. */
function describeStart(incidentStartedAt: unknown): string[] {
  const startedMs = typeof incidentStartedAt === 'string' ? Date.parse(incidentStartedAt) : NaN;
  return Number.isNaN(startedMs) ? [] : [`Incident started ${formatTimestamp(incidentStartedAt as string)}.`];
}

/** How long recovery took, or how long the instance has been failing; only for RECOVERED and UNRESPONSIVE. */
function describeDuration(kind: NotificationKind, event: NotifyEvent, lastRun: readonly CheckOutcome[]): string[] {
  const duration = incidentDurationMs(event.incidentStartedAt, lastRun);
  if (duration === undefined || (kind !== 'RECOVERED' && kind !== 'UNRESPONSIVE')) {
    return [];
  }
  const started = formatTimestamp(String(event.incidentStartedAt));
  return kind === 'RECOVERED'
    ? [`Recovery took ${formatDuration(duration)} (incident started ${started}).`]
    : [`Still failing ${formatDuration(duration)} after the incident started (${started}).`];
}

/** What each kind of notification says, for the kind an ESCALATION_FAILED could not deliver. */
const KIND_MEANINGS: Record<NotificationKind, string> = {
  RECOVERED: 'the instance recovered after a reboot',
  UNRESPONSIVE: 'the instance is still unresponsive after a reboot',
  ERROR: 'the workflow stopped with an error',
  NOT_REBOOTED: 'the instance failed its checks and was not rebooted',
  WOULD_REBOOT: 'dry run: the instance would have been rebooted',
  ESCALATION_FAILED: 'an earlier alert could not be delivered',
  RESOLVED: 'the escalated incident is over',
};

/** The line naming the notification an ESCALATION_FAILED could not deliver. */
export function describeUndelivered(undeliveredKind: unknown): string {
  const kind = typeof undeliveredKind === 'string' && undeliveredKind in KIND_MEANINGS ? undeliveredKind as NotificationKind : undefined;
  return kind !== undefined
    ? `Undelivered alert: ${kind} (${KIND_MEANINGS[kind]}).`
    : 'Undelivered alert: the workflow did not record which alert was lost.';
}

/**
 * What an ERROR or ESCALATION_FAILED says about the reboot: whether it was issued, and when the
 * ledger counts a reboot that was never issued, that the budget is off by one.
 */
export function describeRebootStatus(rebootIssued: unknown, rebootRecorded: unknown): string {
  if (rebootIssued === true) {
    return 'Reboot: the instance was rebooted in this execution.';
  }
  if (rebootRecorded === true) {
    return 'Reboot: NOT issued, but recorded in the reboot-ledger tag: the reboot budget counts a reboot that did not happen.';
  }
  if (rebootIssued === false) {
    return 'Reboot: the instance was not rebooted in this execution.';
  }
  return 'Reboot: the workflow did not record whether the instance was rebooted; check the execution.';
}

/** The opening sentence under the title: what happened and what the reader should do. */
function lead(kind: NotificationKind): string {
  return LEADS[kind] ?? LEADS.ERROR;
}

/** What a RESOLVED notification says about why and when the incident ended. */
export function describeResolution(resolution: unknown, resolvedAt: unknown): string[] {
  const when = typeof resolvedAt === 'string' && !Number.isNaN(Date.parse(resolvedAt)) ? ` at ${formatTimestamp(resolvedAt)}` : '';
  switch (resolution) {
    case 'CHECKS_PASSED':
      return [`Resolution: the instance passed every check again${when}.`];
    case 'ALARM_OK':
      return [`Resolution: the instance passed every check again and its alarm is back to OK${when}.`];
    default:
      return [`Resolution: the workflow did not record why${when}.`];
  }
}

/**
 * Builds the message for a notification event, for every kind. Missing or malformed fields
 * are left out; nothing reads "undefined" or "null".
 */
export function buildIncidentMessage(event: NotifyEvent, options: MessageOptions = {}): IncidentMessage {
  const kind = event.kind;
  const instanceId = nonBlankString(event.instanceId) ?? 'unknown instance';
  const executionId = nonBlankString(event.executionId);
  const region = nonBlankString(options.region) ?? nonBlankString(process.env.AWS_REGION)
    ?? (executionId ? parseExecutionArn(executionId)?.region : undefined);
  const firstRun = normalizeCheckResults(event.firstRun);
  const lastRun = normalizeCheckResults(event.lastRun);

  const lines: string[] = [lead(kind)];
  if (kind === 'RESOLVED') {
    lines.push(...describeResolution(event.resolution, event.resolvedAt));
    lines.push(...describeChecks(lastRun));
    lines.push(...describeStart(event.incidentStartedAt));
  } else if (kind === 'NOT_REBOOTED' || kind === 'WOULD_REBOOT') {
    // No reboot happened: no "before the reboot", no re-checks, no recovery time.
    lines.push(...describeDecision(kind, event.decision), ...describeAlarm(event.alarmEvent), ...describeChecks(firstRun));
    lines.push(...describeStart(event.incidentStartedAt));
  } else if (kind === 'ERROR' || kind === 'ESCALATION_FAILED') {
    // Only a reboot that was issued is "the reboot"; the failed state and the reboot status say
    // how far the workflow got.
    if (kind === 'ESCALATION_FAILED') {
      lines.push(describeUndelivered(event.undeliveredKind));
    }
    const failedState = nonBlankString(event.failedState);
    if (failedState !== undefined) {
      lines.push(`Failed state: ${truncate(oneLine(failedState), 80)}`);
    }
    lines.push(...describeWorkflowError(event.error));
    lines.push(describeRebootStatus(event.rebootIssued, event.rebootRecorded));
    lines.push(...describeAlarm(event.alarmEvent));
    if (event.rebootIssued === true) {
      if (firstRun.length > 0) {
        lines.push(...describeRun('Before the reboot', firstRun));
      }
      if (lastRun.length > 0) {
        lines.push(...describeRun(lastRunIntro(event.recheckCount), lastRun, true));
      }
    } else if (firstRun.length > 0) {
      lines.push(...describeChecks(firstRun));
    }
    lines.push(...describeDecision(kind, event.decision));
    lines.push(...describeStart(event.incidentStartedAt));
  } else {
    lines.push(...describeAlarm(event.alarmEvent));
    lines.push(...describeRun('Before the reboot', firstRun));
    lines.push(...describeDecision(kind, event.decision));
    if (lastRun.length > 0) {
      lines.push(...describeRun(lastRunIntro(event.recheckCount), lastRun, kind === 'UNRESPONSIVE'));
    } else if (typeof event.recheckCount === 'number' && event.recheckCount > 0) {
      lines.push(`${plural(event.recheckCount, 're-check')} ran after the reboot; their results were not recorded.`);
    }
    lines.push(...describeDuration(kind, event, lastRun));
  }

  // A drill says so first, so nobody takes it for a real incident (a live drill is one, started by hand).
  const drill = event.drill === true;
  return {
    kind,
    title: drill ? truncate(`${DRILL_PREFIX}${buildTitle(kind, instanceId, region)}`, MAX_TITLE_LENGTH) : buildTitle(kind, instanceId, region),
    lines: drill ? ['Fire drill: this execution was started by hand with `cpu-first-line-support drill`, not by the alarm.', ...lines] : lines,
    executionId,
    executionUrl: executionId ? executionConsoleUrl(executionId) : undefined,
    region,
  };
}

/** The names of the checks that failed in a run, e.g. "URL check, SSH check"; `undefined` when none failed. */
export function failedCheckNames(results: unknown): string | undefined {
  const failed = normalizeCheckResults(results).filter((outcome) => !outcome.passed);
  return failed.length > 0 ? failed.map((outcome) => outcome.label).join(', ') : undefined;
}

/** Renders a message as plain text: the title, the lines, then the execution and its link. */
export function renderPlainText(message: IncidentMessage): string {
  const lines = [message.title, ...message.lines];
  if (message.executionId) {
    lines.push(`Execution: ${message.executionId}`);
  }
  if (message.executionUrl) {
    lines.push(`Console: ${message.executionUrl}`);
  }
  return lines.join('\n');
}
