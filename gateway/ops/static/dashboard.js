// The operator's dashboard: polls /v1/ops/overview, follows the live log over server-sent
// events, lists dead letters with a replay button. Data is always written with textContent,
// never as HTML: log lines and dead letters are outside input.
"use strict";

const API = "/v1/ops";
const CHANGE_HEADERS = { "X-Requested-By": "ekomunat-ops", "Content-Type": "application/json" };
const POLL_MS = 2000;
const DEAD_LETTER_POLL_MS = 10000;
const MAX_LOG_LINES = 500;

const state = { previous: null, previousAt: 0, source: null, timers: [] };

const $ = (id) => document.getElementById(id);

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function badge(text) {
  const span = document.createElement("span");
  span.className = `badge ${text}`;
  span.textContent = text;
  return span;
}

async function api(path, options = {}) {
  const response = await fetch(API + path, { credentials: "same-origin", ...options });
  if (response.status === 401) {
    showLogin();
    throw new Error("not signed in");
  }
  if (!response.ok) {
    let detail = response.statusText;
    try {
      const problem = await response.json();
      detail = problem.detail || problem.title || detail;
    } catch (_) {
      // not a problem document
    }
    throw new Error(`${response.status}: ${detail}`);
  }
  return response.status === 204 ? null : response.json();
}

// Sign in and out

function showLogin() {
  stop();
  $("board").hidden = true;
  $("who").hidden = true;
  $("login").hidden = false;
  $("login-key").focus();
}

async function signIn(event) {
  event.preventDefault();
  $("login-error").textContent = "";
  const response = await fetch(`${API}/session`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ key: $("login-key").value }),
  });
  $("login-key").value = "";
  if (!response.ok) {
    $("login-error").textContent = signInRefusal(response);
    return;
  }
  const who = await response.json();
  start(who.operator);
}

function signInRefusal(response) {
  if (response.status === 429) {
    const wait = response.headers.get("Retry-After") || "a few";
    return `Too many failed sign-ins: try again in ${wait} seconds.`;
  }
  return response.status === 403 ? "This key is not an operator's." : "The key was not accepted.";
}

async function signOut() {
  await fetch(`${API}/session`, { method: "DELETE", credentials: "same-origin" });
  showLogin();
}

// Numbers

