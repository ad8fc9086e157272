/**
 * The fault-injection catalogue: each entry breaks one thing (the instance, an AWS API, a
 * handler, a notifier, a secret, the alarm's timing) and says what the library must do about
 * it. `test/faults.test.ts` plays every entry through the synthesized workflow and asserts
 * the outcome; `npx projen faults` prints the table that the README shows.
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { Duration, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CpuFirstLineSupport, Notifier, OpsGenieEndpoint } from '../src';
import { awsError, FakeApi } from './fakes';
import { HANDLERS_BY_FUNCTION_ID, LocalHandler, NotificationServices } from './harness';
import {
  FakeEndpoints, OPSGENIE_KEY, OPSGENIE_KEY_ARN, pagerDutyNotifier, Scenario, SLACK_TOKEN, SLACK_TOKEN_ARN, teamsNotifier,
} from './scenarios';

/** Short waits, so that a fault that never heals escalates after three re-checks. */
const QUICK_RECHECKS = { recheck: { gracePeriod: Duration.seconds(20), interval: Duration.seconds(20), deadline: Duration.seconds(60) } };

/** What a fault must lead to. */
export interface FaultExpectation {
  /** How the (first) execution ends. @default 'SUCCEEDED' */
  readonly status?: 'SUCCEEDED' | 'FAILED';
  /** The last state the (first) execution entered. */
  readonly outcome: string;
  /** Reboots of the instance. */
  readonly reboots: number;
  /** Slack messages received (after any transient failure), accepted or refused. @default 0 */
  readonly slack?: number;
  /** OpsGenie alerts received (after any transient failure), accepted or refused. @default 0 */
  readonly opsGenie?: number;
  /** Found in the delivered messages, or in the execution's output when none was delivered. */
  readonly text?: RegExp;
  /** With concurrent alarms: the last state of every execution, sorted. */
  readonly outcomes?: string[];
  /** OpsGenie alerts that paged someone (the fake keeps one open alert per alias). */
  readonly opsGeniePages?: number;
  /** The reboot-ledger tag after the run: '' when no reboot may be counted. */
  readonly ledgerAfter?: string;
  /** OpsGenie close-alert requests received. */
  readonly opsGenieCloses?: number;
  /** PagerDuty events received that it did not answer with a transient failure (429, 5xx): accepted or refused. @default 0 */
  readonly pagerDuty?: number;
  /** PagerDuty triggers that paged someone (each opened an alert). */
  readonly pagerDutyPages?: number;
  /** PagerDuty resolves that closed the alert their incident's trigger opened (same dedup key). */
  readonly pagerDutyResolves?: number;
  /** Requests the Teams webhook did not answer with a transient failure (429, 5xx): accepted or refused. @default 0 */
  readonly teams?: number;
  /** Cards the Teams workflow posted to its channel. */
  readonly teamsPosts?: number;
  /** Messages the workflow published to SNS. @default 0 */
  readonly snsMessages?: number;
  /** Events the workflow put on EventBridge. @default 0 */
  readonly events?: number;
  /** Step Functions retries of a state, by state name (branch states included). */
  readonly retried?: Record<string, number>;
}

/** One fault and what the library does about it. */
export interface Fault {
  /** What goes wrong, for the README. */
  readonly fault: string;
  /** What the library does, for the README. */
  readonly response: string;
  readonly scenario: Omit<Scenario, 'name'>;
  readonly expected: FaultExpectation;
}

/** Makes a function throw `error` for its first `times` invocations, then run the real handler. */
function failing(functionId: string, error: () => Error, times = Infinity): Record<string, LocalHandler> {
  let calls = 0;
  return {
    [functionId]: async (event) => {
      if (calls++ < times) throw error();
      return HANDLERS_BY_FUNCTION_ID[functionId](event);
    },
  };
}

/** Makes the fake AWS API `api` throw `error` for its next `times` calls. */
function apiFails(api: FakeApi, error: () => Error, times = Infinity): Scenario['inject'] {
  return ({ aws }) => aws.failNext(api, error(), times);
}

/** EC2's throttling answer. */
const ec2Throttled = () => awsError('RequestLimitExceeded', 'Request limit exceeded.', 503);
/** EC2's answer to a call the role may not make. */
const ec2Denied = () => awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403);

function ledgerAt(msAgo: number): Record<string, string> {
  return { [CpuFirstLineSupport.REBOOT_LEDGER_TAG_KEY]: new Date(Date.now() - msAgo).toISOString() };
}

