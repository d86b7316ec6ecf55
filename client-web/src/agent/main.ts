// Agent console: sign in with an agent token; presence and capacity; many conversations at once
// with unread counts and waiting times; visitor context; typing and read receipts both ways;
// canned responses; transfer, close; the offline-message inbox; history (closed conversations
// from the archive, any transcript read-only); sound and title badge. The waiting list, the
// live chats (supervisors), the colleagues and the visitors on the site come pushed (FollowBoard
// after every Welcome).
import "../styles/base.css";
import "./agent.css";
import { AttachBox, dropTarget, uploadWithPreview } from "../lib/attach_box.js";
import { attachmentView, englishAttachmentTexts } from "../lib/attachment_view.js";
import { attachmentOf, departmentFilePolicy, englishFileTexts, messageSummary, type FileServer } from "../lib/attachments.js";
import { ChatClient, ServerError, wsUrl } from "../lib/client.js";
import type { LogItem } from "../lib/conversation.js";
import { FileCache } from "../lib/file_cache.js";
import { formatDuration, formatTime, h, mmss, webAddress } from "../lib/format.js";
import {
  ErrorCode,
  EventKind,
  PresenceStatus,
  ReceiptKind,
  Role,
  type OfflineMessage,
  type ServerEnvelope,
  type VisitorContext,
} from "../lib/proto.js";
import { TranscriptView } from "../lib/transcript.js";
import { builtInCanned, cannedFor, fillCanned, matchCanned, type Canned } from "./canned.js";
import { HistoryView } from "./history.js";
import { Notifier } from "./notify.js";
import { BOARD_PROTOCOL, boardView, idleLimitMs, type Waiting } from "./board.js";
import { canTake, colleagueLabel, colleaguesFor, colleaguesOf, Supervision } from "./supervise.js";
import { staffEventText } from "./wording.js";
import { BANS_PROTOCOL } from "./bans.js";
import { openBanDialog } from "./ban_form.js";
import { BansView } from "./bans_view.js";
import { InboxView } from "./inbox_view.js";
import { draftAfterEvent, draftAfterTyping, peekLine, renderPeek } from "./peek.js";
import { siteContext } from "./site_context.js";
import {
  chatSiteOf, INVITES_PROTOCOL, inviteErrorText, navigated, siteVisitorOf, VISITORS_PROTOCOL, withBoardEntry, type ChatSite, type SiteVisitorRow,
} from "./visitors.js";
import { answerRows, answersList } from "./forms.js";
import { tickTimes, VisitorsView } from "./visitors_view.js";
import { isUrgent } from "../lib/departments.js";
import { ApiError, Session, signInMessage } from "../lib/session.js";

const TOKEN_KEY = "livechat:agent-token";
const PREFS_KEY = "livechat:agent-prefs";
// The selected conversation, kept across reloads.
const ACTIVE_KEY = "livechat:agent-active";
// Per agent: conversation id -> the highest seq this agent has read (the server keeps it as
// rd<role> but does not tell the agent), so a reload shows no phantom unread counts.
const READ_KEY = "livechat:agent-read:";
// Minutes without activity before the console sets the agent away: when set it wins over the
// departments' auto_away_seconds (tests shorten it).
const IDLE_KEY = "livechat:idle-minutes";
// How often the chime repeats while a new chat is unattended (tests shorten it).
const REPEAT_KEY = "livechat:alert-repeat-ms";
// ?history_limit=N: History's page size (the tests page through a few conversations with it).
const HISTORY_LIMIT = Math.min(100, Math.max(0, Math.floor(Number(new URLSearchParams(location.search).get("history_limit")) || 0)));

interface Prefs {
  presence: PresenceStatus;
  capacity: number;
  sound: boolean;
}

interface Chat {
  id: string;
  department: string;
  visitor?: VisitorContext;
  joinedAtMs: number;
  /** Highest seq of the visitor's messages this agent has read (persisted). */
  readSeq: number;
  /** A new chat not yet opened by the agent: the chime repeats and the title flashes. */
  unattended: boolean;
  closed: boolean;
  typing: boolean;
  typingTimer?: ReturnType<typeof setTimeout>;
  lastRead: number;
  lastDelivered: number;
  draft: string;
  gone?: string;
  /** The composer writes internal notes. */
  noteMode: boolean;
  tags?: string[];
  /** Sneak peek: what the visitor is typing, not sent ("" = nothing shown). */
  peek: string;
  /** What this agent banned from the chat (said in it after it closed). */
  banNotice?: string;
  /** The visitor on the site: their page now, device, local time, this visit's pages. */
  site?: ChatSite;
}

const app = document.getElementById("app")!;
let client: ChatClient | undefined;
const chats = new Map<string, Chat>();
let active = "";
type Tab = "chats" | "queue" | "live" | "visitors" | "inbox" | "history" | "bans";
let tab: Tab = "chats";
let inbox: OfflineMessage[] = [];
let prefs: Prefs = loadPrefs();
const notifier = new Notifier("Agent console");
notifier.repeatMs = Math.max(200, Number(localStorage.getItem(REPEAT_KEY)) || 4000);
let departments: string[] = [];
// The agent's own departments: the only ones History may filter by (the server says 403 to others).
let myDepartments: string[] = [];
// The REST API takes the same token as the WebSocket.
let restToken = "";
const session = new Session({
  onToken: (t) => {
    restToken = t;
  },
  onExpired: (message) => {
    localStorage.removeItem(TOKEN_KEY);
    showSignIn(message);
  },
});
// Files in chats: uploads and downloads with the REST token (renewed once on a 401).
const fileServer: FileServer = {
  base: "",
  token: () => restToken,
  renew: () => (session.renewable ? session.renew() : Promise.resolve(false)),
};
// Per conversation: its files' blob: URLs, revoked when the chat leaves the console.
const fileCaches = new Map<string, FileCache>();
// The open chat's composer attachments (none for notes, none when the server takes no files).
let attachBox: AttachBox | undefined;

function filesOf(conv: string): FileCache {
  let c = fileCaches.get(conv);
  if (!c) fileCaches.set(conv, (c = new FileCache(fileServer)));
  return c;
}

function dropFiles(conv?: string): void {
  for (const [id, c] of fileCaches) {
    if (conv && id !== conv) continue;
    c.revokeAll();
    fileCaches.delete(id);
  }
}

let historyView = newHistoryView();
// The Offline inbox's items, with Reply by email when the server sends email.
let inboxView = newInboxView();
// Supervisors and admins: the Bans tab.
let bansView = newBansView();
// Supervisors and admins: the Live tab, monitoring, barge-in, take-over, picking waiting visitors.
const supervise = new Supervision({
  client: () => client,
  session,
  announce: (t) => announce(t),
  renderList: () => { renderTabs(); if (tab === "live") renderList(); },
  renderMain: () => { if (tab === "live") renderMain(); },
  openChat: (id) => select(id),
  bansApi: () => bansApi(),
  files: fileServer,
});
// The Visitors tab: everyone on the site now (the Board's site_visitors).
const visitorsView = new VisitorsView({
  holds: (id) => chats.has(id),
  openChat: (id) => select(id),
  invites: () => (client?.welcome?.protocolVersion ?? 0) >= INVITES_PROTOCOL,
  departments: () => {
    const w = client?.welcome;
    return (myDepartments.length ? myDepartments : departments).map((d) => ({ id: d, name: w?.departmentStatus.find((s) => s.department === d)?.displayName || d }));
  },
  invite: async (visitorId, text, department) => {
    const c = client;
    if (!c || c.state !== "ready") throw new Error(inviteErrorText(undefined, ""));
    try {
      await c.request({ case: "invite", value: { visitorId, text, department } });
    } catch (err) {
      throw new Error(err instanceof ServerError ? inviteErrorText(err.code, err.text) : inviteErrorText(undefined, ""));
    }
  },
  nameOf: (id) => (id === client?.welcome?.userId ? client.welcome.displayName : colleaguesOf(client?.board)?.find((a) => a.id === id)?.name) || undefined,
  announce: (t) => announce(t),
});
let siteVisitors: SiteVisitorRow[] | undefined;
// The server's clock minus ours (Welcome, then every Board): the visitors' times tick against it.
let serverSkew = 0;
const serverNow = () => Date.now() + serverSkew;
// The team's canned responses (GET /api/canned), loaded after each sign-in.
let canned: Canned[] = [];
// The server has the team API of issue 12 (canned, tags, notes). An older one would ignore
// SendMessage.note and deliver a "note" to the visitor: no Note toggle, no tags there.
let teamApi = false;
// The selection of the last visit: it wins over whatever chat's frame comes first after a reload.
let savedActive = localStorage.getItem(ACTIVE_KEY) ?? "";
let savedDeadline = 0;
let userPicked = false;
let typingSentAt = 0;
let typingIdle: ReturnType<typeof setTimeout> | undefined;

