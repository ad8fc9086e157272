import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** Which of the instance's addresses a check connects to. */
export enum InstanceAddress {
  /** The instance's public IPv4 address (`PublicIpAddress`). */
  PUBLIC_IP = 'PUBLIC',
  /**
   * The instance's private IPv4 address (`PrivateIpAddress`). The check functions must
   * then run in the instance's VPC: set `vpc`.
   */
  PRIVATE_IP = 'PRIVATE',
}

/** The protocol of the URL check when it targets the instance's address. */
export enum UrlCheckProtocol {
  /** Plain HTTP. */
  HTTP = 'http',
  /**
   * HTTPS; the certificate must be valid for the address checked, unless
   * `verifyCertificate` is false.
   */
  HTTPS = 'https',
}

/**
 * The URL check: one HTTP(S) request, healthy when it answers in time with an accepted
 * status code. Redirects are not followed: a 3xx answer is judged by its status code.
 */
export interface UrlCheckOptions {
  /**
   * Whether to run the URL check.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * The full URL to request, such as `https://api.example.com/health`. When set,
   * `protocol`, `port`, `path` and `address` are ignored.
   *
   * @default - a URL built from the instance's address: `<protocol>://<address>:<port><path>`
   */
  readonly url?: string;

  /**
   * The protocol of the URL built from the instance's address.
   *
   * @default UrlCheckProtocol.HTTP
   */
  readonly protocol?: UrlCheckProtocol;

  /**
   * The port of the URL built from the instance's address.
   *
   * @default - 80 for HTTP, 443 for HTTPS
   */
  readonly port?: number;

  /**
   * The path (and query) of the URL built from the instance's address.
   *
   * @default '/'
   */
  readonly path?: string;

  /**
   * Which address of the instance the URL is built from.
   *
   * @default InstanceAddress.PUBLIC_IP
   */
  readonly address?: InstanceAddress;

  /**
   * The HTTP method.
   *
   * @default 'GET'
   */
  readonly method?: string;

  /**
   * The status codes that count as healthy, as in an Elastic Load Balancing matcher:
   * single codes and ranges separated by commas, such as `200`, `200,204` or `200-299`.
   *
   * @default '200-399'
   */
  readonly healthyHttpCodes?: string;

  /**
   * How long to wait for the status line of the answer.
   *
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;

  /**
   * Whether an HTTPS answer counts only with a certificate that is valid for the URL's host
   * (trusted chain, matching name, not expired). Turn it off to check by IP address a
   * server whose certificate names a host, or one with a self-signed certificate.
   *
   * @default true
   */
  readonly verifyCertificate?: boolean;
}

/**
 * The SSH check: a TCP connection and an SSH protocol handshake. A server that completes
 * the handshake is alive even when it rejects the login; no credentials are used.
 */
export interface SshCheckOptions {
  /**
   * Whether to run the SSH check.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * The SSH port.
   *
   * @default 22
   */
  readonly port?: number;

  /**
   * Which address of the instance to connect to.
   *
   * @default InstanceAddress.PUBLIC_IP
   */
  readonly address?: InstanceAddress;

  /**
   * How long the TCP connection and the handshake may take together.
   *
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
}

/**
 * The CloudWatch alarm that starts the workflow, on the instance's `AWS/EC2`
 * `CPUUtilization`. It fires when the statistic is greater than or equal to the threshold.
 */
export interface CpuAlarmOptions {
  /**
   * The CPU utilization, in percent, at or above which a datapoint is breaching.
   *
   * @default 100
   */
  readonly threshold?: number;

  /**
   * The period over which the statistic is applied. Periods under 5 minutes need
   * detailed monitoring on the instance (`monitoring: true`), which publishes a
   * datapoint every minute; with basic monitoring they leave the alarm short of data.
   *
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;

  /**
   * The number of periods over which data is compared to the threshold.
   *
   * @default 1
   */
  readonly evaluationPeriods?: number;

  /**
   * The number of breaching datapoints within `evaluationPeriods` that set off the alarm.
   *
   * @default - `evaluationPeriods`
   */
  readonly datapointsToAlarm?: number;

  /**
   * The statistic: `Maximum`, `Average`, `Minimum`, `Sum`, `SampleCount` or a percentile
   * such as `p99`.
   *
   * @default 'Maximum'
   */
  readonly statistic?: string;

  /**
   * How the alarm treats missing datapoints.
   *
   * @default cloudwatch.TreatMissingData.MISSING
   */
  readonly treatMissingData?: cloudwatch.TreatMissingData;