const answers = (status: number, count: number, headers?: Record<string, string>) =>
  Array.from({ length: count }, () => ({ status, headers, body: status === 429 ? { ok: false, error: 'ratelimited' } : { message: 'unavailable' } }));

/** The escalation through the fake OpsGenie, for `Notifier.all()`. */
const opsGenieNotifier = (stack: Stack, endpoints: FakeEndpoints) => Notifier.opsGenie({
  apiKey: secretsmanager.Secret.fromSecretCompleteArn(stack, 'EscalationOpsGenieKey', OPSGENIE_KEY_ARN),
  endpoint: OpsGenieEndpoint.custom(endpoints.opsGenieBaseUrl),
});

/** A hung instance that never comes back: escalated about 60-100 simulated seconds in, then followed up every 5 minutes. */
const NEVER_BACK = { initialHealth: 'hung', afterReboot: 'hung', props: QUICK_RECHECKS } as const;

/** Closes every open OpsGenie alert, as a human in the OpsGenie app does. */
const closeOpsGenieAlertsByHand: NonNullable<Scenario['later']>['act'] = ({ notifiers }) => {
  for (const [alias, alert] of notifiers.opsGenieAlertsByAlias) {
    if (alert.open) notifiers.closeOpsGenieAlert(alias);
  }
};

/**
 * The notifiers added after the first catalogue: PagerDuty, Microsoft Teams, SNS, EventBridge,
 * `Notifier.all()`, and the resolution of escalated incidents.
 */
