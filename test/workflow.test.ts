/**
 * The synthesized state machine, executed locally by aws-local-stepfunctions with the real
 * handlers: AWS APIs mocked, the instance, Slack and OpsGenie on 127.0.0.1.
 */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { messageText, OPSGENIE_KEY, playScenario, Scenario, ScenarioResult, SCENARIOS, SLACK_TOKEN, INSTANCE_ID } from '../local/scenarios';
import { OUTCOMES } from '../src/contract';

const byName = (name: string): Scenario => {
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (!scenario) throw new Error(`no scenario "${name}"`);
  return scenario;
};

/** Real milliseconds per simulated second: a wait of 30 s takes 300 ms. */
const MS_PER_SECOND = 10;

/** The last `n` states of `path` up to its last outcome. */
function lastBeforeEnd(path: string[], n: number): string[] {
  const outcomes: readonly string[] = OUTCOMES;
  const end = path.map((state) => outcomes.includes(state)).lastIndexOf(true) + 1;
  return path.slice(Math.max(0, end - n), end);
}

describe('healthy first run', () => {
  let result: ScenarioResult;
  beforeAll(async () => {
    result = await playScenario(byName('healthy despite the CPU'), MS_PER_SECOND);
  });

  test('ends quietly: no reboot, no message', () => {
    expect(result.report.status).toBe('SUCCEEDED');
    expect(result.report.path).toEqual([
      'Start incident', 'Drill?', 'Look up instance', 'Inspect instance', 'Drill without lock?', 'Take lock', 'Paused?', 'Check instance', 'Healthy?', 'All good',
      'Record outcome', 'After the outcome',
      // The alarm has left ALARM: nothing to watch; the lock is released.
      'Read alarm state', 'Alarm still on?', 'Release lock', 'Done',
    ]);
    expect(result.reboots).toBe(0);
    expect(result.slackMessages).toHaveLength(0);
    expect(result.opsGenieAlerts).toHaveLength(0);
  });

  test('records each check with its name, verdict, reason and latency', () => {
    const firstRun = result.report.output.firstRun;
    expect(firstRun.map((r: any) => r.check)).toEqual(['url', 'route53', 'ssh']);
    for (const check of firstRun) {
      expect(check).toMatchObject({ passed: true, reason: expect.any(String), latencyMs: expect.any(Number), checkedAt: expect.any(String) });
    }
    expect(firstRun[2].reason).toMatch(/SSH handshake/);
  });
});

describe('unhealthy, reboot, healthy after three re-checks', () => {
  let result: ScenarioResult;
  beforeAll(async () => {
    // Back 75 s after the reboot: the re-checks at 30 s and 60 s fail, the one at 90 s passes.
    result = await playScenario(byName('hung, back 75 s after the reboot'), MS_PER_SECOND);
  });

  test('reboots once and recovers at the third re-check', () => {
    expect(result.report.status).toBe('SUCCEEDED');
    expect(result.reboots).toBe(1);
    expect(result.report.path.filter((s) => s === 'Re-check instance')).toHaveLength(3);
    expect(lastBeforeEnd(result.report.path, 2)).toEqual(['Notify recovered', 'Recovered']);
    expect(result.report.path.slice(-2)).toEqual(['Release lock', 'Done']);
    expect(result.report.output.recheck.count).toBe(3);
  });

  test('re-checks at the grace period, then every interval from the first, without drift', () => {
    const rechecks = result.report.timeline.filter((t) => t.state === 'Re-check instance');
    const reboot = result.report.timeline.find((t) => t.state === 'Reboot instance')!;
    // Simulated time: the real time outside waits plus the waits' own durations.
    expect(rechecks[0].simulatedMs - reboot.simulatedMs).toBeGreaterThanOrEqual(30_000);
    expect(rechecks[0].simulatedMs - reboot.simulatedMs).toBeLessThan(32_000);
    // Re-check k is due k intervals after the first; waits are whole seconds, rounded down, so
    // a re-check starts at most 1 s before it is due, and the time the checks take never adds up.
    for (const k of [1, 2]) {
      const sinceFirst = rechecks[k].simulatedMs - rechecks[0].simulatedMs;
      expect(sinceFirst).toBeGreaterThanOrEqual(k * 30_000 - 1_000);
      expect(sinceFirst).toBeLessThan(k * 30_000 + 1_000);
    }
  });

  test('tells Slack, with the token from the secret, which checks had failed and why', () => {
    expect(result.slackMessages).toHaveLength(1);
    const [message] = result.slackMessages;
    expect(message.authorization).toBe(`Bearer ${SLACK_TOKEN}`);
    expect(message.body.channel).toBe('C0123456789');
    const text = messageText(message);
    expect(text).toContain(INSTANCE_ID);
    expect(text).toMatch(/recovered/i);
    expect(text).toMatch(/URL check: HTTP 503/);
    expect(text).toMatch(/Route 53 health check: 0 of 16/);
    expect(text).toMatch(/SSH check: /);
    expect(text).toMatch(/3 re-checks/);
    expect(text).toMatch(/Recovery took/);
    expect(text).not.toMatch(/undefined|null/);
    expect(result.opsGenieAlerts).toHaveLength(0);
  });
});

