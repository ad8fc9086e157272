"use strict";
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
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
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

// lambda/url-check.lambda.ts
var url_check_lambda_exports = {};
__export(url_check_lambda_exports, {
  ALLOWED_METHODS: () => ALLOWED_METHODS,
  CertificateError: () => CertificateError,
  USER_AGENT: () => USER_AGENT,
  buildTargetUrl: () => buildTargetUrl,
  certificateErrorOf: () => certificateErrorOf,
  describeProbeError: () => describeProbeError,
  handler: () => handler,
  isCertificateError: () => isCertificateError,
  isHealthyStatus: () => isHealthyStatus,
  parseHealthyHttpCodes: () => parseHealthyHttpCodes,
  probeUrl: () => probeUrl,
  readUrlCheckEvent: () => readUrlCheckEvent,
  requestStatus: () => requestStatus,
  runUrlCheck: () => runUrlCheck
});
module.exports = __toCommonJS(url_check_lambda_exports);
var http = __toESM(require("node:http"));
var https = __toESM(require("node:https"));

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

// lambda/shared/check-result.ts
var CHECK_OVERHEAD_MS = 200;
var MIN_PROBE_WAIT_MS = 50;
function probeWaitMs(timeoutMs, startedAtMs, nowMs = Date.now()) {
  return Math.max(MIN_PROBE_WAIT_MS, timeoutMs - CHECK_OVERHEAD_MS - (nowMs - startedAtMs));
}
function completeCheck(check, startedAtMs, outcome, logFields = {}) {
  const finishedAtMs = Date.now();
  const result = {
    check,
    passed: outcome.passed,
    reason: outcome.reason,
    latencyMs: Math.max(0, finishedAtMs - startedAtMs),
    checkedAt: new Date(finishedAtMs).toISOString(),
    ...outcome.target !== void 0 ? { target: outcome.target } : {}
  };
  logDecision(`${check}-check`, result.passed ? "passed" : "failed", { ...logFields, ...result });
  return result;
}

// lambda/shared/aws-errors.ts
function errorMessage(error) {
  const message = error?.message;
  return typeof message === "string" ? message : String(error);
}

// lambda/shared/http.ts
function rootCause(error) {
  let current = error;
  for (let depth = 0; depth < 5; depth++) {
    if (typeof current?.code === "string" || typeof current?.cause !== "object" || current.cause === null) {
      break;
    }
    current = current.cause;
  }
  return current ?? {};
}
function isTimeoutError(error) {
  const name = error?.name;
  return name === "TimeoutError" || name === "AbortError" || rootCause(error).code === "UND_ERR_CONNECT_TIMEOUT";
}
function describeFetchError(error, url, timeoutMs) {
  if (isTimeoutError(error)) {
    return `no answer within ${timeoutMs} ms from ${url}`;
  }
  const cause = rootCause(error);
  const code = typeof cause.code === "string" ? cause.code : void 0;
  const message = typeof cause.message === "string" ? cause.message : errorMessage(error);
  let host = url;
  let hostname = url;
  try {
    ({ host, hostname } = new URL(url));
  } catch {
  }
  switch (code) {
    case "ECONNREFUSED":
      return `connection refused by ${host}`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `DNS lookup failed for ${hostname} (${code})`;
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return `connection reset by ${host} (${code})`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "ETIMEDOUT":
      return `${host} is unreachable (${code})`;
    default:
      break;
  }
  if (code && (code.startsWith("ERR_TLS") || code.startsWith("ERR_SSL") || code.includes("CERT") || code.startsWith("UNABLE_TO"))) {
    return `TLS error talking to ${host}: ${message} (${code})`;
  }
  return `request to ${url} failed: ${message}${code ? ` (${code})` : ""}`;
}

// lambda/shared/instance-address.ts
var import_node_net = require("node:net");

// lambda/shared/invalid-event-error.ts
var InvalidEventError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "InvalidEventError";
  }
};