function loadPrefs(): Prefs {
  try {
    return { presence: PresenceStatus.ONLINE, capacity: 0, sound: true, ...JSON.parse(localStorage.getItem(PREFS_KEY) ?? "{}") };
  } catch {
    return { presence: PresenceStatus.ONLINE, capacity: 0, sound: true };
  }
}
function savePrefs(): void {
  localStorage.setItem(PREFS_KEY, JSON.stringify(prefs));
}

interface ReadMark { seq: number; at: number }

function readMarks(): Record<string, ReadMark> {
  const me = client?.welcome?.userId;
  if (!me) return {};
  try {
    const v = JSON.parse(localStorage.getItem(READ_KEY + me) ?? "{}") as unknown;
    return v && typeof v === "object" ? (v as Record<string, ReadMark>) : {};
  } catch {
    return {};
  }
}

/** This agent's stored read position in a conversation (undefined: never opened here). */
function storedRead(conv: string): number | undefined {
  const m = readMarks()[conv];
  return m && typeof m.seq === "number" ? m.seq : undefined;
}

function storeRead(conv: string, seq: number): void {
  const me = client?.welcome?.userId;
  if (!me) return;
  const marks = readMarks();
  const old = marks[conv];
  if (old && old.seq >= seq) return;
  marks[conv] = { seq: Math.max(seq, old?.seq ?? 0), at: Date.now() };
  // Conversations of the last two weeks; the oldest go first past 500.
  const cutoff = Date.now() - 14 * 86_400_000;
  const kept = Object.entries(marks).filter(([, m]) => m.at > cutoff).sort((a, b) => b[1].at - a[1].at).slice(0, 500);
  try {
    localStorage.setItem(READ_KEY + me, JSON.stringify(Object.fromEntries(kept)));
  } catch {
    /* storage full or disabled: the counts are right until the next reload */
  }
}

function newInboxView(): InboxView {
  return new InboxView({
    session,
    mails: () => !!client?.welcome?.emailTranscripts,
    name: (id) => (id === client?.welcome?.userId ? client.welcome.displayName : colleaguesOf(client?.board)?.find((a) => a.id === id)?.name) || undefined,
    announce: (t) => announce(t),
  });
}

function newBansView(): BansView {
  return new BansView({ session, announce: (t) => announce(t) });
}

/** The server reports the visitors on the site (PageView): protocol 8. */
function visitorsApi(): boolean {
  return (client?.welcome?.protocolVersion ?? 0) >= VISITORS_PROTOCOL;
}

/** The server has bans (and sneak peek): protocol 5. */
function bansApi(): boolean {
  return (client?.welcome?.protocolVersion ?? 0) >= BANS_PROTOCOL;
}

function newHistoryView(): HistoryView {
  return new HistoryView({
    token: () => restToken,
    files: fileServer,
    departments: () => (myDepartments.length ? myDepartments : departments),
    announce,
    limit: HISTORY_LIMIT,
    formOf,
  });
}

/** A department's pre-chat form as the Welcome has it: the kinds of a visitor's answers. */
function formOf(department: string) {
  return client?.welcome?.departmentStatus.find((d) => d.department === department)?.preChatForm ?? [];
}

// ------------------------------------------------------------------ sign in

function showSignIn(error = ""): void {
  client?.stop();
  client = undefined;
  chats.clear();
  dropFiles();
  active = "";
  session.stop();
  const email = h("input", { id: "email", type: "email", required: true, autocomplete: "username", spellcheck: false });
  const password = h("input", { id: "password", type: "password", required: true, autocomplete: "current-password" });
  const token = h("textarea", { id: "token", spellcheck: false, autocomplete: "off", "aria-describedby": "token-help" });
  const err = h("p", { class: "error", role: "alert" }, error);
  const submit = h("button", { class: "btn primary", type: "submit" }, "Sign in");
  app.replaceChildren(
    h("div", { class: "signin" },
      h("h1", {}, "Agent console"),
      h("form", {
        class: "signin-form",
        onsubmit: async (e: Event) => {
          e.preventDefault();
          err.textContent = "";
          submit.disabled = true;
          try {
            await session.login(email.value.trim(), password.value);
            localStorage.removeItem(TOKEN_KEY);
            start(session.token);
          } catch (e2) {
            err.textContent = signInMessage(e2);
            password.select();
          } finally {
            submit.disabled = false;
          }
        },
      },
        h("label", { for: "email" }, "Email"), email,
        h("label", { for: "password" }, "Password"), password,
        err,
        submit),
      // Operators' scripts sign in with `livechat token`: kept as the second way.
      h("details", { class: "token-signin" },
        h("summary", {}, "Sign in with a token"),
        h("form", {
          class: "signin-form",
          onsubmit: (e: Event) => {
            e.preventDefault();
            const t = token.value.trim();
            if (!t) return;
            session.useToken(t);
            localStorage.setItem(TOKEN_KEY, t);
            start(t);
          },
        },
          h("label", { for: "token" }, "Agent token"),
          token,
          h("p", { id: "token-help", class: "muted" }, "Ask your admin, or run: livechat token --agent ID --name NAME --departments A,B --capacity N"),
          h("button", { class: "btn", type: "submit" }, "Use this token")))),
  );
  email.focus();
}

async function signOut(): Promise<void> {
  localStorage.removeItem(TOKEN_KEY);
  await session.logout();
  showSignIn();
}

// ------------------------------------------------------------------ layout

const el = {
  status: h("span", { class: "pill connecting", role: "status", "aria-live": "polite" }, "Connecting"),
  who: h("span", {}),
  presence: h("select", { id: "presence", "aria-label": "Presence" },
    h("option", { value: String(PresenceStatus.ONLINE) }, "Online"),
    h("option", { value: String(PresenceStatus.AWAY) }, "Away"),
    h("option", { value: String(PresenceStatus.OFFLINE) }, "Offline")),
  capacity: h("input", { id: "capacity", type: "number", min: "1", max: "50", "aria-label": "Capacity", style: "width:64px" }),
  sound: h("input", { id: "sound", type: "checkbox" }),
  tabs: h("div", { class: "tabs", role: "tablist" }),
  list: h("ul", { class: "chat-list", "aria-label": "Conversations" }),
  main: h("section", { class: "main", "aria-label": "Conversation" }),
  side: h("aside", { class: "side", "aria-label": "Visitor" }),
  announcer: h("div", { class: "sr", "aria-live": "polite" }),
  dialog: h("dialog", { class: "dialog", "aria-labelledby": "transfer-title" }),
  notifyBtn: h("button", { class: "btn", type: "button", id: "enable-notifications" }, "Enable notifications"),
  away: h("div", { class: "away-banner", role: "status", hidden: true }),
  tagBox: h("div", { class: "tags", id: "conv-tags" }),
};

function layout(): void {
  el.presence.value = String(prefs.presence);
  el.sound.checked = prefs.sound;
  app.replaceChildren(
    h("div", { class: "topbar" },
      h("div", { class: "brand" }, "Live chat", h("small", {}, "Agent console")),
      el.status,
      el.who,
      h("label", {}, "Status", el.presence),
      h("label", {}, "Capacity", el.capacity),
      h("label", {}, el.sound, "Sound"),
      el.notifyBtn,
      h("button", { class: "btn", type: "button", id: "sign-out", onclick: () => void signOut() }, "Sign out")),
    el.away,
    h("div", { class: "layout" },
      h("nav", { class: "sidebar", "aria-label": "Conversations, inbox and history" }, el.tabs, el.list, historyView.form),
      el.main,
      el.side),
    el.announcer,
    el.dialog,
  );
  el.notifyBtn.hidden = notifier.permission !== "default";
  el.notifyBtn.onclick = async () => {
    // Asked from this click only, never on load.
    await notifier.requestPermission();
    el.notifyBtn.hidden = notifier.permission !== "default";
    announce(notifier.permission === "granted" ? "Desktop notifications are on" : "Desktop notifications stay off");
  };
  el.presence.onchange = () => {
    autoAway = false;
    renderAway();
    prefs.presence = Number(el.presence.value) as PresenceStatus;
    savePrefs();
    void applyPresence();
  };
  el.capacity.onchange = () => {
    prefs.capacity = Math.max(1, Number(el.capacity.value) || 1);
    savePrefs();
    void applyPresence();
  };
  el.sound.onchange = () => {
    prefs.sound = el.sound.checked;
    notifier.sound = prefs.sound;
    savePrefs();
  };
}

