import { BENCH_SCENARIOS, measureIncidents, measureWatch, WATCH_SCENARIO } from './incidents';
void (async () => {
  const t = Date.now();
  const { facts, incidents } = await measureIncidents(BENCH_SCENARIOS, 10);
  console.log(facts);
  for (const i of incidents) console.log(i.scenario.name, i.outcome, i.simulatedSeconds.toFixed(1), i.totalSimulatedSeconds.toFixed(1), 'rechecks', i.rechecks, 'gap', i.recoveredGapSeconds, 'esc', i.escalationSeconds, 'fv', i.firstVerdictMs, 'real', i.realMs);
  console.log('incidents real', Date.now() - t);
  const w = await measureWatch(WATCH_SCENARIO, 10, facts);
  console.log({ ...w, incident: { ...w.incident, scenario: undefined } });
  console.log('total real', Date.now() - t);
})().catch((e) => { console.error(e); process.exitCode = 1; });
