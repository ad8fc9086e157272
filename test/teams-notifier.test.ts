import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { notifierFunction } from '../src/notifiers/destinations';
import { MicrosoftTeamsNotifier } from '../src/notifiers/teams';

function stack(): Stack {
  return new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
}

const URL_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:teams-webhook-AbCdEf';
const OTHER_URL_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:teams-other-AbCdEf';

function teamsFunctions(s: Stack): Array<{ Properties: any }> {
  return Object.values(Template.fromStack(s).findResources('AWS::Lambda::Function'))
    .filter((fn: any) => String(fn.Properties.Description).includes('Microsoft Teams')) as Array<{ Properties: any }>;
}

describe('the Microsoft Teams notifier', () => {
  test('the parameters only name the destination; the function\'s destination is the secret alone, without a base URL', () => {
    const s = stack();
    const config = new MicrosoftTeamsNotifier({ webhookUrl: secretsmanager.Secret.fromSecretCompleteArn(s, 'Url', URL_ARN) })
      .bind(new Construct(s, 'Support'));

    expect(config.parameters!).toEqual({ destination: expect.stringMatching(/^[0-9A-F]{12}$/) });
    expect(config.nonRetryableErrors).toEqual(['TeamsApiError']);
    expect(config.handler!.node.id).toBe('CpuFirstLineSupportTeamsNotifier');
    const [fn] = teamsFunctions(s);
    expect(fn.Properties.Handler).toBe('index.handler');
    expect(fn.Properties.Environment.Variables[`NOTIFIER_DESTINATION_${config.parameters!.destination}`]).toBe(JSON.stringify({ secretArn: URL_ARN }));
    expect(JSON.stringify(fn.Properties.Environment.Variables)).not.toContain('baseUrl');
  });

  test('the function may read the secret (grantRead), and nothing else of Secrets Manager', () => {
    const s = stack();
    new MicrosoftTeamsNotifier({ webhookUrl: secretsmanager.Secret.fromSecretCompleteArn(s, 'Url', URL_ARN) }).bind(new Construct(s, 'Support'));

    Template.fromStack(s).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Effect: 'Allow',
          Resource: URL_ARN,
        })]),
      },
    });
  });

  test('one function per stack: several notifiers share it, each secret configured once', () => {
    const s = stack();
    const url = secretsmanager.Secret.fromSecretCompleteArn(s, 'Url', URL_ARN);
    const other = secretsmanager.Secret.fromSecretCompleteArn(s, 'Other', OTHER_URL_ARN);
    const a = new MicrosoftTeamsNotifier({ webhookUrl: url }).bind(new Construct(s, 'A'));
    const b = new MicrosoftTeamsNotifier({ webhookUrl: url }).bind(new Construct(s, 'B'));
    const c = new MicrosoftTeamsNotifier({ webhookUrl: other }).bind(new Construct(s, 'C'));

    expect(a.handler!).toBe(b.handler);
    expect(a.handler!).toBe(c.handler);
    expect(a.parameters!.destination).toBe(b.parameters!.destination);
    expect(c.parameters!.destination).not.toBe(a.parameters!.destination);
    const functions = teamsFunctions(s);
    expect(functions).toHaveLength(1);
    const variables = functions[0].Properties.Environment.Variables;
    expect(Object.keys(variables).filter((name) => name.startsWith('NOTIFIER_DESTINATION_')).sort())
      .toEqual([`NOTIFIER_DESTINATION_${a.parameters!.destination}`, `NOTIFIER_DESTINATION_${c.parameters!.destination}`].sort());
    expect(JSON.parse(variables[`NOTIFIER_DESTINATION_${c.parameters!.destination}`])).toEqual({ secretArn: OTHER_URL_ARN });
  });

  test('two stacks get a function each', () => {
    const app = new App();
    const first = new Stack(app, 'First');
    const second = new Stack(app, 'Second');
    for (const s of [first, second]) {
      new MicrosoftTeamsNotifier({ webhookUrl: secretsmanager.Secret.fromSecretCompleteArn(s, 'Url', URL_ARN) }).bind(new Construct(s, 'Support'));
    }

    expect(teamsFunctions(first)).toHaveLength(1);
    expect(teamsFunctions(second)).toHaveLength(1);
  });

  test('a secret created in the stack is referenced, never its value', () => {
    const s = stack();
    const config = new MicrosoftTeamsNotifier({ webhookUrl: new secretsmanager.Secret(s, 'Created') }).bind(new Construct(s, 'Support'));

    const variable = teamsFunctions(s)[0].Properties.Environment.Variables[`NOTIFIER_DESTINATION_${config.parameters!.destination}`];
    expect(JSON.stringify(variable)).toContain('"Ref"');
    expect(JSON.stringify(variable)).not.toContain('baseUrl');
  });

  test('a destination with a base URL keeps it (the notifiers that send a credential to an endpoint)', () => {
    const s = stack();
    const secret = secretsmanager.Secret.fromSecretCompleteArn(s, 'Url', URL_ARN);
    const withBase = notifierFunction(new Construct(s, 'A'), 'CpuFirstLineSupportSlackNotifier', 'slack-notify', 'd', secret, 'https://slack.com/api');
    const without = notifierFunction(new Construct(s, 'B'), 'CpuFirstLineSupportTeamsNotifier', 'teams-notify', 'Microsoft Teams', secret, undefined);

    expect(withBase.destination).not.toBe(without.destination);
    const variables = Object.values(Template.fromStack(s).findResources('AWS::Lambda::Function'))
      .map((fn: any) => fn.Properties.Environment.Variables);
    expect(variables).toEqual(expect.arrayContaining([
      expect.objectContaining({ [`NOTIFIER_DESTINATION_${withBase.destination}`]: JSON.stringify({ secretArn: URL_ARN, baseUrl: 'https://slack.com/api' }) }),
      expect.objectContaining({ [`NOTIFIER_DESTINATION_${without.destination}`]: JSON.stringify({ secretArn: URL_ARN }) }),
    ]));
  });
});