// Files dropped anywhere on the open chat go to its composer (while it takes files).
dropTarget(el.main, { hint: "Drop the file to send it to the visitor", accepts: () => tab === "chats" && !!attachBox?.accepting, onFiles: (f) => attachBox?.add(f) });

// ------------------------------------------------------------------ protocol

function start(token: string): void {
  restToken = token;
  // A new sign-in (maybe another agent) starts History afresh: no results of the last one.
  historyView.discard();
  historyView = newHistoryView();
  bansView = newBansView();
  inboxView = newInboxView();
  supervise.reset();
  queue = undefined;
  queueKey = "";
  siteVisitors = undefined;
  visitorsView.reset();
  layout();
  notifier.sound = prefs.sound;
  client?.stop();
  // The token of every (re)connect: the session's newest one (renewed every 5 minutes).
  const c = new ChatClient({ url: wsUrl(location.origin), hello: () => ({ agentToken: session.token || token }) });
  client = c;
  c.on("state", (s) => {
    el.status.className = `pill ${s}`;
    el.status.textContent = { connecting: "Connecting", ready: "Connected", offline: "Reconnecting", stopped: "Signed out" }[s];
  });
  c.on("fatal", (err) => {
    if (err.code !== ErrorCode.UNAUTHENTICATED) return;
    if (session.renewable) {
      // Expired, or revoked by an admin's change: a new token (with the new scope), then again.
      void renewAndReconnect(c);
      return;
    }
    localStorage.removeItem(TOKEN_KEY);
    showSignIn("That token was refused: " + err.message);
  });
  c.on("welcome", (w) => {
    if (w.serverTimeMs > 0n) serverSkew = Number(w.serverTimeMs) - Date.now();
    el.who.textContent = `${w.displayName} · ${w.departments.join(", ")}`;
    departments = [...new Set([...w.departments, ...w.departmentStatus.map((d) => d.department)])];
    myDepartments = [...w.departments];
    historyView.refreshDepartments();
    el.capacity.max = String(w.capacity);
    if (!prefs.capacity || prefs.capacity > w.capacity) prefs.capacity = w.capacity;
    el.capacity.value = String(prefs.capacity);
    void applyPresence();
    void loadInbox();
    void loadCanned();
    void loadTags();
    void supervise.onWelcome();
    // The follow is per connection: asked again after every Welcome.
    void followBoard(c);
    if (savedActive && !chats.has(savedActive)) {
      savedDeadline = Date.now() + 1500;
      setTimeout(() => {
        if (!active && chats.size) {
          active = sortedChats()[0]!.id;
          render();
          markRead();
        }
      }, 1600);
    }
    for (const chat of chats.values()) {
      chat.lastRead = 0;
      chat.lastDelivered = 0;
      // A new connection: a draft's typing:false may have been lost with the old one.
      chat.peek = "";
    }
    // The Bans tab comes with protocol 5.
    renderTabs();
  });
  c.on("push", onPush);
  c.on("board", (b) => {
    if (client !== c) return;
    const v = boardView(b, Date.now());
    queue = { waiting: v.waiting, skew: v.skew };
    if (b.serverTimeMs > 0n) serverSkew = v.skew;
    supervise.onBoard(v);
    onSiteVisitors(b.siteVisitors.map(siteVisitorOf));
    renderTabs();
    // The inbox too: the team on the board names who answered an item.
    if (tab === "queue" || tab === "inbox") renderList();
  });
  c.start();
  render();
}

/** What the server is told: the agent's choice, unless the console set them away for idling. */
function effectivePresence(): PresenceStatus {
  return autoAway && prefs.presence === PresenceStatus.ONLINE ? PresenceStatus.AWAY : prefs.presence;
}

async function applyPresence(): Promise<void> {
  el.presence.value = String(effectivePresence());
  if (!client || client.state !== "ready") return;
  try {
    await client.request({ case: "presence", value: { status: effectivePresence(), capacity: prefs.capacity } });
  } catch (err) {
    announce(`Could not change presence: ${String(err)}`);
  }
}

/** Asks for the board (Waiting, Live, colleagues): an Ack, then a Board at once and on every
 * change. Nothing is polled. */
async function followBoard(c: ChatClient): Promise<void> {
  try {
    await c.request({ case: "followBoard", value: { on: true } });
  } catch (err) {
    // A lost connection asks again after the next Welcome.
    if (client !== c || c.state !== "ready") return;
    const old = (c.welcome?.protocolVersion ?? 0) < BOARD_PROTOCOL;
    const text = old ? "This server does not push the waiting list; it needs an update."
      : `Could not follow the waiting list: ${err instanceof ServerError ? err.text : err instanceof Error ? err.message : String(err)}`;
    queue = { waiting: queue?.waiting ?? [], skew: queue?.skew ?? 0, error: text };
    queueKey = "";
    supervise.boardFailed(text);
    renderTabs();
    if (tab === "queue") renderList();
  }
}

async function loadInbox(): Promise<void> {
  if (!client || client.state !== "ready") return;
  try {
    const reply = await client.request({ case: "listOfflineMessages", value: { limit: 100 } });
    if (reply.body.case === "offlineMessages") inbox = reply.body.value.messages;
    renderTabs();
    if (tab === "inbox") renderList();
  } catch {
    /* retried on the next welcome or tab switch */
  }
}

function onPush(env: ServerEnvelope): void {
  const c = client!;
  const b = env.body;
  supervise.onPush(env);
  switch (b.case) {
    case "assigned": {
      const a = b.value;
      const existing = chats.get(a.conversationId);
      const stored = existing ? undefined : storedRead(a.conversationId);
      const chat: Chat = existing ?? {
        id: a.conversationId, department: a.department, joinedAtMs: Number(a.joinedAtMs), readSeq: stored ?? 0,
        unattended: stored === undefined, closed: false, typing: false, lastRead: 0, lastDelivered: 0, draft: "", noteMode: false, peek: "",
      };
      chat.department = a.department;
      chat.closed = false;
      chat.gone = undefined;
      if (a.visitor) {
        chat.visitor = a.visitor;
        // The server's word on the visit replaces what NAVIGATED events made of it.
        chat.site = chatSiteOf(a.visitor);
      }
      chats.set(a.conversationId, chat);
      // The tags as the conversation's history says (the last TAGGED event).
      for (const i of c.conversation(a.conversationId).items()) if (i.kind === EventKind.TAGGED) chat.tags = splitTags(i.text);
      if (!existing) {
        const name = chat.visitor?.displayName || "visitor";
        if (a.conversationId === savedActive && !userPicked) active = a.conversationId;
        else if (!active && !waitingForSaved()) active = a.conversationId;
        if (chat.unattended) {
          // A chat this agent never opened (not one restored by a reload).
          announce(`New chat from ${name}`);
          if (!isVisible(chat)) {
            notifier.notify(`New chat — ${name}`, c.conversation(chat.id).items().find((i) => i.kind === EventKind.MESSAGE)?.text ?? "", `chat-${chat.id}`, () => select(chat.id));
          }
        }
      }
      delivered(chat);
      render();
      return;
    }
    case "unassigned": {
      // A monitored chat is followed, not held: the resume of a reconnect says so; keep it.
      if (!chats.has(b.value.conversationId) && supervise.monitoring === b.value.conversationId) return;
      const chat = chats.get(b.value.conversationId);
      if (chat) {
        chat.closed = true;
        chat.gone = b.value.reason || "transferred";
      }
      c.forget(b.value.conversationId);
      chats.delete(b.value.conversationId);
      dropFiles(b.value.conversationId);
      if (active === b.value.conversationId) setActive(sortedChats()[0]?.id ?? "");
      announce(`Conversation left your queue (${b.value.reason || "transferred"})`);
      render();
      return;
    }
    case "event": {
      const ev = b.value;
      const chat = chats.get(ev.conversationId);
      if (!chat) return;
      chat.peek = draftAfterEvent(chat.peek, ev);
      if (ev.kind === EventKind.MESSAGE && ev.senderRole === Role.VISITOR) {
        chat.typing = false;
        const text = messageSummary(ev.text, attachmentOf(ev.attachment));
        if (!isVisible(chat)) {
          notifier.alert(`${chat.visitor?.displayName ?? "Visitor"}: ${text}`);
          notifier.notify(chat.visitor?.displayName || "Visitor", text, `chat-${chat.id}`, () => select(chat.id));
        }
        announce(`${chat.visitor?.displayName ?? "Visitor"}: ${text}`);
        delivered(chat);
      }
      if (ev.kind === EventKind.TAGGED) {
        chat.tags = splitTags(ev.text);
        renderTags();
      }
      if (ev.kind === EventKind.NAVIGATED) {
        // The visitor went to another page: the panel follows (the transcript says it too).
        const next = navigated(chat.site ?? { pages: [] }, { url: ev.text, title: ev.pageTitle, atMs: Number(ev.atMs) });
        if (next) chat.site = next;
      }
      if (ev.kind === EventKind.CLOSED) {
        chat.closed = true;
        // Closed by the visitor (or the server): rebuild the open view, or it keeps a composer
        // for a closed chat and never offers Dismiss.
        if (viewConv === chat.id) viewConv = "";
      }
      render();
      return;
    }
    case "receipt":
      if (b.value.conversationId === active) renderTranscript();
      return;
    case "typing": {
      const chat = chats.get(b.value.conversationId);
      if (!chat || b.value.role !== Role.VISITOR) return;
      chat.typing = b.value.typing;
      chat.peek = draftAfterTyping(chat.peek, b.value);
      clearTimeout(chat.typingTimer);
      if (chat.typing) chat.typingTimer = setTimeout(() => { chat.typing = false; renderTyping(); }, 8000);
      renderTyping();
      return;
    }
  }
}

