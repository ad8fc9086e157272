/**
 * The fault-injection suite: every fault of `local/faults.ts` played through the synthesized
 * state machine with the real handlers, asserting what the library does about it, that no
 * planted secret leaks anywhere, and that the README's table is the catalogue's.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { cardText } from '../local/fake-teams';
import { Fault, FAULTS, faultTable } from '../local/faults';
import { messageText, OPSGENIE_KEY, PAGERDUTY_ROUTING_KEY, playScenario, ScenarioResult, SLACK_TOKEN } from '../local/scenarios';

/** Real milliseconds per simulated second of waiting. */
const MS_PER_SECOND = 4;

/** Whether an HTTP status is a transient failure the sender retries: 429 or 5xx (PagerDuty's and Teams' documented retry cases). */
const transient = (status: number) => status === 429 || status >= 500;

/** A PagerDuty event without its routing key (which the event carries by design). */
const withoutRoutingKey = (body: any) => ({ ...body, routing_key: undefined });

/** The text of each Teams card, PagerDuty event, SNS message and EventBridge event of a run. */
function otherMessages(result: ScenarioResult): string[] {
  const services = result.report.notificationServices;
  return [
    ...result.teamsPosts.map((post) => cardText(post.card)),
    ...result.pagerDutyRequests.filter((r) => r.accepted).map((r) => [r.body?.payload?.summary, r.body?.payload?.custom_details?.description].join('\n')),
    ...services.published.map((p) => [p.Subject, p.Message].join('\n')),
    ...services.events.map((e) => (typeof e.Detail === 'string' ? e.Detail : JSON.stringify(e.Detail))),
  ];
}

/** Everything a human could read about a run: the messages delivered, else the execution's output. */
function readableText(result: ScenarioResult): string {
  const messages = [...result.slackMessages, ...result.opsGenieAlerts]
    .map((m) => [messageText(m), m.body?.description ?? ''].join('\n'))
    .concat(otherMessages(result));
  return messages.length > 0 ? messages.join('\n') : JSON.stringify(result.report.output);
}

/** Retries of each state, by name. */
function retriesByState(result: ScenarioResult): Record<string, number> {
  const retried: Record<string, number> = {};
  for (const event of result.report.events.filter((e) => e.type === 'StateRetried')) {
    retried[event.state.name] = (retried[event.state.name] ?? 0) + 1;
  }
  return retried;
}

/** Checks that every PagerDuty resolve closed the alert that its incident's trigger opened; returns how many did. */
function resolvesOfPages(result: ScenarioResult): number {
  const resolves = result.pagerDutyRequests.filter((r) => r.accepted && r.body?.event_action === 'resolve');
  const pagedKeys = result.pagerDutyPages.map((p) => p.body.dedup_key);
  for (const key of pagedKeys) {
    expect(key).toMatch(/^cpu-first-line-support:i-0123456789abcdef0:\S+$/);
  }
  for (const resolve of resolves) {
    expect(pagedKeys).toContain(resolve.body.dedup_key);
    expect(result.pagerDutyAlerts.find((a) => a.dedupKey === resolve.body.dedup_key)?.status).toBe('resolved');
  }
  return resolves.length;
}

/** Whether the stack's execution-failure rule matches the end of this run. */
function failureRuleMatches(result: ScenarioResult): boolean {
  const template = Template.fromStack(result.stack).toJSON();
  const rule = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern.source?.[0] === 'aws.states');
  const machine = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  const prefix: string = result.stack.resolve(rule.Properties.EventPattern.detail.stateMachineArn[0].prefix)['Fn::Join'][1].slice(2).join('');
  const arn = `:states:${result.stack.region}:${result.stack.account}:stateMachine:${machine.Properties.StateMachineName}`;
  return rule.Properties.EventPattern.detail.status.includes(result.report.status) && arn.startsWith(prefix);
}