  /**
   * The alarm's name. Names are unique per account and region.
   *
   * @default - a unique name generated by CloudFormation
   */
  readonly alarmName?: string;
}

/**
 * When to check the instance again after the reboot.
 *
 * The workflow waits `gracePeriod`, checks, and then starts a re-check every `interval`
 * (counted from the start of the previous one, so the time the checks take does not add up)
 * until the instance is healthy or `deadline` has passed since the reboot was decided. The
 * last re-check starts no later than the deadline, so the escalation comes no later than the
 * deadline plus the slowest check's timeout.
 */
export interface RecheckOptions {
  /**
   * How long to wait after the reboot before the first re-check. Keep it no longer than
   * `interval`: an instance that is back sooner is then told recovered within one interval.
   *
   * @default Duration.seconds(30)
   */
  readonly gracePeriod?: Duration;

  /**
   * How long to wait between two re-checks.
   *
   * @default Duration.seconds(30)
   */
  readonly interval?: Duration;

  /**
   * How long after the reboot the last re-check may start: a clock, not a count of re-checks.
   * If the instance is still unhealthy then, the escalation notifier is told.
   *
   * @default Duration.minutes(10)
   */
  readonly deadline?: Duration;
}

/**
 * How many times the library may reboot one instance within a window. Beyond it, the
 * workflow escalates without rebooting and says why, so a machine that keeps maxing out
 * its CPU is never rebooted in a loop.
 *
 * The times of the reboots are kept on the instance itself, in the tag named by
 * `CpuFirstLineSupport.REBOOT_LEDGER_TAG_KEY`; deleting the tag resets the budget.
 */
export interface RebootBudget {
  /**
   * The most reboots within `window`, from 1 to 10.
   *
   * @default 1
   */
  readonly maxReboots?: number;

  /**
   * The sliding window, from 1 minute to 7 days.
   *
   * @default Duration.hours(1)
   */
  readonly window?: Duration;
}

/**
 * Watching an alarm that stays in `ALARM`.
 *
 * The alarm's rule fires when the alarm enters `ALARM`, not while it stays there. So that an
 * instance whose CPU stays maxed out and that hangs later is not forgotten, an execution that
 * ends quietly (all checks passed, recovered after a reboot, paused, or an escalation resolved) reads the alarm's
 * state again after `interval`; while it is still in `ALARM`, it runs the checks again (and
 * re-reads the pause tag), with the same reboot decision and budget as the first run.
 */
export interface WatchOptions {
  /**
   * Whether to keep watching while the alarm stays in `ALARM`.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * How long to wait between two watch cycles.
   *
   * @default Duration.minutes(5)
   */
  readonly interval?: Duration;

  /**
   * How long one execution watches at most. Then the execution ends; the next time the
   * alarm enters `ALARM`, a new one starts. At most 200 watch cycles (`maxDuration / interval`)
   * fit in one execution, and synth warns when the watch, the re-checks and the reboot budget
   * together could need more than 20,000 execution history events at worst (Step Functions
   * fails an execution past 25,000).
   *
   * @default Duration.hours(6)
   */
  readonly maxDuration?: Duration;

  /**
   * Whether to follow an escalated incident until it is over, and then resolve it.
   *
   * After an escalation (the instance still unresponsive after the reboot, or not rebooted),
   * the execution checks the instance again every `interval`, for at most `maxDuration`. As
   * soon as every check passes, it sends `RESOLVED` to the escalation notifier, which closes
   * the alert it raised (OpsGenie and Jira Service Management close it by its alias, PagerDuty
   * resolves it by its dedup key, chat notifiers post that it is over), so on-call is not left
   * with a stale alert. The alarm returning to `OK` alone resolves nothing: a hung instance's
   * CPU can drop while it stays down. A paused instance, or one still failing at the end, keeps
   * its alert open. Needs `enabled`.
   *
   * @default true
   */
  readonly resolveEscalations?: boolean;
}

/**
 * Settings of the Lambda functions that run the checks, the guard and the library's notifiers.
 * The functions are shared by every `CpuFirstLineSupport` of a stack with the same settings (and
 * network); instances with other settings get functions of their own.
 */
export interface HandlerOptions {
  /**
   * The runtime. The handler bundles are built for Node.js 22, so it must be a Node.js runtime,
   * 22 or newer.
   *
   * @default lambda.Runtime.NODEJS_22_X
   */
  readonly runtime?: lambda.Runtime;

  /**
   * The instruction set. The bundles are plain JavaScript and run on either.
   *
   * @default lambda.Architecture.ARM_64
   */
  readonly architecture?: lambda.Architecture;

  /**
   * The memory, in MB, from 128 to 10,240. Lambda gives CPU in proportion to it; the checks
   * and notifiers mostly wait on the network.
   *
   * @default 256
   */
  readonly memorySize?: number;
}