/** Just after a (re)connect, the chat selected before the reload may still be on its way. */
function waitingForSaved(): boolean {
  return !!savedActive && !userPicked && !chats.has(savedActive) && Date.now() < savedDeadline;
}

function setActive(id: string): void {
  active = id;
  savedActive = id;
  if (id) localStorage.setItem(ACTIVE_KEY, id);
  else localStorage.removeItem(ACTIVE_KEY);
}

function isVisible(chat: Chat): boolean {
  return tab === "chats" && active === chat.id && document.visibilityState === "visible" && document.hasFocus();
}

function delivered(chat: Chat): void {
  const seq = client!.conversation(chat.id).lastOtherMessageSeq();
  if (seq > chat.lastDelivered) {
    chat.lastDelivered = seq;
    client!.request({ case: "receipt", value: { conversationId: chat.id, seq: BigInt(seq), kind: ReceiptKind.DELIVERED } }).catch(() => (chat.lastDelivered = 0));
  }
  markRead();
}

function markRead(): void {
  const chat = chats.get(active);
  if (!chat || !client || !isVisible(chat)) {
    updateBadge();
    return;
  }
  chat.unattended = false;
  const seq = client.conversation(chat.id).lastOtherMessageSeq();
  if (seq > chat.readSeq || storedRead(chat.id) === undefined) {
    chat.readSeq = Math.max(chat.readSeq, seq);
    storeRead(chat.id, chat.readSeq);
  }
  if (seq > chat.lastRead) {
    chat.lastRead = seq;
    client.request({ case: "receipt", value: { conversationId: chat.id, seq: BigInt(seq), kind: ReceiptKind.READ } }).catch(() => (chat.lastRead = 0));
  }
  updateBadge();
}

window.addEventListener("offline", () => client?.dropConnection());
window.addEventListener("online", () => client?.reconnectNow());
document.addEventListener("visibilitychange", () => { markRead(); renderList(); });
window.addEventListener("focus", () => { markRead(); renderList(); });

function announce(text: string): void {
  el.announcer.textContent = text;
}

/** The visitor's messages after this agent's own read position. */
function unreadOf(chat: Chat): number {
  if (!client) return 0;
  let n = 0;
  for (const i of client.conversation(chat.id).items()) {
    if (i.kind === EventKind.MESSAGE && i.role === Role.VISITOR && i.seq !== undefined && i.seq > chat.readSeq) n++;
  }
  return n;
}

/** When this agent got the chat (its last ASSIGNED/TRANSFERRED to them), else when it began:
 * the same order after every reload, whatever order the frames come in. */
function assignedAt(chat: Chat): number {
  const me = client?.welcome?.userId;
  let at = 0;
  if (client && me) {
    for (const i of client.conversation(chat.id).items()) {
      if ((i.kind === EventKind.ASSIGNED || i.kind === EventKind.TRANSFERRED) && i.agentId === me) at = i.atMs;
    }
  }
  return at || chat.joinedAtMs;
}

function sortedChats(): Chat[] {
  return [...chats.values()]
    .map((c) => ({ c, k: assignedAt(c) }))
    .sort((a, b) => a.k - b.k || (a.c.id < b.c.id ? -1 : a.c.id > b.c.id ? 1 : 0))
    .map((x) => x.c);
}

function updateBadge(): void {
  let n = 0;
  for (const c of chats.values()) n += unreadOf(c);
  notifier.setCount(n);
  updateAlerts();
}

/** The repeating chime and the flashing title follow the unattended chats. */
function updateAlerts(): void {
  const waiting = [...chats.values()].filter((c) => c.unattended && !c.closed && !isVisible(c));
  if (waiting.length) {
    const names = waiting.map((c) => c.visitor?.displayName || "visitor");
    notifier.setFlash(`● New chat — ${names.join(", ")}`);
    notifier.startRepeating();
  } else {
    notifier.setFlash("");
    notifier.stopRepeating();
  }
}

/** When the visitor's oldest unanswered message was written (0: nothing waits for the agent). */
function waitingSince(chatId: string): number {
  let since = 0;
  for (const item of client!.conversation(chatId).items()) {
    if (item.kind !== EventKind.MESSAGE) continue;
    if (item.role === Role.VISITOR) since ||= item.atMs;
    else since = 0;
  }
  return since;
}

// ------------------------------------------------------------------ rendering

function render(): void {
  // History has no visitor panel: its transcript shows the facts itself, with the room.
  app.querySelector(".layout")?.classList.toggle("history", tab === "history");
  // Bans, Visitors: a list in the main area, no visitor panel either.
  app.querySelector(".layout")?.classList.toggle("wide", tab === "bans" || tab === "visitors");
  renderTabs();
  renderList();
  renderMain();
  renderSide();
  updateBadge();
}

function renderTabs(): void {
  const mk = (id: Tab, label: string, count?: number) =>
    h("button", {
      class: `tab ${tab === id ? "on" : ""}`, role: "tab", type: "button", id: `tab-${id}`,
      "aria-selected": String(tab === id),
      onclick: () => showTab(id),
    }, label, count === undefined ? null : h("span", { class: "count" }, String(count)));
  // Pushes re-render the tabs: a keyboard user on one must stay on it.
  const focused = document.activeElement?.closest?.(".tab")?.id;
  el.tabs.replaceChildren(mk("chats", "Chats", chats.size), mk("queue", "Waiting", queue ? queue.waiting.length : undefined),
    ...(supervise.enabled ? [mk("live", "Live", supervise.live?.list.length)] : []),
    ...(visitorsApi() ? [mk("visitors", "Visitors", siteVisitors?.length)] : []),
    mk("inbox", "Offline inbox", inbox.length), mk("history", "History"),
    ...(supervise.enabled && bansApi() ? [mk("bans", "Bans")] : []));
  if ((tab === "live" || tab === "bans") && !supervise.enabled) showTab("chats");
  if (tab === "visitors" && client?.welcome && !visitorsApi()) showTab("chats");
  if (focused) document.getElementById(focused)?.focus();
}

function showTab(id: Tab): void {
  keepDraft();
  tab = id;
  if (id === "inbox") void loadInbox();
  if (id === "visitors") visitorsView.reset();
  render();
  if (id === "history") historyView.activate();
  if (id === "bans") bansView.activate();
}

