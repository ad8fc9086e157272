import { Annotations, Duration, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { MAX_REBOOTS_PER_WINDOW } from './contract';
import { MAX_CHECK_TIMEOUT } from './handlers';
import { CpuAlarmOptions, HandlerOptions, InstanceAddress, UrlCheckProtocol } from './options';
import type { CpuFirstLineSupportProps } from './props';
import {
  MAX_HISTORY_EVENTS,
  MAX_RECHECKS,
  MAX_WATCH_CYCLES,
  maxRechecks,
  rebootBudget,
  recheckPolicy,
  watchPolicy,
  worstCaseHistoryEvents,
} from './settings';

/**
 * Synth-time validation: of the construct's props (`validateProps`), and the helpers each
 * notifier uses too. Each throws an Error whose message names the prop in backticks, the value
 * received and what is allowed; a choice that works but may surprise is a synth warning.
 * Unresolved tokens are skipped: their value is only known at deploy time.
 */

const INSTANCE_ID = /^i-([0-9a-f]{8}|[0-9a-f]{17})$/;
const HEALTH_CHECK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HTTP_CODES = /^([1-5]\d\d(-[1-5]\d\d)?)(,[1-5]\d\d(-[1-5]\d\d)?)*$/;
const HTTP_METHODS = /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/;
const STATISTIC = /^(Maximum|Minimum|Average|Sum|SampleCount|p(\d{1,2}(\.\d+)?|100))$/;
const STATE_MACHINE_NAME = /^[0-9A-Za-z_-]{1,80}$/;

/** An http:// or https:// URL with a host and an optional path, without spaces. */
export const HTTP_URL = /^https?:\/\/[^\s/]+(\/[^\s]*)?$/;

/** Removes the trailing slashes of a base URL, so that paths can be appended with one. */
export function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Formats a value for an error message. */
function show(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : String(value);
}

/** Throws unless `value` matches `pattern`. */
export function validatePattern(prop: string, value: string | undefined, pattern: RegExp, allowed: string): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!pattern.test(value)) {
    throw new Error(`\`${prop}\` must be ${allowed}, got ${show(value)}`);
  }
}

/** Throws unless `value` is a non-empty string (after trimming). */
export function validateNotEmpty(prop: string, value: string | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (value.trim().length === 0) {
    throw new Error(`\`${prop}\` must not be empty, got ${show(value)}`);
  }
}

/** Throws unless `value` is an integer within [min, max]. */
export function validateInteger(prop: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`\`${prop}\` must be a whole number from ${min} to ${max}, got ${show(value)}`);
  }
}

/** Throws unless `value` is a finite number within [min, max]. */
export function validateNumber(prop: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`\`${prop}\` must be a number from ${min} to ${max}, got ${show(value)}`);
  }
}

/** Throws unless the duration `value` lies within [min, max]. */
export function validateDuration(
  prop: string,
  value: Duration | undefined,
  min: Duration,
  max: Duration,
): void {
  if (value === undefined || value.isUnresolved()) {
    return;
  }
  const ms = value.toMilliseconds();
  if (ms < min.toMilliseconds() || ms > max.toMilliseconds()) {
    throw new Error(
      `\`${prop}\` must be from ${min.toHumanString()} to ${max.toHumanString()}, got ${value.toHumanString()}`,
    );
  }
}

/** Validates every prop at synth time, and warns of choices that work but may surprise. */
export function validateProps(scope: Construct, props: CpuFirstLineSupportProps): void {
  validateIds(props);
  validateUrlCheck(scope, props);
  validateReachability(scope, props);
  validateCpuAlarm(scope, props.cpuAlarm);
  validateRecheck(props);
  validateWatch(scope, props);
  validateHandlerOptions(props.handlerOptions);
}

/** The bundles are JavaScript built for Node.js 22: a Node.js runtime from 22 on, and a memory Lambda accepts. */
function validateHandlerOptions(options: HandlerOptions = {}): void {
  const runtime = options.runtime;
  if (runtime !== undefined) {
    const version = /^nodejs(\d+)\.x$/.exec(runtime.name);
    if (runtime.family !== lambda.RuntimeFamily.NODEJS || !version || Number(version[1]) < 22) {
      throw new Error(`\`handlerOptions.runtime\` must be a Node.js runtime from 22 on (the handlers are built for Node.js 22), got ${runtime.name}`);
    }
  }
  validateInteger('handlerOptions.memorySize', options.memorySize, 128, 10_240);
}

/**
 * The ID of the instance, from `instance` or `instanceId`: exactly one must be set.
 *
 * @throws Error when both or neither are set
 */
export function instanceIdOf(props: Pick<CpuFirstLineSupportProps, 'instance' | 'instanceId'>): string {
  if (props.instance !== undefined && props.instanceId !== undefined) {
    throw new Error('Set `instance` or `instanceId`, not both: `instanceId` is `instance.instanceId`');
  }
  const instanceId = props.instance?.instanceId ?? props.instanceId;
  if (instanceId === undefined) {
    throw new Error('Set `instance` or `instanceId`: got neither, so there is no instance to watch');
  }
  return instanceId;
}

