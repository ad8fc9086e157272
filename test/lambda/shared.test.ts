import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { captureConsole } from './support/local-servers';
import { CHECK_OVERHEAD_MS, probeWaitMs } from '../../lambda/shared/check-result';
import { formatHostPort } from '../../lambda/shared/instance-address';
import { InvalidEventError } from '../../lambda/shared/invalid-event-error';
import { clearSecretValues, logDecision, logWarning, redactError, redactFields, redactText, registerSecretValue } from '../../lambda/shared/log';
import { NOTIFICATION_KINDS, validateNotifyEvent } from '../../lambda/shared/notifier';
import { clearSecretCache, getSecretString, SECRET_CACHE_TTL_MS } from '../../lambda/shared/secrets';
import { describeValue, readBoolean, readInteger, readOneOf, readPort, requireTimeoutMs } from '../../lambda/shared/validate';

describe('InvalidEventError', () => {
  test('is an Error named InvalidEventError, which Step Functions matches on', () => {
    const error = new InvalidEventError('x: `y` must be z, got nothing');

    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('InvalidEventError');
    expect(String(error)).toBe('InvalidEventError: x: `y` must be z, got nothing');
  });
});

describe('validate', () => {
  test('describeValue quotes strings, says "nothing" for missing values and stays short', () => {
    expect(describeValue('abc')).toBe('"abc"');
    expect(describeValue(undefined)).toBe('nothing');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(12)).toBe('12');
    expect(describeValue({ a: 1 })).toBe('{"a":1}');
    expect(describeValue('x'.repeat(200)).length).toBeLessThanOrEqual(80);
  });

  test('requireTimeoutMs accepts positive numbers up to 15 minutes', () => {
    expect(requireTimeoutMs('h', { t: 2000 }, 't')).toBe(2000);
    expect(() => requireTimeoutMs('h', { t: -1 }, 't')).toThrow('h: `t` must be a positive number, got -1');
    expect(() => requireTimeoutMs('h', { t: '2000' }, 't')).toThrow('h: `t` must be a positive number, got "2000"');
    expect(() => requireTimeoutMs('h', { t: 1e12 }, 't')).toThrow('must be at most 900000');
    expect(() => requireTimeoutMs('h', { t: Infinity }, 't')).toThrow(InvalidEventError);
  });

  test('readPort and readOneOf use the fallback only when the field is missing', () => {
    expect(readPort('h', {}, 'port', 22)).toBe(22);
    expect(() => readPort('h', { port: 22.5 }, 'port', 22)).toThrow('h: `port` must be an integer port from 1 to 65535, got 22.5');
    expect(readOneOf('h', { a: 'private' }, 'a', ['PUBLIC', 'PRIVATE'], 'PUBLIC')).toBe('PRIVATE');
    expect(readOneOf('h', {}, 'a', ['PUBLIC', 'PRIVATE'], 'PUBLIC')).toBe('PUBLIC');
    expect(() => readOneOf('h', { a: 3 }, 'a', ['PUBLIC', 'PRIVATE'])).toThrow('h: `a` must be one of "PUBLIC", "PRIVATE", got 3');
  });

  test('readBoolean takes only booleans, and its fallback only for a missing field', () => {
    expect(readBoolean('h', { b: false }, 'b', true)).toBe(false);
    expect(readBoolean('h', { b: null }, 'b', true)).toBe(true);
    expect(() => readBoolean('h', { b: 'false' }, 'b', true)).toThrow('h: `b` must be true or false when set, got "false"');
    expect(() => readBoolean('h', {}, 'b')).toThrow('h: `b` must be true or false, got nothing');
  });

  test('readInteger takes whole numbers within bounds', () => {
    expect(readInteger('h', { n: 3 }, 'n', 1, 10)).toBe(3);
    expect(() => readInteger('h', { n: 11 }, 'n', 1, 10)).toThrow('h: `n` must be an integer from 1 to 10, got 11');
    expect(() => readInteger('h', { n: 1.5 }, 'n', 1, 10)).toThrow(InvalidEventError);
  });
});