/** Keeps what the agent typed to the active chat before its view goes away. */
function keepDraft(): void {
  const chat = chats.get(active);
  const ta = el.main.querySelector<HTMLTextAreaElement>("#composer");
  if (chat && ta && viewConv === chat.id) chat.draft = ta.value;
}

/** One conversation's whole transcript (live or archived), read-only, in the History tab. */
function openTranscript(id: string, from?: Chat): void {
  keepDraft();
  tab = "history";
  render();
  const name = from?.visitor?.displayName || "visitor";
  void historyView.open(id, from ? { label: `Back to the chat with ${name}`, go: () => select(from.id) } : undefined);
}

/** History filtered to one visitor: it finds what Redis has let go, which the Assigned push's
 * previous conversations no longer list. */
function visitorHistory(visitorId: string): void {
  keepDraft();
  tab = "history";
  render();
  void historyView.searchWith({ visitor: visitorId });
}

function renderList(): void {
  el.list.hidden = tab === "history";
  historyView.form.hidden = tab !== "history";
  if (tab === "history") return;
  if (tab === "queue") {
    renderQueue();
    return;
  }
  if (tab === "live") {
    supervise.renderList(el.list);
    return;
  }
  if (tab === "bans") {
    el.list.replaceChildren(h("li", { class: "empty muted" }, "The bans are listed on the right. To ban a visitor, use Ban visitor in their chat (or in the monitor pane)."));
    return;
  }
  if (tab === "visitors") {
    // The list itself is on the right; a tick must not rebuild this line.
    if (!el.list.querySelector(".visitors-note")) el.list.replaceChildren(h("li", { class: "empty muted visitors-note" }, "Everyone on the site now is listed on the right: the page they are on, for how long, their device and local time. It follows the site live."));
    return;
  }
  if (tab === "inbox") {
    inboxView.render(el.list, inbox);
    return;
  }
  if (!chats.size) {
    el.list.replaceChildren(h("li", { class: "empty muted" }, prefs.presence === PresenceStatus.ONLINE ? "No chats yet — new ones appear here." : "Set yourself online to receive chats."));
    return;
  }
  const now = Date.now();
  const items = sortedChats().map((chat) => {
    const unread = unreadOf(chat);
    const log = client!.conversation(chat.id);
    const last = [...log.items()].reverse().find((i) => i.kind === EventKind.MESSAGE);
    const since = chat.closed ? 0 : waitingSince(chat.id);
    const waitS = since ? (now - since) / 1000 : 0;
    return h("li", {},
      h("button", {
        type: "button", class: `chat-item ${chat.id === active ? "on" : ""} ${chat.closed ? "closed" : ""}`,
        "aria-current": chat.id === active ? "true" : undefined,
        "data-conv": chat.id,
        onclick: () => select(chat.id),
      },
        h("div", { class: "row" },
          h("strong", { class: "name" }, chat.visitor?.displayName || "Visitor"),
          chat.unattended && !chat.closed ? h("span", { class: "new-chat" }, "New") : null,
          unread ? h("span", { class: "unread", "data-unread": String(unread) }, h("span", { "aria-hidden": "true" }, String(unread)), h("span", { class: "sr" }, ` ${unread} unread`)) : null),
        h("div", { class: "preview", dir: "auto" }, chat.typing ? "typing…" : last ? (last.own ? "You: " : "") + messageSummary(last.text, last.attachment) : ""),
        h("div", { class: "row small" },
          h("span", { class: "dept" }, chat.department),
          chat.closed ? h("span", { class: "muted" }, "closed")
            : since ? h("span", { class: `wait ${waitS > 60 ? "late" : ""}`, title: "Since the visitor's last unanswered message" }, `waiting ${formatDuration(waitS)}`)
            : h("span", { class: "muted" }, "answered"))));
  });
  const focused = (document.activeElement as HTMLElement | null)?.dataset?.["conv"];
  el.list.replaceChildren(...items);
  if (focused) el.list.querySelector<HTMLElement>(`[data-conv="${CSS.escape(focused)}"]`)?.focus();
}

function select(id: string): void {
  keepDraft();
  userPicked = true;
  setActive(id);
  tab = "chats";
  render();
  markRead();
  el.main.querySelector<HTMLTextAreaElement>("textarea")?.focus();
}

let view: TranscriptView | undefined;
let viewConv = "";

function systemText(item: LogItem): string | undefined {
  return staffEventText(item);
}

function renderMain(): void {
  const chat = chats.get(active);
  if (tab === "history") {
    view = undefined;
    viewConv = "";
    attachBox = undefined;
    // Kept, not rebuilt: a push must not wipe the results or a transcript being read.
    if (el.main.firstChild !== historyView.pane || el.main.childNodes.length !== 1) el.main.replaceChildren(historyView.pane);
    return;
  }
  if (tab === "live") {
    view = undefined;
    viewConv = "";
    attachBox = undefined;
    if (el.main.firstChild !== supervise.pane || el.main.childNodes.length !== 1) el.main.replaceChildren(supervise.pane);
    return;
  }
  if (tab === "bans") {
    view = undefined;
    viewConv = "";
    attachBox = undefined;
    if (el.main.firstChild !== bansView.pane || el.main.childNodes.length !== 1) el.main.replaceChildren(bansView.pane);
    return;
  }
  if (tab === "visitors") {
    view = undefined;
    viewConv = "";
    attachBox = undefined;
    visitorsView.update(siteVisitors ?? [], serverNow());
    if (el.main.firstChild !== visitorsView.pane || el.main.childNodes.length !== 1) el.main.replaceChildren(visitorsView.pane);
    return;
  }
  if (!chat || tab !== "chats") {
    view = undefined;
    viewConv = "";
    attachBox = undefined;
    el.main.replaceChildren(h("div", { class: "placeholder muted" },
      tab === "inbox" ? (client?.welcome?.emailTranscripts ? "Offline messages are listed on the left. Reply by email from each one." : "Offline messages are listed on the left. Reply by email.")
        : tab === "queue" ? `Visitors waiting in your departments are listed on the left, oldest first; they are assigned automatically${supervise.enabled ? ", or Take one by hand" : ""}.`
        : "Select a conversation."));
    return;
  }
  if (viewConv !== chat.id || !view) {
    renderTags();
    const ol = h("ol", { class: "log", role: "log", "aria-label": `Messages with ${chat.visitor?.displayName ?? "visitor"}` });
    view = new TranscriptView(ol, {
      you: "You", other: chat.visitor?.displayName || "Visitor",
      status: { queued: "Waiting to send", sent: "Sent", delivered: "Delivered", read: "Read", failed: "Not sent" },
      system: systemText,
      note: (item) => `Internal note · ${item.senderName || item.senderId || client?.welcome?.displayName || "staff"}`,
      attachment: (a) => attachmentView(a, filesOf(chat.id), englishAttachmentTexts),
    });
    viewConv = chat.id;
    const replyPlaceholder = "Reply…  (Enter sends, Shift+Enter new line, / or Alt+1…9 for canned responses)";
    const input = h("textarea", { id: "composer", rows: "2", placeholder: replyPlaceholder, "aria-label": "Reply", "aria-describedby": "canned-help" });
    input.value = chat.draft;
    // The department's own file limits (0: no files there), else the server's.
    const policy = chat.closed ? undefined : departmentFilePolicy(client?.welcome, chat.department);
    const files = policy
      ? new AttachBox({
          policy, texts: { ...englishFileTexts, attach: "Attach a file", takePhoto: "Take a photo", remove: "Remove {name}", uploading: "Uploading {name}…" },
          pasteInto: input, onBusy: (busy) => (sendBtn.disabled = busy),
        })
      : undefined;
    attachBox = files;
    const canned = h("ul", { class: "canned", role: "listbox", id: "canned", "aria-label": "Canned responses", hidden: true });
    // "Note": the next sends are internal notes, for colleagues only (never the visitor).
    const noteToggle = h("button", {
      class: "btn note-toggle", type: "button", id: "note-toggle", "aria-pressed": String(chat.noteMode),
      title: "Internal note: only colleagues see it",
      onclick: () => {
        chat.noteMode = !chat.noteMode;
        noteToggle.setAttribute("aria-pressed", String(chat.noteMode));
        form.classList.toggle("noting", chat.noteMode);
        input.placeholder = chat.noteMode ? "Internal note for colleagues — the visitor does not see it" : replyPlaceholder;
        sendBtn.textContent = chat.noteMode ? "Add note" : "Send";
        // Notes are words for colleagues: files go only with messages.
        files?.setEnabled(!chat.noteMode);
        input.focus();
      },
    }, "Note");
    const sendBtn = h("button", { class: "btn primary", type: "submit", id: "send" }, chat.noteMode ? "Add note" : "Send");
    const form = h("form", { class: `composer ${chat.noteMode ? "noting" : ""}`, onsubmit: (e: Event) => { e.preventDefault(); sendReply(input, chat.noteMode && teamApi, files); } },
      files?.buttons ?? null,
      h("div", { class: "compose-box" }, canned, input),
      teamApi ? noteToggle : null,
      sendBtn);
    if (chat.noteMode) input.placeholder = "Internal note for colleagues — the visitor does not see it";
    files?.setEnabled(!(chat.noteMode && teamApi));
    setupCanned(input, canned);
    input.addEventListener("input", () => onTyping(chat.id));
    input.addEventListener("focus", () => markRead());
    el.main.replaceChildren(
      h("header", { class: "conv-head" },
        h("div", {}, h("h2", {}, chat.visitor?.displayName || "Visitor"), h("div", { class: "muted small" }, `${chat.department} · started ${formatTime(chat.joinedAtMs)}`), el.tagBox),
        h("div", { class: "actions" },
          h("button", { class: "btn", type: "button", onclick: () => openTransfer(chat), disabled: chat.closed }, "Transfer"),
          h("button", { class: "btn danger", type: "button", id: "close-chat", onclick: () => void closeChat(chat), disabled: chat.closed }, "Close"),
          bansApi() ? h("button", { class: "btn danger", type: "button", id: "ban-visitor", onclick: () => banVisitor(chat), disabled: chat.closed }, "Ban visitor") : null,
          chat.closed ? h("button", { class: "btn", type: "button", onclick: () => dismiss(chat) }, "Dismiss") : null)),
      ...(chat.banNotice ? [h("p", { class: "ban-notice", role: "status" }, chat.banNotice)] : []),
      // The peek line sits under the transcript, outside its list: never part of it.
      h("div", { class: "scroll" }, ol, peekLine()),
      h("div", { class: "typing", "aria-live": "polite" }),
      ...(chat.closed ? [h("p", { class: "closed-note muted" }, "This conversation is closed.")] : [...(files ? [files.tray] : []), form]),
      h("p", { id: "canned-help", class: "sr" }, "Type a slash to pick a canned response, or press Alt and a number from 1 to 9."),
    );
  }
  renderTranscript();
  renderTyping();
}