const NOTIFIER_FAULTS: Fault[] = [
  {
    fault: 'PagerDuty pages; a human fixes the instance during the follow-up',
    response: 'One trigger with the incident\'s dedup key pages; the next follow-up check passes and a resolve with the same dedup key closes the alert',
    scenario: { ...NEVER_BACK, escalation: (stack, _, endpoints) => pagerDutyNotifier(stack, endpoints), later: { afterSeconds: 250, health: 'healthy' } },
    expected: { outcome: 'Resolved', reboots: 1, pagerDuty: 2, pagerDutyPages: 1, pagerDutyResolves: 1, text: /unresponsive after a reboot/ },
  },
  {
    fault: 'PagerDuty rate-limits once (HTTP 429)',
    response: 'Retried inside the notifier; one trigger pages; the instance never comes back, so the alert stays open',
    scenario: {
      ...NEVER_BACK,
      escalation: (stack, _, endpoints) => pagerDutyNotifier(stack, endpoints),
      inject: ({ pagerDuty }) => pagerDuty.queue.push({ status: 429, body: { status: 'rate limited', message: 'Request Limit Exceeded' } }),
    },
    expected: { outcome: 'Escalated', reboots: 1, pagerDuty: 1, pagerDutyPages: 1, pagerDutyResolves: 0 },
  },
  {
    fault: 'PagerDuty refuses the routing key (HTTP 400 invalid event: the integration was deleted)',
    response: 'A refusal: not retried; Slack is told that paging failed, and the execution fails so the execution-failure alarm fires',
    scenario: { ...NEVER_BACK, escalation: (stack, _, endpoints) => pagerDutyNotifier(stack, endpoints), pagerDutyRoutingKeys: ['another-integration-key-00000000'] },
    expected: {
      status: 'FAILED',
      outcome: 'Escalation failed',
      reboots: 1,
      pagerDuty: 1,
      pagerDutyPages: 0,
      slack: 1,
      text: /PAGING FAILED[\s\S]*Invalid routing key/,
      retried: { 'Notify unresponsive': 0 },
    },
  },
  {
    fault: 'PagerDuty as the recovery notifier: a recovery must not page anyone',
    response: 'The recovery is a change event: shown on the PagerDuty service, nobody paged',
    scenario: { initialHealth: 'hung', recovery: (stack, endpoints) => pagerDutyNotifier(stack, endpoints) },
    expected: { outcome: 'Recovered', reboots: 1, pagerDuty: 1, pagerDutyPages: 0, text: /recovered after a reboot/ },
  },
  {
    fault: 'Microsoft Teams as the recovery notifier: the workflow behind the webhook was deleted (HTTP 404)',
    response: 'A refusal: not retried; OpsGenie gets an error alert saying the webhook URL leads to no workflow',
    scenario: {
      initialHealth: 'hung',
      recovery: (stack) => teamsNotifier(stack),
      inject: ({ teams }) => teams.queue.push(...Array.from({ length: 10 }, () => ({
        status: 404, body: { error: { code: 'WorkflowNotFound', message: 'The workflow could not be found.' } },
      }))),
    },
    expected: {
      outcome: 'Escalated after error',
      reboots: 1,
      teams: 1,
      teamsPosts: 0,
      opsGenie: 1,
      text: /TeamsApiError[\s\S]*no workflow at the webhook URL/,
      retried: { 'Notify recovered': 0 },
    },
  },
  {
    fault: 'Microsoft Teams throttles once (HTTP 429, Retry-After: 1)',
    response: 'The notifier waits as told and posts one card',
    scenario: {
      initialHealth: 'hung',
      recovery: (stack) => teamsNotifier(stack),
      inject: ({ teams }) => teams.queue.push({ status: 429, headers: { 'retry-after': '1' }, body: { error: { code: 'TooManyRequests' } } }),
    },
    expected: { outcome: 'Recovered', reboots: 1, teams: 1, teamsPosts: 1, opsGenie: 0, text: /recovered after a reboot/ },
  },
  {
    fault: 'An SNS topic as the escalation notifier',
    response: 'The workflow publishes one message to the topic itself (no function); the instance never comes back, so it stays escalated',
    scenario: { ...NEVER_BACK, escalation: (stack) => Notifier.snsTopic(new sns.Topic(stack, 'Alerts')) },
    expected: { outcome: 'Escalated', reboots: 1, snsMessages: 1, text: /unresponsive after a reboot/ },
  },
  {
    fault: 'EventBridge as the escalation notifier: PutEvents fails the entry every time',
    response: 'The failed entry is retried 5 times, then Slack is told that paging failed, and the execution fails so the execution-failure alarm fires',
    scenario: {
      ...NEVER_BACK,
      escalation: () => Notifier.eventBridge(),
      notificationServices: Object.assign(new NotificationServices(), { failEntries: 'InternalFailure' }),
    },
    expected: { status: 'FAILED', outcome: 'Escalation failed', reboots: 1, events: 0, slack: 1, text: /PAGING FAILED/, retried: { 'Notify unresponsive': 5 } },
  },
  {
    fault: '`Notifier.all(OpsGenie, PagerDuty)` while PagerDuty is down (HTTP 503 on every try)',
    response: 'OpsGenie still pages; PagerDuty is retried (3 attempts in each of 6 invocations), then the escalation counts as failed: Slack is told that paging failed, and the execution fails',
    scenario: {
      ...NEVER_BACK,
      escalation: (stack, _, endpoints) => Notifier.all(opsGenieNotifier(stack, endpoints), pagerDutyNotifier(stack, endpoints)),
      inject: ({ pagerDuty }) => pagerDuty.queue.push(...answers(503, 60)),
    },
    expected: {
      status: 'FAILED',
      outcome: 'Escalation failed',
      reboots: 1,
      opsGenie: 1,
      opsGeniePages: 1,
      pagerDuty: 0,
      slack: 1,
      text: /PAGING FAILED/,
      retried: { 'Notify unresponsive (1)': 0, 'Notify unresponsive (2)': 5 },
    },
  },
  {
    fault: 'A human closes the OpsGenie alert by hand when fixing the instance',
    response: 'The next follow-up check passes; closing by alias an alert that is already closed is not an error: the incident ends Resolved, nobody paged again',
    scenario: { ...NEVER_BACK, later: { afterSeconds: 250, health: 'healthy', act: closeOpsGenieAlertsByHand } },
    expected: { outcome: 'Resolved', reboots: 1, opsGenie: 1, opsGeniePages: 1, opsGenieCloses: 1 },
  },
];

