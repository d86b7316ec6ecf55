// History: closed conversations from the system of record (GET /api/conversations) and any
// conversation's whole transcript, live or archived (GET /api/conversations/{id}), read-only.
// Everything the server sends reaches the page as text nodes (h() and textContent), never as
// markup: visitor names, emails and messages are whatever a visitor typed.
import { attachmentView, englishAttachmentTexts } from "../lib/attachment_view.js";
import type { AttachmentInfo, FileServer } from "../lib/attachments.js";
import { FileCache } from "../lib/file_cache.js";
import { formatDuration, formatTime, h, webAddress } from "../lib/format.js";
import { EventKind, type FormField } from "../lib/proto.js";
import { answerRows, answersList, ratingWords, type AnswerJson } from "./forms.js";
import { bargedInText, CLOSED_BAN_TEXT, CLOSED_IDLE_TEXT, IDLE_PROMPT_TEXT, isBanClose, isIdleClose, monitoringText, navigatedText, roleOfName } from "./wording.js";

/** One row of GET /api/conversations. */
export interface HistoryHit {
  id: string;
  visitor_id: string;
  visitor_name: string;
  email: string;
  department: string;
  agent_id: string;
  agent_name: string;
  joined_at_ms: number;
  closed_at_ms: number;
  rating: number | null;
  missed: boolean;
  visitor_messages: number;
  agent_messages: number;
  first_message: string;
  snippet: string;
}

interface HistoryPage {
  conversations: HistoryHit[];
  next_cursor: string | null;
}

export interface HistoryEvent {
  seq: number;
  kind: string;
  role: string;
  sender_id: string;
  sender_name: string;
  text: string;
  at_ms: number;
  agent_id?: string;
  department?: string;
  /** A file sent with a message (no preview in the JSON: the image itself is fetched). */
  attachment?: Omit<AttachmentInfo, "preview">;
  /** EVENT_KIND_NAVIGATED: the page's title (its URL is the text). */
  page_title?: string;
}

/** GET /api/conversations/{id}. */
export interface ConversationDetail {
  id: string;
  state: string;
  archived: boolean;
  department: string;
  agent_id: string;
  agent_name: string;
  joined_at_ms: number;
  closed_at_ms: number;
  visitor: { id: string; name: string; email: string; page_url: string; metadata: Record<string, string> };
  rating: number | null;
  comment: string;
  /** Protocol 9: the pre-chat form's answers, the survey's scale and its questions' answers. */
  form?: AnswerJson[];
  rating_scale?: number;
  survey_answers?: AnswerJson[];
  times: {
    first_response_ms: number | null;
    resolution_ms: number | null;
    queue_waits_ms?: number[];
    response_times_ms?: number[];
    visitor_messages?: number;
    agent_messages?: number;
  };
  events: HistoryEvent[];
}

/** The search form's values, as typed (dates as the date inputs give them: YYYY-MM-DD). */
export interface Filters {
  q: string;
  visitor: string;
  email: string;
  agent: string;
  department: string;
  rating: string;
  from: string;
  to: string;
}

const noFilters: Filters = { q: "", visitor: "", email: "", agent: "", department: "", rating: "", from: "", to: "" };

/** A refused or failed request, carrying the server's own error code and message. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export async function api<T>(path: string, token: string): Promise<T> {
  let r: Response;
  try {
    r = await fetch(path, { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
  } catch {
    throw new ApiError(0, "network", "Could not reach the server. Check the connection and try again.");
  }
  if (!r.ok) {
    let code = "";
    let message = "";
    try {
      const body = (await r.json()) as { error?: { code?: string; message?: string } };
      code = body.error?.code ?? "";
      message = body.error?.message ?? "";
    } catch {
      /* not JSON (a proxy's page): the status says enough */
    }
    throw new ApiError(r.status, code, message || `HTTP ${r.status}`);
  }
  return (await r.json()) as T;
}