describe('instance address', () => {
  // Picking the address from the instance view is tested in ssh-check.test.ts.
  test('formatHostPort brackets IPv6', () => {
    expect(formatHostPort('10.0.0.5', 22)).toBe('10.0.0.5:22');
    expect(formatHostPort('2001:db8::5', 22)).toBe('[2001:db8::5]:22');
  });
});

describe('secrets', () => {
  const secretsMock = mockClient(SecretsManagerClient);
  const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:token-AbCdEf';

  beforeEach(() => {
    clearSecretCache();
    secretsMock.reset();
  });

  afterAll(() => secretsMock.restore());

  test('caches the value for the TTL, then reads it again', async () => {
    secretsMock.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'first' }).resolvesOnce({ SecretString: 'rotated' });
    const now = Date.now();

    expect(await getSecretString(ARN, now)).toBe('first');
    expect(await getSecretString(ARN, now + SECRET_CACHE_TTL_MS - 1)).toBe('first');
    expect(await getSecretString(ARN, now + SECRET_CACHE_TTL_MS + 1)).toBe('rotated');
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  test('a JSON secret is refused with a hint, without its value', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: '{"token":"xoxb-hidden"}' });

    const error = await getSecretString(ARN).catch((e: Error) => e);

    expect(String(error)).toContain('holds a JSON document; store only the token or key itself');
    expect(String(error)).not.toContain('xoxb-hidden');
  });

  test('a value read is registered for redaction: it never reaches a log line', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: 'xoxb-registered-42' });
    const console_ = captureConsole();

    await getSecretString(ARN);
    logDecision('h', 'x', { body: 'the server said xoxb-registered-42' });

    expect(console_.output()).not.toContain('xoxb-registered-42');
  });

  test('a failure to read is not cached', async () => {
    secretsMock.on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }))
      .resolvesOnce({ SecretString: 'ok' });

    await expect(getSecretString(ARN)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(getSecretString(ARN)).resolves.toBe('ok');
  });
});

describe('log', () => {
  test('writes one JSON line per decision and redacts credential-looking fields', () => {
    const console_ = captureConsole();

    logDecision('slack-notify', 'delivered', { channel: '#ops', token: 'xoxb-secret', Authorization: 'Bearer xoxb-secret' });

    const lines = console_.output().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual({
      level: 'INFO', handler: 'slack-notify', decision: 'delivered', channel: '#ops', token: '[redacted]', Authorization: '[redacted]',
    });
    expect(redactFields({ tokenSecretArn: 'arn:x' })).toEqual({ tokenSecretArn: 'arn:x' });
  });

  test('removes registered secret values and Bearer / GenieKey / Basic credentials from every line and text', () => {
    const console_ = captureConsole();
    clearSecretValues();
    registerSecretValue('s3cr3t-value-123');

    logWarning('h', 'retrying', { body: 'echo: s3cr3t-value-123 and "Authorization":"Bearer xoxb-1-2" GenieKey abc-def, Basic dXNlcjpw' });
    const line = console_.output();

    expect(line).not.toContain('s3cr3t-value-123');
    expect(line).not.toContain('xoxb-1-2');
    expect(line).not.toContain('abc-def');
    expect(line).not.toContain('dXNlcjpw');
    expect(line).toContain('Bearer [redacted]');
    expect(line).toContain('GenieKey [redacted]');
    expect(redactText('key=s3cr3t-value-123&x=1')).toBe('key=[redacted]&x=1');
    expect(redactText(encodeURIComponent('a s3cr3t-value-123'))).not.toContain('s3cr3t');
    expect(redactText('Bearer')).toBe('Bearer');
  });

  test('redactError keeps the error\'s class and name', () => {
    registerSecretValue('s3cr3t-value-123');
    class SomeApiError extends Error {
      constructor(message: string) {
        super(message);
        this.name = 'SomeApiError';
      }
    }

    const error = redactError(new SomeApiError('echoed s3cr3t-value-123'));

    expect(error).toBeInstanceOf(SomeApiError);
    expect(error.name).toBe('SomeApiError');
    expect(error.message).toBe('echoed [redacted]');
    expect(error.stack).not.toContain('s3cr3t');
  });
});

