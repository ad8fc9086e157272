/**
 * Incidents played through a synthesized example stack on this machine: the fakes stand
 * in for the instance, Slack, OpsGenie and the AWS APIs; the workflow and the handlers
 * are the real ones. Used by `npx projen demo` and by the workflow tests.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { SimulatedClock } from './clock';
import { FakeAlarm, FakeLockTable } from './fake-aws';
import { FakePagerDuty, FakePagerDutyAlert, PagerDutyRequest } from './fake-pagerduty';
import { FakeTeamsPost, FakeTeamsRequest, FakeTeamsWorkflow } from './fake-teams';
import { awsError, FakeInstance, FakeNotifiers, FakeOpsGenieAlert, InstanceHealth, mockAws, ReceivedRequest } from './fakes';
import { ExecutionRegistry, LocalHandler, NotificationServices, RunReport, runWorkflow } from './harness';
import { clearSecretCache } from '../lambda/shared/secrets';
import {
  CpuFirstLineSupport, CpuFirstLineSupportProps, INotifier, Notifier, OpsGenieEndpoint, OpsGeniePriority, PagerDutyEndpoint, UrlCheckProtocol,
} from '../src';

export const INSTANCE_ID = 'i-0123456789abcdef0';
export const HEALTH_CHECK_ID = 'abcdef01-2345-6789-abcd-ef0123456789';
export const SLACK_TOKEN_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:slack-bot-token-AbCdEf';
export const OPSGENIE_KEY_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:opsgenie-api-key-AbCdEf';
/** Planted secret values: no test may ever find them outside the mocked Secrets Manager. */
export const SLACK_TOKEN = 'xoxb-planted-slack-token-0000000000';
export const OPSGENIE_KEY = 'planted-opsgenie-key-11111111-2222';
export const PAGERDUTY_KEY_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:pagerduty-routing-key-AbCdEf';
/** A planted routing key: 32 characters, as PagerDuty's integration keys are. */
export const PAGERDUTY_ROUTING_KEY = 'planted-pagerduty-routing-key-33';
/** The secret whose value is the fake Teams workflow's webhook URL (planted too: `ScenarioResult.teamsWebhookUrl`). */
export const TEAMS_URL_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:teams-webhook-url-AbCdEf';

/** Where the loopback stand-ins of the paging services listen, for a scenario's notifier factories. */
export interface FakeEndpoints {
  readonly opsGenieBaseUrl: string;
  readonly pagerDutyBaseUrl: string;
}

/** One incident to play. */
export interface Scenario {
  readonly name: string;
  /** How the instance is when the alarm fires. */
  readonly initialHealth: InstanceHealth;
  /** How the instance is once it has booted after a reboot. @default 'healthy' */
  readonly afterReboot?: InstanceHealth;
  /** How long a reboot takes, in simulated seconds. @default 0 */
  readonly bootSeconds?: number;
  /** Makes `GetHealthCheckStatus` throttle on every call. */
  readonly route53Throttles?: boolean;
  /** What the fake Slack answers. */
  readonly slackAnswer?: Record<string, unknown>;
  /** The HTTP status the fake OpsGenie answers with. @default 202 */
  readonly opsGenieStatus?: number;
  /** Props that override the example's. */
  readonly props?: Partial<CpuFirstLineSupportProps>;
  /** The EC2 state the instance reports. @default 'running' */
  readonly instanceState?: string;
  /** The instance's tags when the alarm fires. @default - none */
  readonly tags?: Record<string, string>;
  /** The instance has no public IP address. */
  readonly noPublicIp?: boolean;
  /** The URL check asks for HTTPS (a self-signed certificate for another name), verifying the certificate. */
  readonly https?: boolean;
  /** How many alarm events arrive at once, each starting an execution. @default 1 */
  readonly concurrentAlarms?: number;
  /**
   * Real milliseconds between the starts of the concurrent executions (EventBridge delivers
   * at least once: a duplicate may come a moment later). @default 0
   */
  readonly alarmSpacingMs?: number;
  /** How long the CPU alarm stays in ALARM after it fired, in simulated seconds. @default 0 */
  readonly alarmSeconds?: number;
  /** The execution's input, e.g. a drill's; the alarm's state-change event by default. */
  readonly input?: unknown;
  /** Another escalation notifier than the fake OpsGenie (see `pagerDutyNotifier`, `teamsNotifier`). */
  readonly escalation?: (stack: Stack, opsGenieBaseUrl: string, endpoints: FakeEndpoints) => INotifier;
  /** Another recovery notifier than the fake Slack. */
  readonly recovery?: (stack: Stack, endpoints: FakeEndpoints) => INotifier;
  /**
   * The routing keys of the integrations the fake PagerDuty knows; the planted key is refused
   * ("Invalid routing key") when it is not among them. @default - every 32-character key
   */
  readonly pagerDutyRoutingKeys?: string[];
  /** Where the workflow's own SNS messages and EventBridge events go. @default - recorded in the report */
  readonly notificationServices?: NotificationServices;
  /** What happens after some simulated seconds: the instance hangs or is fixed, someone tags it, or `act` does something to the stand-ins. */
  readonly later?: {
    readonly afterSeconds: number;
    readonly health?: InstanceHealth;
    readonly tags?: Record<string, string>;
    readonly act?: (world: World) => void;
  };
  /** Replaces handlers by function construct ID, e.g. to make one throw. */
  readonly handlerOverrides?: Record<string, LocalHandler>;
  /** Injects a fault into the stand-ins or the AWS mocks before the run. */
  readonly inject?: (world: World) => void;
}