describe('unhealthy, reboot, never healthy', () => {
  let result: ScenarioResult;
  beforeAll(async () => {
    result = await playScenario({
      ...byName('hung, never back'),
      // 1 + (180 - 60) / 30 = 5 re-checks keep the test short.
      props: { recheck: { gracePeriod: Duration.seconds(60), deadline: Duration.minutes(3) } },
    }, MS_PER_SECOND);
  });

  test('re-checks until the deadline, then raises one OpsGenie alert and no Slack message', () => {
    expect(result.report.status).toBe('SUCCEEDED');
    expect(result.reboots).toBe(1);
    expect(result.report.path.filter((s) => s === 'Re-check instance')).toHaveLength(5);
    expect(lastBeforeEnd(result.report.path, 2)).toEqual(['Notify unresponsive', 'Escalated']);
    expect(result.opsGenieAlerts).toHaveLength(1);
    expect(result.slackMessages).toHaveLength(0);
  });

  test('follows the escalated incident at the watch interval, and leaves the alert open while the instance still fails', () => {
    const path = result.report.path;
    const afterEscalation = path.slice(path.lastIndexOf('Escalated') + 1);
    // 20 minutes at 5-minute intervals: four follow-up checks, then the execution ends.
    expect(afterEscalation.filter((s) => s === 'Follow-up check')).toHaveLength(4);
    expect(afterEscalation).not.toContain('Notify resolved');
    expect(afterEscalation.slice(-4)).toEqual(['Count follow-up', 'Keep following up?', 'Release lock', 'Done']);
    expect(result.opsGenieCloses).toHaveLength(0);
    expect([...result.opsGenieAlertsByAlias.values()].map((a) => a.open)).toEqual([true]);
  });

  test('the alert carries the key from the secret, is per instance and names what failed in each run', () => {
    const [alert] = result.opsGenieAlerts;
    expect(alert.authorization).toBe(`GenieKey ${OPSGENIE_KEY}`);
    expect(alert.body.alias).toContain(INSTANCE_ID);
    expect(alert.body.message).toMatch(new RegExp(`${INSTANCE_ID}.*unresponsive after a reboot`));
    expect(alert.body.priority).toBe('P2');
    expect(alert.body.responders).toEqual([{ type: 'team', name: 'sre' }]);
    const description: string = alert.body.description;
    expect(description).toMatch(/Before the reboot, 3 of 3 checks failed/);
    expect(description).toMatch(/5 re-checks/);
    expect(description.match(/URL check: HTTP 503/g)).toHaveLength(2);
    expect(description).not.toMatch(/undefined|null/);
  });
});

