/**
 * The notifiers the workflow delivers itself (SNS, EventBridge) and `Notifier.all()`: the
 * synthesized definition run locally, with Amazon SNS and EventBridge as the Step Functions
 * integrations call them (local/harness.ts `NotificationServices`).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { NotificationServices } from '../local/harness';
import { OPSGENIE_KEY_ARN, playScenario, SCENARIOS } from '../local/scenarios';
import { Notifier, OpsGenieEndpoint } from '../src';

const MS_PER_SECOND = 10;
const hungNeverBack = SCENARIOS.find((s) => s.name === 'hung, never back')!;
const SHORT_RECHECKS = { recheck: { gracePeriod: Duration.seconds(60), deadline: Duration.minutes(3) }, watch: { resolveEscalations: false } };

describe('Notifier.snsTopic and Notifier.eventBridge, through Notifier.all', () => {
  let services: NotificationServices;
  let result: Awaited<ReturnType<typeof playScenario>>;
  beforeAll(async () => {
    services = new NotificationServices();
    result = await playScenario({
      ...hungNeverBack,
      props: SHORT_RECHECKS,
      notificationServices: services,
      escalation: (stack: Stack, opsGenieBaseUrl: string) => Notifier.all(
        Notifier.opsGenie({
          apiKey: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Key', OPSGENIE_KEY_ARN),
          endpoint: OpsGenieEndpoint.custom(opsGenieBaseUrl),
        }),
        Notifier.snsTopic(new sns.Topic(stack, 'Alerts')),
        Notifier.eventBridge(),
      ),
    }, MS_PER_SECOND);
  });

  test('every notifier hears the escalation once, and the step records each delivery', () => {
    expect(result.report.status).toBe('SUCCEEDED');
    expect(result.report.outcome).toBe('Escalated');
    expect(result.opsGeniePages).toHaveLength(1);
    expect(services.published).toHaveLength(1);
    expect(services.events).toHaveLength(1);
    const notify = result.report.timeline.find((t) => t.state === 'Notify unresponsive')!;
    expect(notify.output.notification.delivery).toMatchObject({ delivered: true, notifier: 'all' });
    expect(notify.output.notification.delivery.deliveries.map((d: any) => d.delivery.notifier)).toEqual(['opsgenie', 'sns', 'eventbridge']);
    expect(notify.output.notification.delivery.deliveries.map((d: any) => d.delivered)).toEqual([true, true, true]);
  });

  test('SNS gets an Amazon Q Developer custom notification, with the title as the subject (for e-mail) and filterable attributes', () => {
    const [publish] = services.published;
    expect(publish.MessageStructure).toBeUndefined();
    expect(publish.Subject).toBe('EC2 instance i-0123456789abcdef0 unresponsive after a reboot');
    expect(publish.MessageAttributes).toEqual({
      kind: { DataType: 'String', StringValue: 'UNRESPONSIVE' },
      instanceId: { DataType: 'String', StringValue: 'i-0123456789abcdef0' },
    });
    // https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html
    const custom = JSON.parse(publish.Message);
    expect(custom).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown', title: publish.Subject, description: expect.stringMatching(/still fails them\. A human must look at it\. Execution: arn:aws:states:/) },
      metadata: { eventType: 'UNRESPONSIVE', additionalContext: { instanceId: 'i-0123456789abcdef0', kind: 'UNRESPONSIVE', drill: 'false' } },
    });
    expect(custom.metadata.threadId).toMatch(/^arn:aws:states:/);
    // Amazon Q Developer's schema: additionalContext holds strings only.
    expect(Object.values(custom.metadata.additionalContext).every((value) => typeof value === 'string')).toBe(true);
  });

  test('EventBridge gets a documented detail type, with the notification\'s fields as its detail', () => {
    const [entry] = services.events;
    expect(entry).toMatchObject({ Source: 'cdk-cpu-first-line-support', DetailType: 'Instance Unresponsive', EventBusName: expect.any(String) });
    const detail = typeof entry.Detail === 'string' ? JSON.parse(entry.Detail) : entry.Detail;
    expect(detail).toMatchObject({ kind: 'UNRESPONSIVE', instanceId: 'i-0123456789abcdef0', drill: false, rebootIssued: true });
    expect(detail.lastRun.length).toBeGreaterThan(0);
    expect(detail.parameters).toBeUndefined();
  });

  test('the workflow role may publish to that topic and put events on the default bus, and nothing else of the kind', () => {
    const template = Template.fromStack(result.stack).toJSON();
    const statements = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::IAM::Role' && r.Properties.Policies)
      .flatMap((r) => r.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement));
    expect(statements.find((s: any) => s.Sid === 'PublishNotifications')).toMatchObject({ Action: 'sns:Publish', Resource: { Ref: expect.stringMatching(/^Alerts/) } });
    expect(statements.find((s: any) => s.Sid === 'PutNotificationEvents')).toMatchObject({
      Action: 'events:PutEvents',
      Condition: { StringEquals: { 'events:source': 'cdk-cpu-first-line-support' } },
    });
    expect(JSON.stringify(statements.find((s: any) => s.Sid === 'PutNotificationEvents').Resource)).toContain('event-bus/default');
  });
});

describe('Notifier.all when one notifier fails', () => {
  test('the others still deliver, and the escalation takes the failed path: the execution fails', async () => {
    const services = new NotificationServices();
    services.failEntries = 'ThrottlingException';
    const result = await playScenario({
      ...hungNeverBack,
      props: { ...SHORT_RECHECKS, recoveryNotifier: undefined },
      notificationServices: services,
      escalation: (stack: Stack) => Notifier.all(Notifier.snsTopic(new sns.Topic(stack, 'Alerts')), Notifier.eventBridge()),
    }, MS_PER_SECOND);
    expect(result.report.status).toBe('FAILED');
    expect(result.report.output.Cause).toMatch(/escalation notifier could not deliver/);
    // SNS delivered its message; EventBridge was retried (5 retries) and gave up.
    expect(services.published).toHaveLength(1);
    const retried = result.report.events.filter((e) => e.type === 'StateRetried').map((e) => e.state.name);
    expect(retried.filter((name) => name === 'Notify unresponsive (2)')).toHaveLength(5);
    expect(result.report.path.slice(-4)).toEqual(['Paging failed', 'Record failed escalation', 'Release lock before failing', 'Escalation failed']);
  });
});

describe('a drill through SNS', () => {
  test('the subject says DRILL', async () => {
    const services = new NotificationServices();
    await playScenario({
      name: 'drill',
      initialHealth: 'healthy',
      input: { drill: {} },
      notificationServices: services,
      recovery: (stack: Stack) => Notifier.snsTopic(new sns.Topic(stack, 'Info')),
    }, MS_PER_SECOND);
    expect(services.published.map((p) => p.Subject)).toEqual(['DRILL: EC2 instance i-0123456789abcdef0 would be rebooted (dry run)']);
  });
});

describe('an encrypted topic', () => {
  test('the workflow role may use its key to publish', async () => {
    const result = await playScenario({
      ...hungNeverBack,
      props: SHORT_RECHECKS,
      escalation: (stack: Stack) => Notifier.snsTopic(new sns.Topic(stack, 'Alerts', { masterKey: new kms.Key(stack, 'TopicKey') })),
    }, MS_PER_SECOND);
    const statements = JSON.stringify(Template.fromStack(result.stack).toJSON());
    expect(statements).toContain('"Sid":"EncryptNotifications"');
    expect(statements).toMatch(/"kms:GenerateDataKey\*","kms:Decrypt"\],"Effect":"Allow","Resource":\{"Fn::GetAtt":\["TopicKey/);
  });
});

test('Notifier.snsTopic() refuses a FIFO topic, whose messages need a group ID', () => {
  const stack = new Stack();
  expect(() => Notifier.snsTopic(new sns.Topic(stack, 'Fifo', { fifo: true }))).toThrow(/needs a standard topic/);
});

test('Notifier.eventBridge() puts on the bus it is given', () => {
  const stack = new Stack();
  const bus = new events.EventBus(stack, 'Bus');
  expect(Notifier.eventBridge({ eventBus: bus }).bind(stack).eventBus).toBe(bus);
});

describe('Notifier.all with a notifier function that answers anything', () => {
  test('the answer is kept, and the step is delivered: only a throw means not delivered', async () => {
    const result = await playScenario({
      ...hungNeverBack,
      props: SHORT_RECHECKS,
      escalation: (stack: Stack, opsGenieBaseUrl: string) => Notifier.all(
        Notifier.opsGenie({ apiKey: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Key', OPSGENIE_KEY_ARN), endpoint: OpsGenieEndpoint.custom(opsGenieBaseUrl) }),
      ),
      // The OpsGenie function answers a bare string, as a custom notifier may.
      handlerOverrides: { CpuFirstLineSupportOpsGenieNotifier: async () => 'ok' },
    }, MS_PER_SECOND);
    expect(result.report.status).toBe('SUCCEEDED');
    expect(result.report.outcome).toBe('Escalated');
    const notify = result.report.timeline.find((t) => t.state === 'Notify unresponsive')!;
    expect(notify.output.notification.delivery.deliveries).toEqual([{ delivered: true, notifier: 'Notify unresponsive (1)', delivery: 'ok' }]);
  });
});
