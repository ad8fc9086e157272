import { emfErrors, emfMetrics } from './support/emf-spec';
import { emfDocument, MetricValue, outcomeDocument, outcomeMetricValues, writeEmf } from '../../lambda/shared/metrics';
import { RECORDED_OUTCOMES } from '../../src/metric-names';

const INSTANCE_ID = 'i-0123456789abcdef0';
const STARTED = Date.parse('2026-11-26T03:00:00Z');
const NOW = STARTED + 754_250;

/** The example of the specification, which must pass the checker. */
const SPEC_EXAMPLE = {
  _aws: {
    Timestamp: 1574109732004,
    CloudWatchMetrics: [{ Namespace: 'lambda-function-metrics', Dimensions: [['functionVersion']], Metrics: [{ Name: 'time', Unit: 'Milliseconds' }] }],
  },
  functionVersion: '$LATEST',
  time: 100,
  requestId: '989ffbf8-9ace-4817-a57c-e4dd734019ee',
};

describe('the EMF checker (from the specification)', () => {
  test('accepts the example of the specification', () => {
    expect(emfErrors(JSON.stringify(SPEC_EXAMPLE))).toEqual([]);
  });

  test.each([
    ['a timestamp in seconds', { ...SPEC_EXAMPLE, _aws: { ...SPEC_EXAMPLE._aws, Timestamp: 1574109732 } }, /Timestamp/],
    ['a metric without a value', { ...SPEC_EXAMPLE, time: undefined }, /metric time has no numeric value/],
    ['a metric with a string value', { ...SPEC_EXAMPLE, time: '100' }, /metric time has no numeric value/],
    ['a dimension without a value', { ...SPEC_EXAMPLE, functionVersion: undefined }, /dimension functionVersion/],
    ['a dimension with a number value', { ...SPEC_EXAMPLE, functionVersion: 1 }, /dimension functionVersion/],
    ['an unknown unit', { ...SPEC_EXAMPLE, _aws: { ...SPEC_EXAMPLE._aws, CloudWatchMetrics: [{ ...SPEC_EXAMPLE._aws.CloudWatchMetrics[0], Metrics: [{ Name: 'time', Unit: 'Minutes' }] }] } }, /Unit/],
    ['no metadata', { time: 100 }, /_aws/],
  ])('rejects %s', (_name, document, error) => {
    expect(emfErrors(JSON.stringify(document)).join('\n')).toMatch(error);
  });
});

describe('emfDocument', () => {
  const metric = (name: string, value = 1): MetricValue => ({ name, unit: 'Count', value });

  test('writes a valid document: dimension and metrics at the top level, metadata under _aws', () => {
    const line = JSON.stringify(emfDocument('Space', { InstanceId: INSTANCE_ID }, [metric('A', 2), { name: 'B', unit: 'Seconds', value: 1.5 }], NOW, { outcome: 'x' }));
    expect(emfErrors(line)).toEqual([]);
    expect(emfMetrics(line)).toEqual({
      A: { value: 2, unit: 'Count', namespace: 'Space', dimensions: { InstanceId: INSTANCE_ID } },
      B: { value: 1.5, unit: 'Seconds', namespace: 'Space', dimensions: { InstanceId: INSTANCE_ID } },
    });
    expect(JSON.parse(line)).toMatchObject({ outcome: 'x', _aws: { Timestamp: NOW } });
  });

  test('accepts 100 metrics, the most the specification allows', () => {
    const metrics = Array.from({ length: 100 }, (_, i) => metric(`M${i}`));
    expect(emfErrors(JSON.stringify(emfDocument('Space', { InstanceId: INSTANCE_ID }, metrics, NOW)))).toEqual([]);
  });

  test.each([
    ['101 metrics', () => emfDocument('S', {}, Array.from({ length: 101 }, (_, i) => metric(`M${i}`)), NOW), /1 to 100 metrics, got 101/],
    ['no metric', () => emfDocument('S', {}, [], NOW), /got 0/],
    ['a value that is not finite', () => emfDocument('S', {}, [metric('A', NaN)], NOW), /"A" must have a finite number/],
    ['an empty dimension value', () => emfDocument('S', { InstanceId: '' }, [metric('A')], NOW), /dimension "InstanceId"/],
    ['a metric named like the dimension', () => emfDocument('S', { A: 'x' }, [metric('A')], NOW), /"A" clashes/],
    ['two metrics of one name', () => emfDocument('S', {}, [metric('A'), metric('A')], NOW), /"A" clashes/],
    ['a property named like a metric', () => emfDocument('S', {}, [metric('A')], NOW, { A: 'text' }), /"A" clashes/],
    ['a timestamp that is not epoch milliseconds', () => emfDocument('S', {}, [metric('A')], 1.5), /epoch milliseconds/],
  ])('fails for %s', (_name, build, error) => {
    expect(build).toThrow(error);
  });

  test('writeEmf writes one log line that is the whole document', () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const document = emfDocument('Space', { InstanceId: INSTANCE_ID }, [metric('A')], NOW);
      writeEmf(document);
      expect(log).toHaveBeenCalledTimes(1);
      const line = log.mock.calls[0][0] as string;
      expect(line.split('\n')).toHaveLength(1);
      expect(JSON.parse(line)).toEqual(document);
    } finally {
      log.mockRestore();
    }
  });
});