function renderTranscript(): void {
  const chat = chats.get(active);
  if (!chat || !view || viewConv !== chat.id) return;
  view.update(client!.conversation(chat.id));
  const scroll = el.main.querySelector(".scroll");
  if (scroll) scroll.scrollTop = scroll.scrollHeight;
}

function renderTyping(): void {
  const chat = chats.get(active);
  const name = chat?.visitor?.displayName || "Visitor";
  const t = el.main.querySelector<HTMLElement>(".typing");
  // With a draft shown, the peek line says it already.
  if (t) t.textContent = chat?.typing && !chat.peek ? `${name} is typing…` : "";
  const peek = tab === "chats" ? el.main.querySelector<HTMLElement>(".peek") : null;
  if (peek) {
    const scroll = peek.parentElement;
    const atBottom = !!scroll && scroll.scrollHeight - scroll.scrollTop - scroll.clientHeight < 40;
    renderPeek(peek, name, chat?.peek ?? "");
    if (scroll && atBottom) scroll.scrollTop = scroll.scrollHeight;
  }
  renderList();
}

function renderSide(): void {
  const chat = chats.get(active);
  const v = chat?.visitor;
  if (!chat || !v || tab !== "chats") {
    el.side.replaceChildren();
    return;
  }
  const meta = Object.entries(v.metadata);
  el.side.replaceChildren(
    h("h3", {}, "Visitor"),
    h("dl", { class: "ctx" },
      h("dt", {}, "Name"), h("dd", { "data-field": "name" }, v.displayName || "—"),
      h("dt", {}, "Email"), h("dd", { "data-field": "email" }, v.email ? h("a", { href: `mailto:${v.email}` }, v.email) : "—"),
      h("dt", {}, "Page"), h("dd", { "data-field": "page" }, webAddress(v.pageUrl) ? h("a", { href: v.pageUrl, target: "_blank", rel: "noopener noreferrer" }, v.pageUrl) : v.pageUrl || "—"),
      h("dt", {}, "Visitor id"), h("dd", { class: "mono" }, v.visitorId),
      ...meta.flatMap(([k, val]) => [h("dt", {}, k), h("dd", { "data-meta": k }, val)])),
    // Protocol 9: what the visitor answered in the department's pre-chat form.
    ...(v.form.length ? [h("h3", {}, "Pre-chat form"), answersList(answerRows(v.form, formOf(chat.department)), "prechat-answers")] : []),
    ...siteContext(chat.site, serverNow()),
    h("h3", {}, `Previous conversations (${v.previousConversations.length})`),
    v.previousConversations.length
      ? h("ul", { class: "prev" }, ...v.previousConversations.map((p) =>
          h("li", {},
            h("button", { type: "button", class: "prev-item", "data-prev": p.conversationId, onclick: () => openTranscript(p.conversationId, chat) },
              h("div", { class: "row" }, h("span", {}, new Date(Number(p.joinedAtMs)).toLocaleString()), p.rating ? h("span", { "aria-label": `rated ${p.rating} of 5` }, "★".repeat(p.rating)) : null),
              h("div", { class: "muted small" }, `${p.department} · ${p.agentId || "unassigned"}`),
              h("div", { dir: "auto" }, p.firstMessage)))))
      : h("p", { class: "muted" }, "No recent conversations."),
    // Redis keeps closed conversations only for a while; the archive has them all.
    ...(v.visitorId
      ? [h("button", { type: "button", class: "btn linkish", "data-action": "visitor-history", onclick: () => visitorHistory(v.visitorId) }, "All history of this visitor")]
      : []),
  );
}

// ------------------------------------------------------------------ actions

function sendReply(input: HTMLTextAreaElement, note = false, files?: AttachBox): void {
  if (files?.uploading) return;
  if (!note && files?.files.length && active) {
    void sendFiles(active, input, files);
    return;
  }
  const text = input.value;
  if (!text.trim() || !active || !client) return;
  const conv = active;
  input.value = "";
  const chat = chats.get(conv);
  if (chat) chat.draft = "";
  stopTyping(conv);
  client.sendMessage(conv, text, undefined, { note }).then(() => { renderTranscript(); renderList(); }, (err: unknown) => { announce(`Message not sent: ${String(err)}`); renderTranscript(); });
  renderTranscript();
  renderList();
}

/** Uploads the staged files, each then sent as a message; the typed text is the first one's
 * caption and leaves the box only once that upload worked. */
async function sendFiles(conv: string, input: HTMLTextAreaElement, files: AttachBox): Promise<void> {
  await files.sendAll(input.value, async (file, caption) => {
    const a = await uploadWithPreview(fileServer, conv, file);
    // What was typed meanwhile stays in the box.
    if (caption && input.value.startsWith(caption)) input.value = input.value.slice(caption.length);
    const chat = chats.get(conv);
    if (chat && caption) {
      chat.draft = input.value;
      stopTyping(conv);
    }
    client?.sendMessage(conv, caption, undefined, { attachment: a }).then(
      () => { renderTranscript(); renderList(); },
      (err: unknown) => { announce(`Message not sent: ${String(err)}`); renderTranscript(); },
    );
    renderTranscript();
    renderList();
  });
  if (input.isConnected) input.focus();
}

function onTyping(conv: string): void {
  const now = Date.now();
  if (now - typingSentAt > 3000) {
    typingSentAt = now;
    client?.request({ case: "typing", value: { conversationId: conv, typing: true } }).catch(() => {});
  }
  clearTimeout(typingIdle);
  typingIdle = setTimeout(() => stopTyping(conv), 4000);
}

function stopTyping(conv: string): void {
  clearTimeout(typingIdle);
  if (!typingSentAt) return;
  typingSentAt = 0;
  client?.request({ case: "typing", value: { conversationId: conv, typing: false } }).catch(() => {});
}