/** What to tell the agent about a failed request. */
export function errorText(err: unknown): string {
  if (!(err instanceof ApiError)) return String(err);
  // PostgreSQL down is the archive's outage, not the agent's mistake: chat goes on without it.
  if (err.status === 503) return "The conversation archive is unavailable right now. Try again later.";
  if (err.status === 401) return "The server refused your token. Sign in again.";
  const m = err.message;
  return m.charAt(0).toUpperCase() + m.slice(1) + (/[.!?]$/.test(m) ? "" : ".");
}

/** A date input's YYYY-MM-DD as unix ms at the start (or the end) of that day, local time: the
 * agent means their own calendar day. */
export function dayBoundMs(date: string, end: boolean): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return undefined;
  const start = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + (end ? 1 : 0)).getTime();
  return end ? start - 1 : start; // the server's `to` is inclusive
}

/** The query string of a search (empty filters left out; the server refuses nothing it doesn't get). */
export function searchParams(f: Filters, cursor = "", limit = 0): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of ["q", "visitor", "email", "agent", "department", "rating"] as const) {
    const v = f[k].trim();
    if (v) p.set(k, v);
  }
  const from = dayBoundMs(f.from, false);
  const to = dayBoundMs(f.to, true);
  if (from !== undefined) p.set("from", String(from));
  if (to !== undefined) p.set("to", String(to));
  if (cursor) p.set("cursor", cursor);
  if (limit) p.set("limit", String(limit));
  return p;
}

