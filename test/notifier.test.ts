import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { Notifier, OpsGenieEndpoint, OpsGeniePriority } from '../src';
import { bindNotifier } from '../src/notifiers/binding';

function stack(): Stack {
  return new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
}

const TOKEN_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-token-AbCdEf';
const OTHER_TOKEN_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:other-token-AbCdEf';
const KEY_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:opsgenie-key-AbCdEf';

describe('notifier destinations', () => {
  test('the endpoint and the secret live in the function\'s configuration; the parameters only name the destination', () => {
    const s = stack();
    const config = Notifier.slack({
      botToken: secretsmanager.Secret.fromSecretCompleteArn(s, 'Token', TOKEN_ARN),
      channel: '#ops',
    }).bind(new Construct(s, 'Support'));

    expect(Object.keys(config.parameters!).sort()).toEqual(['channel', 'destination']);
    expect(config.parameters!.destination).toMatch(/^[0-9A-F]{12}$/);
    expect(JSON.stringify(config.parameters!)).not.toContain('secret');
    expect(JSON.stringify(config.parameters!)).not.toContain('https://');
    expect(config.nonRetryableErrors).toEqual(['SlackApiError']);
    Template.fromStack(s).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [`NOTIFIER_DESTINATION_${config.parameters!.destination}`]: JSON.stringify({ secretArn: TOKEN_ARN, baseUrl: 'https://slack.com/api' }),
        }),
      },
    });
  });

  test('several destinations share one function (same construct ID), each with its own variable; the same one is configured once', () => {
    const s = stack();
    const token = secretsmanager.Secret.fromSecretCompleteArn(s, 'Token', TOKEN_ARN);
    const other = secretsmanager.Secret.fromSecretCompleteArn(s, 'Other', OTHER_TOKEN_ARN);
    const a = Notifier.slack({ botToken: token, channel: '#a' }).bind(new Construct(s, 'A'));
    const b = Notifier.slack({ botToken: token, channel: '#b' }).bind(new Construct(s, 'B'));
    const c = Notifier.slack({ botToken: other, channel: '#c', apiBaseUrl: 'https://slack-gov.com/api/' }).bind(new Construct(s, 'C'));

    expect(a.handler!).toBe(b.handler);
    expect(a.handler!).toBe(c.handler);
    expect(a.handler!.node.id).toBe('CpuFirstLineSupportSlackNotifier');
    expect(a.parameters!.destination).toBe(b.parameters!.destination);
    expect(c.parameters!.destination).not.toBe(a.parameters!.destination);
    const variables = Object.values(Template.fromStack(s).findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;
    expect(Object.keys(variables).filter((name) => name.startsWith('NOTIFIER_DESTINATION_'))).toHaveLength(2);
    expect(JSON.parse(variables[`NOTIFIER_DESTINATION_${c.parameters!.destination}`])).toEqual({ secretArn: OTHER_TOKEN_ARN, baseUrl: 'https://slack-gov.com/api' });
  });

  test('OpsGenie: team and priority are parameters, the key and the endpoint are configuration; refusals are not retried', () => {
    const s = stack();
    const config = Notifier.opsGenie({
      apiKey: secretsmanager.Secret.fromSecretCompleteArn(s, 'Key', KEY_ARN),
      team: 'ops',
      priority: OpsGeniePriority.P2,
      endpoint: OpsGenieEndpoint.EU,
    }).bind(new Construct(s, 'Support'));

    expect(config.handler!.node.id).toBe('CpuFirstLineSupportOpsGenieNotifier');
    expect(config.parameters!).toEqual({ destination: expect.stringMatching(/^[0-9A-F]{12}$/), team: 'ops', priority: 'P2' });
    expect(config.nonRetryableErrors).toEqual(['OpsGenieApiError']);
    Template.fromStack(s).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [`NOTIFIER_DESTINATION_${config.parameters!.destination}`]: JSON.stringify({ secretArn: KEY_ARN, baseUrl: 'https://api.eu.opsgenie.com' }),
        }),
      },
    });
  });

  test('a secret created in the stack is referenced, never its value', () => {
    const s = stack();
    const secret = new secretsmanager.Secret(s, 'Created');
    const config = Notifier.slack({ botToken: secret, channel: '#ops' }).bind(new Construct(s, 'Support'));

    const variables = Object.values(Template.fromStack(s).findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;
    expect(JSON.stringify(variables[`NOTIFIER_DESTINATION_${config.parameters!.destination}`])).toContain('"Ref"');
  });
});

describe('notifier endpoints', () => {
  test.each(['http://slack.example/api', 'ftp://slack.example', 'https://user:pw@slack.example/api', 'https://slack.example/api?x=1', 'not a url'])(
    'fails when apiBaseUrl is %s', (apiBaseUrl) => {
      const s = stack();
      expect(() => Notifier.slack({ botToken: secretsmanager.Secret.fromSecretCompleteArn(s, 'T', TOKEN_ARN), channel: '#ops', apiBaseUrl }))
        .toThrow(/`apiBaseUrl` must be an https:\/\/ URL .*plain http:\/\/ only for a loopback host/);
    });

  test.each(['http://api.opsgenie.example', 'http://10.0.0.1:8080'])('fails when OpsGenieEndpoint.custom gets %s', (url) => {
    expect(() => OpsGenieEndpoint.custom(url)).toThrow(/`endpoint` must be an https:\/\/ URL/);
  });

  test.each(['http://127.0.0.1:8080', 'http://localhost:8080/', 'http://[::1]:8080', 'https://ops.example/gateway/'])(
    'accepts %s (https, or plain http on loopback for the local fakes)', (url) => {
      expect(OpsGenieEndpoint.custom(url).baseUrl).toBe(url.replace(/\/+$/, ''));
      const s = stack();
      expect(() => Notifier.slack({ botToken: secretsmanager.Secret.fromSecretCompleteArn(s, 'T', TOKEN_ARN), channel: '#ops', apiBaseUrl: url }))
        .not.toThrow();
    });
});

describe('Notifier.jiraServiceManagement', () => {
  test('is the OpsGenie notifier pointed at Jira Service Management\'s alert API for integrations', () => {
    const s = stack();
    const key = secretsmanager.Secret.fromSecretCompleteArn(s, 'Key', KEY_ARN);
    const config = Notifier.jiraServiceManagement({ apiKey: key, team: 'sre', priority: OpsGeniePriority.P2 }).bind(new Construct(s, 'Support'));
    expect(config.parameters).toEqual({ destination: expect.stringMatching(/^[0-9A-F]{12}$/), team: 'sre', priority: 'P2' });
    expect(config.nonRetryableErrors).toEqual(['OpsGenieApiError']);
    expect(config.handler!.node.id).toBe('CpuFirstLineSupportOpsGenieNotifier');
    Template.fromStack(s).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [`NOTIFIER_DESTINATION_${config.parameters!.destination}`]: JSON.stringify({
            secretArn: KEY_ARN, baseUrl: 'https://api.atlassian.com/jsm/ops/integration',
          }),
        }),
      },
    });
  });
});

describe('a notifier implemented elsewhere', () => {
  const support = () => new Construct(stack(), 'Support');
  test.each([
    ['nothing', {}],
    ['a function and a topic', { handler: {} as any, topic: {} as any }],
    ['an empty list', { notifiers: [] }],
    ['parameters without a function', { eventBus: {} as any, parameters: { a: 'b' } }],
  ])('returning %s from bind() fails synth, naming the prop', (_, config) => {
    expect(() => bindNotifier(support(), { bind: () => config as any }, 'escalationNotifier')).toThrow(/^`escalationNotifier`/);
  });
});