/** The instance, health check and state machine names. */
function validateIds(props: CpuFirstLineSupportProps): void {
  validatePattern(props.instance ? 'instance.instanceId' : 'instanceId', instanceIdOf(props), INSTANCE_ID,
    'an EC2 instance ID such as "i-0123456789abcdef0"');
  if (props.healthCheck !== undefined && props.healthCheckId !== undefined) {
    throw new Error('Set `healthCheck` or `healthCheckId`, not both');
  }
  validatePattern('healthCheckId', props.healthCheckId, HEALTH_CHECK_ID,
    'a Route 53 health check ID such as "abcdef01-2345-6789-abcd-ef0123456789"');
  validatePattern('stateMachineName', props.stateMachineName, STATE_MACHINE_NAME,
    '1 to 80 letters, digits, "-" or "_"');
}

/** The URL check's request, and whether its certificate can be verified. */
function validateUrlCheck(scope: Construct, props: CpuFirstLineSupportProps): void {
  const url = props.urlCheck ?? {};
  validatePattern('urlCheck.url', url.url, HTTP_URL, 'an http:// or https:// URL');
  validateInteger('urlCheck.port', url.port, 1, 65535);
  validatePattern('urlCheck.path', url.path, /^\/\S*$/, 'a path starting with "/" and without spaces');
  validatePattern('urlCheck.method', url.method?.toUpperCase(), HTTP_METHODS, 'one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
  validatePattern('urlCheck.healthyHttpCodes', url.healthyHttpCodes, HTTP_CODES,
    'status codes from 100 to 599 and ranges separated by commas, such as "200", "200,204" or "200-399"');
  validateDuration('urlCheck.timeout', url.timeout, Duration.seconds(1), MAX_CHECK_TIMEOUT);

  const httpsToIp = url.url !== undefined
    ? /^https:\/\/(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\])(:\d+)?(\/|$)/.test(url.url)
    : url.protocol === UrlCheckProtocol.HTTPS;
  if ((url.enabled ?? true) && httpsToIp && url.verifyCertificate !== false) {
    Annotations.of(scope).addWarningV2('cdk-cpu-first-line-support:httpsToIpAddress',
      '`urlCheck` requests HTTPS from an IP address with `verifyCertificate` on: certificates are rarely issued for IP addresses, '
      + 'and a certificate that is not accepted is escalated as a configuration error on every alarm (never a reboot). '
      + 'Set `urlCheck.url` to a host name the certificate names, or `urlCheck.verifyCertificate: false`.');
  }
}

/** At least one check, and a network from which the checks reach the instance. */
function validateReachability(scope: Construct, props: CpuFirstLineSupportProps): void {
  const url = props.urlCheck ?? {};
  const ssh = props.sshCheck ?? {};
  validateInteger('sshCheck.port', ssh.port, 1, 65535);
  validateDuration('sshCheck.timeout', ssh.timeout, Duration.seconds(1), MAX_CHECK_TIMEOUT);

  const urlEnabled = url.enabled ?? true;
  const sshEnabled = ssh.enabled ?? true;
  if (!urlEnabled && !sshEnabled && props.healthCheckId === undefined && props.healthCheck === undefined) {
    throw new Error('At least one check must be enabled: got `urlCheck.enabled: false`, `sshCheck.enabled: false` and no `healthCheck` or `healthCheckId`');
  }
  if (props.vpcSubnets && !props.vpc) {
    throw new Error('`vpcSubnets` needs `vpc`: got `vpcSubnets` without a `vpc`');
  }
  const privateChecks = [
    urlEnabled && url.url === undefined && url.address === InstanceAddress.PRIVATE_IP ? 'urlCheck' : undefined,
    sshEnabled && ssh.address === InstanceAddress.PRIVATE_IP ? 'sshCheck' : undefined,
  ].filter((c) => c !== undefined);
  if (privateChecks.length > 0 && !props.vpc) {
    Annotations.of(scope).addWarningV2('cdk-cpu-first-line-support:privateAddressWithoutVpc',
      `\`${privateChecks.join('` and `')}\` use the private IP address but no \`vpc\` is set: the check functions cannot reach it from outside the VPC.`);
  }
}