export function formatDateTime(ms: number): string {
  if (!ms) return "";
  return new Date(ms).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function stars(rating: number | null, scale?: number): HTMLElement {
  if (!rating) return h("span", { class: "muted small" }, "not rated");
  const s = scale === 2 || scale === 3 || scale === 10 ? scale : 5;
  return h("span", { class: s === 5 ? "stars" : "rating", role: "img", "aria-label": `rated ${rating} of ${s}`, "data-scale": String(s) }, ratingWords(rating, s));
}

/** `text` with each case-insensitive occurrence of `term` in <mark>, built from text nodes. */
function highlighted(text: string, term: string): (Node | string)[] {
  const t = term.trim().toLowerCase();
  if (!t) return [text];
  const lower = text.toLowerCase();
  // toLowerCase keeps the length for the scripts we highlight in; if it did not, indexes into
  // `text` would be off, so then no highlight rather than a wrong one.
  if (lower.length !== text.length) return [text];
  const out: (Node | string)[] = [];
  let at = 0;
  for (let i = lower.indexOf(t); i >= 0; i = lower.indexOf(t, i + t.length)) {
    if (i > at) out.push(text.slice(at, i));
    out.push(h("mark", {}, text.slice(i, i + t.length)));
    at = i + t.length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

/** Agents' names by id, from the events that carry them (messages, assignments): a close
 * carries only the closing agent's id. */
function agentNames(events: HistoryEvent[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const e of events) {
    if (e.role === "agent" && e.sender_id && e.sender_name) names.set(e.sender_id, e.sender_name);
    if ((e.kind === "EVENT_KIND_ASSIGNED" || e.kind === "EVENT_KIND_TRANSFERRED") && e.agent_id && e.sender_name) names.set(e.agent_id, e.sender_name);
  }
  return names;
}

/** A non-message event as a system line, or undefined to leave it out. */
export function systemText(e: HistoryEvent, names: Map<string, string>): string | undefined {
  const who = (fallback: string) => e.sender_name || names.get(e.sender_id) || e.sender_id || fallback;
  switch (e.kind) {
    case "EVENT_KIND_JOINED": return `Joined the queue${e.department ? ` for ${e.department}` : ""}`;
    case "EVENT_KIND_ASSIGNED": return `Assigned to ${e.sender_name || e.agent_id || "an agent"}`;
    case "EVENT_KIND_TRANSFERRED": {
      // The sender of a transfer is the agent it went to; its text is the note for them.
      const to = e.agent_id ? e.sender_name || e.agent_id : e.department || "another department";
      return `Transferred to ${to}${e.text ? ` (note: ${e.text})` : ""}`;
    }
    case "EVENT_KIND_REQUEUED": return "Back in the queue";
    case "EVENT_KIND_BARGED_IN": return bargedInText(who("A supervisor"));
    case "EVENT_KIND_MONITORED": return monitoringText(who("A supervisor"));
    case "EVENT_KIND_IDLE_PROMPT": return IDLE_PROMPT_TEXT;
    case "EVENT_KIND_NAVIGATED": return navigatedText(e.page_title, e.text);
    case "EVENT_KIND_CLOSED":
      if (isIdleClose({ kind: EventKind.CLOSED, role: roleOfName(e.role), senderId: e.sender_id })) return CLOSED_IDLE_TEXT;
      if (isBanClose({ kind: EventKind.CLOSED, role: roleOfName(e.role), senderId: e.sender_id })) return CLOSED_BAN_TEXT;
      if (e.role === "visitor") return "Closed by the visitor";
      if (e.role === "agent") return `Closed by ${who("the agent")}`;
      return "Conversation closed";
    default: return undefined;
  }
}

export interface HistoryHost {
  token(): string;
  /** Where the transcripts' files are fetched from. */
  files: FileServer;
  /** The departments the agent may filter by (the server refuses others with 403). */
  departments(): string[];
  announce(text: string): void;
  /** Conversations per page (0: the server's default, 25). */
  limit?: number;
  /** A department's pre-chat form as the Welcome has it (the kinds of its answers). */
  formOf?(department: string): readonly FormField[];
}

/** Where the transcript's Back button leads when it was opened from outside the results. */
export interface BackTo {
  label: string;
  go: () => void;
}

export class HistoryView {
  /** The search and its filters (the sidebar, under the tabs). */
  readonly form: HTMLFormElement;
  /** The results, or one transcript (the main area). */
  readonly pane: HTMLElement;

  private readonly fields: { [K in keyof Filters]: HTMLInputElement | HTMLSelectElement };
  private readonly filtersBox: HTMLDetailsElement;
  private readonly resultsView: HTMLElement;
  private readonly resultsScroll: HTMLElement;
  private readonly status: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly more: HTMLButtonElement;
  private readonly convView: HTMLElement;
  private hits: HistoryHit[] = [];
  private shown: Filters = { ...noFilters };
  private cursor: string | null = null;
  // Every search or page bumps it: a slow answer to an earlier one is dropped, not shown.
  private generation = 0;
  private openGeneration = 0;
  private searched = false;
  private resultsScrollTop = 0;
  private openedFrom = "";
  /** The open transcript's files; revoked when it goes (another one, the results, a sign-out). */
  private files?: FileCache;

  constructor(private readonly host: HistoryHost) {
    const input = (id: string, attrs: Record<string, unknown> = {}) =>
      h("input", { id, name: id, autocomplete: "off", ...attrs });
    this.fields = {
      q: input("hist-q", { type: "search", placeholder: "Words from the conversation", "aria-label": "Search history", enterkeyhint: "search" }),
      department: h("select", { id: "hist-department" }),
      agent: input("hist-agent", { placeholder: "e.g. alice", spellcheck: false }),
      rating: h("select", { id: "hist-rating" },
        h("option", { value: "" }, "Any"),
        ...[5, 4, 3, 2, 1].map((n) => h("option", { value: String(n) }, `${"★".repeat(n)} (${n})`))),
      from: input("hist-from", { type: "date" }),
      to: input("hist-to", { type: "date" }),
      email: input("hist-email", { type: "email", placeholder: "visitor@example.org", spellcheck: false }),
      visitor: input("hist-visitor", { placeholder: "v…", spellcheck: false, class: "mono" }),
    };
    const f = this.fields;
    const field = (id: string, label: string, control: HTMLElement) => h("div", { class: "field" }, h("label", { for: id }, label), control);
    this.filtersBox = h("details", { class: "hist-filters" },
      h("summary", {}, "Filters"),
      field("hist-department", "Department", f.department),
      field("hist-agent", "Agent id", f.agent),
      field("hist-rating", "Rating", f.rating),
      h("div", { class: "field-pair" }, field("hist-from", "Closed from", f.from), field("hist-to", "to", f.to)),
      field("hist-email", "Visitor email", f.email),
      field("hist-visitor", "Visitor id", f.visitor));
    this.form = h("form", {
      class: "hist-form", role: "search", "aria-label": "Search closed conversations",
      onsubmit: (e: Event) => { e.preventDefault(); void this.search(); },
    },
      h("div", { class: "hist-searchbar" }, f.q, h("button", { class: "btn primary", type: "submit" }, "Search")),
      this.filtersBox,
      h("button", { class: "btn linkish", type: "button", onclick: () => this.reset() }, "Clear filters"));

    this.status = h("p", { class: "hist-status muted", role: "status", "aria-live": "polite" });
    this.list = h("ul", { class: "hist-results", "aria-label": "Closed conversations" });
    this.more = h("button", { class: "btn", type: "button", id: "hist-more", hidden: true, onclick: () => void this.page() }, "More");
    this.resultsScroll = h("div", { class: "scroll" }, this.status, this.list, h("div", { class: "hist-more" }, this.more));
    this.resultsView = h("section", { class: "hist-view", "aria-label": "History results" },
      h("header", { class: "conv-head" }, h("h2", {}, "History"), h("span", { class: "muted small" }, "Closed conversations, newest first")),
      this.resultsScroll);
    this.convView = h("section", { class: "hist-view hist-conv", "aria-label": "Transcript", hidden: true });
    // Escape anywhere in a transcript leads back, like its Back button.
    this.convView.addEventListener("keydown", (e) => {
      if (e.key === "Escape") { e.preventDefault(); this.convView.querySelector<HTMLButtonElement>(".hist-back")?.click(); }
    });
    this.pane = h("div", { class: "hist-pane" }, this.resultsView, this.convView);
    this.refreshDepartments();
  }

  /** Called when the History tab is shown: the first time, the newest closed conversations. */
  activate(): void {
    if (!this.searched) void this.search();
  }

  refreshDepartments(): void {
    const sel = this.fields.department as HTMLSelectElement;
    const keep = sel.value;
    sel.replaceChildren(h("option", { value: "" }, "All of mine"), ...this.host.departments().map((d) => h("option", { value: d }, d)));
    sel.value = this.host.departments().includes(keep) ? keep : "";
  }

  /** Fills the form (only the given filters; the others cleared) and searches. */
  async searchWith(filters: Partial<Filters>): Promise<void> {
    this.setFilters({ ...noFilters, ...filters });
    // A filter hidden in a closed <details> would be a surprise: show the filters in use.
    if (Object.entries(filters).some(([k, v]) => k !== "q" && v)) this.filtersBox.open = true;
    await this.search();
  }

  private setFilters(f: Filters): void {
    for (const k of Object.keys(this.fields) as (keyof Filters)[]) this.fields[k].value = f[k];
  }

  private values(): Filters {
    const out = { ...noFilters };
    for (const k of Object.keys(this.fields) as (keyof Filters)[]) out[k] = this.fields[k].value;
    return out;
  }

  private reset(): void {
    this.setFilters({ ...noFilters, q: this.fields.q.value });
    this.fields.q.focus();
  }

  /** A new search from the form's values; the results replace whatever the pane showed. */
  async search(): Promise<void> {
    this.searched = true;
    this.shown = this.values();
    this.hits = [];
    this.cursor = null;
    this.list.replaceChildren();
    this.showResults(false);
    await this.fetchPage("");
  }

  private async page(): Promise<void> {
    if (this.cursor) await this.fetchPage(this.cursor);
  }

  private async fetchPage(cursor: string): Promise<void> {
    const gen = ++this.generation;
    this.more.disabled = true;
    this.status.classList.remove("error");
    this.status.textContent = cursor ? "Loading more…" : "Searching…";
    try {
      const page = await api<HistoryPage>(`/api/conversations?${searchParams(this.shown, cursor, this.host.limit)}`, this.host.token());
      if (gen !== this.generation) return;
      this.hits.push(...page.conversations);
      this.cursor = page.next_cursor;
      this.list.append(...page.conversations.map((c) => this.item(c)));
      const n = this.hits.length;
      this.status.textContent = n
        ? `${n} conversation${n === 1 ? "" : "s"}${this.cursor ? ", more older ones" : ""}`
        : this.filtered() ? "No closed conversation matches." : "No closed conversations yet. They appear here once closed and archived.";
      if (cursor) this.host.announce(`${page.conversations.length} more conversations`);
    } catch (err) {
      if (gen !== this.generation) return;
      this.status.classList.add("error");
      this.status.textContent = errorText(err);
    } finally {
      if (gen === this.generation) {
        this.more.disabled = false;
        this.more.hidden = !this.cursor;
      }
    }
  }

  private filtered(): boolean {
    return Object.values(this.shown).some((v) => v.trim());
  }

  private item(c: HistoryHit): HTMLLIElement {
    const agent = c.agent_name || c.agent_id;
    const preview = c.snippet || c.first_message;
    return h("li", {},
      h("button", {
        type: "button", class: "chat-item hist-item", "data-conv": c.id,
        onclick: () => void this.open(c.id),
      },
        h("div", { class: "row" }, h("strong", { class: "name", dir: "auto" }, c.visitor_name || "Visitor"), stars(c.rating)),
        h("div", { class: "row small" },
          h("span", {}, h("span", { class: "dept" }, c.department), " ",
            agent ? h("span", { class: "agent" }, agent) : h("span", { class: "muted" }, c.missed ? "missed" : "unassigned")),
          h("time", { class: "muted", datetime: new Date(c.closed_at_ms).toISOString() }, formatDateTime(c.closed_at_ms))),
        preview ? h("div", { class: "preview", dir: "auto" }, ...(c.snippet ? highlighted(c.snippet, this.shown.q) : [c.first_message])) : null));
  }

  /** The view is going for good (a new sign-in): its files' memory is given back. */
  discard(): void {
    this.openGeneration++;
    this.dropFiles();
  }

  private dropFiles(): void {
    this.files?.revokeAll();
    this.files = undefined;
  }

  private showResults(focus: boolean): void {
    this.openGeneration++;
    this.dropFiles();
    this.convView.hidden = true;
    this.convView.replaceChildren();
    this.resultsView.hidden = false;
    this.resultsScroll.scrollTop = this.resultsScrollTop;
    if (focus) {
      const from = this.list.querySelector<HTMLElement>(`[data-conv="${CSS.escape(this.openedFrom)}"]`);
      (from ?? this.fields.q).focus();
    }
  }

  /** Shows one conversation's transcript in the pane. `back` leads elsewhere than the results
   * (a live chat it was opened from). */
  async open(id: string, back?: BackTo): Promise<void> {
    const gen = ++this.openGeneration;
    this.dropFiles();
    if (!this.resultsView.hidden) this.resultsScrollTop = this.resultsScroll.scrollTop;
    this.openedFrom = back ? "" : id;
    const backBtn = h("button", {
      class: "btn hist-back", type: "button",
      // Leaving for elsewhere, the results are what History shows next time, not this.
      onclick: () => (back ? (this.showResults(false), back.go()) : this.showResults(true)),
    }, back ? `← ${back.label}` : "← Back to results");
    const body = h("div", { class: "scroll" }, h("p", { class: "muted", role: "status" }, "Loading the conversation…"));
    this.resultsView.hidden = true;
    this.convView.hidden = false;
    this.convView.dataset["conv"] = id;
    this.convView.replaceChildren(h("header", { class: "conv-head" }, h("div", {}, backBtn)), body);
    backBtn.focus();
    let c: ConversationDetail;
    try {
      c = await api<ConversationDetail>(`/api/conversations/${encodeURIComponent(id)}`, this.host.token());
    } catch (err) {
      if (gen !== this.openGeneration) return;
      body.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(err)));
      return;
    }
    if (gen !== this.openGeneration) return;
    const heading = h("h2", { tabindex: "-1", dir: "auto" }, c.visitor.name || "Visitor");
    const agent = c.agent_name || c.agent_id;
    this.convView.replaceChildren(
      h("header", { class: "conv-head" },
        h("div", { class: "hist-title" }, backBtn,
          h("div", {}, heading,
            h("div", { class: "muted small" }, [c.department, agent ? `with ${agent}` : "no agent", c.closed_at_ms ? `closed ${formatDateTime(c.closed_at_ms)}` : c.state].join(" · ")))),
        c.visitor.id
          ? h("div", { class: "actions" }, h("button", {
              class: "btn", type: "button", "data-action": "visitor-history",
              onclick: () => void this.searchWith({ visitor: c.visitor.id }),
            }, "All history of this visitor"))
          : null),
      h("div", { class: "scroll" }, this.facts(c), this.log(c)));
    backBtn.focus();
  }

  private facts(c: ConversationDetail): HTMLElement {
    const t = c.times ?? { first_response_ms: null, resolution_ms: null };
    const ms = (v: number | null | undefined) => (v === null || v === undefined ? "—" : formatDuration(v / 1000));
    const waits = t.queue_waits_ms ?? [];
    const responses = t.response_times_ms ?? [];
    const avg = responses.length ? responses.reduce((a, b) => a + b, 0) / responses.length : null;
    const row = (label: string, value: Node | string, field: string) => [h("dt", {}, label), h("dd", { "data-field": field, dir: "auto" }, value)];
    const meta = Object.entries(c.visitor.metadata ?? {});
    const fields = this.host.formOf?.(c.department) ?? [];
    const form = c.form?.length ? answersList(answerRows(c.form, fields), "hist-form") : null;
    const survey = c.survey_answers?.length ? answersList(answerRows(c.survey_answers), "hist-survey") : null;
    return h("dl", { class: "ctx hist-facts" },
      ...row("Rating", stars(c.rating, c.rating_scale), "rating"),
      ...(c.comment ? row("Comment", c.comment, "comment") : []),
      ...(survey ? row("Survey", survey, "survey") : []),
      ...(form ? row("Pre-chat form", form, "form") : []),
      ...row("First response", ms(t.first_response_ms), "first-response"),
      ...row("Resolution", ms(t.resolution_ms), "resolution"),
      ...row("Queue wait", waits.length ? waits.map((w) => ms(w)).join(", ") : "—", "queue-wait"),
      ...row("Avg. response", ms(avg), "avg-response"),
      ...row("Started", formatDateTime(c.joined_at_ms), "started"),
      ...row("Email", c.visitor.email ? h("a", { href: `mailto:${c.visitor.email}` }, c.visitor.email) : "—", "email"),
      ...row("Page", webAddress(c.visitor.page_url) ? h("a", { href: c.visitor.page_url, target: "_blank", rel: "noopener noreferrer" }, c.visitor.page_url) : c.visitor.page_url || "—", "page"),
      ...row("Visitor id", h("span", { class: "mono" }, c.visitor.id || "—"), "visitor-id"),
      ...row("Stored", c.archived ? "archive" : `live (${c.state})`, "stored"),
      ...meta.flatMap(([k, v]) => [h("dt", {}, k), h("dd", { "data-meta": k, dir: "auto" }, v)]));
  }

  private log(c: ConversationDetail): HTMLElement {
    const visitor = c.visitor.name || "Visitor";
    const names = agentNames(c.events);
    const files = (this.files = new FileCache(this.host.files));
    const rows = c.events.map((e) => {
      const at = h("time", { datetime: new Date(e.at_ms).toISOString(), title: formatDateTime(e.at_ms) }, formatTime(e.at_ms));
      if (e.kind !== "EVENT_KIND_MESSAGE") {
        const text = systemText(e, names);
        return text === undefined ? null : h("li", { class: "sys", "data-seq": String(e.seq) }, `${text} · `, at);
      }
      const name = e.role === "visitor" ? e.sender_name || visitor : e.sender_name || names.get(e.sender_id) || e.sender_id || "Agent";
      const a = e.attachment?.id ? e.attachment : undefined;
      return h("li", { class: `msg ${e.role === "visitor" ? "other" : "agent"}${a ? " has-file" : ""}`, "data-seq": String(e.seq), "data-role": e.role },
        h("span", { class: "sr" }, `${name}: `),
        a ? attachmentView(a, files, englishAttachmentTexts) : null,
        a && !e.text ? null : h("div", { class: "bubble", dir: "auto" }, e.text),
        h("div", { class: "meta" }, h("span", { class: "sender", dir: "auto" }, name), at));
    });
    return h("ol", { class: "log hist-log", "aria-label": `Transcript with ${visitor}` }, ...rows);
  }
}