describe('a handler that throws', () => {
  test('a Route 53 status read that keeps being throttled is retried, then escalated to OpsGenie with the error', async () => {
    const result = await playScenario(byName('hung, Route 53 API throttles until the handler gives up'), MS_PER_SECOND);
    expect(result.report.status).toBe('SUCCEEDED');
    expect(lastBeforeEnd(result.report.path, 4)).toEqual(['Check instance', 'Failed: Check instance', 'Notify error', 'Escalated after error']);
    // The state machine reads the health check's status itself, and retries the throttled call 3 times.
    const retried = result.report.events.filter((e) => e.type === 'StateRetried').map((e) => e.state.name);
    expect(retried).toEqual(['Check Route 53 health check status', 'Check Route 53 health check status', 'Check Route 53 health check status']);
    expect(result.reboots).toBe(0);
    expect(result.opsGenieAlerts).toHaveLength(1);
    expect(result.opsGenieAlerts[0].body.description).toMatch(/ThrottlingException/);
  });

  test('a recovery message Slack refuses is not retried, and OpsGenie is told with Slack\'s error code', async () => {
    const result = await playScenario(byName('hung, back, but Slack rejects the message'), MS_PER_SECOND);
    expect(lastBeforeEnd(result.report.path, 4)).toEqual(['Notify recovered', 'Failed: Notify recovered', 'Notify error', 'Escalated after error']);
    expect(result.slackMessages).toHaveLength(1);
    expect(result.opsGenieAlerts).toHaveLength(1);
    expect(result.opsGenieAlerts[0].body.description).toMatch(/SlackApiError/);
    expect(result.opsGenieAlerts[0].body.description).toMatch(/channel_not_found/);
  });

  test('when the escalation itself fails, the execution fails (visible, never a quiet success)', async () => {
    const result = await playScenario({
      name: 'hung, never back, OpsGenie refuses the key',
      initialHealth: 'hung',
      afterReboot: 'hung',
      props: { recheck: { gracePeriod: Duration.seconds(10), interval: Duration.seconds(10), deadline: Duration.seconds(20) } },
      opsGenieStatus: 401,
    }, MS_PER_SECOND);
    expect(result.report.status).toBe('FAILED');
    expect(result.report.path.slice(-7)).toEqual([
      'Notify unresponsive', 'Undelivered: Notify unresponsive', 'Notify escalation failed',
      'Paging failed', 'Record failed escalation', 'Release lock before failing', 'Escalation failed',
    ]);
    // The recovery notifier hears that paging failed.
    expect(result.slackMessages).toHaveLength(1);
  });
});

describe('secrets', () => {
  test('no planted secret value appears in the template, the logs or the execution history', async () => {
    const results = [
      await playScenario(byName('hung, back 75 s after the reboot'), MS_PER_SECOND),
      await playScenario({ ...byName('hung, never back'), props: { recheck: { deadline: Duration.minutes(2) } } }, MS_PER_SECOND),
    ];
    for (const result of results) {
      const haystacks = [
        JSON.stringify(Template.fromStack(result.stack).toJSON()),
        result.logs.join('\n'),
        JSON.stringify(result.report.events),
        JSON.stringify(result.report.output),
      ];
      for (const haystack of haystacks) {
        expect(haystack).not.toContain(SLACK_TOKEN);
        expect(haystack).not.toContain(OPSGENIE_KEY);
      }
      expect(result.logs.length).toBeGreaterThan(0);
    }
  });
});

describe('an escalated incident that someone fixes later', () => {
  let result: ScenarioResult;
  beforeAll(async () => {
    result = await playScenario({
      ...byName('hung, never back'),
      props: { recheck: { gracePeriod: Duration.seconds(60), deadline: Duration.minutes(3) } },
      // Escalated about 4 minutes in; a human fixes the instance some minutes later.
      later: { afterSeconds: 480, health: 'healthy' },
    }, MS_PER_SECOND);
  });

  test('is resolved at the first follow-up check that passes: the alert raised for the incident is closed by its alias', () => {
    expect(result.report.status).toBe('SUCCEEDED');
    const path = result.report.path;
    const afterEscalation = path.slice(path.indexOf('Escalated') + 1);
    const followUps = afterEscalation.filter((s) => s === 'Follow-up check').length;
    expect(followUps).toBeGreaterThanOrEqual(1);
    // Every follow-up check before the last one failed and was counted.
    expect(afterEscalation.filter((s) => s === 'Count follow-up')).toHaveLength(followUps - 1);
    // The fake alarm has left ALARM: the resolution says so.
    // Resolved, it watches the alarm like after any quiet outcome: the alarm has left ALARM, so it ends.
    expect(afterEscalation.slice(-10)).toEqual([
      'Healthy since the escalation?', 'Resolved with alarm OK', 'Notify resolved', 'Resolved', 'Record outcome', 'After the outcome',
      'Read alarm state', 'Alarm still on?', 'Release lock', 'Done',
    ]);
    expect(lastBeforeEnd(path, 3)).toEqual(['Resolved with alarm OK', 'Notify resolved', 'Resolved']);
    expect(result.report.output.outcome).toBe('Resolved');
    expect(result.opsGeniePages).toHaveLength(1);
    const alias = result.opsGeniePages[0].body.alias;
    expect(result.opsGenieCloses).toHaveLength(1);
    expect(result.opsGenieCloses[0].path).toBe(`/v2/alerts/${encodeURIComponent(alias)}/close?identifierType=alias`);
    expect(result.opsGenieCloses[0].body.note).toMatch(/RESOLVED: .* is healthy again/);
    expect(result.opsGenieCloses[0].body.note).toMatch(/passed every check again and its alarm is back to OK/);
    expect(result.opsGenieAlertsByAlias.get(alias)?.open).toBe(false);
  });
});