describe.each(FAULTS.map((fault, i): [string, Fault] => [`${i + 1}. ${fault.fault}`, fault]))('%s', (_, fault) => {
  let result: ScenarioResult;
  beforeAll(async () => {
    result = await playScenario({ name: fault.fault, ...fault.scenario }, MS_PER_SECOND);
  }, 60_000);

  test(`→ ${fault.expected.outcome}`, () => {
    const { expected } = fault;
    expect(result.report.status).toBe(expected.status ?? 'SUCCEEDED');
    expect(result.report.outcome).toBe(expected.outcome);
    expect(result.reboots).toBe(expected.reboots);
    expect(result.slackMessages).toHaveLength(expected.slack ?? 0);
    expect(result.opsGenieAlerts).toHaveLength(expected.opsGenie ?? 0);
    if (expected.text) {
      expect(readableText(result)).toMatch(expected.text);
    }
    if (expected.opsGeniePages !== undefined) {
      expect(result.opsGeniePages).toHaveLength(expected.opsGeniePages);
    }
    if (expected.ledgerAfter !== undefined) {
      expect(result.tags['cpu-first-line-support:reboots'] ?? '').toBe(expected.ledgerAfter);
    }
    if (expected.outcomes) {
      expect(result.reports.map((r) => r.outcome).sort()).toEqual(expected.outcomes);
    }
  });

  test('the other notifiers: PagerDuty, Teams, SNS, EventBridge, OpsGenie closes, retries', () => {
    const { expected } = fault;
    expect(result.pagerDutyRequests.filter((r) => !transient(r.status))).toHaveLength(expected.pagerDuty ?? 0);
    expect(result.teamsRequests.filter((r) => !transient(r.status))).toHaveLength(expected.teams ?? 0);
    expect(result.report.notificationServices.published).toHaveLength(expected.snsMessages ?? 0);
    expect(result.report.notificationServices.events).toHaveLength(expected.events ?? 0);
    if (expected.pagerDutyPages !== undefined) {
      expect(result.pagerDutyPages).toHaveLength(expected.pagerDutyPages);
    }
    if (expected.pagerDutyResolves !== undefined) {
      expect(resolvesOfPages(result)).toBe(expected.pagerDutyResolves);
    }
    if (expected.teamsPosts !== undefined) {
      expect(result.teamsPosts).toHaveLength(expected.teamsPosts);
    }
    if (expected.opsGenieCloses !== undefined) {
      expect(result.opsGenieCloses).toHaveLength(expected.opsGenieCloses);
    }
    if (expected.retried) {
      const retried = retriesByState(result);
      expect(Object.fromEntries(Object.keys(expected.retried).map((state) => [state, retried[state] ?? 0]))).toEqual(expected.retried);
    }
  });

  test('never silent: a human is told, or nothing was wrong, or the execution-failure alarm fires', () => {
    const { published, events } = result.report.notificationServices;
    const told = [...result.slackMessages, ...result.opsGenieAlerts, ...result.pagerDutyRequests].some((m) => m.accepted)
      || result.teamsPosts.length > 0 || published.length > 0 || events.length > 0;
    const quietByDesign = ['All good', 'Paused', 'Already handled'].includes(result.report.outcome!);
    if (result.report.status === 'FAILED') {
      expect(failureRuleMatches(result)).toBe(true);
    } else {
      expect(told || quietByDesign).toBe(true);
    }
  });

  test('a reboot is always recorded on the instance before it happens', () => {
    const recorded = result.tags['cpu-first-line-support:reboots'];
    if (result.reboots > 0) {
      expect(recorded).toMatch(/^(\S+Z ?)+$/);
      const times = recorded.split(' ');
      expect(Date.now() - Date.parse(times.at(-1)!)).toBeLessThan(5 * 60_000);
    }
  });

  test('no planted secret in the template, the function environments, the logs or the history', () => {
    const template = Template.fromStack(result.stack).toJSON();
    const environments = Object.values<any>(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => r.Properties.Environment);
    const haystacks = [
      JSON.stringify(template),
      JSON.stringify(environments),
      result.logs.join('\n'),
      ...result.reports.map((r) => JSON.stringify(r.events)),
      ...result.reports.map((r) => JSON.stringify(r.output)),
      ...[...result.slackMessages, ...result.opsGenieAlerts].map((m) => JSON.stringify(m.body)),
      ...result.pagerDutyRequests.map((r) => JSON.stringify(withoutRoutingKey(r.body))),
      ...result.teamsPosts.map((post) => JSON.stringify(post.card)),
      ...otherMessages(result),
    ];
    // The Teams webhook URL is the credential; its signature alone is enough to post.
    const teamsSignature = new URL(result.teamsWebhookUrl).searchParams.get('sig')!;
    expect(teamsSignature.length).toBeGreaterThan(20);
    for (const haystack of haystacks) {
      expect(haystack).not.toContain(SLACK_TOKEN);
      expect(haystack).not.toContain(OPSGENIE_KEY);
      expect(haystack).not.toContain(PAGERDUTY_ROUTING_KEY);
      expect(haystack).not.toContain(result.teamsWebhookUrl);
      expect(haystack).not.toContain(teamsSignature);
    }
  });
});

test('the catalogue holds at least 25 faults', () => {
  expect(FAULTS.length).toBeGreaterThanOrEqual(25);
});

test('the README shows the catalogue\'s table', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf-8');
  expect(readme).toContain(faultTable());
});
