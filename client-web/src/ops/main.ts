// On-call dashboard: polls /metrics (every 2 s) and /api/stats (last 5 min and last hour) and
// shows queues, latency percentiles, agents, connections and delivery health, with charts of the
// last 30 minutes and colours for breached thresholds.
import "../styles/base.css";
import "./ops.css";
import { formatDuration, h } from "../lib/format.js";
import { lineChart, type Series } from "./chart.js";
import { Metrics, histogramQuantile, subtractBuckets, type Bucket } from "./prom.js";

const TOKEN_KEY = "livechat:ops-token";
const THRESH_KEY = "livechat:ops-thresholds";
const POLL_MS = Number(new URLSearchParams(location.search).get("poll")) || 2000;
const HISTORY_MS = 30 * 60_000;

interface Thresholds {
  oldestWaitS: number;
  queueDepth: number;
  assignP90S: number;
  firstResponseP90S: number;
  responseP90S: number;
  errorsPerS: number;
}
const defaultThresholds: Thresholds = { oldestWaitS: 60, queueDepth: 5, assignP90S: 60, firstResponseP90S: 120, responseP90S: 120, errorsPerS: 0.5 };

interface Summary { count: number; p50_ms: number; p90_ms: number; p99_ms: number; mean_ms: number; max_ms: number }
interface Stats { measures: Record<string, Summary>; conversations_closed: number; missed: number; idle_closed?: number }

interface Point {
  t: number;
  queue: number;
  oldest: number;
  msgRate: number;
  errRate: number;
  assignP90: number;
  frP90: number;
  respP90: number;
  visitors: number;
  agents: number;
}

const app = document.getElementById("app")!;
let token = "";
let thresholds: Thresholds = loadThresholds();
let timer: ReturnType<typeof setTimeout> | undefined;
let statsTimer: ReturnType<typeof setInterval> | undefined;
let prev: { t: number; m: Metrics } | undefined;
const snapshots: { t: number; assign: Bucket[] }[] = [];
const points: Point[] = [];
let stats5m: Stats | undefined;
let stats1h: Stats | undefined;
interface AgentRow { id: string; name: string; status: string; active: number; capacity: number }
interface Team { agents: AgentRow[]; utilisation: number | null }
let team: Team | undefined;
let lastOk = 0;
let lastError = "";

function loadThresholds(): Thresholds {
  try {
    return { ...defaultThresholds, ...JSON.parse(localStorage.getItem(THRESH_KEY) ?? "{}") };
  } catch {
    return { ...defaultThresholds };
  }
}