describe('a fire drill', () => {
  test('by default runs the real checks, counts them as failed and announces the reboot as a drill, without rebooting', async () => {
    const result = await playScenario({
      name: 'drill on a healthy instance', initialHealth: 'healthy', input: { drill: { requestedBy: 'test' } },
    }, MS_PER_SECOND);
    expect(result.report.status).toBe('SUCCEEDED');
    expect(result.report.path.slice(0, 4)).toEqual(['Start incident', 'Drill?', 'Start drill', 'Look up instance']);
    expect(result.report.output.firstRun.every((r: any) => r.passed)).toBe(true);
    expect(lastBeforeEnd(result.report.path, 2)).toEqual(['Notify would reboot', 'Dry run']);
    expect(result.reboots).toBe(0);
    expect(result.slackMessages).toHaveLength(1);
    expect(messageText(result.slackMessages[0])).toMatch(/DRILL: .*would be rebooted \(dry run\)/);
    expect(messageText(result.slackMessages[0])).toMatch(/Fire drill: this execution was started by hand/);
    expect(result.opsGenieAlerts).toHaveLength(0);
  });

  test('a live drill is an incident as if the alarm fired: a healthy instance is left alone', async () => {
    const result = await playScenario({
      name: 'live drill on a healthy instance', initialHealth: 'healthy', input: { drill: { live: true } },
    }, MS_PER_SECOND);
    expect(result.report.path.slice(0, 4)).toEqual(['Start incident', 'Drill?', 'Start live drill', 'Look up instance']);
    expect(lastBeforeEnd(result.report.path, 1)).toEqual(['All good']);
    expect(result.reboots).toBe(0);
    expect(result.slackMessages).toHaveLength(0);
  });

  test('a live drill of a hung instance reboots it, and the recovery notice says it was a drill', async () => {
    const result = await playScenario({
      ...byName('hung, back 75 s after the reboot'), input: { drill: { live: true } },
    }, MS_PER_SECOND);
    expect(lastBeforeEnd(result.report.path, 2)).toEqual(['Notify recovered', 'Recovered']);
    expect(result.reboots).toBe(1);
    expect(messageText(result.slackMessages[0])).toMatch(/DRILL: .*recovered after a reboot/);
  });

  test('a drill takes no lock: it runs while a real incident holds it, and a real alarm meanwhile is never "Already handled"', async () => {
    const result = await playScenario({
      name: 'drill while the lock is held',
      initialHealth: 'healthy',
      input: { drill: {} },
      inject: ({ locks }) => {
        locks.items.set(INSTANCE_ID, { instanceId: { S: INSTANCE_ID }, holder: { S: 'a-real-incident' }, leaseUntil: { N: String(4_102_444_800) } });
      },
    }, MS_PER_SECOND);
    expect(result.report.path).not.toContain('Take lock');
    expect(result.report.path.slice(4, 7)).toEqual(['Inspect instance', 'Drill without lock?', 'Paused?']);
    expect(lastBeforeEnd(result.report.path, 1)).toEqual(['Dry run']);
  });

  test('a drill whose reboot would not be allowed (budget spent) still only announces: it pages nobody', async () => {
    const result = await playScenario({
      ...byName('hung again 20 minutes after a reboot (budget: 1 per hour)'), input: { drill: {} },
    }, MS_PER_SECOND);
    expect(result.report.output.rebootDecision.verdict).toBe('BUDGET_EXHAUSTED');
    expect(lastBeforeEnd(result.report.path, 2)).toEqual(['Notify would reboot', 'Dry run']);
    expect(result.opsGenieAlerts).toHaveLength(0);
  });

  test('after a live drill, the watch cycles of an alarm that stays on are real incidents, not drills', async () => {
    const result = await playScenario({
      name: 'live drill, alarm stays on', initialHealth: 'healthy', input: { drill: { live: true } }, alarmSeconds: 400,
    }, MS_PER_SECOND);
    const cycle = result.report.timeline.find((t) => t.state === 'Start watch cycle');
    expect(cycle?.output.drill).toEqual({ active: false, dryRun: false, simulateFailure: false, label: '' });
  });

  test('a drill cannot turn off the construct\'s dry run', async () => {
    const result = await playScenario({
      ...byName('hung, back 75 s after the reboot'), input: { drill: { live: true } }, props: { dryRun: true },
    }, MS_PER_SECOND);
    expect(lastBeforeEnd(result.report.path, 2)).toEqual(['Notify would reboot', 'Dry run']);
    expect(result.reboots).toBe(0);
  });
});