// lambda/shared/validate.ts
var MAX_TIMEOUT_MS = 9e5;
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
function optionalString(handler2, fields, field) {
  const value = fields[field];
  if (value === void 0 || value === null || typeof value === "string" && value.trim() === "") {
    return void 0;
  }
  if (typeof value !== "string") {
    throw invalid(handler2, field, "must be a string when set", value);
  }
  return value.trim();
}
function requireTimeoutMs(handler2, fields, field) {
  const value = fields[field];
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw invalid(handler2, field, "must be a positive number", value);
  }
  if (value > MAX_TIMEOUT_MS) {
    throw invalid(handler2, field, `must be at most ${MAX_TIMEOUT_MS} (15 minutes)`, value);
  }
  return Math.round(value);
}
function readPort(handler2, fields, field, fallback) {
  const value = fields[field];
  if ((value === void 0 || value === null) && fallback !== void 0) {
    return fallback;
  }
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw invalid(handler2, field, "must be an integer port from 1 to 65535", value);
  }
  return value;
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
var NO_ADDRESS = "no address";
var GONE_STATES = /* @__PURE__ */ new Set(["shutting-down", "terminated"]);
var STOPPED_STATES = /* @__PURE__ */ new Set(["stopping", "stopped"]);
function pickInstanceAddress(instance, addressType) {
  const { instanceId, state } = instance;
  if (!instance.found) {
    return { reason: `${NO_ADDRESS}: instance ${instanceId} was not found` };
  }
  if (GONE_STATES.has(state)) {
    return { reason: `${NO_ADDRESS}: instance ${instanceId} is ${state}` };
  }
  const address = addressType === "PRIVATE" ? instance.privateIp : instance.publicIp;
  if (!address) {
    const kind = addressType === "PRIVATE" ? "private" : "public";
    return { reason: `${NO_ADDRESS}: instance ${instanceId} has no ${kind} IP address (state: ${state})` };
  }
  if (STOPPED_STATES.has(state)) {
    return { reason: `${NO_ADDRESS}: instance ${instanceId} is ${state}` };
  }
  return { address };
}
function optionalIp(handler2, view, field) {
  const value = view[field];
  if (value === void 0 || value === null) {
    return void 0;
  }
  if (typeof value !== "string" || (0, import_node_net.isIP)(value.trim()) === 0) {
    throw invalid(handler2, `instance.${field}`, "must be an IPv4 or IPv6 address when set", value);
  }
  return value.trim();
}
function readInstanceView(handler2, fields, instanceId, field = "instance") {
  const value = fields[field];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(handler2, field, "must be the instance as the workflow looked it up (an object with instanceId, found, state, ...)", value);
  }
  const view = value;
  if (view.instanceId !== instanceId) {
    throw invalid(handler2, `${field}.instanceId`, `must be the checked instance ${JSON.stringify(instanceId)}`, view.instanceId);
  }
  if (typeof view.found !== "boolean") {
    throw invalid(handler2, `${field}.found`, "must be true or false", view.found);
  }
  if (typeof view.state !== "string" || view.state.trim() === "") {
    throw invalid(handler2, `${field}.state`, "must be a non-empty string", view.state);
  }
  if (typeof view.paused !== "boolean") {
    throw invalid(handler2, `${field}.paused`, "must be true or false", view.paused);
  }
  if (typeof view.rebootLedger !== "string") {
    throw invalid(handler2, `${field}.rebootLedger`, "must be a string", view.rebootLedger);
  }
  if (view.pauseTagValue !== void 0 && view.pauseTagValue !== null && typeof view.pauseTagValue !== "string") {
    throw invalid(handler2, `${field}.pauseTagValue`, "must be a string when set", view.pauseTagValue);
  }
  const publicIp = optionalIp(handler2, view, "publicIp");
  const privateIp = optionalIp(handler2, view, "privateIp");
  return {
    instanceId,
    found: view.found,
    state: view.state.trim(),
    ...publicIp !== void 0 ? { publicIp } : {},
    ...privateIp !== void 0 ? { privateIp } : {},
    paused: view.paused,
    ...typeof view.pauseTagValue === "string" ? { pauseTagValue: view.pauseTagValue } : {},
    rebootLedger: view.rebootLedger
  };
}
function formatHostPort(host, port) {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

// lambda/url-check.lambda.ts
var HANDLER = "url-check";
var ALLOWED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
var PROTOCOLS = ["http", "https"];
var ADDRESS_TYPES = ["PUBLIC", "PRIVATE"];
var DEFAULT_PORTS = { http: 80, https: 443 };
var USER_AGENT = "cdk-cpu-first-line-support/url-check";
var CERTIFICATE_ERROR_CODE = /^(?!ERR_SSL_).*CERT|^UNABLE_TO_|^HOSTNAME_MISMATCH$|^INVALID_CA$|^INVALID_PURPOSE$|^PATH_LENGTH_EXCEEDED$/;
var TLS_ERROR_CODE = /^EPROTO$|^ERR_SSL_|^ERR_TLS_/;
var OPENSSL_REASON = /error:[0-9A-Fa-f]+:[^:]*:[^:]*:([^:\n]+)/;
function parseHealthyHttpCodes(spec) {
  const fail = (why) => new Error(`\`healthyHttpCodes\` ${JSON.stringify(spec)} is invalid: ${why}; expected comma-separated codes or ranges like "200,204,300-399"`);
  if (typeof spec !== "string" || spec.trim() === "") {
    throw fail("it is empty");
  }
  return spec.split(",").map((rawPart) => {
    const part = rawPart.trim();
    const match = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(part);
    if (!match) {
      throw fail(`"${part}" is not a status code or range`);
    }
    const from = Number(match[1]);
    const to = match[2] !== void 0 ? Number(match[2]) : from;
    if (from < 100 || to > 599) {
      throw fail(`"${part}" is outside 100-599`);
    }
    if (from > to) {
      throw fail(`"${part}" is a range whose start is above its end`);
    }
    return { from, to };
  });
}
function isHealthyStatus(status, spec) {
  const ranges = typeof spec === "string" ? parseHealthyHttpCodes(spec) : spec;
  return ranges.some((range) => status >= range.from && status <= range.to);
}
function buildTargetUrl(protocol, address, port, path) {
  return `${protocol}://${formatHostPort(address, port)}${path}`;
}
function validateExplicitUrl(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidEventError(`${HANDLER}: \`url\` must be an absolute http(s) URL, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new InvalidEventError(`${HANDLER}: \`url\` must use http or https, got ${JSON.stringify(url)}`);
  }
  if (parsed.username || parsed.password) {
    throw new InvalidEventError(`${HANDLER}: \`url\` must not contain credentials`);
  }
  return parsed.toString();
}
function readUrlCheckEvent(event) {
  const fields = requireObject(HANDLER, event);
  const instanceId = requireString(HANDLER, fields, "instanceId");
  const rawUrl = optionalString(HANDLER, fields, "url");
  const instance = rawUrl === void 0 || fields.instance !== void 0 && fields.instance !== null ? readInstanceView(HANDLER, fields, instanceId) : void 0;
  const protocol = readOneOf(HANDLER, fields, "protocol", PROTOCOLS, "http");
  const port = readPort(HANDLER, fields, "port", DEFAULT_PORTS[protocol]);
  const path = optionalString(HANDLER, fields, "path") ?? "/";
  if (!path.startsWith("/")) {
    throw new InvalidEventError(`${HANDLER}: \`path\` must start with "/", got ${JSON.stringify(path)}`);
  }
  const addressType = readOneOf(HANDLER, fields, "addressType", ADDRESS_TYPES, "PUBLIC");
  const method = readOneOf(HANDLER, fields, "method", ALLOWED_METHODS);
  const healthyHttpCodes = requireString(HANDLER, fields, "healthyHttpCodes");
  let healthyRanges;
  try {
    healthyRanges = parseHealthyHttpCodes(healthyHttpCodes);
  } catch (error) {
    throw new InvalidEventError(`${HANDLER}: ${error.message}`);
  }
  const timeoutMs = requireTimeoutMs(HANDLER, fields, "timeoutMs");
  const verifyCertificate = readBoolean(HANDLER, fields, "verifyCertificate", true);
  return {
    instanceId,
    instance,
    url: rawUrl !== void 0 ? validateExplicitUrl(rawUrl) : void 0,
    protocol,
    port,
    path,
    addressType,
    method,
    healthyHttpCodes,
    healthyRanges,
    timeoutMs,
    verifyCertificate
  };
}
var CertificateError = class extends Error {
  /** The server whose certificate was not accepted, as `host:port`. */
  host;
  /** What is wrong with it, e.g. "self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)". */
  problem;
  constructor(host, problem) {
    super(`the TLS certificate of ${host} was not accepted: ${problem}. This is a configuration error, not a sign that the instance is unwell: fix the certificate (or check a URL whose host name it is issued for), or set urlCheck.verifyCertificate: false to check this server without verifying its certificate`);
    this.name = "CertificateError";
    this.host = host;
    this.problem = problem;
  }
};
function isCertificateError(error) {
  const code = error?.code;
  return typeof code === "string" && CERTIFICATE_ERROR_CODE.test(code);
}
function codeAndMessage(error) {
  const { code, message } = error ?? {};
  return {
    code: typeof code === "string" ? code : void 0,
    message: typeof message === "string" ? message.replace(/[\s:]+$/, "").replace(/\s+/g, " ").trim() : ""
  };
}
function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
function certificateErrorOf(error, url) {
  if (isTimeoutError(error) || !isCertificateError(error)) {
    return void 0;
  }
  const { code, message } = codeAndMessage(error);
  return new CertificateError(hostOf(url), message !== "" ? `${message} (${code})` : `${code}`);
}
function describeProbeError(error, url, timeoutMs) {
  const { code, message } = codeAndMessage(error);
  const host = hostOf(url);
  if (!isTimeoutError(error) && code !== void 0) {
    if (TLS_ERROR_CODE.test(code)) {
      const reason = OPENSSL_REASON.exec(message)?.[1].trim() ?? message;
      return `TLS error talking to ${host}: ${reason !== "" ? `${reason} (${code})` : code}`;
    }
  }
  return describeFetchError(error, url, timeoutMs).replace(/\s+/g, " ").trim();
}
function requestStatus(url, method, timeoutMs, verifyCertificate, waitMs = timeoutMs) {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === "https:";
    const options = {
      method,
      headers: { "User-Agent": USER_AGENT, "Accept": "*/*" },
      // A fresh connection, closed after the answer: nothing is pooled between invocations.
      agent: false,
      ...secure && !verifyCertificate ? { rejectUnauthorized: false } : {}
    };
    let timer;
    let request;
    try {
      request = (secure ? https : http).request(target, options, (response) => {
        clearTimeout(timer);
        resolve(response.statusCode ?? 0);
        response.destroy();
      });
    } catch (error) {
      reject(error);
      return;
    }
    timer = setTimeout(
      () => request.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: "TimeoutError" })),
      waitMs
    );
    request.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end();
  });
}
async function probeUrl(url, settings, waitMs = settings.timeoutMs) {
  const { method, healthyRanges, healthyHttpCodes, timeoutMs } = settings;
  const verifyCertificate = settings.verifyCertificate !== false;
  let status;
  try {
    status = await requestStatus(url, method, timeoutMs, verifyCertificate, waitMs);
  } catch (error) {
    const certificateError = certificateErrorOf(error, url);
    if (certificateError) {
      throw certificateError;
    }
    return { passed: false, reason: describeProbeError(error, url, timeoutMs) };
  }
  const passed = isHealthyStatus(status, healthyRanges);
  const note = !verifyCertificate && url.startsWith("https:") ? "certificate not verified" : void 0;
  return passed ? { passed, reason: `HTTP ${status} from ${url} (healthy: ${healthyHttpCodes}${note ? `; ${note}` : ""})` } : { passed, reason: `HTTP ${status} from ${url}, expected ${healthyHttpCodes}${note ? ` (${note})` : ""}` };
}
async function runUrlCheck(settings) {
  const startedAtMs = Date.now();
  const logFields = { instanceId: settings.instanceId, method: settings.method, verifyCertificate: settings.verifyCertificate };
  let url = settings.url;
  if (url === void 0) {
    if (settings.instance === void 0) {
      throw new InvalidEventError(`${HANDLER}: \`instance\` is needed when \`url\` is not set`);
    }
    const lookup = pickInstanceAddress(settings.instance, settings.addressType);
    if (lookup.address === void 0) {
      return completeCheck("url", startedAtMs, { passed: false, reason: lookup.reason }, logFields);
    }
    url = buildTargetUrl(settings.protocol, lookup.address, settings.port, settings.path);
  }
  let outcome;
  try {
    outcome = await probeUrl(url, settings, probeWaitMs(settings.timeoutMs, startedAtMs));
  } catch (error) {
    if (error instanceof CertificateError) {
      logDecision(HANDLER, "certificate-error", { ...logFields, target: url, reason: error.message });
    }
    throw error;
  }
  return completeCheck("url", startedAtMs, { ...outcome, target: url }, logFields);
}
var handler = async (event) => runUrlCheck(readUrlCheckEvent(event));
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  ALLOWED_METHODS,
  CertificateError,
  USER_AGENT,
  buildTargetUrl,
  certificateErrorOf,
  describeProbeError,
  handler,
  isCertificateError,
  isHealthyStatus,
  parseHealthyHttpCodes,
  probeUrl,
  readUrlCheckEvent,
  requestStatus,
  runUrlCheck
});