/** The stand-ins a scenario runs against. */
export interface World {
  readonly instance: FakeInstance;
  readonly notifiers: FakeNotifiers;
  /** The fake PagerDuty Events API v2. */
  readonly pagerDuty: FakePagerDuty;
  /** The fake Microsoft Teams workflow webhook. */
  readonly teams: FakeTeamsWorkflow;
  readonly aws: ReturnType<typeof mockAws>;
  /** Names the executions. */
  readonly registry: ExecutionRegistry;
  /** The stack's incident-lock table. */
  readonly locks: FakeLockTable;
  /** The simulated clock of the scenario. */
  readonly clock: SimulatedClock;
  /** Handlers to replace, by function construct ID; `inject` may fill it. */
  readonly handlerOverrides: Record<string, LocalHandler>;
}

/** What a scenario produced. */
export interface ScenarioResult {
  readonly scenario: Scenario;
  /** The execution's report; with concurrent alarms, the first execution's. */
  readonly report: RunReport;
  /** Every execution's report, in the order they were started. */
  readonly reports: RunReport[];
  /** The instance's tags after the run. */
  readonly tags: Record<string, string>;
  readonly reboots: number;
  readonly slackMessages: ReceivedRequest[];
  readonly opsGenieAlerts: ReceivedRequest[];
  /** OpsGenie alerts that notified someone (one per open alias). */
  readonly opsGeniePages: ReceivedRequest[];
  /** Every close-alert request OpsGenie answered. */
  readonly opsGenieCloses: ReceivedRequest[];
  /** Every alert OpsGenie holds at the end, by alias (open and closed). */
  readonly opsGenieAlertsByAlias: ReadonlyMap<string, FakeOpsGenieAlert>;
  /** Every request the fake PagerDuty received, whatever it answered. */
  readonly pagerDutyRequests: PagerDutyRequest[];
  /** The PagerDuty triggers that paged someone (each opened an alert). */
  readonly pagerDutyPages: PagerDutyRequest[];
  /** Every alert PagerDuty holds at the end (triggered, acknowledged or resolved). */
  readonly pagerDutyAlerts: readonly FakePagerDutyAlert[];
  /** Every request the fake Teams webhook received, whatever it answered. */
  readonly teamsRequests: FakeTeamsRequest[];
  /** The cards the Teams workflow posted to its channel. */
  readonly teamsPosts: FakeTeamsPost[];
  /** The Teams webhook URL, the value of the Teams secret (a planted secret). */
  readonly teamsWebhookUrl: string;
  /** Everything the handlers logged. */
  readonly logs: string[];
  /** Real milliseconds per simulated second of waiting. */
  readonly msPerSecond: number;
  /** The synthesized stack. */
  readonly stack: Stack;
}