describe('what each outcome records', () => {
  /** The metrics of each outcome, as the product defines them (not read from the mapping). */
  const EXPECTED: Record<string, Record<string, number>> = {
    'All good': { Incidents: 1, AllGood: 1, Reboots: 0 },
    'Already handled': {},
    'Paused': { Incidents: 1, Paused: 1, Reboots: 0 },
    'Recovered': { Incidents: 1, Recovered: 1, Reboots: 1, TimeToRecovery: 754.25 },
    'Escalated': { Incidents: 1, Escalated: 1, Reboots: 1 },
    'Escalated without reboot': { Incidents: 1, Escalated: 1, Reboots: 0 },
    'Dry run': { Incidents: 1, DryRun: 1, Reboots: 0 },
    'Escalated after error': { Incidents: 1, Escalated: 1, Reboots: 0 },
    'Escalation failed': { Incidents: 1, EscalationFailed: 1, Reboots: 1 },
    'Resolved': { Resolved: 1, TimeToResolve: 754.25 },
  };
  /** Whether the instance was rebooted in each case above. */
  const REBOOTED = new Set(['Recovered', 'Escalated', 'Escalation failed', 'Resolved']);

  test('every outcome the guard accepts is covered here', () => {
    expect([...RECORDED_OUTCOMES].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  test.each(Object.entries(EXPECTED))('%s', (outcome, expected) => {
    const report = { outcome, rebootIssued: REBOOTED.has(outcome), incidentStartedAtMs: STARTED };
    const document = outcomeDocument(INSTANCE_ID, report, NOW);
    if (Object.keys(expected).length === 0) {
      expect(document).toBeUndefined();
      return;
    }
    const line = JSON.stringify(document);
    expect(emfErrors(line)).toEqual([]);
    const metrics = emfMetrics(line);
    expect(Object.fromEntries(Object.entries(metrics).map(([name, m]) => [name, m.value]))).toEqual(expected);
    for (const [name, m] of Object.entries(metrics)) {
      expect(m).toMatchObject({ namespace: 'CpuFirstLineSupport', dimensions: { InstanceId: INSTANCE_ID } });
      expect(m.unit).toBe(name.startsWith('TimeTo') ? 'Seconds' : 'Count');
    }
    expect(JSON.parse(line)._aws.Timestamp).toBe(NOW);
  });

  test('Reboots is 1 exactly when the incident rebooted the instance', () => {
    const reboots = (rebootIssued: boolean) => outcomeMetricValues({ outcome: 'Escalated', rebootIssued, incidentStartedAtMs: STARTED }, NOW)
      .find((m) => m.name === 'Reboots')?.value;
    expect([reboots(true), reboots(false)]).toEqual([1, 0]);
  });

  test('time to recovery is counted from the start of the incident on the given clock', () => {
    const recovery = (nowMs: number) => outcomeMetricValues({ outcome: 'Recovered', rebootIssued: true, incidentStartedAtMs: STARTED }, nowMs)
      .find((m) => m.name === 'TimeToRecovery')?.value;
    expect(recovery(STARTED + 1)).toBe(0.001);
    expect(recovery(STARTED + 10 * 60_000)).toBe(600);
    // A start in the future (a skewed clock) is no negative duration.
    expect(recovery(STARTED - 5000)).toBe(0);
  });

  test('an unknown outcome is refused, also one named like an object member', () => {
    expect(() => outcomeMetricValues({ outcome: 'Exploded', rebootIssued: false, incidentStartedAtMs: STARTED }, NOW)).toThrow(/"Exploded"/);
    expect(() => outcomeMetricValues({ outcome: 'toString', rebootIssued: false, incidentStartedAtMs: STARTED }, NOW)).toThrow(/"toString"/);
  });
});
