import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { PagerDutyEndpoint, PagerDutyNotifier, PagerDutySeverity } from '../src/notifiers/pagerduty';

const KEY_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pagerduty-key-AbCdEf';
const OTHER_KEY_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pagerduty-other-AbCdEf';

function stack(): Stack {
  return new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
}

function key(s: Stack, arn = KEY_ARN, id = 'Key'): secretsmanager.ISecret {
  return secretsmanager.Secret.fromSecretCompleteArn(s, id, arn);
}

/** The environment variables of the stack's only function. */
function variables(s: Stack): Record<string, any> {
  const functions = Object.values(Template.fromStack(s).findResources('AWS::Lambda::Function'));
  expect(functions).toHaveLength(1);
  return functions[0].Properties.Environment.Variables;
}

describe('PagerDutyNotifier', () => {
  test('binds to the stack\'s PagerDuty function; severity is a parameter, the key and the endpoint are configuration; refusals are not retried', () => {
    const s = stack();
    const config = new PagerDutyNotifier({ routingKey: key(s), severity: PagerDutySeverity.CRITICAL, endpoint: PagerDutyEndpoint.EU })
      .bind(new Construct(s, 'Support'));

    expect(config.handler!.node.id).toBe('CpuFirstLineSupportPagerDutyNotifier');
    expect(config.parameters!).toEqual({ destination: expect.stringMatching(/^[0-9A-F]{12}$/), severity: 'critical' });
    expect(config.nonRetryableErrors).toEqual(['PagerDutyApiError']);
    expect(JSON.parse(variables(s)[`NOTIFIER_DESTINATION_${config.parameters!.destination}`]))
      .toEqual({ secretArn: KEY_ARN, baseUrl: 'https://events.eu.pagerduty.com' });
    Template.fromStack(s).hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Description: Match.stringLikeRegexp('PagerDuty'),
    });
  });

  test('defaults: severity error, the US endpoint', () => {
    const s = stack();
    const config = new PagerDutyNotifier({ routingKey: key(s) }).bind(new Construct(s, 'Support'));

    expect(config.parameters!.severity).toBe('error');
    expect(JSON.parse(variables(s)[`NOTIFIER_DESTINATION_${config.parameters!.destination}`]).baseUrl).toBe('https://events.pagerduty.com');
  });

  test('the parameters carry neither the secret nor the endpoint: whoever invokes the function cannot redirect the key', () => {
    const s = stack();
    const config = new PagerDutyNotifier({ routingKey: key(s), endpoint: PagerDutyEndpoint.custom('https://pd-proxy.example/events/') })
      .bind(new Construct(s, 'Support'));

    const parameters = JSON.stringify(config.parameters!);
    expect(parameters).not.toContain('secretsmanager');
    expect(parameters).not.toContain('pagerduty-key');
    expect(parameters).not.toContain('https://');
    expect(JSON.parse(variables(s)[`NOTIFIER_DESTINATION_${config.parameters!.destination}`]).baseUrl).toBe('https://pd-proxy.example/events');
  });

  test('the function may read the routing key\'s secret, and only by reference: a secret made in the stack is a Ref, never its value', () => {
    const s = stack();
    const created = new secretsmanager.Secret(s, 'Created');
    const config = new PagerDutyNotifier({ routingKey: created }).bind(new Construct(s, 'Support'));

    const template = Template.fromStack(s);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: Match.arrayWith(['secretsmanager:GetSecretValue']),
          Resource: { Ref: Match.stringLikeRegexp('^Created') },
        })]),
      },
    });
    expect(JSON.stringify(variables(s)[`NOTIFIER_DESTINATION_${config.parameters!.destination}`])).toContain('"Ref"');
  });

  test('many notifiers in one stack share one function; each (key, endpoint) is one destination, configured and granted once', () => {
    const s = stack();
    const mainKey = key(s);
    const a = new PagerDutyNotifier({ routingKey: mainKey }).bind(new Construct(s, 'A'));
    const b = new PagerDutyNotifier({ routingKey: mainKey, severity: PagerDutySeverity.WARNING }).bind(new Construct(s, 'B'));
    const c = new PagerDutyNotifier({ routingKey: key(s, OTHER_KEY_ARN, 'Other') }).bind(new Construct(s, 'C'));
    const d = new PagerDutyNotifier({ routingKey: mainKey, endpoint: PagerDutyEndpoint.EU }).bind(new Construct(s, 'D'));

    expect(new Set([a.handler!, b.handler, c.handler, d.handler]).size).toBe(1);
    expect(a.parameters!.destination).toBe(b.parameters!.destination);
    expect(new Set([a, c, d].map((config) => config.parameters!.destination)).size).toBe(3);
    const destinations = Object.keys(variables(s)).filter((name) => name.startsWith('NOTIFIER_DESTINATION_'));
    expect(destinations).toHaveLength(3);
    const statements = Object.values(Template.fromStack(s).findResources('AWS::IAM::Policy'))
      .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement)
      .filter((statement: any) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(statements.map((statement: any) => statement.Resource).sort()).toEqual([KEY_ARN, OTHER_KEY_ARN]);
  });

  test.each(['http://events.pagerduty.example', 'http://10.0.0.1:8080', 'https://user:pw@events.example', 'https://events.example/?k=1', 'not a url'])(
    'fails when PagerDutyEndpoint.custom gets %s', (url) => {
      expect(() => PagerDutyEndpoint.custom(url)).toThrow(/`endpoint` must be an https:\/\/ URL .*https:\/\/events\.pagerduty\.com/);
    });

  test.each(['http://127.0.0.1:8080', 'http://localhost:8080/', 'https://events.example/gateway/'])('accepts the endpoint %s', (url) => {
    expect(PagerDutyEndpoint.custom(url).baseUrl).toBe(url.replace(/\/+$/, ''));
  });

  test('fails when severity is not a PagerDutySeverity (as an untyped caller might pass)', () => {
    const s = stack();
    expect(() => new PagerDutyNotifier({ routingKey: key(s), severity: 'P1' as PagerDutySeverity }))
      .toThrow('`severity` must be one of critical, error, warning, info (a PagerDutySeverity), got "P1"');
  });
});