/** The incidents the demo plays and the workflow tests assert. */
export const SCENARIOS: Scenario[] = [
  { name: 'healthy despite the CPU', initialHealth: 'healthy' },
  { name: 'hung, back 75 s after the reboot', initialHealth: 'hung', bootSeconds: 75 },
  { name: 'hung, never back', initialHealth: 'hung', afterReboot: 'hung' },
  { name: 'hung, Route 53 API throttles until the handler gives up', initialHealth: 'hung', route53Throttles: true },
  { name: 'hung, back, but Slack rejects the message', initialHealth: 'hung', slackAnswer: { ok: false, error: 'channel_not_found' } },
  { name: 'hung, five alarm events at once', initialHealth: 'hung', concurrentAlarms: 5 },
  {
    name: 'hung again 20 minutes after a reboot (budget: 1 per hour)',
    initialHealth: 'hung',
    tags: { 'cpu-first-line-support:reboots': new Date(Date.now() - 20 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') },
  },
];

/** The example stack: one instance, all three checks, Slack for recoveries and OpsGenie for escalations. */
export function exampleStack(
  instance: FakeInstance, notifiers: FakeNotifiers, props: Partial<CpuFirstLineSupportProps> = {},
  replace: Pick<Scenario, 'escalation' | 'recovery'> = {},
  endpoints: FakeEndpoints = { opsGenieBaseUrl: notifiers.opsGenieBaseUrl, pagerDutyBaseUrl: PagerDutyEndpoint.US.baseUrl },
) {
  const app = new App();
  const stack = new Stack(app, 'ExampleStack', { env: { account: '123456789012', region: 'us-east-1' } });
  const replaced: Partial<CpuFirstLineSupportProps> = {
    ...(replace.escalation ? { escalationNotifier: replace.escalation(stack, notifiers.opsGenieBaseUrl, endpoints) } : {}),
    ...(replace.recovery ? { recoveryNotifier: replace.recovery(stack, endpoints) } : {}),
  };
  const support = new CpuFirstLineSupport(stack, 'Api', {
    instanceId: INSTANCE_ID,
    healthCheckId: HEALTH_CHECK_ID,
    urlCheck: { port: instance.httpPort, path: '/health', timeout: Duration.seconds(2) },
    sshCheck: { port: instance.sshPort, timeout: Duration.seconds(2) },
    recoveryNotifier: Notifier.slack({
      botToken: secretsmanager.Secret.fromSecretCompleteArn(stack, 'SlackToken', SLACK_TOKEN_ARN),
      channel: 'C0123456789',
      apiBaseUrl: notifiers.slackApiBaseUrl,
    }),
    escalationNotifier: Notifier.opsGenie({
      apiKey: secretsmanager.Secret.fromSecretCompleteArn(stack, 'OpsGenieKey', OPSGENIE_KEY_ARN),
      team: 'sre',
      priority: OpsGeniePriority.P2,
      endpoint: OpsGenieEndpoint.custom(notifiers.opsGenieBaseUrl),
    }),
    // Four watch or follow-up cycles: an instance that stays hung is followed for 20 minutes, not 6 hours.
    watch: { maxDuration: Duration.minutes(20) },
    ...replaced,
    ...props,
  });
  return { stack, support };
}

/** PagerDuty through the fake Events API, with the planted routing key: for `Scenario.escalation` or `recovery`. */
export function pagerDutyNotifier(stack: Stack, endpoints: FakeEndpoints): INotifier {
  return Notifier.pagerDuty({
    routingKey: secretsmanager.Secret.fromSecretCompleteArn(stack, 'PagerDutyKey', PAGERDUTY_KEY_ARN),
    endpoint: PagerDutyEndpoint.custom(endpoints.pagerDutyBaseUrl),
  });
}

/** Microsoft Teams through the fake workflow webhook, whose URL is the Teams secret: for `Scenario.escalation` or `recovery`. */
export function teamsNotifier(stack: Stack): INotifier {
  return Notifier.microsoftTeams({ webhookUrl: secretsmanager.Secret.fromSecretCompleteArn(stack, 'TeamsWebhookUrl', TEAMS_URL_ARN) });
}

/** Starts the stand-ins of a scenario, with the planted secrets in the mocked Secrets Manager. */
async function startStandIns(scenario: Scenario) {
  const instance = await new FakeInstance().start();
  const notifiers = await new FakeNotifiers().start();
  const pagerDuty = await new FakePagerDuty(scenario.pagerDutyRoutingKeys ? { routingKeys: scenario.pagerDutyRoutingKeys } : {}).start();
  const teams = await new FakeTeamsWorkflow().start();
  const aws = mockAws(instance, INSTANCE_ID, {
    [SLACK_TOKEN_ARN]: SLACK_TOKEN,
    [OPSGENIE_KEY_ARN]: OPSGENIE_KEY,
    [PAGERDUTY_KEY_ARN]: PAGERDUTY_ROUTING_KEY,
    [TEAMS_URL_ARN]: teams.webhookUrl,
  });
  return { instance, notifiers, pagerDuty, teams, aws };
}

/** Sends everything the console gets to `logs` instead; returns the function that restores the console. */
function captureConsole(logs: string[]): () => void {
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) => {
    const original = console[level];
    console[level] = (...args: unknown[]) => {
      logs.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    };
    return () => {
      console[level] = original;
    };
  });
  return () => spies.forEach((restore) => restore());
}