async function api<T>(path: string): Promise<T> {
  const r = await fetch(path, { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
  if (r.status === 401 || r.status === 403) throw new AuthError(await r.text());
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return (await r.json()) as T;
}
class AuthError extends Error {}

function showSignIn(error = ""): void {
  clearTimeout(timer);
  clearInterval(statsTimer);
  const input = h("textarea", { id: "token", required: true, spellcheck: false, autocomplete: "off" });
  input.value = localStorage.getItem("livechat:agent-token") ?? "";
  app.replaceChildren(
    h("form", {
      class: "signin",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        token = input.value.trim();
        try {
          await api<Stats>("/api/stats");
          localStorage.setItem(TOKEN_KEY, token);
          start();
        } catch (err) {
          showSignIn(err instanceof AuthError ? "That token was refused." : String(err));
        }
      },
    },
      h("h1", {}, "On-call dashboard"),
      h("label", { for: "token" }, "Agent or admin token"),
      input,
      h("p", { class: "error", role: "alert" }, error),
      h("button", { class: "btn primary", type: "submit" }, "Open dashboard")),
  );
  input.focus();
}

// ------------------------------------------------------------------ polling

async function pollMetrics(): Promise<void> {
  try {
    const r = await fetch("/metrics", { cache: "no-store" });
    if (!r.ok) throw new Error(`/metrics: HTTP ${r.status}`);
    const m = Metrics.parse(await r.text());
    const t = Date.now();
    sample(t, m);
    prev = { t, m };
    lastOk = t;
    lastError = "";
  } catch (err) {
    lastError = err instanceof Error ? err.message : String(err);
  }
  render();
  timer = setTimeout(() => void pollMetrics(), POLL_MS);
}

async function pollStats(): Promise<void> {
  const now = Date.now();
  try {
    [stats5m, stats1h, team] = await Promise.all([
      api<Stats>(`/api/stats?from=${now - 5 * 60_000}&to=${now}`),
      api<Stats>(`/api/stats?from=${now - 60 * 60_000}&to=${now}`),
      api<Team>("/api/agents"),
    ]);
  } catch (err) {
    if (err instanceof AuthError) {
      localStorage.removeItem(TOKEN_KEY);
      showSignIn("The token expired or was refused.");
      return;
    }
    lastError = err instanceof Error ? err.message : String(err);
  }
  render();
}

function rate(m: Metrics, name: string): number {
  if (!prev) return 0;
  const dt = (Date.now() - prev.t) / 1000;
  if (dt <= 0) return 0;
  return Math.max(0, (m.sum(name) - prev.m.sum(name)) / dt);
}

let current: Metrics | undefined;
let rates = { msg: 0, err: 0 };

function sample(t: number, m: Metrics): void {
  current = m;
  rates = { msg: rate(m, "livechat_messages_total"), err: rate(m, "livechat_errors_total") };
  snapshots.push({ t, assign: m.buckets("livechat_queue_wait_seconds") });
  while (snapshots.length > 2 && snapshots[1]!.t < t - 60 * 60_000) snapshots.shift();
  const depth = m.values("livechat_queue_depth", "department");
  const oldest = m.values("livechat_queue_oldest_wait_seconds", "department");
  points.push({
    t,
    queue: [...depth.values()].reduce((a, b) => a + b, 0),
    oldest: Math.max(0, ...oldest.values()),
    msgRate: rates.msg,
    errRate: rates.err,
    assignP90: assignQuantile(0.9, 5 * 60_000),
    frP90: (stats5m?.measures["first_response"]?.p90_ms ?? NaN) / 1000,
    respP90: (stats5m?.measures["response"]?.p90_ms ?? NaN) / 1000,
    visitors: m.sum("livechat_connected_visitors"),
    agents: m.sum("livechat_connected_agents"),
  });
  while (points.length && points[0]!.t < t - HISTORY_MS) points.shift();
}

/** Enqueue→assign quantile over a window, from the histogram's growth since then. */
function assignQuantile(q: number, windowMs: number, department?: string): number {
  if (!current) return NaN;
  const now = current.buckets("livechat_queue_wait_seconds", department ? { department } : {});
  if (department) return histogramQuantile(q, now); // per department: since the server started
  const since = Date.now() - windowMs;
  const base = snapshots.find((s) => s.t >= since) ?? snapshots[0];
  // The first scrape has no baseline: everything since the server started counts.
  const window = base && base !== snapshots[snapshots.length - 1] ? subtractBuckets(now, base.assign) : now;
  const v = histogramQuantile(q, window);
  return Number.isNaN(v) ? histogramQuantile(q, now) : v;
}

// ------------------------------------------------------------------ rendering

function flag(value: number, limit: number): string {
  if (!Number.isFinite(value)) return "";
  if (value > limit) return "bad";
  if (value > limit * 0.75) return "warn";
  return "ok";
}

function secs(v: number): string {
  if (!Number.isFinite(v)) return "–";
  return v < 10 ? `${v.toFixed(1)}s` : formatDuration(v);
}

function tile(label: string, value: string, cls = "", testid = "", hint = ""): HTMLElement {
  return h("div", { class: `tile ${cls}`, "data-testid": testid || undefined, title: hint || undefined },
    h("div", { class: "label" }, label), h("div", { class: "value" }, value), cls === "bad" ? h("span", { class: "sr" }, "(threshold breached)") : null);
}

function render(): void {
  const m = current;
  if (!m) {
    app.querySelector(".content")?.replaceChildren(h("p", { class: "muted" }, lastError || "Loading…"));
    return;
  }
  const depth = m.values("livechat_queue_depth", "department");
  const oldest = m.values("livechat_queue_oldest_wait_seconds", "department");
  const online = m.values("livechat_agents_online", "department");
  const depts = [...new Set([...depth.keys(), ...online.keys()])].sort();
  const totalQueue = [...depth.values()].reduce((a, b) => a + b, 0);
  const maxOldest = Math.max(0, ...oldest.values());
  const assign = [0.5, 0.9, 0.99].map((q) => assignQuantile(q, 5 * 60_000));
  const visitors = m.sum("livechat_connected_visitors");
  const agents = m.sum("livechat_connected_agents");
  const onlineDistinctMax = Math.max(0, ...online.values());

  const status = app.querySelector<HTMLElement>(".live")!;
  const age = lastOk ? Math.round((Date.now() - lastOk) / 1000) : 0;
  status.className = `pill live ${lastError ? "offline" : ""}`;
  status.textContent = lastError ? `Stale: ${lastError}` : `Live · updated ${age}s ago`;

  const kpis = h("section", { class: "tiles", "aria-label": "Key figures" },
    tile("Waiting in queue", String(totalQueue), flag(totalQueue, thresholds.queueDepth), "queue-total"),
    tile("Oldest wait", secs(maxOldest), flag(maxOldest, thresholds.oldestWaitS), "oldest-wait"),
    tile("Enqueue→assign p90 (5 min)", secs(assign[1]!), flag(assign[1]!, thresholds.assignP90S), "assign-p90"),
    tile("Visitors connected", String(visitors), "", "visitors"),
    tile("Agents connected", String(agents), "", "agents"),
    tile("Messages / s", rates.msg.toFixed(2), "", "msg-rate"),
    tile("Errors / s", rates.err.toFixed(2), flag(rates.err, thresholds.errorsPerS), "err-rate"),
  );

  const deptTable = h("table", { class: "grid", "data-testid": "departments" },
    h("caption", {}, "Queues by department"),
    h("thead", {}, h("tr", {}, ...["Department", "Waiting", "Oldest wait", "Agents online", "Assign p50", "Assign p90", "Assign p99"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, ...(depts.length ? depts.map((d) => {
      const dq = depth.get(d) ?? 0;
      const ow = oldest.get(d) ?? 0;
      const ps = [0.5, 0.9, 0.99].map((q) => assignQuantile(q, 0, d));
      return h("tr", { "data-dept": d },
        h("th", { scope: "row" }, d),
        h("td", { class: flag(dq, thresholds.queueDepth), "data-col": "depth" }, String(dq)),
        h("td", { class: flag(ow, thresholds.oldestWaitS), "data-col": "oldest" }, dq ? secs(ow) : "–"),
        h("td", { class: (online.get(d) ?? 0) === 0 && dq > 0 ? "bad" : "", "data-col": "online" }, String(online.get(d) ?? 0)),
        ...ps.map((p, i) => h("td", { class: i === 1 ? flag(p, thresholds.assignP90S) : "" }, secs(p))));
    }) : [h("tr", {}, h("td", { colspan: "7", class: "muted" }, "No departments yet."))])),
  );

  const measureRow = (label: string, key: string, limit: number) => {
    const cells = [stats5m, stats1h].flatMap((s) => {
      const x = s?.measures[key];
      if (!x || !x.count) return [h("td", { class: "muted" }, "–"), h("td", {}, "–"), h("td", {}, "–"), h("td", {}, "0")];
      return [
        h("td", {}, secs(x.p50_ms / 1000)),
        h("td", { class: flag(x.p90_ms / 1000, limit) }, secs(x.p90_ms / 1000)),
        h("td", {}, secs(x.p99_ms / 1000)),
        h("td", {}, String(x.count)),
      ];
    });
    return h("tr", {}, h("th", { scope: "row" }, label), ...cells);
  };
  const latency = h("table", { class: "grid", "data-testid": "latency" },
    h("caption", {}, "Response times (closed conversations)"),
    h("thead", {},
      h("tr", {}, h("th", {}), h("th", { colspan: "4", scope: "colgroup" }, "Last 5 minutes"), h("th", { colspan: "4", scope: "colgroup" }, "Last hour")),
      h("tr", {}, h("th", { scope: "col" }, "Measure"), ...["p50", "p90", "p99", "n", "p50", "p90", "p99", "n"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {},
      measureRow("Enqueue → assign", "queue_wait", thresholds.assignP90S),
      measureRow("First response", "first_response", thresholds.firstResponseP90S),
      measureRow("Response time", "response", thresholds.responseP90S),
      measureRow("Resolution", "resolution", Infinity)),
  );

  const byStatus = (s: string) => team?.agents.filter((a) => a.status === s).length ?? 0;
  const utilisation = team?.utilisation;
  const agentsBox = h("section", { class: "card", "aria-label": "Agents" },
    h("h2", {}, "Agents"),
    h("div", { class: "tiles small", "data-testid": "team" },
      tile("Online", String(byStatus("online")), "", "team-online"),
      tile("Away", String(byStatus("away")), "", "team-away"),
      tile("Reconnecting", String(byStatus("reconnecting")), byStatus("reconnecting") > 0 ? "warn" : "", "team-reconnecting"),
      tile("Offline", String(byStatus("offline")), "", "team-offline"),
      tile("Utilisation", utilisation == null ? "–" : `${Math.round(utilisation * 100)}%`,
        utilisation != null && utilisation >= 0.9 ? "warn" : "", "team-utilisation", "active chats ÷ capacity of online agents")),
    h("div", { class: "bars" },
      ...(team?.agents ?? []).filter((a) => a.status !== "offline").map((a) => h("div", { class: "bar-row" },
        h("span", {}, `${a.name} (${a.status})`),
        h("meter", { min: "0", max: String(Math.max(1, a.capacity)), value: String(a.active), "aria-label": `${a.name}: ${a.active} of ${a.capacity} chats` }),
        h("b", {}, `${a.active}/${a.capacity}`)))),
    h("p", { class: "muted small" },
      `${agents} agents connected to this node · ${onlineDistinctMax} online in the busiest department`),
    h("p", { class: "muted small" }, `Closed in the last hour: ${stats1h?.conversations_closed ?? 0} (missed ${stats1h?.missed ?? 0}${stats1h?.idle_closed !== undefined ? `, closed for inactivity ${stats1h.idle_closed}` : ""}) · rating ${ratingText(stats1h)}`),
  );

  const series = (key: keyof Point, name: string, color: string): Series => ({ name, color, points: points.map((p) => [p.t, p[key] as number]) });
  const charts = h("section", { class: "charts", "aria-label": "Charts" },
    chartCard("Queue depth", [series("queue", "waiting", "#4f46e5")], "", thresholds.queueDepth),
    chartCard("Oldest wait", [series("oldest", "oldest wait", "#d97706")], "s", thresholds.oldestWaitS),
    chartCard("p90 times (5 min)", [series("assignP90", "assign", "#4f46e5"), series("frP90", "first resp.", "#16a34a"), series("respP90", "response", "#db2777")], "s"),
    chartCard("Traffic", [series("msgRate", "messages/s", "#0891b2"), series("errRate", "errors/s", "#dc2626")], "/s"),
    chartCard("Connections", [series("visitors", "visitors", "#0891b2"), series("agents", "agents", "#7c3aed")], ""),
  );

  app.querySelector(".content")!.replaceChildren(kpis, h("div", { class: "two" }, h("section", { class: "card" }, deptTable), agentsBox), h("section", { class: "card" }, latency), charts);
}

function ratingText(s: Stats | undefined): string {
  const r = s?.measures["rating"] as unknown as { count?: number; mean?: number } | undefined;
  return r?.count ? `${(r.mean ?? 0).toFixed(1)}/5 (${r.count})` : "–";
}

function chartCard(title: string, series: Series[], unit: string, threshold?: number): HTMLElement {
  return h("figure", { class: "card chart" }, h("figcaption", {}, title,
    h("span", { class: "legend" }, ...series.map((s) => h("span", {}, h("i", { style: `background:${s.color}` }), s.name)))),
    lineChart(series, { unit, threshold, windowMs: chartWindow() }));
}

/** The charts span the data collected so far: 2 minutes at first, growing to 30. */
function chartWindow(): number {
  const first = points[0]?.t ?? Date.now();
  return Math.min(HISTORY_MS, Math.max(2 * 60_000, Date.now() - first));
}

function thresholdsDialog(): void {
  const dlg = h("dialog", { class: "dialog", "aria-labelledby": "th-title" });
  const fields: [keyof Thresholds, string][] = [
    ["oldestWaitS", "Oldest wait (s)"],
    ["queueDepth", "Queue depth"],
    ["assignP90S", "Enqueue→assign p90 (s)"],
    ["firstResponseP90S", "First response p90 (s)"],
    ["responseP90S", "Response time p90 (s)"],
    ["errorsPerS", "Errors per second"],
  ];
  const inputs = fields.map(([k, label]) => {
    const input = h("input", { type: "number", min: "0", step: "any", id: `th-${k}`, value: String(thresholds[k]) });
    return { k, row: h("label", { for: `th-${k}`, class: "field" }, label, input), input };
  });
  dlg.append(h("form", {
    method: "dialog",
    class: "thresholds",
    onsubmit: () => {
      for (const { k, input } of inputs) if (input.value !== "") thresholds[k] = Number(input.value);
      localStorage.setItem(THRESH_KEY, JSON.stringify(thresholds));
      render();
    },
  },
    h("h2", { id: "th-title" }, "Alert thresholds"),
    h("p", { class: "muted small" }, "Values above a threshold turn red (amber above 75 %)."),
    ...inputs.map((i) => i.row),
    h("div", { class: "actions" },
      h("button", { class: "btn", type: "button", onclick: () => { thresholds = { ...defaultThresholds }; localStorage.removeItem(THRESH_KEY); dlg.close(); render(); } }, "Defaults"),
      h("button", { class: "btn primary", type: "submit" }, "Save"))));
  dlg.addEventListener("close", () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
}

function start(): void {
  app.replaceChildren(
    h("div", { class: "topbar" },
      h("div", { class: "brand" }, "Live chat", h("small", {}, "On-call dashboard")),
      h("span", { class: "pill live", role: "status" }, "Connecting"),
      h("button", { class: "btn", type: "button", onclick: thresholdsDialog }, "Thresholds"),
      h("button", { class: "btn", type: "button", onclick: () => { localStorage.removeItem(TOKEN_KEY); showSignIn(); } }, "Sign out")),
    h("main", { class: "content", "aria-live": "off" }),
  );
  void pollMetrics();
  void pollStats();
  statsTimer = setInterval(() => void pollStats(), Math.max(POLL_MS, 5000));
}

const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
token = fromHash ?? localStorage.getItem(TOKEN_KEY) ?? "";
if (fromHash) {
  localStorage.setItem(TOKEN_KEY, fromHash);
  window.history.replaceState(null, "", location.pathname + location.search);
}
if (token) start();
else showSignIn();
