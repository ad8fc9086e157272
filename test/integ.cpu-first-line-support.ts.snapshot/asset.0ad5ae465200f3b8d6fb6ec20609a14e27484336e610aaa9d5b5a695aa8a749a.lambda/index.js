"use strict";
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

// lambda/guard.lambda.ts
var guard_lambda_exports = {};
__export(guard_lambda_exports, {
  PAUSE_TAG_KEY: () => PAUSE_TAG_KEY,
  REBOOT_LEDGER_TAG_KEY: () => REBOOT_LEDGER_TAG_KEY,
  decideReboot: () => decideReboot,
  describeWindow: () => describeWindow,
  firstSchedule: () => firstSchedule,
  formatLedger: () => formatLedger,
  handler: () => handler,
  inspect: () => inspect,
  inspectInstance: () => inspectInstance,
  nextSchedule: () => nextSchedule,
  parseLedger: () => parseLedger,
  readGuardEvent: () => readGuardEvent,
  recordOutcome: () => recordOutcome,
  runGuard: () => runGuard
});
module.exports = __toCommonJS(guard_lambda_exports);

// lambda/shared/invalid-event-error.ts
var InvalidEventError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "InvalidEventError";
  }
};

// lambda/shared/validate.ts
function describeValue(value) {
  if (value === void 0) {
    return "nothing";
  }
  let text;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
function invalid(handler2, field, expectation, value) {
  return new InvalidEventError(`${handler2}: \`${field}\` ${expectation}, got ${describeValue(value)}`);
}
function requireObject(handler2, value, field = "event") {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(handler2, field, "must be a JSON object", value);
  }
  return value;
}
function requireString(handler2, fields, field) {
  const value = fields[field];
  if (typeof value !== "string" || value.trim() === "") {
    throw invalid(handler2, field, "must be a non-empty string", value);
  }
  return value.trim();
}
function readOneOf(handler2, fields, field, allowed, fallback) {
  const value = fields[field];
  if ((value === void 0 || value === null || value === "") && fallback !== void 0) {
    return fallback;
  }
  const match = typeof value === "string" ? allowed.find((candidate) => candidate.toLowerCase() === value.trim().toLowerCase()) : void 0;
  if (match === void 0) {
    throw invalid(handler2, field, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}`, value);
  }
  return match;
}
function readInteger(handler2, fields, field, min, max) {
  const value = fields[field];
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(handler2, field, `must be an integer from ${min} to ${max}`, value);
  }
  return value;
}
function readBoolean(handler2, fields, field, fallback) {
  const value = fields[field];
  if ((value === void 0 || value === null) && fallback !== void 0) {
    return fallback;
  }
  if (typeof value !== "boolean") {
    throw invalid(handler2, field, fallback !== void 0 ? "must be true or false when set" : "must be true or false", value);
  }
  return value;
}

// lambda/shared/instance-address.ts
var PAUSE_TAG_KEY = "cpu-first-line-support:paused";
var REBOOT_LEDGER_TAG_KEY = "cpu-first-line-support:reboots";
var NO_ADDRESS = "no address";
function isNoAddressReason(reason) {
  return typeof reason === "string" && reason.startsWith(NO_ADDRESS);
}
var NOT_FOUND_STATE = "not found";
function findDescribedInstance(reservations, instanceId) {
  return (reservations ?? []).flatMap((reservation) => reservation?.Instances ?? []).find((candidate) => candidate?.InstanceId === instanceId || candidate?.InstanceId === void 0);
}
function tagValue(instance, key) {
  const tags = Array.isArray(instance?.Tags) ? instance.Tags : [];
  const value = tags.find((tag) => tag?.Key === key)?.Value;
  return typeof value === "string" ? value : void 0;
}
function nonBlank(value) {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : void 0;
}
function toInstanceView(instanceId, instance) {
  if (!instance) {
    return { instanceId, found: false, state: NOT_FOUND_STATE, paused: false, rebootLedger: "" };
  }
  const pauseTagValue = tagValue(instance, PAUSE_TAG_KEY);
  const paused2 = pauseTagValue !== void 0 && pauseTagValue.trim().toLowerCase() !== "false";
  const publicIp = nonBlank(instance.PublicIpAddress);
  const privateIp = nonBlank(instance.PrivateIpAddress);
  return {
    instanceId,
    found: true,
    state: nonBlank(instance.State?.Name) ?? "unknown",
    ...publicIp !== void 0 ? { publicIp } : {},
    ...privateIp !== void 0 ? { privateIp } : {},
    paused: paused2,
    ...paused2 ? { pauseTagValue } : {},
    rebootLedger: tagValue(instance, REBOOT_LEDGER_TAG_KEY) ?? ""
  };
}

// lambda/shared/log.ts
var CREDENTIAL_FIELD = /^(authorization|token|apikey|api_key|password|secret|secretstring|secretvalue|key)$/i;
var REDACTED = "[redacted]";
var CREDENTIAL_PATTERN = /\b(Bearer|GenieKey|Basic)(\s+|%20|\+)[^\s"'\\,;&]+/gi;
var secretValues = /* @__PURE__ */ new Set();
function redactText(text) {
  let result = text;
  for (const value of [...secretValues].sort((a, b) => b.length - a.length)) {
    for (const form of /* @__PURE__ */ new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)])) {
      result = result.split(form).join(REDACTED);
    }
  }
  return result.replace(CREDENTIAL_PATTERN, (_match, scheme, space) => `${scheme}${space}${REDACTED}`);
}
function redactFields(fields) {
  const redacted = {};
  for (const [name, value] of Object.entries(fields)) {
    redacted[name] = CREDENTIAL_FIELD.test(name) ? REDACTED : value;
  }
  return redacted;
}
function logDecision(handler2, decision, fields = {}) {
  console.log(redactText(JSON.stringify({ level: "INFO", handler: handler2, decision, ...redactFields(fields) })));
}

// src/metric-names.ts
var METRICS_NAMESPACE = "CpuFirstLineSupport";
var INSTANCE_DIMENSION = "InstanceId";
var METRIC_NAMES = {
  /** One per outcome of an incident (every outcome but 'Already handled' and 'Resolved'), each watch cycle of an alarm that stays on included. */
  incidents: "Incidents",
  /** Every check passed. */
  allGood: "AllGood",
  /** The instance passed its checks again after the reboot. */
  recovered: "Recovered",
  /** A human was told the instance needs one: unresponsive after the reboot, not rebooted, or a workflow error. */
  escalated: "Escalated",
  /** The escalation notifier could not be reached. */
  escalationFailed: "EscalationFailed",
  /** An escalated incident is over: the instance passes every check again. */
  resolved: "Resolved",
  /** The instance carries the pause tag. */
  paused: "Paused",
  /** Dry run: the reboot was announced, not done. */
  dryRun: "DryRun",
  /** 1 when the incident rebooted the instance, 0 when it did not. */
  reboots: "Reboots",
  /** Seconds from the start of the incident to the recovery. */
  timeToRecovery: "TimeToRecovery",
  /** Seconds from the start of the incident to its resolution. */
  timeToResolve: "TimeToResolve"
};
var METRIC_UNITS = {
  Incidents: "Count",
  AllGood: "Count",
  Recovered: "Count",
  Escalated: "Count",
  EscalationFailed: "Count",
  Resolved: "Count",
  Paused: "Count",
  DryRun: "Count",
  Reboots: "Count",
  TimeToRecovery: "Seconds",
  TimeToResolve: "Seconds"
};
var ALL_METRIC_NAMES = Object.values(METRIC_NAMES);
var { incidents, allGood, recovered, escalated, escalationFailed, resolved, paused, dryRun, timeToRecovery, timeToResolve } = METRIC_NAMES;
var OUTCOME_METRICS = {
  "All good": { counts: [incidents, allGood], reboots: true },
  "Already handled": { counts: [], reboots: false },
  "Paused": { counts: [incidents, paused], reboots: true },
  "Recovered": { counts: [incidents, recovered], reboots: true, duration: timeToRecovery },
  "Escalated": { counts: [incidents, escalated], reboots: true },
  "Escalated without reboot": { counts: [incidents, escalated], reboots: true },
  "Dry run": { counts: [incidents, dryRun], reboots: true },
  "Escalated after error": { counts: [incidents, escalated], reboots: true },
  "Escalation failed": { counts: [incidents, escalationFailed], reboots: true },
  "Resolved": { counts: [resolved], reboots: false, duration: timeToResolve }
};
var RECORDED_OUTCOMES = Object.keys(OUTCOME_METRICS);

// lambda/shared/metrics.ts
var MAX_METRICS_PER_DOCUMENT = 100;
var MAX_DIMENSIONS = 30;
function checkName(kind, name, seen) {
  if (name.length === 0 || name.length > 255) {
    throw new Error(`EMF: ${kind} name must have 1 to 255 characters, got "${name}"`);
  }
  if (name === "_aws" || seen.has(name)) {
    throw new Error(`EMF: ${kind} "${name}" clashes with another member of the document`);
  }
  seen.add(name);
}
function emfDocument(namespace, dimensions, metrics, timestampMs, properties = {}) {
  if (metrics.length === 0 || metrics.length > MAX_METRICS_PER_DOCUMENT) {
    throw new Error(`EMF: a document holds 1 to ${MAX_METRICS_PER_DOCUMENT} metrics, got ${metrics.length}`);
  }
  if (Object.keys(dimensions).length > MAX_DIMENSIONS) {
    throw new Error(`EMF: a metric has at most ${MAX_DIMENSIONS} dimensions, got ${Object.keys(dimensions).length}`);
  }
  if (!Number.isInteger(timestampMs) || timestampMs < 0) {
    throw new Error(`EMF: the timestamp must be epoch milliseconds, got ${timestampMs}`);
  }
  const seen = /* @__PURE__ */ new Set();
  for (const [name, value] of Object.entries(dimensions)) {
    checkName("dimension", name, seen);
    if (typeof value !== "string" || value.length === 0) {
      throw new Error(`EMF: dimension "${name}" must have a non-empty string value, got ${JSON.stringify(value)}`);
    }
  }
  for (const metric of metrics) {
    checkName("metric", metric.name, seen);
    if (typeof metric.value !== "number" || !Number.isFinite(metric.value)) {
      throw new Error(`EMF: metric "${metric.name}" must have a finite number value, got ${metric.value}`);
    }
  }
  Object.keys(properties).forEach((name) => checkName("property", name, seen));
  return {
    ...properties,
    ...dimensions,
    ...Object.fromEntries(metrics.map((metric) => [metric.name, metric.value])),
    _aws: {
      Timestamp: timestampMs,
      CloudWatchMetrics: [{
        Namespace: namespace,
        Dimensions: [Object.keys(dimensions)],
        Metrics: metrics.map((metric) => ({ Name: metric.name, Unit: metric.unit }))
      }]
    }
  };
}
function writeEmf(document) {
  console.log(JSON.stringify(document));
}
function outcomeMetricValues(report, nowMs) {
  const mapping = OUTCOME_METRICS[report.outcome];
  if (mapping === void 0 || !Object.prototype.hasOwnProperty.call(OUTCOME_METRICS, report.outcome)) {
    throw new Error(`no metrics are defined for outcome "${report.outcome}"`);
  }
  const value = (name, amount) => ({ name, unit: METRIC_UNITS[name], value: amount });
  const values = mapping.counts.map((name) => value(name, 1));
  if (mapping.reboots) {
    values.push(value("Reboots", report.rebootIssued ? 1 : 0));
  }
  if (mapping.duration !== void 0) {
    values.push(value(mapping.duration, Math.max(0, Math.round(nowMs - report.incidentStartedAtMs)) / 1e3));
  }
  return values;
}
function outcomeDocument(instanceId, report, nowMs, properties = {}) {
  const values = outcomeMetricValues(report, nowMs);
  return values.length === 0 ? void 0 : emfDocument(METRICS_NAMESPACE, { [INSTANCE_DIMENSION]: instanceId }, values, nowMs, properties);
}

// lambda/shared/time.ts
function formatUtc(ms) {
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

// src/contract.ts
var MAX_REBOOTS_PER_WINDOW = 10;

// lambda/guard.lambda.ts
var HANDLER = "guard";
var MAX_TAG_VALUE_LENGTH = 256;
var MAX_SECONDS = 400 * 86400;
function readLookup(fields) {
  const lookup = fields.lookup;
  if (typeof lookup !== "object" || lookup === null || Array.isArray(lookup)) {
    throw invalid(HANDLER, "lookup", "must be the answer of DescribeInstances", lookup);
  }
  const reservations = lookup.Reservations ?? [];
  if (!Array.isArray(reservations)) {
    throw invalid(HANDLER, "lookup.Reservations", "must be the Reservations list of a DescribeInstances answer", reservations);
  }
  return { Reservations: reservations };
}
function readEpochMs(fields, field) {
  const value = fields[field];
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw invalid(HANDLER, `schedule.${field}`, "must be a time in epoch milliseconds", value);
  }
  return value;
}
function readRecordEvent(fields, instanceId) {
  const incidentStartedAt = requireString(HANDLER, fields, "incidentStartedAt");
  if (Number.isNaN(Date.parse(incidentStartedAt))) {
    throw invalid(HANDLER, "incidentStartedAt", "must be a time in ISO 8601", incidentStartedAt);
  }
  return {
    step: "RECORD",
    instanceId,
    outcome: readOneOf(HANDLER, fields, "outcome", RECORDED_OUTCOMES),
    incidentStartedAt,
    rebootIssued: readBoolean(HANDLER, fields, "rebootIssued"),
    drill: readBoolean(HANDLER, fields, "drill")
  };
}
function readGuardEvent(event) {
  const fields = requireObject(HANDLER, event);
  const step = readOneOf(HANDLER, fields, "step", ["INSPECT", "REBOOT", "SCHEDULE", "RECORD"]);
  const instanceId = requireString(HANDLER, fields, "instanceId");
  if (step === "RECORD") {
    return readRecordEvent(fields, instanceId);
  }
  if (step === "INSPECT") {
    return {
      step,
      instanceId,
      lookup: readLookup(fields),
      leaseSeconds: readInteger(HANDLER, fields, "leaseSeconds", 60, MAX_SECONDS)
    };
  }
  if (step === "SCHEDULE") {
    const schedule = requireObject(HANDLER, fields.schedule, "schedule");
    return {
      step,
      instanceId,
      intervalSeconds: readInteger(HANDLER, fields, "intervalSeconds", 1, MAX_SECONDS),
      schedule: {
        waitSeconds: 0,
        nextRecheckAt: readEpochMs(schedule, "nextRecheckAt"),
        deadlineAt: readEpochMs(schedule, "deadlineAt"),
        deadlineReached: false
      }
    };
  }
  const checks = fields.checks ?? [];
  if (!Array.isArray(checks)) {
    throw invalid(HANDLER, "checks", "must be a list of check results", checks);
  }
  return {
    step,
    instanceId,
    lookup: readLookup(fields),
    maxReboots: readInteger(HANDLER, fields, "maxReboots", 1, MAX_REBOOTS_PER_WINDOW),
    rebootWindowSeconds: readInteger(HANDLER, fields, "rebootWindowSeconds", 60, 7 * 86400),
    dryRun: readBoolean(HANDLER, fields, "dryRun"),
    checks,
    gracePeriodSeconds: readInteger(HANDLER, fields, "gracePeriodSeconds", 0, MAX_SECONDS),
    deadlineSeconds: readInteger(HANDLER, fields, "deadlineSeconds", 1, MAX_SECONDS)
  };
}
function inspectInstance(instanceId, reservations) {
  return toInstanceView(instanceId, findDescribedInstance(reservations, instanceId));
}
function inspect(event, nowMs) {
  const now = Math.floor(nowMs / 1e3);
  return {
    instance: inspectInstance(event.instanceId, event.lookup.Reservations ?? []),
    lock: { now: String(now), leaseUntil: String(now + event.leaseSeconds) }
  };
}
function parseLedger(value) {
  return (value ?? "").split(/\s+/).map((entry) => Date.parse(entry)).filter((ms) => !Number.isNaN(ms)).sort((a, b) => a - b);
}
function formatLedger(timesMs) {
  const entries = timesMs.map((ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z"));
  while (entries.join(" ").length > MAX_TAG_VALUE_LENGTH) {
    entries.shift();
  }
  return entries.join(" ");
}
function describeWindow(seconds) {
  const unit = (n, name) => `${n} ${name}${n === 1 ? "" : "s"}`;
  if (seconds % 3600 === 0) return unit(seconds / 3600, "hour");
  if (seconds % 60 === 0) return unit(seconds / 60, "minute");
  return unit(seconds, "second");
}
function firstSchedule(nowMs, gracePeriodSeconds, deadlineSeconds) {
  const deadlineAt = nowMs + deadlineSeconds * 1e3;
  const nextRecheckAt = Math.min(nowMs + gracePeriodSeconds * 1e3, deadlineAt);
  return { waitSeconds: Math.floor((nextRecheckAt - nowMs) / 1e3), nextRecheckAt, deadlineAt, deadlineReached: false };
}
function nextSchedule(event, nowMs) {
  const { deadlineAt, nextRecheckAt: previousAt } = event.schedule;
  if (nowMs >= deadlineAt || previousAt >= deadlineAt) {
    return { waitSeconds: 0, nextRecheckAt: previousAt, deadlineAt, deadlineReached: true };
  }
  const nextRecheckAt = Math.min(Math.max(previousAt + event.intervalSeconds * 1e3, nowMs), deadlineAt);
  return { waitSeconds: Math.max(0, Math.floor((nextRecheckAt - nowMs) / 1e3)), nextRecheckAt, deadlineAt, deadlineReached: false };
}
function decideReboot(event, nowMs) {
  const { instanceId, maxReboots, rebootWindowSeconds } = event;
  const instance = inspectInstance(instanceId, event.lookup.Reservations ?? []);
  const windowStartMs = nowMs - rebootWindowSeconds * 1e3;
  const recent = parseLedger(instance.rebootLedger).filter((ms) => ms > windowStartMs && ms <= nowMs);
  const base = { instanceState: instance.state, rebootsInWindow: recent.length, ledger: "", previousLedger: instance.rebootLedger };
  if (instance.paused) {
    return {
      ...base,
      verdict: "PAUSED",
      reason: `instance ${instanceId} was paused (tag ${PAUSE_TAG_KEY}=${instance.pauseTagValue ?? ""}) during the incident, so it was not rebooted`
    };
  }
  if (instance.state !== "running") {
    const what = instance.found ? `is ${instance.state}` : "was not found";
    return { ...base, verdict: "NOT_RUNNING", reason: `instance ${instanceId} ${what}; only a running instance is rebooted, so it was not rebooted` };
  }
  const failed = (event.checks ?? []).filter((check) => check?.passed !== true);
  if (failed.length > 0 && failed.every((check) => isNoAddressReason(check.reason))) {
    return {
      ...base,
      verdict: "NO_ADDRESS",
      reason: `the checks found no address to reach instance ${instanceId} (${failed[0].reason}); a reboot would not give it one, so it was not rebooted`
    };
  }
  const window = describeWindow(rebootWindowSeconds);
  if (recent.length >= maxReboots) {
    const times = recent.map(formatUtc).join(", ");
    return {
      ...base,
      verdict: "BUDGET_EXHAUSTED",
      reason: `${recent.length} reboot${recent.length === 1 ? "" : "s"} by cpu-first-line-support in the last ${window} (at ${times}); the budget is ${maxReboots} per ${window}, so it was not rebooted again`
    };
  }
  if (event.dryRun) {
    return { ...base, verdict: "DRY_RUN", reason: `dry run: instance ${instanceId} would have been rebooted (${recent.length} of ${maxReboots} reboots used in the last ${window})` };
  }
  return {
    ...base,
    verdict: "REBOOT",
    reason: `instance ${instanceId} is running and ${recent.length} of ${maxReboots} reboots were used in the last ${window}`,
    ledger: formatLedger([...recent, nowMs]),
    schedule: firstSchedule(nowMs, event.gracePeriodSeconds, event.deadlineSeconds)
  };
}
function recordOutcome(event, nowMs) {
  const { instanceId, outcome, incidentStartedAt, rebootIssued, drill } = event;
  const report = { outcome, rebootIssued, incidentStartedAtMs: Date.parse(incidentStartedAt) };
  const properties = { level: "INFO", handler: HANDLER, decision: "RECORDED", step: event.step, outcome, incidentStartedAt, rebootIssued };
  const document = drill ? void 0 : outcomeDocument(instanceId, report, nowMs, properties);
  if (document === void 0) {
    const wouldRecord = outcomeMetricValues(report, nowMs).map(({ name, value }) => `${name}=${value}`);
    logDecision(HANDLER, drill ? "DRILL_NOT_RECORDED" : "NOTHING_TO_RECORD", { step: event.step, instanceId, outcome, drill, wouldRecord });
    return { recorded: false };
  }
  writeEmf(document);
  return { recorded: true };
}
function runGuard(event, nowMs = Date.now()) {
  if (event.step === "RECORD") {
    return recordOutcome(event, nowMs);
  }
  if (event.step === "INSPECT") {
    const answer2 = inspect(event, nowMs);
    const { state, paused: paused2, found } = answer2.instance;
    logDecision(HANDLER, paused2 ? "PAUSED" : "INSPECTED", { step: event.step, instanceId: event.instanceId, found, state, paused: paused2 });
    return answer2;
  }
  if (event.step === "SCHEDULE") {
    const answer2 = nextSchedule(event, nowMs);
    logDecision(HANDLER, answer2.deadlineReached ? "DEADLINE_REACHED" : "RECHECK", {
      step: event.step,
      instanceId: event.instanceId,
      nextRecheckAt: new Date(answer2.nextRecheckAt).toISOString(),
      deadlineAt: new Date(answer2.deadlineAt).toISOString(),
      waitSeconds: answer2.waitSeconds
    });
    return answer2;
  }
  const answer = decideReboot(event, nowMs);
  logDecision(HANDLER, answer.verdict, { step: event.step, instanceId: event.instanceId, reason: answer.reason });
  return answer;
}
var handler = async (event) => runGuard(readGuardEvent(event));
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  PAUSE_TAG_KEY,
  REBOOT_LEDGER_TAG_KEY,
  decideReboot,
  describeWindow,
  firstSchedule,
  formatLedger,
  handler,
  inspect,
  inspectInstance,
  nextSchedule,
  parseLedger,
  readGuardEvent,
  recordOutcome,
  runGuard
});