/** The CPU alarm's threshold, statistic, period and evaluation. */
function validateCpuAlarm(scope: Construct, alarm: CpuAlarmOptions = {}): void {
  validateNumber('cpuAlarm.threshold', alarm.threshold, 0, 100);
  validatePattern('cpuAlarm.statistic', alarm.statistic, STATISTIC,
    'Maximum, Minimum, Average, Sum, SampleCount or a percentile such as "p99"');
  const period = alarm.period ?? Duration.minutes(5);
  if (!period.isUnresolved()) {
    const seconds = period.toSeconds();
    if (seconds < 60 || seconds > 86_400 || seconds % 60 !== 0) {
      throw new Error(`\`cpuAlarm.period\` must be a whole number of minutes from 1 minute to 1 day, got ${period.toHumanString()}`);
    }
    if (seconds < 300) {
      Annotations.of(scope).addWarningV2('cdk-cpu-first-line-support:shortAlarmPeriod',
        `\`cpuAlarm.period\` is ${period.toHumanString()}: EC2 publishes CPU every minute only with detailed monitoring; enable it on the instance.`);
    }
    // CloudWatch evaluates at most one day of data, or seven days for periods of an hour or more.
    const maxEvaluationPeriods = Math.floor((seconds < 3600 ? 86_400 : 7 * 86_400) / seconds);
    validateInteger('cpuAlarm.evaluationPeriods', alarm.evaluationPeriods, 1, maxEvaluationPeriods);
  }
  const evaluationPeriods = alarm.evaluationPeriods ?? 1;
  validateInteger('cpuAlarm.datapointsToAlarm', alarm.datapointsToAlarm, 1, Token.isUnresolved(evaluationPeriods) ? 100_000 : evaluationPeriods);
}

/** The reboot budget, and the re-checks' grace period, interval and deadline. */
function validateRecheck(props: CpuFirstLineSupportProps): void {
  validateInteger('rebootBudget.maxReboots', props.rebootBudget?.maxReboots, 1, MAX_REBOOTS_PER_WINDOW);
  validateDuration('rebootBudget.window', props.rebootBudget?.window, Duration.minutes(1), Duration.days(7));

  const { gracePeriod: grace, interval, deadline } = recheckPolicy(props.recheck);
  validateDuration('recheck.gracePeriod', props.recheck?.gracePeriod, Duration.seconds(0), Duration.hours(1));
  validateDuration('recheck.interval', props.recheck?.interval, Duration.seconds(5), Duration.hours(1));
  validateDuration('recheck.deadline', props.recheck?.deadline, Duration.seconds(5), Duration.days(1));
  if (!grace.isUnresolved() && !deadline.isUnresolved() && grace.toMilliseconds() >= deadline.toMilliseconds()) {
    throw new Error(`\`recheck.gracePeriod\` must be shorter than \`recheck.deadline\`, got ${grace.toHumanString()} and ${deadline.toHumanString()}`);
  }
  if (!interval.isUnresolved() && !deadline.isUnresolved() && interval.toMilliseconds() >= deadline.toMilliseconds()) {
    throw new Error(`\`recheck.interval\` must be shorter than \`recheck.deadline\`, got ${interval.toHumanString()} and ${deadline.toHumanString()}`);
  }
  if (!grace.isUnresolved() && !interval.isUnresolved() && !deadline.isUnresolved()) {
    const count = maxRechecks(grace, interval, deadline);
    if (count > MAX_RECHECKS) {
      throw new Error(`\`recheck\` allows at most ${MAX_RECHECKS} re-checks, got ${count} (2 + (deadline - gracePeriod) / interval); lengthen \`recheck.interval\` or shorten \`recheck.deadline\``);
    }
  }
}

/** The watch's interval and duration, and the execution history they could need at worst. */
function validateWatch(scope: Construct, props: CpuFirstLineSupportProps): void {
  const { gracePeriod: grace, interval, deadline } = recheckPolicy(props.recheck);
  validateDuration('watch.interval', props.watch?.interval, Duration.minutes(1), Duration.hours(6));
  validateDuration('watch.maxDuration', props.watch?.maxDuration, Duration.minutes(1), Duration.days(7));
  const watch = watchPolicy(props.watch);
  if (!watch && props.watch?.resolveEscalations === true) {
    throw new Error('`watch.resolveEscalations` follows an escalation at the watch interval: it needs `watch.enabled`');
  }
  if (watch && !watch.interval.isUnresolved() && !watch.maxDuration.isUnresolved() && watch.maxCycles > MAX_WATCH_CYCLES) {
    throw new Error(`\`watch\` allows at most ${MAX_WATCH_CYCLES} watch cycles in one execution, got ${watch.maxCycles} (maxDuration / interval); `
      + 'lengthen `watch.interval` or shorten `watch.maxDuration`');
  }
  const budget = rebootBudget(props.rebootBudget);
  if (watch && !grace.isUnresolved() && !interval.isUnresolved() && !deadline.isUnresolved() && !budget.window.isUnresolved()
    && !watch.maxDuration.isUnresolved() && !watch.interval.isUnresolved()) {
    const historyEvents = worstCaseHistoryEvents(maxRechecks(grace, interval, deadline), watch, budget);
    if (historyEvents > MAX_HISTORY_EVENTS) {
      Annotations.of(scope).addWarningV2('cdk-cpu-first-line-support:historyLimit',
        `\`watch\` with \`recheck\` and \`rebootBudget\` could need ${historyEvents} execution history events in one execution at worst `
        + `(every reboot the budget allows, each re-checked until the deadline), more than ${MAX_HISTORY_EVENTS}; Step Functions fails an `
        + 'execution past 25,000 events (the execution-failure alarm then fires). Shorten `watch.maxDuration`, lengthen '
        + '`rebootBudget.window` or `recheck.interval`, or lower `rebootBudget.maxReboots`.');
    }
  }
}