export const FAULTS: Fault[] = [
  // The instance.
  {
    fault: 'CPU at 100%, but the instance still answers every check',
    response: 'Checks pass: no reboot, no message',
    scenario: { initialHealth: 'healthy' },
    expected: { outcome: 'All good', reboots: 0 },
  },
  {
    fault: 'Instance hung (HTTP 503, SSH dropped, Route 53 failing), back 75 s after the reboot',
    response: 'Reboots once, re-checks at 30, 60 and 90 s, tells Slack it recovered',
    scenario: { initialHealth: 'hung', bootSeconds: 75 },
    expected: { outcome: 'Recovered', reboots: 1, slack: 1, text: /recovered after a reboot/ },
  },
  {
    fault: 'Instance hung and never back',
    response: 'Reboots once, re-checks until the deadline, raises an OpsGenie alert',
    scenario: { initialHealth: 'hung', afterReboot: 'hung', props: QUICK_RECHECKS },
    expected: { outcome: 'Escalated', reboots: 1, opsGenie: 1, text: /unresponsive after a reboot/ },
  },
  {
    fault: 'Instance frozen: connections accepted, never answered',
    response: 'Each check gives up at its own timeout and fails; reboot; recovery told',
    scenario: { initialHealth: 'frozen' },
    expected: { outcome: 'Recovered', reboots: 1, slack: 1, text: /no answer within 2000 ms/ },
  },
  {
    fault: 'Nothing listens on the URL check\'s port (connection refused)',
    response: 'The URL check fails with "refused"; reboot; alert when it stays refused',
    scenario: { initialHealth: 'healthy', props: { ...QUICK_RECHECKS, urlCheck: { port: 1, path: '/health', timeout: Duration.seconds(2) } } },
    expected: { outcome: 'Escalated', reboots: 1, opsGenie: 1, text: /refused/ },
  },
  {
    fault: 'A reboot that takes 240 s, with the default 10-minute deadline',
    response: 'Keeps re-checking every 30 s; recovered at the first re-check after the boot, never escalated',
    scenario: { initialHealth: 'hung', bootSeconds: 240 },
    expected: { outcome: 'Recovered', reboots: 1, slack: 1 },
  },
  {
    fault: 'Instance stopped when the alarm fires',
    response: 'Not rebooted; OpsGenie is told the instance is stopped',
    scenario: { initialHealth: 'hung', instanceState: 'stopped' },
    expected: { outcome: 'Escalated without reboot', reboots: 0, opsGenie: 1, text: /is stopped/ },
  },
  {
    fault: 'Instance stopping',
    response: 'Not rebooted; OpsGenie is told the instance is stopping',
    scenario: { initialHealth: 'hung', instanceState: 'stopping' },
    expected: { outcome: 'Escalated without reboot', reboots: 0, opsGenie: 1, text: /is stopping/ },
  },
  {
    fault: 'Instance terminated',
    response: 'Not rebooted; OpsGenie is told the instance is terminated',
    scenario: { initialHealth: 'hung', instanceState: 'terminated' },
    expected: { outcome: 'Escalated without reboot', reboots: 0, opsGenie: 1, text: /is terminated/ },
  },
  {
    fault: 'Instance ID unknown to EC2 (InvalidInstanceID.NotFound)',
    response: 'The lookup fails: retried, then escalated as an error that names the EC2 error; nothing to reboot',
    scenario: {
      initialHealth: 'hung',
      inject: apiFails('DescribeInstances', () => awsError('InvalidInstanceID.NotFound', 'The instance ID does not exist')),
    },
    expected: { outcome: 'Escalated after error', reboots: 0, opsGenie: 1, text: /InvalidInstanceID\.NotFound/ },
  },
  {
    fault: 'Instance has no public IP address',
    response: 'URL and SSH checks answer "no address" (no request to `undefined`); not rebooted, since a reboot cannot fix it; OpsGenie told',
    scenario: { initialHealth: 'healthy', noPublicIp: true },
    expected: { outcome: 'Escalated without reboot', reboots: 0, opsGenie: 1, text: /no public IP address/ },
  },
  // AWS APIs.
  {
    fault: 'EC2 DescribeInstances throttled once (RequestLimitExceeded)',
    response: 'Step Functions retries the task with backoff; the incident goes on',
    scenario: {
      initialHealth: 'hung',
      inject: apiFails('DescribeInstances', ec2Throttled, 1),
    },
    expected: { outcome: 'Recovered', reboots: 1, slack: 1 },
  },
  {
    fault: 'EC2 DescribeInstances denied (a missing IAM permission)',
    response: 'Not rebooted: escalated as an error that names the AWS error',
    scenario: {
      initialHealth: 'hung',
      inject: apiFails('DescribeInstances', ec2Denied),
    },
    expected: { outcome: 'Escalated after error', reboots: 0, opsGenie: 1, text: /UnauthorizedOperation/ },
  },
  {
    fault: 'DynamoDB throttles the incident-lock write once',
    response: 'Retried with backoff; the lock is taken and the incident goes on',
    scenario: { initialHealth: 'healthy', inject: ({ locks }) => locks.failNext(Object.assign(new Error('Rate exceeded'), { name: 'DynamoDB.ProvisionedThroughputExceededException' })) },
    expected: { outcome: 'All good', reboots: 0 },
  },
  {
    fault: 'EC2 RebootInstances throttled once',
    response: 'Retried with backoff; the instance is rebooted once',
    scenario: {
      initialHealth: 'hung',
      inject: apiFails('RebootInstances', ec2Throttled, 1),
    },
    expected: { outcome: 'Recovered', reboots: 1, slack: 1 },
  },
  {
    fault: 'EC2 RebootInstances denied',
    response: 'Retried, then the ledger is written back (the budget does not count it) and the error alert names the failed state and says the instance was not rebooted',
    scenario: {
      initialHealth: 'hung',
      inject: apiFails('RebootInstances', ec2Denied),
    },
    expected: { outcome: 'Escalated after error', reboots: 0, opsGenie: 1, text: /Reboot instance[\s\S]*UnauthorizedOperation|UnauthorizedOperation[\s\S]*Reboot instance/, ledgerAfter: '' },
  },
  {
    fault: 'EC2 CreateTags denied (the reboot cannot be recorded)',
    response: 'Not rebooted, because the budget could not be kept; escalated as an error',
    scenario: {
      initialHealth: 'hung',
      inject: apiFails('CreateTags', ec2Denied),
    },
    expected: { outcome: 'Escalated after error', reboots: 0, opsGenie: 1, text: /UnauthorizedOperation/ },
  },
  {
    fault: 'Route 53 API throttles every call',
    response: 'The handler throws, Step Functions retries twice, then escalates with ThrottlingException; no reboot on a verdict it does not have',
    scenario: { initialHealth: 'hung', route53Throttles: true },
    expected: { outcome: 'Escalated after error', reboots: 0, opsGenie: 1, text: /ThrottlingException/ },
  },
  {
    fault: 'Route 53 health check deleted (NoSuchHealthCheck)',
    response: 'A configuration error, not a verdict: escalated, not rebooted',
    scenario: {
      initialHealth: 'hung',
      inject: apiFails('GetHealthCheckStatus', () => awsError('NoSuchHealthCheck', 'A health check with the specified ID does not exist.', 404)),
    },
    expected: { outcome: 'Escalated after error', reboots: 0, opsGenie: 1, text: /does not exist/ },
  },
  {
    fault: 'Route 53 answers with no checker observations',
    response: 'A failed check ("no checker observations"); reboot; alert when it persists',
    scenario: {
      initialHealth: 'healthy',
      props: QUICK_RECHECKS,
      inject: ({ aws }) => {
        aws.route53.reset();
        aws.route53.resolves({ HealthCheckObservations: [] });
      },
    },
    expected: { outcome: 'Escalated', reboots: 1, opsGenie: 1, text: /no checker observations/ },
  },
  // Handlers.
  {
    fault: 'A check handler crashes on every invocation',
    response: 'Retried twice, then escalated with the error; no reboot',
    scenario: { initialHealth: 'hung', handlerOverrides: failing('CpuFirstLineSupportSshCheck', () => new TypeError('Cannot read properties of undefined')) },
    expected: { outcome: 'Escalated after error', reboots: 0, opsGenie: 1, text: /TypeError/ },
  },
  {
    fault: 'Lambda service error once (Lambda.ServiceException)',
    response: 'Retried; the incident goes on',
    scenario: {
      initialHealth: 'healthy',
      handlerOverrides: failing('CpuFirstLineSupportUrlCheck', () => Object.assign(new Error('Lambda is unavailable'), { name: 'Lambda.ServiceException' }), 1),
    },
    expected: { outcome: 'All good', reboots: 0 },
  },
  {
    fault: 'A malformed event reaches a check handler',
    response: 'InvalidEventError names the field; not retried; escalated',
    scenario: {
      initialHealth: 'hung',
      handlerOverrides: { CpuFirstLineSupportUrlCheck: async (event) => HANDLERS_BY_FUNCTION_ID.CpuFirstLineSupportUrlCheck({ ...event, timeoutMs: 'soon' }) },
    },
    expected: { outcome: 'Escalated after error', reboots: 0, opsGenie: 1, text: /InvalidEventError/ },
  },
  {
    fault: 'The guard crashes on every try',
    response: 'Retried, then escalated as an error; nothing is rebooted without a decision',
    scenario: {
      initialHealth: 'hung',
      handlerOverrides: failing('CpuFirstLineSupportGuard', () => new TypeError('Cannot read properties of undefined (reading \'State\')')),
    },
    expected: { outcome: 'Escalated after error', reboots: 0, opsGenie: 1, text: /TypeError/ },
  },
  // Notifiers and secrets.
  {
    fault: 'Slack refuses the message (`ok: false`, channel_not_found)',
    response: 'Not retried; OpsGenie gets an error alert with Slack\'s error code',
    scenario: { initialHealth: 'hung', slackAnswer: { ok: false, error: 'channel_not_found' } },
    expected: { outcome: 'Escalated after error', reboots: 1, slack: 1, opsGenie: 1, text: /channel_not_found/ },
  },
  {
    fault: 'Slack rate-limits once (HTTP 429, Retry-After: 1)',
    response: 'The notifier waits as told and delivers one message',
    scenario: { initialHealth: 'hung', inject: ({ notifiers }) => notifiers.slackQueue.push(...answers(429, 1, { 'retry-after': '1' })) },
    expected: { outcome: 'Recovered', reboots: 1, slack: 1 },
  },
  {
    fault: 'Slack down (HTTP 500 on every try)',
    response: '3 attempts per invocation, 3 invocations, then OpsGenie gets an error alert',
    scenario: { initialHealth: 'hung', inject: ({ notifiers }) => notifiers.slackQueue.push(...answers(500, 20)) },
    expected: { outcome: 'Escalated after error', reboots: 1, opsGenie: 1, text: /Slack/ },
  },
  {
    fault: 'OpsGenie answers 503 once',
    response: 'Retried inside the notifier; one alert delivered',
    scenario: { initialHealth: 'hung', afterReboot: 'hung', props: QUICK_RECHECKS, inject: ({ notifiers }) => notifiers.opsGenieQueue.push(...answers(503, 1)) },
    expected: { outcome: 'Escalated', reboots: 1, opsGenie: 1 },
  },
  {
    fault: 'OpsGenie down while escalating (HTTP 500 on every try)',
    response: 'Retried by the notifier and by the state machine for 270 s; then Slack is told that paging failed, and the execution fails so the execution-failure alarm fires',
    scenario: { initialHealth: 'hung', afterReboot: 'hung', props: QUICK_RECHECKS, inject: ({ notifiers }) => notifiers.opsGenieQueue.push(...answers(500, 30)) },
    expected: { status: 'FAILED', outcome: 'Escalation failed', reboots: 1, slack: 1, text: /PAGING FAILED/ },
  },
  {
    fault: 'OpsGenie API key revoked (HTTP 401)',
    response: 'A refusal: not retried; Slack is told that paging failed, and the execution fails so the execution-failure alarm fires',
    scenario: { initialHealth: 'hung', afterReboot: 'hung', props: QUICK_RECHECKS, opsGenieStatus: 401 },
    expected: { status: 'FAILED', outcome: 'Escalation failed', reboots: 1, opsGenie: 1, slack: 1, text: /PAGING FAILED/ },
  },
  {
    fault: 'Slack token secret deleted (ResourceNotFoundException)',
    response: 'The recovery message cannot be sent; OpsGenie gets an error alert naming the secret error',
    scenario: {
      initialHealth: 'hung',
      inject: ({ aws }) => {
        aws.secretsManager.on(GetSecretValueCommand, { SecretId: SLACK_TOKEN_ARN })
          .rejects(awsError('ResourceNotFoundException', 'Secrets Manager can\'t find the specified secret.'));
      },
    },
    expected: { outcome: 'Escalated after error', reboots: 1, opsGenie: 1, text: /ResourceNotFoundException/ },
  },
  {
    fault: 'OpsGenie key secret unreadable (AccessDeniedException)',
    response: 'The escalation cannot be sent (retried, then given up); Slack is told that paging failed, and the execution fails so the execution-failure alarm fires',
    scenario: {
      initialHealth: 'hung',
      afterReboot: 'hung',
      props: QUICK_RECHECKS,
      inject: ({ aws }) => {
        aws.secretsManager.on(GetSecretValueCommand, { SecretId: OPSGENIE_KEY_ARN })
          .rejects(awsError('AccessDeniedException', 'Access to KMS is not allowed'));
      },
    },
    expected: { status: 'FAILED', outcome: 'Escalation failed', reboots: 1, slack: 1, text: /PAGING FAILED/ },
  },
  // Safety.
  {
    fault: 'Five alarm events for one incident, at once',
    response: 'The earliest execution handles it; the other four stop as "Already handled": exactly one reboot',
    scenario: { initialHealth: 'hung', concurrentAlarms: 5 },
    expected: {
      outcome: 'Recovered',
      reboots: 1,
      slack: 1,
      outcomes: ['Already handled', 'Already handled', 'Already handled', 'Already handled', 'Recovered'],
    },
  },
  {
    fault: 'Alarm again 20 minutes after a reboot (budget: 1 per hour)',
    response: 'Not rebooted again; OpsGenie is told the budget is spent, with the time of the last reboot',
    scenario: { initialHealth: 'hung', tags: ledgerAt(20 * 60_000) },
    expected: { outcome: 'Escalated without reboot', reboots: 0, opsGenie: 1, text: /the budget is 1 per 1 hour/ },
  },
  {
    fault: 'Alarm 2 hours after the last reboot',
    response: 'The old reboot is out of the window: rebooted, and the ledger keeps only the new time',
    scenario: { initialHealth: 'hung', tags: ledgerAt(2 * 3600_000) },
    expected: { outcome: 'Recovered', reboots: 1, slack: 1 },
  },
  {
    fault: 'Instance paused for maintenance (tag `cpu-first-line-support:paused`)',
    response: 'The execution records the alarm and stops: no check, no reboot, no message',
    scenario: { initialHealth: 'hung', tags: { [CpuFirstLineSupport.PAUSE_TAG_KEY]: 'patching' } },
    expected: { outcome: 'Paused', reboots: 0 },
  },
  {
    fault: 'Dry run (`dryRun: true`)',
    response: 'Checks run; instead of a reboot, a "would reboot" notice goes to Slack',
    scenario: { initialHealth: 'hung', props: { dryRun: true } },
    expected: { outcome: 'Dry run', reboots: 0, slack: 1, text: /dry run/i },
  },
  // Faults the real services produce that the first fakes could not.
  {
    fault: 'EC2 DescribeInstances answers in 1.9 s, against 2 s check timeouts',
    response: 'The lookup is the state machine\'s own step, outside the checks: every check keeps its whole timeout; no reboot',
    scenario: { initialHealth: 'healthy', inject: ({ aws }) => aws.delayNext('DescribeInstances', 1_900, Infinity) },
    expected: { outcome: 'All good', reboots: 0 },
  },
  {
    fault: 'EventBridge delivers the alarm event twice, 5 s apart (at-least-once delivery)',
    response: 'The conditional write of the incident lock lets one execution through; the other stops as "Already handled"',
    // 20 real ms at 4 ms per simulated second: the duplicate arrives while the first execution waits for the reboot.
    scenario: { initialHealth: 'hung', concurrentAlarms: 2, alarmSpacingMs: 20 },
    expected: { outcome: 'Recovered', reboots: 1, slack: 1, outcomes: ['Already handled', 'Recovered'] },
  },
  {
    fault: 'Someone pauses the instance while its checks run',
    response: 'The pause tag is read again right before the reboot: not rebooted, no message',
    scenario: {
      initialHealth: 'hung',
      inject: ({ instance, handlerOverrides }) => {
        handlerOverrides.CpuFirstLineSupportSshCheck = async (event) => {
          instance.tags[CpuFirstLineSupport.PAUSE_TAG_KEY] = 'maintenance';
          return HANDLERS_BY_FUNCTION_ID.CpuFirstLineSupportSshCheck(event);
        };
      },
    },
    expected: { outcome: 'Paused', reboots: 0 },
  },
  {
    fault: 'Someone pauses the instance between two re-checks',
    response: 'The pause tag is read again before each re-check: the execution stops as "Paused", no message',
    scenario: {
      initialHealth: 'hung',
      bootSeconds: 75,
      inject: ({ instance, handlerOverrides }) => {
        let sshChecks = 0;
        handlerOverrides.CpuFirstLineSupportSshCheck = async (event) => {
          // Tagged during the first re-check (the second SSH check), before the next one.
          if (++sshChecks === 2) instance.tags[CpuFirstLineSupport.PAUSE_TAG_KEY] = 'maintenance';
          return HANDLERS_BY_FUNCTION_ID.CpuFirstLineSupportSshCheck(event);
        };
      },
    },
    expected: { outcome: 'Paused', reboots: 1 },
  },
  {
    fault: 'OpsGenie answers 503 to its next 8 requests (down for about a minute)',
    response: 'The notifier gives up after 3 attempts with a retryable error; the state machine retries after 10, 20 and 40 s; one alert pages',
    scenario: { initialHealth: 'hung', afterReboot: 'hung', props: QUICK_RECHECKS, inject: ({ notifiers }) => notifiers.opsGenieQueue.push(...answers(503, 8)) },
    expected: { outcome: 'Escalated', reboots: 1, opsGenie: 1, opsGeniePages: 1 },
  },
  {
    fault: 'Slack rate-limits twice with Retry-After: 30',
    response: 'Too long to wait inside the function: retried by the state machine, and the recovery is posted (no error page)',
    scenario: { initialHealth: 'hung', inject: ({ notifiers }) => notifiers.slackQueue.push(...answers(429, 2, { 'retry-after': '30' })) },
    expected: { outcome: 'Recovered', reboots: 1, slack: 1, opsGenie: 0, text: /recovered after a reboot/ },
  },
  {
    fault: 'An OpsGenie alert for the instance is still open (alias of the instance alone)',
    response: 'Each incident has its own alias (instance and execution): the new escalation pages, instead of adding a count to the open alert',
    scenario: {
      initialHealth: 'hung',
      afterReboot: 'hung',
      props: QUICK_RECHECKS,
      inject: ({ notifiers }) => notifiers.openOpsGenieAlert(`cpu-first-line-support:${'i-0123456789abcdef0'}`),
    },
    expected: { outcome: 'Escalated', reboots: 1, opsGenie: 1, opsGeniePages: 1 },
  },
  {
    fault: 'The CPU alarm stays in ALARM; the instance passes its checks, then hangs 10 minutes later',
    response: 'The execution keeps watching while the alarm is in ALARM: checks every 5 minutes, reboots when it hangs, tells Slack it recovered, and watches on until the alarm clears',
    scenario: { initialHealth: 'healthy', alarmSeconds: 1_500, later: { afterSeconds: 600, health: 'hung' } },
    expected: { outcome: 'All good', reboots: 1, slack: 1, text: /recovered after a reboot/ },
  },
  {
    fault: 'OpsGenie echoes the API key in its error body (HTTP 401)',
    response: 'The key is removed from the error, the logs and the history; Slack is told that paging failed',
    scenario: {
      initialHealth: 'hung',
      afterReboot: 'hung',
      props: QUICK_RECHECKS,
      inject: ({ notifiers }) => notifiers.opsGenieQueue.push(
        ...Array.from({ length: 10 }, () => ({ status: 401, body: { message: `Invalid authorization: GenieKey ${OPSGENIE_KEY}` } }))),
    },
    expected: { status: 'FAILED', outcome: 'Escalation failed', reboots: 1, slack: 1, text: /PAGING FAILED/ },
  },
  {
    fault: 'Slack echoes the bot token in an error (`ok: false`)',
    response: 'The token is removed from the error, the logs and the history; OpsGenie gets the error alert',
    scenario: { initialHealth: 'hung', slackAnswer: { ok: false, error: 'invalid_auth', token: SLACK_TOKEN } },
    expected: { outcome: 'Escalated after error', reboots: 1, slack: 1, opsGenie: 1, text: /invalid_auth/ },
  },
  {
    fault: 'A healthy HTTPS server whose certificate is self-signed and names another host',
    response: 'A configuration error, not a sick instance: CertificateError, not retried, escalated without a reboot (and synth warns)',
    scenario: { initialHealth: 'healthy', https: true },
    expected: { outcome: 'Escalated after error', reboots: 0, opsGenie: 1, text: /CertificateError|certificate/ },
  },
  {
    fault: 'OpsGenie accepts the alert (202) but fails to process it (its team does not exist)',
    response: 'A 202 is not a page: the notifier asks for the request\'s status, finds it failed, and Slack is told that paging failed; the execution fails',
    scenario: {
      initialHealth: 'hung',
      afterReboot: 'hung',
      props: QUICK_RECHECKS,
      inject: ({ notifiers }) => {
        notifiers.opsGenieProcessingFailure = 'Team [sre] does not exist';
      },
    },
    expected: { status: 'FAILED', outcome: 'Escalation failed', reboots: 1, opsGenie: 1, opsGeniePages: 0, slack: 1, text: /PAGING FAILED[\s\S]*does not exist/ },
  },
  ...NOTIFIER_FAULTS,
];

/** The README table: one row per fault. */
export function faultTable(): string {
  const rows = FAULTS.map((f, i) => `| ${i + 1} | ${f.fault} | ${f.response} | ${f.expected.outcome}${f.expected.status === 'FAILED' ? ' (execution FAILED → alarm)' : ''} |`);
  return ['| # | Fault | What the library does | Ends at |', '|---|---|---|---|', ...rows].join('\n');
}