/** The ban dialog for the visitor of a chat this agent holds; the server ends the chat. */
function banVisitor(chat: Chat): void {
  openBanDialog({
    session,
    conversationId: chat.id,
    visitorName: chat.visitor?.displayName || "visitor",
    visitorId: chat.visitor?.visitorId,
    // Without the visitor context the console cannot tell whether they gave an email.
    email: chat.visitor ? chat.visitor.email : undefined,
    onBanned: (notice) => {
      chat.banNotice = notice;
      announce(notice);
      if (viewConv === chat.id) viewConv = "";
      render();
    },
  });
}

async function closeChat(chat: Chat): Promise<void> {
  try {
    await client!.request({ case: "close", value: { conversationId: chat.id } }, { retry: true });
  } catch (err) {
    if (err instanceof ServerError && err.code === ErrorCode.CONFLICT && /tag/i.test(err.text)) {
      // The department wants a tag on every chat: said next to the tag chips.
      tagError = err.text.charAt(0).toUpperCase() + err.text.slice(1);
      renderTags();
      announce(tagError);
      el.main.querySelector<HTMLInputElement>("#add-tag")?.focus();
      return;
    }
    if (!(err instanceof ServerError && err.code === ErrorCode.CONFLICT)) {
      announce(`Could not close: ${String(err)}`);
      return;
    }
  }
  chat.closed = true;
  viewConv = "";
  render();
}

function dismiss(chat: Chat): void {
  chats.delete(chat.id);
  client?.forget(chat.id);
  dropFiles(chat.id);
  setActive(sortedChats()[0]?.id ?? "");
  viewConv = "";
  render();
}

function openTransfer(chat: Chat): void {
  const dept = h("select", { id: "to-dept" }, h("option", { value: "" }, "— choose —"), ...departments.map((d) => h("option", { value: d }, d)));
  const agent = h("select", { id: "to-agent", "aria-describedby": "to-agent-help" }, h("option", { value: "" }, "Loading colleagues…"));
  const help = h("p", { id: "to-agent-help", class: "muted small" }, "Online colleagues with a free slot can take the chat.");
  const note = h("input", { id: "transfer-note", maxlength: "500" });
  const err = h("p", { class: "error", role: "alert" });
  // The team comes with every Board (who shares a department with me): the list follows it
  // while the dialog is open.
  const fill = () => {
    const team = colleaguesOf(client?.board);
    if (!team) return;
    const list = colleaguesFor(team, "", client?.welcome?.userId ?? "");
    const keep = agent.value;
    const free = list.filter(canTake).length;
    agent.replaceChildren(
      h("option", { value: "" }, free ? "— choose a colleague —" : "— nobody online with a free slot —"),
      ...list.map((a) => h("option", { value: a.id, disabled: !canTake(a), "data-agent": a.id }, colleagueLabel(a))),
    );
    if (keep && list.some((a) => a.id === keep && canTake(a))) agent.value = keep;
    help.textContent = `${free} of ${list.length} online colleagues can take the chat.`;
  };
  fill();
  const off = client?.on("board", fill);
  el.dialog.addEventListener("close", () => off?.(), { once: true });
  el.dialog.replaceChildren(
    h("form", {
      method: "dialog",
      class: "transfer",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        if (!agent.value && !dept.value) {
          err.textContent = "Choose a colleague or a department.";
          return;
        }
        try {
          await client!.request({
            case: "transfer",
            value: { conversationId: chat.id, toAgentId: agent.value, toDepartment: agent.value ? "" : dept.value, note: note.value },
          });
          el.dialog.close();
          announce("Transferred");
        } catch (e2) {
          err.textContent = e2 instanceof Error ? e2.message : String(e2);
        }
      },
    },
      h("h2", { id: "transfer-title" }, "Transfer conversation"),
      h("label", { for: "to-agent" }, "To agent"), agent, help,
      h("p", { class: "muted small" }, "or"),
      h("label", { for: "to-dept" }, "To department"), dept,
      h("label", { for: "transfer-note" }, "Note for the next agent"), note,
      err,
      h("div", { class: "actions" },
        h("button", { class: "btn", type: "button", onclick: () => el.dialog.close() }, "Cancel"),
        h("button", { class: "btn primary", type: "submit", id: "do-transfer" }, "Transfer"))),
  );
  el.dialog.showModal();
  agent.focus();
}

async function loadCanned(): Promise<void> {
  try {
    const r = await session.call<{ canned?: Canned[] }>("/api/canned");
    canned = r.canned ?? [];
    setTeamApi(true);
  } catch (err) {
    // A server without the team API: the same replies it would seed.
    if (err instanceof ApiError && err.status === 404) {
      canned = builtInCanned;
      setTeamApi(false);
    } else if (err instanceof ApiError && err.status === 503) canned = builtInCanned;
  }
}

function setTeamApi(on: boolean): void {
  if (teamApi === on) return;
  teamApi = on;
  // Rebuilds the open conversation's composer and header (the draft is kept).
  keepDraft();
  viewConv = "";
  render();
}

function chatCanned(): Canned[] {
  return cannedFor(canned, chats.get(active)?.department ?? "");
}

function setupCanned(input: HTMLTextAreaElement, list: HTMLUListElement): void {
  let options: Canned[] = [];
  let index = 0;
  const close = () => { list.hidden = true; options = []; input.removeAttribute("aria-activedescendant"); };
  const insert = (c: Canned) => {
    input.value = fillCanned(c.text, { visitor: chats.get(active)?.visitor?.displayName, agent: client?.welcome?.displayName });
    close();
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
    onTyping(active);
  };
  const show = () => {
    list.replaceChildren(...options.map((o, i) =>
      h("li", { role: "option", id: `canned-${i}`, "aria-selected": String(i === index), class: i === index ? "on" : "", onmousedown: (e: Event) => { e.preventDefault(); insert(o); } },
        h("kbd", {}, i < 9 ? `Alt+${i + 1}` : ""),
        h("span", { class: "shortcut" }, `/${o.shortcut}`),
        h("span", { class: "canned-text" }, o.text))));
    list.hidden = !options.length;
    if (options.length) input.setAttribute("aria-activedescendant", `canned-${index}`);
  };
  input.setAttribute("aria-controls", "canned");
  input.addEventListener("input", () => {
    if (input.value.startsWith("/")) {
      options = matchCanned(input.value.slice(1), chatCanned());
      index = 0;
      show();
    } else close();
  });
  input.addEventListener("keydown", (e) => {
    if (e.altKey && /^[1-9]$/.test(e.key)) {
      const c = chatCanned()[Number(e.key) - 1];
      if (c) { e.preventDefault(); insert(c); }
      return;
    }
    if (!list.hidden && options.length) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        index = (index + (e.key === "ArrowDown" ? 1 : options.length - 1)) % options.length;
        show();
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") { e.preventDefault(); insert(options[index]!); return; }
      if (e.key === "Escape") { e.preventDefault(); close(); return; }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      input.form?.requestSubmit();
    }
  });
}

// ------------------------------------------------------------------ tags

let knownTags: string[] = [];
let tagError = "";

function splitTags(text: string): string[] {
  return [...new Set(text.split(",").map((t) => t.trim()).filter(Boolean))];
}

async function loadTags(): Promise<void> {
  try {
    const r = await session.call<{ tags?: { name: string }[] }>("/api/tags");
    knownTags = (r.tags ?? []).map((t) => t.name);
    renderTags();
  } catch {
    knownTags = [];
  }
}

async function setTags(chat: Chat, tags: string[]): Promise<void> {
  if (!client) return;
  const before = chat.tags;
  chat.tags = tags;
  renderTags();
  try {
    await client.request({ case: "setTags", value: { conversationId: chat.id, tags } });
    announce(tags.length ? `Tags: ${tags.join(", ")}` : "No tags");
  } catch (err) {
    chat.tags = before;
    tagError = `Could not change the tags: ${err instanceof Error ? err.message : String(err)}`;
    renderTags();
    announce(tagError);
  }
}