function formatMs(seconds) {
  if (seconds === null || Number.isNaN(seconds)) return "–";
  const ms = seconds * 1000;
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

function formatAge(seconds) {
  if (!seconds) return "–";
  if (seconds < 120) return `${Math.round(seconds)} s`;
  return `${Math.round(seconds / 60)} min`;
}

function sum(values) {
  return Object.values(values || {}).reduce((a, b) => a + b, 0);
}

// Differences between two cumulative histograms: the latency of the last interval.
function intervalLatency(now, before) {
  const count = now.count - (before ? before.count : 0);
  if (count <= 0) return { count: 0, mean: null, p95: null };
  const total = now.sum - (before ? before.sum : 0);
  const earlier = new Map((before ? before.buckets : []).map(([le, c]) => [String(le), c]));
  let p95 = null;
  for (const [le, cumulative] of now.buckets) {
    const inInterval = cumulative - (earlier.get(String(le)) || 0);
    if (inInterval >= 0.95 * count) {
      p95 = le === "+Inf" ? Infinity : Number(le);
      break;
    }
  }
  return { count, mean: total / count, p95 };
}

function renderRoutes(overview, seconds) {
  const body = $("routes").querySelector("tbody");
  body.replaceChildren();
  const before = new Map(
    (state.previous ? state.previous.routes : []).map((route) => [route.service, route]),
  );
  for (const route of overview.routes) {
    const earlier = before.get(route.service);
    const requests = route.total - (earlier ? earlier.total : 0);
    const outcome = (name) =>
      (route.outcomes[name] || 0) - (earlier ? earlier.outcomes[name] || 0 : 0);
    const latency = intervalLatency(route.latency, earlier ? earlier.latency : null);
    const row = document.createElement("tr");
    row.dataset.service = route.service;
    cell(row, route.service);
    cell(row, seconds > 0 ? (requests / seconds).toFixed(2) : "–");
    cell(row, requests > 0 ? `${Math.round((100 * outcome("failed")) / requests)} %` : "–");
    cell(row, requests > 0 ? `${Math.round((100 * outcome("refused")) / requests)} %` : "–");
    cell(row, formatMs(latency.mean));
    cell(row, latency.p95 === null ? "–" : latency.p95 === Infinity ? "> 10 s" : `≤ ${formatMs(latency.p95)}`);
    cell(row, String(route.total));
    const instances = Object.entries(route.instances || {});
    row.dataset.instances = instances.map(([name]) => name).join(" ");
    cell(row, instances.map(([name, total]) => `${name}: ${total}`).join(", "));
    body.appendChild(row);
  }
  $("interval-note").textContent = seconds > 0 ? `(last ${Math.round(seconds)} s)` : "";
}

function renderRegistries(overview) {
  const body = $("registries").querySelector("tbody");
  body.replaceChildren();
  for (const registry of overview.registries) {
    const row = document.createElement("tr");
    row.dataset.registry = registry.registry;
    cell(row, registry.registry);
    // Another instance's breaker may be open while this one's is closed: say where, and
    // keep the reset (which applies on every instance) available.
    const elsewhere = (overview.instances || [])
      .filter((i) => !i.here && (i.breakers || {})[registry.registry] &&
        i.breakers[registry.registry] !== "closed")
      .map((i) => `${i.instance}: ${i.breakers[registry.registry]}`);
    const stateCell = row.appendChild(document.createElement("td"));
    stateCell.appendChild(badge(registry.state));
    if (elsewhere.length) {
      row.dataset.elsewhere = elsewhere.join(", ");
      stateCell.appendChild(document.createTextNode(` ${elsewhere.join(", ")}`));
    }
    const calls = sum(registry.calls);
    const good = (registry.calls.found || 0) + (registry.calls.not_found || 0) +
      (registry.calls.absent || 0);
    cell(row, String(calls));
    cell(row, String(calls - good));
    const latency = registry.latency.count ? registry.latency.sum / registry.latency.count : null;
    cell(row, formatMs(latency));
    const action = row.appendChild(document.createElement("td"));
    const reset = document.createElement("button");
    reset.type = "button";
    reset.className = "reset";
    reset.textContent = "Reset breaker";
    reset.disabled = registry.state === "closed" && elsewhere.length === 0;
    reset.addEventListener("click", () => resetBreaker(registry.registry));
    action.appendChild(reset);
    body.appendChild(row);
  }
}

function renderCards(overview) {
  const outbox = overview.outbox;
  $("outbox-depth").textContent = outbox ? String(outbox.handoff.depth) : "store down";
  $("outbox-age").textContent = outbox ? formatAge(outbox.handoff.oldest_age_s) : "–";
  $("callback-depth").textContent = outbox ? String(outbox.callback.depth) : "–";
  if (overview.dead_letters !== null) {
    $("dead-letter-count").textContent = String(overview.dead_letters);
  }
  const flows = overview.flows;
  $("published").textContent = String(flows.publishes.confirmed || 0);
  $("returned").textContent = String(flows.publishes.returned || 0);
  $("status-accepted").textContent = String(flows.status_updates.accepted || 0);
  $("status-dead").textContent = String(flows.status_updates.dead_lettered || 0);
}

async function refreshOverview() {
  try {
    const overview = await api("/overview");
    const now = performance.now();
    const seconds = state.previous ? (now - state.previousAt) / 1000 : 0;
    renderCards(overview);
    renderRegistries(overview);
    renderRoutes(overview, seconds);
    renderInstances(overview);
    state.previous = overview;
    state.previousAt = now;
  } catch (error) {
    console.warn("overview", error);
  }
}

// Each instance the overview heard from lately, this one first.
function renderInstances(overview) {
  const list = $("instances");
  list.replaceChildren();
  for (const instance of overview.instances || []) {
    const item = document.createElement("li");
    item.dataset.instance = instance.instance;
    item.textContent = instance.here ? `${instance.instance} (this page's)` : instance.instance;
    list.appendChild(item);
  }
  $("instance-count").textContent = String((overview.instances || []).length);
}

async function resetBreaker(registry) {
  $("reset-status").textContent = `Resetting ${registry}…`;
  try {
    const reset = await api(`/breakers/${encodeURIComponent(registry)}/reset`, {
      method: "POST",
      headers: CHANGE_HEADERS,
    });
    const missing = reset.unanswered.length ? `; no answer from ${reset.unanswered.join(", ")}` : "";
    $("reset-status").textContent =
      `Reset ${registry} on ${reset.acknowledged} instance(s)${missing}.`;
  } catch (error) {
    $("reset-status").textContent = `Reset failed: ${error.message}`;
  } finally {
    refreshOverview();
  }
}

// Dead letters

async function refreshDeadLetters() {
  let listed;
  try {
    listed = await api("/dead-letters?limit=200");
  } catch (error) {
    $("replay-status").textContent = `Dead letters cannot be read now (${error.message}).`;
    return;
  }
  const body = $("dead-letters").querySelector("tbody");
  body.replaceChildren();
  for (const letter of listed.dead_letters) {
    const row = document.createElement("tr");
    row.dataset.messageId = letter.message_id || "";
    cell(row, letter.message_id || "–");
    cell(row, letter.request_id || "–");
    cell(row, letter.reason);
    cell(row, letter.dead_lettered_by);
    cell(row, `${letter.exchange} ${letter.routing_key}`);
    cell(row, String(letter.deaths));
    cell(row, String(letter.replays));
    const action = row.appendChild(document.createElement("td"));
    const replay = document.createElement("button");
    replay.type = "button";
    replay.className = "replay";
    replay.textContent = "Replay";
    replay.dataset.messageId = letter.message_id || "";
    replay.disabled = !letter.message_id;
    replay.addEventListener("click", () => replayDeadLetter(letter.message_id));
    action.appendChild(replay);
    body.appendChild(row);
  }
  $("dead-letter-count").textContent = String(listed.count);
}

async function replayDeadLetter(messageId) {
  const path = messageId
    ? `/dead-letters/${encodeURIComponent(messageId)}/replay`
    : "/dead-letters/replay";
  $("replay-status").textContent = "Replaying…";
  try {
    const report = await api(path, { method: "POST", headers: CHANGE_HEADERS });
    const failed = report.failed.length ? `, ${report.failed.length} failed` : "";
    $("replay-status").textContent =
      `Replayed ${report.replayed.length}${failed}; ${report.remaining} left in the queue.`;
  } catch (error) {
    $("replay-status").textContent = `Replay failed: ${error.message}`;
  }
  refreshDeadLetters();
}

// Live log

function logMatches(event) {
  if ($("routing-only").checked && !event.hop) return false;
  const filter = $("log-filter").value.trim().toLowerCase();
  if (!filter) return true;
  return JSON.stringify(event).toLowerCase().includes(filter);
}

// Each line's event, so that a changed filter judges the lines already shown, not only the
// ones still to come; a line the filter leaves out is hidden, not dropped.
const logEvents = new WeakMap();

function applyLogFilter() {
  for (const item of $("live-log").children) {
    if (logEvents.has(item)) item.hidden = !logMatches(logEvents.get(item));
  }
}

function describeEvent(event) {
  const parts = [];
  const time = (event.timestamp || "").slice(11, 23);
  parts.push(time);
  if (event.instance) parts.push(event.instance);
  parts.push(event.hop ? `[${event.hop}]` : event.event);
  if (event.hop) parts.push(event.event);
  for (const key of ["outcome", "service", "municipality", "registry", "rule", "client"]) {
    if (event[key] !== undefined && event[key] !== null) parts.push(`${key}=${event[key]}`);
  }
  if (event.duration_ms !== undefined) parts.push(`${event.duration_ms} ms`);
  if (event.request_id) parts.push(`request=${event.request_id}`);
  return parts.join("  ");
}

// A request's routing log is one line with its hops in a list (route.request): each hop is
// shown under the line, with its outcome and duration, in the order it ended.
function describeHop(hop) {
  const parts = [`${hop.hop}`, `${hop.outcome}`];
  for (const key of ["call", "registry", "operation", "rule", "status"]) {
    if (hop[key] !== undefined && hop[key] !== null) parts.push(`${key}=${hop[key]}`);
  }
  if (hop.duration_ms !== undefined) parts.push(`${hop.duration_ms} ms`);
  return parts.join("  ");
}

function appendLogLine(event, sequence) {
  if ($("pause").checked) return;
  const list = $("live-log");
  const item = document.createElement("li");
  logEvents.set(item, event);
  item.hidden = !logMatches(event);
  item.textContent = describeEvent(event);
  if (Array.isArray(event.hops)) {
    const hops = document.createElement("div");
    hops.className = "hops";
    for (const hop of event.hops) {
      const line = document.createElement("div");
      line.className = "step";
      line.textContent = describeHop(hop);
      hops.appendChild(line);
    }
    item.appendChild(hops);
    item.dataset.hops = event.hops.map((hop) => hop.hop).join(" ");
  }
  item.className = event.level || "";
  item.dataset.sequence = String(sequence);
  if (event.request_id) item.dataset.requestId = event.request_id;
  if (event.hop) item.dataset.hop = event.hop;
  if (event.instance) item.dataset.instance = event.instance;
  item.title = JSON.stringify(event);
  list.insertBefore(item, list.firstChild);
  while (list.childElementCount > MAX_LOG_LINES) list.removeChild(list.lastChild);
}

function follow() {
  const source = new EventSource(`${API}/log/stream?backlog=200`, { withCredentials: true });
  state.source = source;
  // The server ends each stream after a few seconds and the browser resumes it at once;
  // only a stream that stays closed is shown as a lost connection.
  let lost = null;
  source.addEventListener("open", () => {
    clearTimeout(lost);
    setConnection("live");
  });
  source.addEventListener("error", () => {
    clearTimeout(lost);
    lost = setTimeout(() => setConnection("connecting"), 3000);
  });
  source.addEventListener("log", (message) => {
    appendLogLine(JSON.parse(message.data), message.lastEventId);
  });
  source.addEventListener("gap", (message) => {
    const gap = message.data ? JSON.parse(message.data) : {};
    const item = document.createElement("li");
    item.className = "gap";
    if (gap.instance) {
      item.dataset.instance = gap.instance;
      item.textContent = `… ${gap.dropped} lines of ${gap.instance} were dropped on the way …`;
    } else {
      item.textContent = "… some lines were missed (the log moved faster than this page) …";
    }
    $("live-log").insertBefore(item, $("live-log").firstChild);
  });
}

function setConnection(text) {
  const element = $("connection");
  element.textContent = text;
  element.className = `badge ${text}`;
}

// Start and stop

function stop() {
  if (state.source) state.source.close();
  state.source = null;
  for (const timer of state.timers) clearInterval(timer);
  state.timers = [];
}

function start(operatorName) {
  stop();
  $("login").hidden = true;
  $("board").hidden = false;
  $("who").hidden = false;
  $("operator-name").textContent = operatorName;
  refreshOverview();
  refreshDeadLetters();
  follow();
  state.timers.push(setInterval(refreshOverview, POLL_MS));
  state.timers.push(setInterval(refreshDeadLetters, DEAD_LETTER_POLL_MS));
}

async function boot() {
  $("login-form").addEventListener("submit", signIn);
  $("logout").addEventListener("click", signOut);
  $("refresh-dead-letters").addEventListener("click", refreshDeadLetters);
  $("replay-all").addEventListener("click", () => replayDeadLetter(null));
  $("log-filter").addEventListener("input", applyLogFilter);
  $("routing-only").addEventListener("change", applyLogFilter);
  try {
    const who = await api("/whoami");
    start(who.operator);
  } catch (_) {
    showLogin();
  }
}

document.addEventListener("DOMContentLoaded", boot);