describe('validateNotifyEvent', () => {
  const BASE = { instanceId: 'i-0123456789abcdef0', parameters: { channel: '#ops' } };
  const DECISION = {
    verdict: 'NOT_RUNNING',
    reason: 'instance i-0123456789abcdef0 is stopped; only a running instance is rebooted, so it was not rebooted',
    instanceState: 'stopped',
    rebootsInWindow: 0,
  };

  test('accepts every kind, including NOT_REBOOTED, WOULD_REBOOT and ESCALATION_FAILED, in any case', () => {
    expect(NOTIFICATION_KINDS).toEqual(['RECOVERED', 'UNRESPONSIVE', 'ERROR', 'NOT_REBOOTED', 'WOULD_REBOOT', 'ESCALATION_FAILED', 'RESOLVED']);
    expect(validateNotifyEvent('h', { ...BASE, kind: 'not_rebooted' }).event.kind).toBe('NOT_REBOOTED');
    expect(validateNotifyEvent('h', { ...BASE, kind: 'WOULD_REBOOT' }).event.kind).toBe('WOULD_REBOOT');
    expect(validateNotifyEvent('h', { ...BASE, kind: 'escalation_failed' }).event.kind).toBe('ESCALATION_FAILED');
    expect(() => validateNotifyEvent('h', { ...BASE, kind: 'REBOOTED' })).toThrow(
      'h: `kind` must be one of "RECOVERED", "UNRESPONSIVE", "ERROR", "NOT_REBOOTED", "WOULD_REBOOT", "ESCALATION_FAILED", "RESOLVED", got "REBOOTED"',
    );
  });

  test('keeps the failure fields only when they have the right type', () => {
    const good = validateNotifyEvent('h', {
      ...BASE, kind: 'ESCALATION_FAILED', undeliveredKind: 'unresponsive', failedState: ' Notify unresponsive ', rebootIssued: true, rebootRecorded: false,
    }).event;
    expect(good).toMatchObject({ undeliveredKind: 'UNRESPONSIVE', failedState: 'Notify unresponsive', rebootIssued: true, rebootRecorded: false });

    const bad = validateNotifyEvent('h', { ...BASE, kind: 'ERROR', undeliveredKind: 'PANIC', failedState: 7, rebootIssued: 'true', rebootRecorded: null }).event;
    expect(bad).not.toHaveProperty('undeliveredKind');
    expect(bad).not.toHaveProperty('failedState');
    expect(bad).not.toHaveProperty('rebootIssued');
    expect(bad).not.toHaveProperty('rebootRecorded');
  });

  test('keeps a well-formed decision and the other fields', () => {
    const { event, parameters } = validateNotifyEvent('h', { ...BASE, kind: 'NOT_REBOOTED', decision: DECISION, recheckCount: 0 });

    expect(event).toEqual({ ...BASE, kind: 'NOT_REBOOTED', decision: DECISION, recheckCount: 0 });
    expect(parameters).toEqual({ channel: '#ops' });
  });

  test('keeps only the readable fields of a partly malformed decision', () => {
    const { event } = validateNotifyEvent('h', { ...BASE, kind: 'NOT_REBOOTED', decision: { ...DECISION, instanceState: null, rebootsInWindow: 'one' } });

    expect(event.decision).toEqual({ verdict: 'NOT_RUNNING', reason: DECISION.reason });
  });

  test.each([null, 'stopped', 7, [DECISION], {}, { verdict: 'SOMETIMES' }, { reason: ' ' }])(
    'leaves out a decision of %j instead of failing', (decision) => {
      const { event } = validateNotifyEvent('h', { ...BASE, kind: 'NOT_REBOOTED', decision });

      expect(event).not.toHaveProperty('decision');
      expect(event.kind).toBe('NOT_REBOOTED');
    },
  );
});

describe('a check\'s time budget', () => {
  test('the probe waits what is left of the timeout, less the overhead kept for invoking and answering', () => {
    expect(CHECK_OVERHEAD_MS).toBe(200);
    expect(probeWaitMs(2000, 10_000, 10_000)).toBe(1800);
    // 150 ms went to looking up the address.
    expect(probeWaitMs(2000, 10_000, 10_150)).toBe(1650);
    // Never less than 50 ms, even when the lookup ate the budget.
    expect(probeWaitMs(1000, 10_000, 12_000)).toBe(50);
  });
});