/** The open conversation's tags as chips (× removes one) and a field to add one. */
function renderTags(): void {
  const chat = chats.get(active);
  if (!chat || !teamApi) {
    el.tagBox.replaceChildren();
    return;
  }
  const tags = chat.tags ?? [];
  const input = h("input", { id: "add-tag", list: "tag-list", placeholder: "Add tag", "aria-label": "Add a tag", autocomplete: "off", maxlength: "40", disabled: chat.closed });
  const add = () => {
    const t = input.value.trim().toLowerCase();
    if (!t || tags.includes(t)) return;
    if (knownTags.length && !knownTags.includes(t)) {
      // The server takes only the team's tags (supervisors add them on the admin page).
      tagError = `"${t}" is not one of the team's tags: ${knownTags.join(", ")}.`;
      renderTags();
      return;
    }
    tagError = "";
    input.value = "";
    void setTags(chat, [...tags, t]);
  };
  input.addEventListener("focus", () => { if (!knownTags.length) void loadTags(); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      add();
    }
  });
  input.addEventListener("change", () => { if (knownTags.includes(input.value.trim().toLowerCase())) add(); });
  const focused = document.activeElement?.id === "add-tag";
  el.tagBox.replaceChildren(
    h("ul", { class: "chips", "aria-label": "Tags" },
      ...tags.map((t) => h("li", { class: "chip", "data-tag": t }, t,
        h("button", { type: "button", class: "chip-x", "aria-label": `Remove tag ${t}`, disabled: chat.closed, onclick: () => void setTags(chat, tags.filter((x) => x !== t)) }, "×")))),
    input,
    h("datalist", { id: "tag-list" }, ...knownTags.filter((t) => !tags.includes(t)).map((t) => h("option", { value: t }))),
    ...(tagError ? [h("p", { class: "error small", role: "alert" }, tagError)] : []),
  );
  if (focused) input.focus();
}

// ------------------------------------------------------------------ waiting list

// The newest Board's waiting visitors; skew is the server's clock (Redis) minus ours when it
// came: the waits are measured against it and tick locally.
let queue: { waiting: Waiting[]; skew: number; error?: string } | undefined;
let queueKey = "";

/** The waiting list; rebuilt only when it changed, else the waits tick in place (a keyboard
 * user's focus on Take stays). Past the department's waiting target a wait is urgent. */
function renderQueue(): void {
  const status = !queue ? h("li", { class: "empty muted" }, "Loading…")
    : queue.error ? h("li", { class: "empty error" }, queue.error)
    : !queue.waiting.length ? h("li", { class: "empty muted" }, "Nobody is waiting.") : null;
  if (status || !queue) {
    queueKey = "";
    el.list.replaceChildren(status ?? "");
    return;
  }
  const now = Date.now() + queue.skew;
  const waits = (w: Waiting) => {
    const waited = (now - w.waiting_since_ms) / 1000;
    return { waited, urgent: isUrgent(waited, supervise.targetOf(w.department)) };
  };
  const key = JSON.stringify([supervise.enabled, queue.waiting.map((w) => [w.conversation_id, w.position, w.visitor_name, w.first_message])]);
  if (key === queueKey && el.list.querySelector(".queue-item")) {
    for (const w of queue.waiting) {
      const li = el.list.querySelector<HTMLElement>(`.queue-item[data-conv="${CSS.escape(w.conversation_id)}"]`);
      const span = li?.querySelector<HTMLElement>(".waited");
      if (!li || !span) continue;
      const { waited, urgent } = waits(w);
      li.classList.toggle("urgent", urgent);
      span.textContent = mmss(waited);
      span.setAttribute("aria-label", `waiting for ${mmss(waited)}${urgent ? ", urgent" : ""}`);
    }
    return;
  }
  queueKey = key;
  const focused = (document.activeElement as HTMLElement | null)?.closest?.<HTMLElement>(".queue-item");
  const focusedAction = focused ? (document.activeElement as HTMLElement).dataset["action"] : undefined;
  el.list.replaceChildren(...queue.waiting.map((w) => {
    const { waited, urgent } = waits(w);
    return h("li", { class: `queue-item ${urgent ? "urgent" : ""}`, "data-conv": w.conversation_id },
      h("div", { class: "row" },
        h("strong", { class: "name" }, `${w.position}. ${w.visitor_name || "Visitor"}`),
        h("span", { class: "waited", title: "Waiting for", "aria-label": `waiting for ${mmss(waited)}${urgent ? ", urgent" : ""}` }, mmss(waited))),
      h("div", { class: "row small" }, h("span", { class: "dept" }, w.department)),
      w.first_message ? h("div", { class: "preview", dir: "auto" }, w.first_message) : null,
      supervise.queueActions(w));
  }));
  if (focused?.dataset["conv"] && focusedAction) {
    el.list.querySelector<HTMLElement>(`.queue-item[data-conv="${CSS.escape(focused.dataset["conv"])}"] [data-action="${focusedAction}"]`)?.focus();
  }
}

// ------------------------------------------------------------------ visitors on the site

/** A new Board's visitor list: the tab shows it, and each chat's panel takes its visitor's entry
 * (the freshest word on their page); the panel is rebuilt only when the open chat's changed. */
function onSiteVisitors(list: SiteVisitorRow[]): void {
  siteVisitors = list;
  const byVisitor = new Map(list.map((v) => [v.visitorId, v]));
  for (const chat of chats.values()) {
    const row = byVisitor.get(chat.visitor?.visitorId ?? "") ?? list.find((v) => v.conversationId === chat.id);
    if (!row || !chat.site) continue;
    const before = chat.site.site;
    chat.site = withBoardEntry(chat.site, row);
    if (chat.id === active && tab === "chats" && JSON.stringify(before) !== JSON.stringify(chat.site.site)) renderSide();
  }
  if (tab === "visitors") visitorsView.update(list, serverNow());
}

// ------------------------------------------------------------------ auto-away

// After the idle limit without mouse, keyboard, touch or focus, an online agent is set away (new
// chats go to colleagues) and told so; the first activity sets them online again. An agent who
// chose Away (or Offline) themselves stays so. The limit is the strictest auto_away_seconds of
// their departments (Welcome), 0 everywhere = never; IDLE_KEY overrides it.
let autoAway = false;
let lastActivity = Date.now();
let awaySince = 0;

/** 0: never. */
function idleMs(): number {
  return idleLimitMs(localStorage.getItem(IDLE_KEY), client?.welcome);
}

function renderAway(): void {
  el.away.hidden = !autoAway;
  el.away.textContent = autoAway
    ? `You were set to Away at ${formatTime(awaySince)} after ${formatDuration(idleMs() / 1000)} without activity; new chats go to your colleagues. Move the mouse or press a key to be online again.`
    : "";
}

function onActivity(): void {
  lastActivity = Date.now();
  if (!autoAway) return;
  autoAway = false;
  renderAway();
  void applyPresence();
  announce("You are online again");
}

for (const type of ["mousemove", "mousedown", "keydown", "touchstart", "wheel", "focus"]) {
  window.addEventListener(type, onActivity, { passive: true, capture: true });
}
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") onActivity(); });

setInterval(() => {
  if (!client || autoAway || prefs.presence !== PresenceStatus.ONLINE) return;
  const limit = idleMs();
  if (!limit || Date.now() - lastActivity < limit) return;
  autoAway = true;
  awaySince = Date.now();
  renderAway();
  void applyPresence();
  announce("You were set to Away: no activity");
}, 1000);

// Waiting times tick, and the visitors' times on the site and local clocks.
setInterval(() => {
  if (client && (tab === "chats" || tab === "queue" || tab === "live")) renderList();
  if (client && tab === "visitors") visitorsView.update(siteVisitors ?? [], serverNow());
  if (client && tab === "chats") tickTimes(el.side, serverNow());
}, 1000);

async function renewAndReconnect(c: ChatClient): Promise<void> {
  for (let attempt = 0; client === c; attempt++) {
    try {
      if (!(await session.renew())) return; // onExpired showed the sign-in page
      if (client === c) c.start();
      return;
    } catch {
      // Network trouble: the session stands; try again shortly.
      await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** attempt)));
    }
  }
}

async function resume(): Promise<void> {
  const saved = localStorage.getItem(TOKEN_KEY);
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromHash) {
    session.useToken(fromHash);
    localStorage.setItem(TOKEN_KEY, fromHash);
    history.replaceState(null, "", location.pathname);
    start(fromHash);
  } else if (session.renewable) {
    app.replaceChildren(h("p", { class: "placeholder muted" }, "Signing in…"));
    for (let attempt = 0; ; attempt++) {
      try {
        if (await session.renew()) start(session.token);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** attempt)));
      }
    }
  } else if (saved) {
    session.useToken(saved);
    start(saved);
  } else showSignIn();
}
void resume();