/** Puts the instance and the stand-ins in the state the scenario starts from. */
function prepare(scenario: Scenario, { instance, notifiers, aws }: Pick<World, 'instance' | 'notifiers' | 'aws'>, msPerSecond: number): void {
  instance.health = scenario.initialHealth;
  instance.afterReboot = scenario.afterReboot ?? 'healthy';
  instance.bootMs = (scenario.bootSeconds ?? 0) * msPerSecond;
  if (scenario.slackAnswer) notifiers.slackAnswer = scenario.slackAnswer;
  if (scenario.opsGenieStatus) notifiers.opsGenieStatus = scenario.opsGenieStatus;
  if (scenario.route53Throttles) {
    aws.failNext('GetHealthCheckStatus', awsError('ThrottlingException', 'Rate exceeded'), Infinity);
  }
  instance.state = scenario.instanceState ?? 'running';
  instance.tags = { ...scenario.tags };
  if (scenario.noPublicIp) instance.publicIp = undefined;
}

/** Starts the timer of `scenario.later`, if any. */
function scheduleLater(scenario: Scenario, world: World, msPerSecond: number): NodeJS.Timeout | undefined {
  const later = scenario.later;
  if (!later) return undefined;
  return setTimeout(() => {
    if (later.health) {
      world.instance.health = later.health;
      world.instance.afterReboot = 'healthy';
    }
    Object.assign(world.instance.tags, later.tags);
    later.act?.(world);
  }, later.afterSeconds * msPerSecond);
}

/**
 * Plays one scenario: starts the fakes, synthesizes the example stack, runs its state
 * machine locally and tears everything down. The AWS mocks are process-wide: play one
 * scenario at a time.
 *
 * @param msPerSecond real milliseconds per simulated second of waiting
 */
export async function playScenario(scenario: Scenario, msPerSecond = 10): Promise<ScenarioResult> {
  // Every scenario starts like a fresh Lambda environment: nothing cached.
  clearSecretCache();
  const { instance, notifiers, pagerDuty, teams, aws } = await startStandIns(scenario);
  const logs: string[] = [];
  let laterTimer: NodeJS.Timeout | undefined;
  const restoreConsole = captureConsole(logs);
  try {
    prepare(scenario, { instance, notifiers, aws }, msPerSecond);
    const registry = new ExecutionRegistry();
    const locks = new FakeLockTable();
    const clock = new SimulatedClock();
    const alarm = new FakeAlarm(clock, (scenario.alarmSeconds ?? 0) * 1000);
    const handlerOverrides: Record<string, LocalHandler> = { ...scenario.handlerOverrides };
    const world: World = { instance, notifiers, pagerDuty, teams, aws, registry, locks, clock, handlerOverrides };
    scenario.inject?.(world);
    const httpsCheck = scenario.https
      ? { urlCheck: { protocol: UrlCheckProtocol.HTTPS, port: instance.httpsPort, path: '/health', timeout: Duration.seconds(2) } }
      : {};
    const endpoints = { opsGenieBaseUrl: notifiers.opsGenieBaseUrl, pagerDutyBaseUrl: pagerDuty.baseUrl };
    const { stack, support } = exampleStack(instance, notifiers, { ...httpsCheck, ...scenario.props }, scenario, endpoints);
    laterTimer = scheduleLater(scenario, world, msPerSecond);
    const reports = await Promise.all(Array.from({ length: scenario.concurrentAlarms ?? 1 }, async (_, i) => {
      await new Promise((resolve) => setTimeout(resolve, i * (scenario.alarmSpacingMs ?? 0)));
      return runWorkflow(support, {
        msPerWaitSecond: msPerSecond,
        registry,
        locks,
        clock,
        alarm,
        handlerOverrides,
        input: scenario.input,
        notificationServices: scenario.notificationServices,
      });
    }));
    await Promise.all([notifiers.settled(), pagerDuty.settled()]);
    return {
      scenario,
      report: reports[0],
      reports,
      tags: { ...instance.tags },
      reboots: instance.reboots,
      slackMessages: notifiers.slackMessages,
      opsGenieAlerts: notifiers.opsGenieAlerts,
      opsGeniePages: notifiers.opsGeniePages,
      opsGenieCloses: notifiers.opsGenieCloses,
      opsGenieAlertsByAlias: notifiers.opsGenieAlertsByAlias,
      pagerDutyRequests: pagerDuty.requests,
      pagerDutyPages: pagerDuty.pages,
      pagerDutyAlerts: pagerDuty.alerts,
      teamsRequests: teams.requests,
      teamsPosts: teams.posts,
      teamsWebhookUrl: teams.webhookUrl,
      logs,
      msPerSecond,
      stack,
    };
  } finally {
    clearTimeout(laterTimer);
    restoreConsole();
    aws.restore();
    await Promise.all([instance.stop(), notifiers.stop(), pagerDuty.stop(), teams.stop()]);
  }
}

/** The text of a Slack message or an OpsGenie alert, for printing and searching. */
export function messageText(request: ReceivedRequest): string {
  const body = request.body ?? {};
  return [body.text, body.message, body.description].filter((s) => typeof s === 'string').join('\n');
}
