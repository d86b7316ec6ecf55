// The visitor widget: launcher + panel in a shadow root. Pre-chat form (with the department's own
// fields, forms.ts), queue, chat, offline form, the post-chat survey. State that must survive a
// reload (token, open conversation, unsent messages) lives in localStorage; everything else is
// rebuilt from the server's replay on resume. The page the visitor is on goes to staff from the
// start, with or without a chat (page_view.ts). Invitations to chat (an agent's, a rule's or the
// host page's) show as a card by the launcher (invitation.ts); the host page drives the widget
// through window.LiveChat and hears its events (api.ts).
import { AttachBox, dropTarget, uploadWithPreview, type AttachBoxTexts } from "../lib/attach_box.js";
import { attachmentView, type AttachmentTexts } from "../lib/attachment_view.js";
import {
  attachmentOf, departmentFilePolicy, fileLabel, fromBase64, httpBase, messageSummary, toBase64, type AttachmentInfo, type FilePolicy, type FileServer,
} from "../lib/attachments.js";
import { ChatClient, OfflineError, ServerError, wsUrl, type SocketLike } from "../lib/client.js";
import { departmentOf, isIdleClose, type LogItem } from "../lib/conversation.js";
import { FileCache } from "../lib/file_cache.js";
import { download, h } from "../lib/format.js";
import { TranscriptView } from "../lib/transcript.js";
import { newId } from "../lib/ids.js";
import { ErrorCode, EventKind, ReceiptKind, Role, type FormField, type ServerEnvelope, type Survey } from "../lib/proto.js";
import { EventHub, mergeContext, type EventPayloads, type InviteInput, type LiveChatEvent, type VisitorContextInput, type WidgetControl } from "./api.js";
import { FieldsBox, ratingPicker, surveyPlan, type FormAnswerInit, type FormTexts, type ScaleTexts } from "./forms.js";
import { reopening } from "./hours.js";
import { fill, strings, type Strings } from "./i18n.js";
import { InvitationTracker, invitationCard, invitationOf, type InvitationInfo } from "./invitation.js";
import { PAGE_VIEW_PROTOCOL, PageReporter, pageFacts, watchNavigation, type PageFacts } from "./page_view.js";
import { widgetCss } from "./styles.js";
import { TypingNotifier } from "./typing.js";

export interface WidgetConfig {
  /** Base URL of the chat server (http(s):// or ws(s)://). */
  server: string;
  department: string;
  /** Departments offered in the forms; the default department comes first. */
  departments: string[];
  color?: string;
  textColor?: string;
  lang: string;
  strings?: Partial<Strings>;
  position?: "left" | "right";
  open?: boolean;
  metadata?: Record<string, string>;
  pingIntervalMs?: number;
}

// "unavailable": the server refused the join or the offline message as FORBIDDEN (the visitor
// or their address is banned); the widget says so neutrally and offers nothing to retry.
// "invited": an invitation was accepted in a department without pre-chat fields: the greeting
// and a composer; the visitor's first message starts the chat (the Join).
type Phase = "connecting" | "prechat" | "offline" | "offline-sent" | "invited" | "queued" | "chat" | "closed" | "rated" | "unavailable";

/** Phases in which an invitation may be shown: no chat is going on. */
const INVITABLE: readonly Phase[] = ["connecting", "prechat", "offline", "offline-sent", "closed", "rated"];

/** What the widget takes besides its configuration: the host page's API (events, context) and,
 * for tests, the socket. */
export interface WidgetOptions {
  events?: EventHub;
  context?: VisitorContextInput;
  socketFactory?: (url: string) => SocketLike;
}

/** An accepted invitation's greeting: the first line of the conversation, from the agent, in the
 * widget's own view (and its transcript download). */
interface Lead {
  agentName: string;
  text: string;
  atMs: number;
  /** The invitation (absent for the host page's own). */
  invitationId?: string;
  department: string;
  /** The conversation it started, once joined. */
  conv?: string;
}

/** A file of an unsent message, as localStorage keeps it (the preview in base64). */
type SavedFile = Omit<AttachmentInfo, "preview"> & { preview?: string };

interface Saved {
  token?: string;
  conversationId?: string;
  /** Messages typed but not yet acknowledged: re-sent with the same ids after a reload (a file
   * already uploaded goes again by its id). */
  outbox?: { id: string; text: string; file?: SavedFile }[];
  closed?: { id: string; transcript: string; rated?: boolean; idle?: boolean };
  name?: string;
  email?: string;
  /** The transcript was asked for by email (acked): the ended screen says so after a reload. */
  emailed?: { id: string; to: string };
  /** The panel was open: a reload keeps it open. */
  open?: boolean;
  /** The department the open conversation was started in (its file limits apply). */
  department?: string;
  /** Invitations answered (accepted or declined): never shown again. */
  invitations?: string[];
  /** The accepted invitation's greeting, shown first in the conversation it starts. */
  lead?: Lead;
}

const chatIcon = `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"/></svg>`;
const closeIcon = `<svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>`;

export class Widget implements WidgetControl {
  private readonly t: Strings;
  private readonly client: ChatClient;
  private readonly storeKey: string;
  private saved: Saved;
  private phase: Phase = "connecting";
  private conv = "";
  private agentName = "";
  private queue?: { position: number; length: number; waitS: number; agents: number };
  private agentsOnline = new Map<string, number>();
  /** Departments outside their business hours now: when they open again (UTC ms, 0 unknown). */
  private closedDepts = new Map<string, number>();
  private deptNames = new Map<string, string>();
  /** The department last chosen in a form (the offline form keeps it). */
  private dept = "";
  private offlineChoice = false;
  private isOpen = false;
  private unread = 0;
  private typingTimer?: ReturnType<typeof setTimeout>;
  private lastDelivered = 0;
  private lastRead = 0;
  private notice = "";
  /** Typing to the agent; with sneak peek, the box's text too (only when the Welcome offers it). */
  private readonly typing = new TypingNotifier({
    send: (typing, draft) => {
      this.client.request({ case: "typing", value: { conversationId: this.conv, typing, draft } }).catch(() => {});
    },
  });

  private readonly root: HTMLDivElement;
  private readonly panel: HTMLDivElement;
  private readonly launcher: HTMLButtonElement;
  /** Shown next to the minimised launcher when an agent writes. */
  private readonly preview: HTMLDivElement;
  private hostTitle = "";
  private titleTimer?: ReturnType<typeof setInterval>;
  private readonly headerTitle: HTMLHeadingElement;
  private readonly headerSub: HTMLParagraphElement;
  private readonly avatar: HTMLDivElement;
  private readonly banner: HTMLDivElement;
  private readonly body: HTMLDivElement;
  private readonly live: HTMLDivElement;
  private readonly typingEl: HTMLDivElement;
  private readonly bottom: HTMLDivElement;
  /** "Are you still there?" with the button that answers it. */
  private readonly idleBox: HTMLDivElement;
  private view?: TranscriptView;
  private composer?: HTMLTextAreaElement;
  /** The conversation's files shown in the transcript (revoked with its view). */
  private readonly files: FileCache;
  /** Attaching files to the next message: only while the department takes files and a chat is open. */
  private attach?: AttachBox;
  /** The file policy the composer was built with ("" = none): a transfer may change it. */
  private policyKey = "";
  /** The host page as staff see it: sent after every Welcome and every navigation. */
  private readonly pages: PageReporter;
  /** The host page's handlers (window.LiveChat.on). */
  private readonly events: EventHub;
  /** What the host page said of the visitor (window.LiveChat.setContext). */
  private context: VisitorContextInput;
  /** The invitation card shown, if any, and which one. */
  private readonly invites: InvitationTracker;
  private inviteCard?: HTMLElement;
  /** In the panel: the invitation card while the panel is open. */
  private readonly inviteSlot: HTMLDivElement;
  /** The server's clock minus ours (Welcome). */
  private skew = 0;
  /** Messages at or after this (server clock) are news to the host page; older ones are a replay. */
  private liveSince = 0;
  /** Per department: its pre-chat fields and its survey (Welcome.department_status). */
  private readonly forms = new Map<string, FormField[]>();
  private readonly surveys = new Map<string, Survey | undefined>();

  constructor(
    host: HTMLElement,
    private readonly cfg: WidgetConfig,
    opts: WidgetOptions = {},
  ) {
    this.events = opts.events ?? new EventHub();
    this.context = mergeContext({}, opts.context ?? {});
    this.t = strings(cfg.lang, cfg.strings);
    this.storeKey = `livechat:${cfg.server}`;
    this.saved = this.load();
    const shadow = host.attachShadow({ mode: "open" });
    shadow.append(h("style", {}, widgetCss));
    this.root = h("div", { class: `root ${cfg.position === "left" ? "left" : ""}`, lang: cfg.lang });
    if (cfg.color) this.root.style.setProperty("--accent", cfg.color);
    if (cfg.textColor) this.root.style.setProperty("--accent-text", cfg.textColor);

    this.headerTitle = h("h2", { id: "lc-title" }, this.t.title);
    this.headerSub = h("p", {}, this.t.subtitle);
    this.avatar = h("div", { class: "avatar", "aria-hidden": "true" }, "?");
    this.banner = h("div", { class: "banner", role: "status", hidden: true });
    this.body = h("div", { class: "body" });
    this.live = h("div", { class: "sr", "aria-live": "polite", "aria-atomic": "false" });
    this.typingEl = h("div", { class: "typing", "aria-live": "polite", hidden: true });
    this.bottom = h("div", {});
    this.idleBox = h("div", { class: "idle-box", hidden: true });
    this.inviteSlot = h("div", { class: "invite-slot", hidden: true });
    const minimize = h("button", { class: "icon-btn", type: "button", "aria-label": this.t.minimize, onclick: () => this.toggle(false) });
    minimize.innerHTML = closeIcon;
    this.panel = h(
      "div",
      { class: "panel", role: "dialog", "aria-labelledby": "lc-title", id: "lc-panel", hidden: true },
      h("header", {}, this.avatar, h("div", { class: "who" }, this.headerTitle, this.headerSub), minimize),
      this.banner,
      this.inviteSlot,
      this.body,
      this.typingEl,
      this.idleBox,
      this.bottom,
      this.live,
    );
    this.launcher = h("button", {
      class: "launcher",
      type: "button",
      "aria-label": this.t.launcherOpen,
      "aria-expanded": "false",
      "aria-controls": "lc-panel",
      onclick: () => this.toggle(),
    });
    this.launcher.innerHTML = chatIcon;
    this.preview = h("div", { class: "preview", role: "status", hidden: true });
    this.root.append(this.panel, this.preview, this.launcher);
    shadow.append(this.root);
    this.panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.toggle(false);
    });
    this.files = new FileCache(this.fileServer());
    dropTarget(this.panel, { hint: this.t.dropHint, accepts: () => !!this.attach?.accepting, onFiles: (f) => this.attach?.add(f) });

    this.client = new ChatClient({
      url: wsUrl(cfg.server),
      // The server reports agents online only for the departments the widget offers.
      hello: () => ({
        visitorToken: this.saved.token ?? "",
        departments: [...new Set([this.cfg.department, ...this.cfg.departments])].filter(Boolean),
      }),
      pingIntervalMs: cfg.pingIntervalMs,
      ...(opts.socketFactory ? { socketFactory: opts.socketFactory } : {}),
    });
    this.invites = new InvitationTracker({
      answered: this.saved.invitations,
      remember: (ids) => {
        this.saved.invitations = ids;
        this.persist();
      },
      show: (inv) => this.showInvitation(inv),
      hide: () => this.hideInvitation(),
    });
    this.pages = new PageReporter({
      // While the widget flashes the host's title, the page's own title is the one it keeps.
      read: () => pageFacts(window, new Date(), this.titleTimer ? this.hostTitle : undefined),
      send: (p) => this.sendPageView(p),
    });
    watchNavigation(window, () => this.pageView());
    this.client.on("welcome", () => this.onWelcome());
    this.client.on("push", (e) => this.onPush(e));
    this.client.on("state", () => this.renderBanner());
    this.client.on("fatal", (err) => {
      if (err.code === ErrorCode.UNAUTHENTICATED) {
        // Expired or foreign token: start over as a new visitor.
        this.saved = {};
        this.persist();
        this.client.start();
      }
    });
    window.addEventListener("offline", () => this.client.dropConnection());
    window.addEventListener("online", () => this.client.reconnectNow());
    document.addEventListener("visibilitychange", () => this.markRead());
    window.addEventListener("focus", () => this.markRead());
    this.render();
    this.client.start();
    if (cfg.open || this.saved.open) this.toggle(true);
  }

  // ------------------------------------------------------------------ persistence

  private load(): Saved {
    try {
      return JSON.parse(localStorage.getItem(this.storeKey) ?? "{}") as Saved;
    } catch {
      return {};
    }
  }

  private persist(): void {
    if (this.conv && this.client.hasConversation(this.conv)) {
      this.saved.outbox = this.client
        .conversation(this.conv)
        .pendingItems()
        .map((p) => ({ id: p.clientMsgId, text: p.text, ...(p.attachment ? { file: savedFile(p.attachment) } : {}) }));
    }
    try {
      localStorage.setItem(this.storeKey, JSON.stringify(this.saved));
    } catch {
      /* private mode: resume by token is lost, the chat still works */
    }
  }

  // ------------------------------------------------------------------ protocol

  /** The host page changed (or the page says so: window.LiveChat.pageView()): staff are told,
   * throttled, when the server takes page views. */
  pageView(): void {
    if ((this.client.welcome?.protocolVersion ?? 0) >= PAGE_VIEW_PROTOCOL) this.pages.changed();
  }

  // ------------------------------------------------------------------ the host page's API

  /** window.LiveChat.open(). */
  open(): void {
    if (!this.isOpen) this.toggle(true);
  }

  /** window.LiveChat.close(). */
  close(): void {
    if (this.isOpen) this.toggle(false);
  }

  /** window.LiveChat.invite(): the page's own invitation, shown at once (no server round trip);
   * accepting it starts an ordinary chat. Not while a chat is going on. */
  invite(o: InviteInput): void {
    if (!INVITABLE.includes(this.phase)) return;
    this.invites.offer({
      id: "",
      agentName: o.agentName ?? "",
      department: "",
      text: o.text ?? "",
      expiresAt: 0,
      automatic: true,
      source: "site",
    });
  }

  /** window.LiveChat.setContext(): prefills the pre-chat form (also one shown now, where the
   * visitor typed nothing yet); metadata goes with the Join. */
  setContext(c: VisitorContextInput): void {
    this.context = mergeContext(this.context, c);
    const form = this.body.querySelector<HTMLFormElement>("form.prechat-form");
    if (!form) return;
    const put = (name: string, v: string | undefined) => {
      const el = form.querySelector<HTMLInputElement>(`input[name="${name}"]`);
      if (el && v && !el.value) el.value = v;
    };
    put("name", this.context.name);
    put("email", this.context.email);
    if (this.context.answers) this.prechatFields?.prefill(this.context.answers);
  }

  private emit<K extends LiveChatEvent>(event: K, payload: EventPayloads[K]): void {
    this.events.emit(event, payload);
  }

  private sendPageView(p: PageFacts): void {
    // Never the visitor's concern: a refusal (too many, a URL the server does not take) or a lost
    // connection is dropped; the next Welcome sends the page again.
    this.client.request({ case: "pageView", value: p }).catch(() => {});
  }

  private onWelcome(): void {
    const w = this.client.welcome!;
    if (w.protocolVersion >= PAGE_VIEW_PROTOCOL) this.pages.connected();
    this.saved.token = w.visitorToken;
    if (w.serverTimeMs > 0n) {
      this.skew = Number(w.serverTimeMs) - Date.now();
      // Events of this page's time are news; a replay of older ones (after a reload) is not. A
      // second of slack for an event stamped just before the Welcome.
      if (!this.liveSince) this.liveSince = Number(w.serverTimeMs) - 1000;
    }
    this.agentsOnline.clear();
    this.closedDepts.clear();
    this.forms.clear();
    this.surveys.clear();
    for (const d of w.departmentStatus) {
      this.agentsOnline.set(d.department, d.agentsOnline);
      if (d.closed) this.closedDepts.set(d.department, Number(d.opensAtMs));
      if (d.displayName) this.deptNames.set(d.department, d.displayName);
      this.forms.set(d.department, d.preChatForm);
      this.surveys.set(d.department, d.survey);
    }
    const open = w.openConversationId;
    if (open) {
      const fresh = this.conv !== open;
      this.conv = open;
      this.saved.conversationId = open;
      this.client.conversation(open);
      if (fresh) {
        for (const m of this.saved.outbox ?? []) this.sendText(m.text, m.id, m.file && loadedFile(m.file));
      }
      if (this.phase === "connecting" || this.phase === "prechat" || this.phase === "offline") {
        this.phase = this.phaseFromLog() ?? "queued";
      }
    } else if (this.conv && (this.phase === "queued" || this.phase === "chat")) {
      // It was closed while we were away.
      this.endConversation();
    } else if (this.phase === "connecting") {
      const lead = this.saved.lead;
      if (lead && !lead.conv && !this.saved.closed) {
        // An invitation accepted before a reload, the chat not started yet.
        this.dept = lead.department || this.dept;
        this.phase = this.formOf(lead.department || this.cfg.department).length ? "prechat" : "invited";
      } else {
        this.phase = this.saved.closed ? (this.saved.closed.rated ? "rated" : "closed") : "prechat";
      }
    }
    this.persist();
    this.render();
    this.markRead();
    this.emit("ready", {});
  }

  /** The department's pre-chat fields (none when the Welcome does not list it). */
  private formOf(dept: string): FormField[] {
    return this.forms.get(dept) ?? [];
  }

  private phaseFromLog(): Phase | undefined {
    let phase: Phase | undefined;
    for (const item of this.client.conversation(this.conv).items()) {
      if (item.kind === EventKind.JOINED || item.kind === EventKind.REQUEUED) phase = "queued";
      if (item.kind === EventKind.ASSIGNED) {
        phase = "chat";
        this.agentName = item.senderName || this.agentName;
      }
      if (item.kind === EventKind.TRANSFERRED && item.agentId) phase = "chat";
      if (item.kind === EventKind.CLOSED) phase = "closed";
    }
    return phase;
  }

  private onPush(env: ServerEnvelope): void {
    const b = env.body;
    switch (b.case) {
      case "invitation":
        // One at a time; none while a chat is going on (the server sends none then either).
        if (INVITABLE.includes(this.phase)) this.invites.offer(invitationOf(b.value, this.skew));
        return;
      case "queueStatus":
        if (b.value.conversationId !== this.conv) return;
        this.queue = {
          position: b.value.position,
          length: b.value.queueLength,
          waitS: b.value.estimatedWaitSeconds,
          agents: b.value.agentsOnline,
        };
        if (this.phase !== "queued") this.phase = "queued";
        this.render();
        return;
      case "assigned":
        if (b.value.conversationId !== this.conv) return;
        this.agentName = b.value.agentName;
        this.phase = "chat";
        this.notice = "";
        this.render();
        return;
      case "event": {
        const ev = b.value;
        if (ev.conversationId !== this.conv) return;
        if (ev.kind === EventKind.ASSIGNED) {
          this.agentName = ev.senderName || this.agentName;
          this.phase = "chat";
        } else if (ev.kind === EventKind.TRANSFERRED && ev.agentId) {
          this.agentName = ev.senderName || this.agentName;
        } else if (ev.kind === EventKind.REQUEUED) {
          this.phase = "queued";
          // No agent to peek any more; the next one hears from the next keystroke.
          this.typing.reset();
        } else if (ev.kind === EventKind.CLOSED) {
          this.renderLog();
          this.endConversation();
          return;
        } else if (ev.kind === EventKind.IDLE_PROMPT) {
          this.live.textContent = this.t.idlePrompt;
          if (!this.isOpen) this.showPreview(this.agentName || this.t.title, this.t.idlePrompt);
        } else if (ev.kind === EventKind.MESSAGE && ev.senderRole !== Role.VISITOR) {
          if (Number(ev.atMs) >= this.liveSince) this.emit("message", { conversationId: ev.conversationId, role: roleName(ev.senderRole), text: ev.text });
          this.typingEl.hidden = true;
          const text = messageSummary(ev.text, attachmentOf(ev.attachment));
          this.live.textContent = `${ev.senderName || this.t.agent}: ${text}`;
          if (!this.isOpen) {
            this.unread++;
            this.showPreview(ev.senderName || this.agentName || this.t.agent, text);
          }
          this.sendReceipt(ReceiptKind.DELIVERED, Number(ev.seq));
        }
        this.render();
        this.markRead();
        return;
      }
      case "receipt":
        if (b.value.conversationId === this.conv) this.renderLog();
        return;
      case "typing":
        if (b.value.conversationId !== this.conv || b.value.role === Role.VISITOR) return;
        clearTimeout(this.typingTimer);
        this.typingEl.textContent = fill(this.t.typing, { name: b.value.name || this.agentName || this.t.agent });
        this.typingEl.hidden = !b.value.typing;
        if (b.value.typing) this.typingTimer = setTimeout(() => (this.typingEl.hidden = true), 8000);
        return;
      case "agentConnection":
        if (b.value.conversationId !== this.conv) return;
        this.notice = b.value.connected
          ? ""
          : fill(this.t.agentAway, { name: this.agentName || this.t.agent, n: b.value.graceSeconds });
        this.renderBanner();
        return;
    }
  }

  private endConversation(): void {
    if (this.phase === "closed" || this.phase === "rated") return;
    const transcript = this.transcript();
    const last = this.client.hasConversation(this.conv) ? this.client.conversation(this.conv).items().filter((i) => i.kind === EventKind.CLOSED).at(-1) : undefined;
    this.saved.closed = { id: this.conv, transcript, idle: !!last && isIdleClose(last) };
    this.saved.outbox = [];
    this.phase = "closed";
    this.emit("chat_ended", { conversationId: this.conv });
    this.typing.reset();
    this.typingEl.hidden = true;
    this.idleBox.hidden = true;
    this.notice = "";
    this.persist();
    this.render();
  }

  private sendText(text: string, id = newId("m"), attachment?: AttachmentInfo): void {
    const conv = this.conv;
    this.client.sendMessage(conv, text, id, { attachment }).then(
      () => {
        this.persist();
        this.renderLog();
        this.emit("message", { conversationId: conv, role: "visitor", text });
      },
      (err: unknown) => {
        console.warn("livechat: message not sent", err);
        this.renderLog();
      },
    );
    this.persist();
    this.renderLog();
  }

  private sendReceipt(kind: ReceiptKind, seq: number): void {
    if (!seq || !this.conv) return;
    if (kind === ReceiptKind.DELIVERED) {
      if (seq <= this.lastDelivered) return;
      this.lastDelivered = seq;
    } else {
      if (seq <= this.lastRead) return;
      this.lastRead = seq;
    }
    this.client
      .request({ case: "receipt", value: { conversationId: this.conv, seq: BigInt(seq), kind } })
      .catch(() => {
        if (kind === ReceiptKind.READ) this.lastRead = 0;
        else this.lastDelivered = 0;
      });
  }

  private markRead(): void {
    if (!this.isOpen || document.visibilityState !== "visible" || !this.conv) return;
    if (this.phase !== "chat" && this.phase !== "queued") return;
    if (!this.client.hasConversation(this.conv)) return;
    const seq = this.client.conversation(this.conv).lastOtherMessageSeq();
    this.sendReceipt(ReceiptKind.DELIVERED, seq);
    this.sendReceipt(ReceiptKind.READ, seq);
  }

  /** Sneak peek applies: the operator turned it on, and an agent holds the chat (not while queued). */
  private peekOn(): boolean {
    return !!this.client.welcome?.sneakPeek && this.phase === "chat";
  }

  private onComposerInput(): void {
    this.typing.input(this.composer?.value ?? "", this.peekOn());
  }

  // ------------------------------------------------------------------ rendering

  private toggle(force?: boolean): void {
    const was = this.isOpen;
    // Focus in the panel goes back to the launcher when it closes; a page's close() elsewhere
    // leaves the page's focus alone.
    const shadow = this.panel.getRootNode() as ShadowRoot;
    const focusInPanel = !!shadow.activeElement && this.panel.contains(shadow.activeElement);
    this.isOpen = force ?? !this.isOpen;
    this.panel.hidden = !this.isOpen;
    this.root.classList.toggle("open", this.isOpen);
    this.launcher.setAttribute("aria-expanded", String(this.isOpen));
    this.saved.open = this.isOpen;
    this.persist();
    this.launcher.setAttribute("aria-label", this.isOpen ? this.t.launcherClose : this.t.launcherOpen);
    if (this.isOpen) {
      this.hidePreview();
      this.unread = 0;
      this.renderBadge();
      this.markRead();
      const first = this.panel.querySelector<HTMLElement>(".body input, .body textarea, .composer textarea");
      (first ?? this.panel.querySelector<HTMLElement>("button"))?.focus();
      this.scrollDown();
    } else if (focusInPanel) {
      this.launcher.focus();
    }
    this.placeInvitation();
    if (was !== this.isOpen) this.emit(this.isOpen ? "open" : "close", {});
  }

  // ------------------------------------------------------------------ invitations

  private showInvitation(inv: InvitationInfo): void {
    const dept = inv.department || this.cfg.department;
    const agentName = inv.agentName || this.t.title;
    this.inviteCard = invitationCard(inv, {
      from: this.t.invitationFrom, greeting: this.t.invitationGreeting, accept: this.t.invitationAccept,
      decline: this.t.invitationDecline, label: this.t.invitationLabel,
    }, {
      agentName,
      // The host page's own invitation names no department.
      departmentName: inv.department ? this.deptName(dept) : "",
      onAccept: () => this.acceptInvitation(),
      onDecline: () => this.declineInvitation(),
    });
    this.placeInvitation();
    this.emit("invitation", { agentName, text: inv.text.trim() || this.t.invitationGreeting, automatic: inv.automatic });
  }

  private hideInvitation(): void {
    this.inviteCard?.remove();
    this.inviteCard = undefined;
    this.placeInvitation();
  }

  /** By the launcher while the widget is collapsed; at the top of the panel while it is open. */
  private placeInvitation(): void {
    const card = this.inviteCard;
    this.inviteSlot.hidden = !card || !this.isOpen;
    if (!card) return;
    card.classList.toggle("inline", this.isOpen);
    if (this.isOpen) {
      if (card.parentNode !== this.inviteSlot) this.inviteSlot.replaceChildren(card);
    } else if (card.parentNode !== this.root) {
      this.hidePreview(false);
      this.root.insertBefore(card, this.launcher);
    }
  }

  /** Reply: the widget opens, with the department's pre-chat form when it has fields, else
   * straight into the chat with the greeting as the agent's first line. */
  private acceptInvitation(): void {
    const inv = this.invites.answer();
    if (!inv) return;
    if (this.phase === "closed" || this.phase === "rated") this.restart(false);
    const dept = inv.department || this.dept || this.cfg.department;
    this.dept = dept;
    this.saved.lead = {
      agentName: inv.agentName || this.t.title,
      text: inv.text.trim() || this.t.invitationGreeting,
      atMs: Date.now(),
      department: dept,
      ...(inv.id ? { invitationId: inv.id } : {}),
    };
    this.persist();
    // The page's own invitation is an ordinary chat: with nobody online, the offline form.
    if (!inv.id && (this.noAgents(dept) || this.isClosed(dept))) {
      this.phase = "offline";
      this.saved.lead = undefined;
    } else {
      this.phase = this.formOf(dept).length ? "prechat" : "invited";
    }
    delete this.body.dataset["view"];
    this.render();
    if (this.isOpen) this.focusFirst();
    else this.toggle(true);
  }

  /** No thanks: the server hears it (rules invite no more this visit); the page's own just goes. */
  private declineInvitation(): void {
    const inv = this.invites.answer();
    if (!inv) return;
    if (inv.id) this.client.request({ case: "declineInvitation", value: { invitationId: inv.id } }, { retry: true }).catch(() => {});
    if (!this.isOpen) this.launcher.focus();
  }

  private focusFirst(): void {
    const first = this.panel.querySelector<HTMLElement>(".body input, .body textarea, .composer textarea");
    first?.focus();
  }

  /** The accepted invitation's greeting as the conversation's first line (agent's), while it is
   * the conversation it started (or before the join). */
  private leadItems(): LogItem[] {
    const l = this.saved.lead;
    if (!l || (l.conv ?? "") !== this.conv) return [];
    return [{
      clientMsgId: "lead-invitation", kind: EventKind.MESSAGE, role: Role.AGENT, senderId: "", senderName: l.agentName,
      text: l.text, atMs: l.atMs, agentId: "", department: "", own: false,
    }];
  }

  /** A bubble with the agent's message by the launcher, and the host page's title flashing. */
  private showPreview(name: string, text: string): void {
    const title = fill(this.t.newMessage, { name });
    const open = h("button", { type: "button", class: "preview-open", onclick: () => this.toggle(true) },
      h("strong", {}, title), h("span", { class: "preview-text", dir: "auto" }, text.length > 140 ? `${text.slice(0, 139)}…` : text));
    const close = h("button", { type: "button", class: "preview-close", "aria-label": this.t.dismissPreview, onclick: () => this.hidePreview(false) }, "×");
    this.preview.replaceChildren(open, close);
    this.preview.hidden = false;
    if (!this.titleTimer) {
      this.hostTitle = document.title;
      let on = false;
      const flash = () => {
        on = !on;
        document.title = on ? `💬 ${title}` : this.hostTitle;
      };
      flash();
      this.titleTimer = setInterval(flash, 1000);
    }
  }

  /** Hides the bubble; the title stops flashing when the widget is opened (or here, on dismiss). */
  private hidePreview(stopFlash = true): void {
    this.preview.hidden = true;
    this.preview.replaceChildren();
    if (stopFlash && this.titleTimer) {
      clearInterval(this.titleTimer);
      this.titleTimer = undefined;
      document.title = this.hostTitle;
    }
  }

  private renderBadge(): void {
    this.launcher.querySelector(".badge")?.remove();
    if (this.unread > 0 && !this.isOpen) this.launcher.append(h("span", { class: "badge", "aria-hidden": "true" }, String(this.unread)));
  }

  private renderBanner(): void {
    const st = this.client.state;
    let text = "";
    let info = false;
    if ((st === "offline" || st === "connecting") && this.phase !== "connecting") text = this.t.offlineBanner;
    else if (this.notice) {
      text = this.notice;
      info = true;
    }
    this.banner.hidden = !text;
    this.banner.textContent = text;
    this.banner.classList.toggle("info", info);
    this.headerSub.replaceChildren();
    if (this.phase === "chat" && this.agentName) {
      this.headerSub.append(h("span", { class: `dot ${this.notice ? "off" : ""}`, "aria-hidden": "true" }), this.t.agent);
    } else {
      this.headerSub.append(st === "ready" || this.phase === "connecting" ? this.t.subtitle : this.t.reconnecting);
    }
  }

  private render(): void {
    const inChat = this.phase === "chat" && this.agentName;
    this.headerTitle.textContent = inChat ? this.agentName : this.t.title;
    if (inChat) this.avatar.textContent = this.agentName.trim().charAt(0).toUpperCase();
    else this.avatar.innerHTML = chatIcon.replace("<svg ", '<svg width="20" height="20" ');
    this.renderBanner();
    this.renderBadge();
    this.root.dataset["phase"] = this.phase;
    const focusInBody = this.body.contains(this.panel.getRootNode() instanceof ShadowRoot ? (this.panel.getRootNode() as ShadowRoot).activeElement : null);
    switch (this.phase) {
      case "connecting":
        this.setBody(h("p", { class: "muted", role: "status" }, this.t.connecting));
        this.bottom.replaceChildren();
        break;
      case "prechat":
      case "offline":
        if (this.body.dataset["view"] !== this.phase) this.setBody(this.phase === "prechat" ? this.prechatForm() : this.offlineForm());
        this.bottom.replaceChildren();
        break;
      case "offline-sent":
        this.setBody(h("div", { class: "notice", role: "status" }, this.t.offlineThanks));
        this.bottom.replaceChildren();
        break;
      case "invited":
        if (this.body.dataset["view"] !== "invited") this.renderInvited();
        break;
      case "unavailable":
        if (this.body.dataset["view"] !== "unavailable") this.setBody(h("div", { class: "notice", role: "status", "data-testid": "unavailable" }, this.t.unavailable));
        this.bottom.replaceChildren();
        break;
      case "queued":
      case "chat":
        this.renderConversation();
        break;
      case "closed":
      case "rated":
        this.renderClosed();
        break;
    }
    this.body.dataset["view"] = this.phase;
    if (focusInBody && this.isOpen && !this.body.contains(document.activeElement)) {
      this.composer?.focus();
    }
  }

  private setBody(...nodes: Node[]): void {
    this.body.replaceChildren(...nodes);
    // The transcript goes, and the blob: URLs of its files with it.
    if (this.view) this.files.revokeAll();
    this.view = undefined;
    this.attach = undefined;
  }

  private departmentSelect(id: string): HTMLSelectElement {
    const all = [...new Set([this.cfg.department, ...this.cfg.departments, ...(this.dept ? [this.dept] : [])])].filter(Boolean);
    const sel = h("select", { name: "department", id });
    for (const d of all) sel.append(h("option", { value: d }, this.deptName(d)));
    sel.value = this.dept && all.includes(this.dept) ? this.dept : this.cfg.department;
    sel.addEventListener("change", () => (this.dept = sel.value));
    return sel;
  }

  private noAgents(dept: string): boolean {
    return (this.agentsOnline.get(dept) ?? 0) === 0;
  }

  private deptName(dept: string): string {
    return this.deptNames.get(dept) || dept;
  }

  private isClosed(dept: string): boolean {
    return this.closedDepts.has(dept);
  }

  /** "We're closed right now… We're back Monday 09:00." */
  private closedText(dept: string): string {
    const when = reopening(this.closedDepts.get(dept) ?? 0, this.cfg.lang || navigator.language);
    return when ? `${this.t.closedNow} ${fill(this.t.backAt, { when })}` : this.t.closedNow;
  }

  /** The texts of the department's own fields. */
  private formTexts(): FormTexts {
    return { choose: this.t.choose, required: this.t.required, consentRequired: this.t.consentRequired, requiredLabel: this.t.requiredField };
  }

  /** The pre-chat form's department fields (rebuilt with the form). */
  private prechatFields?: FieldsBox;

  private prechatForm(): HTMLElement {
    const lead = this.saved.lead && !this.saved.lead.conv ? this.saved.lead : undefined;
    // An accepted invitation names its department: no picking another.
    const invited = !!lead?.invitationId;
    const dept = this.departmentSelect("lc-dept");
    const note = h("div", { class: "notice", role: "status" });
    const fields = (this.prechatFields = new FieldsBox(this.formTexts(), "lc-f-"));
    const updateNote = () => {
      if (this.isClosed(dept.value) && !invited) {
        // Outside business hours: only a message can be left.
        this.dept = dept.value;
        queueMicrotask(() => {
          if (this.phase === "prechat") {
            this.phase = "offline";
            this.render();
          }
        });
      }
      const none = this.noAgents(dept.value) && !invited;
      note.hidden = !none;
      note.replaceChildren(
        fill(this.t.noAgents, { dept: this.deptName(dept.value) }),
        h("br"),
        h("button", { class: "link", type: "button", onclick: () => { this.phase = "offline"; this.render(); } }, this.t.leaveMessage),
      );
      // The department's own fields, below the usual ones.
      fields.render(this.formOf(dept.value), this.context.answers ?? {});
    };
    dept.addEventListener("change", updateNote);
    updateNote();
    if (!note.hidden && !this.offlineChoice) {
      // Nobody online: offer the offline form first, the queue on request.
      queueMicrotask(() => {
        if (this.phase === "prechat" && this.noAgents(dept.value)) {
          this.phase = "offline";
          this.render();
        }
      });
    }
    const name = h("input", { name: "name", required: true, autocomplete: "name", maxlength: "100", value: this.context.name || this.saved.name || "" });
    const email = h("input", { name: "email", type: "email", autocomplete: "email", maxlength: "200", value: this.context.email || this.saved.email || "" });
    const question = h("textarea", { name: "question", required: true, rows: "3", maxlength: "4000" });
    const submit = h("button", { class: "primary", type: "submit" }, this.t.startChat);
    const error = h("p", { class: "form-error", role: "alert", "data-testid": "prechat-error" });
    const form = h(
      "form",
      {
        class: "card prechat-form",
        "aria-label": this.t.startChat,
        onsubmit: (e: Event) => {
          e.preventDefault();
          error.textContent = "";
          if (!fields.validate()) return;
          void this.join({
            name: name.value, email: email.value, dept: dept.value, question: question.value, answers: fields.answers(), submit,
            invitationId: lead?.invitationId,
            onRefused: (text) => {
              if (!fields.showServerError(text)) error.textContent = text;
            },
          });
        },
      },
      lead ? this.leadBubble(lead) : null,
      note,
      h("label", {}, this.t.name, name),
      h("label", {}, this.t.emailOptional, email),
      invited ? null : h("label", {}, this.t.department, dept),
      h("label", {}, this.t.question, question),
      fields.el,
      error,
      submit,
    );
    question.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    return form;
  }

  /** The greeting of the accepted invitation, as the agent's message, above the form. */
  private leadBubble(lead: Lead): HTMLElement {
    return h("ol", { class: "log lead-log", "aria-label": this.t.title },
      h("li", { class: "msg other", "data-role": "agent", "data-lead": "1" },
        h("span", { class: "sr" }, `${lead.agentName}: `),
        h("div", { class: "bubble", dir: "auto" }, lead.text),
        h("div", { class: "meta" }, h("span", { class: "sender", dir: "auto" }, lead.agentName))));
  }

  /** An accepted invitation without pre-chat fields: the greeting, and a composer whose first
   * message starts the chat (the name the page or an earlier chat gave, else "Visitor"). */
  private renderInvited(): void {
    const lead = this.saved.lead;
    this.setBody(lead ? this.leadBubble(lead) : h("div", {}));
    const input = h("textarea", { rows: "1", "aria-label": this.t.composer, placeholder: this.t.composer, maxlength: "4000" });
    const send = h("button", { class: "primary", type: "submit" }, this.t.send);
    const error = h("p", { class: "form-error", role: "alert", "data-testid": "prechat-error" });
    const form = h("form", {
      class: "composer",
      onsubmit: (e: Event) => {
        e.preventDefault();
        const text = input.value;
        if (!text.trim() || send.disabled) return;
        error.textContent = "";
        const dept = lead?.department || this.dept || this.cfg.department;
        void this.join({
          name: this.context.name || this.saved.name || this.t.visitorName, email: this.context.email || this.saved.email || "", dept, question: text,
          answers: [], submit: send, invitationId: lead?.invitationId,
          onRefused: (t) => (error.textContent = t),
        });
      },
    }, input, send);
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    this.composer = input;
    this.bottom.replaceChildren(error, form);
  }

  private offlineForm(): HTMLElement {
    const dept = this.departmentSelect("lc-odept");
    const name = h("input", { name: "name", required: true, autocomplete: "name", maxlength: "100", value: this.saved.name ?? "" });
    const email = h("input", { name: "email", type: "email", required: true, autocomplete: "email", maxlength: "200", value: this.saved.email ?? "" });
    const text = h("textarea", { name: "message", required: true, rows: "4", maxlength: "4000" });
    const submit = h("button", { class: "primary", type: "submit" }, this.t.sendOffline);
    const error = h("p", { class: "muted", role: "alert" });
    const notice = h("div", { class: "notice", role: "status", "data-testid": "offline-notice" });
    const queueBtn = h("button", { class: "link", type: "button", onclick: () => { this.offlineChoice = true; this.phase = "prechat"; this.render(); } }, this.t.waitAnyway);
    const update = () => {
      const closed = this.isClosed(dept.value);
      notice.textContent = closed ? this.closedText(dept.value) : fill(this.t.noAgents, { dept: this.deptName(dept.value) });
      notice.dataset["closed"] = String(closed);
      const opens = this.closedDepts.get(dept.value);
      if (opens) notice.dataset["opensAt"] = String(opens);
      else delete notice.dataset["opensAt"];
      // A closed department refuses a join: no queue to wait in.
      queueBtn.hidden = closed;
    };
    dept.addEventListener("change", update);
    update();
    return h(
      "form",
      {
        class: "card offline-form",
        "aria-label": this.t.leaveMessage,
        onsubmit: async (e: Event) => {
          e.preventDefault();
          submit.disabled = true;
          try {
            await this.client.request(
              { case: "offlineMessage", value: { displayName: name.value.trim(), email: email.value.trim(), department: dept.value, text: text.value } },
              { retry: true },
            );
            this.saved.name = name.value.trim();
            this.saved.email = email.value.trim();
            this.persist();
            this.phase = "offline-sent";
            this.render();
          } catch (err) {
            if (this.refused(err)) return;
            error.textContent = err instanceof Error ? err.message : String(err);
            submit.disabled = false;
          }
        },
      },
      notice,
      h("label", {}, this.t.name, name),
      h("label", {}, this.t.email, email),
      h("label", {}, this.t.department, dept),
      h("label", {}, this.t.message, text),
      error,
      submit,
      queueBtn,
    );
  }

  private async join(o: {
    name: string; email: string; dept: string; question: string; answers: FormAnswerInit[]; submit: HTMLButtonElement;
    invitationId?: string | undefined;
    /** The server refused the form (INVALID_ARGUMENT): its words, to show by the field. */
    onRefused(text: string): void;
  }): Promise<void> {
    const { dept, question, submit } = o;
    const name = o.name.trim();
    const email = o.email.trim();
    if (!name || !question.trim()) return;
    submit.disabled = true;
    this.saved.name = name;
    this.saved.email = email;
    const clientMsgId = newId("j");
    const metadata: Record<string, string> = {
      language: navigator.language,
      referrer: document.referrer,
      screen: `${window.innerWidth}x${window.innerHeight}`,
      title: document.title,
      ...(this.cfg.metadata ?? {}),
      ...(this.context.metadata ?? {}),
    };
    for (const [k, v] of Object.entries(metadata)) if (!v) delete metadata[k];
    try {
      const reply = await this.client.request(
        {
          case: "join",
          value: {
            displayName: name, email, department: dept, firstMessage: question, clientMsgId, pageUrl: location.href, metadata,
            answers: o.answers, invitationId: o.invitationId ?? "",
          },
        },
        { retry: true },
      );
      if (reply.body.case !== "ack") return;
      const ack = reply.body.value;
      this.conv = ack.conversationId;
      this.saved.conversationId = this.conv;
      this.saved.closed = undefined;
      this.saved.emailed = undefined;
      this.saved.department = dept;
      if (this.saved.lead && !this.saved.lead.conv) this.saved.lead.conv = this.conv;
      this.lastDelivered = this.lastRead = 0;
      const log = this.client.conversation(this.conv);
      log.addPending(clientMsgId, question, name, Number(ack.atMs) || Date.now());
      log.confirm(clientMsgId, Number(ack.seq), Number(ack.atMs));
      log.markKnownThrough(Number(ack.seq));
      // The invited composer's text is the first message now: not again in the chat's composer.
      if (this.phase === "invited" && this.composer) this.composer.value = "";
      if (this.phase !== "chat") this.phase = "queued";
      // A chat is going on: no invitation now.
      this.invites.clear();
      this.persist();
      this.render();
      this.emit("chat_started", { conversationId: this.conv });
      this.emit("message", { conversationId: this.conv, role: "visitor", text: question });
    } catch (err) {
      if (this.refused(err)) return;
      const w = this.client.welcome;
      if (err instanceof ServerError && err.code === ErrorCode.CONFLICT && err.text.startsWith("department is closed")) {
        // It closed since the Welcome: the offline form, as if we had known.
        if (!this.closedDepts.has(dept)) this.closedDepts.set(dept, 0);
        this.dept = dept;
        this.phase = "offline";
        this.render();
        return;
      }
      if (err instanceof ServerError && err.code === ErrorCode.CONFLICT && w?.openConversationId) {
        this.onWelcome();
        return;
      }
      submit.disabled = false;
      if (err instanceof ServerError && err.code === ErrorCode.INVALID_ARGUMENT) {
        o.onRefused(err.text);
        return;
      }
      if (err instanceof OfflineError) {
        o.onRefused(this.t.offlineBanner);
        return;
      }
      console.warn("livechat: join failed", err);
    }
  }

  /** FORBIDDEN to a join or an offline message: this visitor may not chat (banned, which the
   * widget never says). A neutral sentence, no form, nothing retried; a later visit tries again. */
  private refused(err: unknown): boolean {
    if (!(err instanceof ServerError && err.code === ErrorCode.FORBIDDEN)) return false;
    this.phase = "unavailable";
    this.render();
    return true;
  }

  private renderConversation(): void {
    if (this.body.dataset["view"] !== "queued" && this.body.dataset["view"] !== "chat") {
      const ol = h("ol", { class: "log", role: "log", "aria-label": this.t.title });
      this.setBody(ol);
      this.view = new TranscriptView(ol, {
        you: this.t.you,
        other: this.t.agent,
        status: { queued: this.t.queued, sent: this.t.sent, delivered: this.t.delivered, read: this.t.read, failed: this.t.failed },
        system: (item) => this.systemText(item),
        locale: this.cfg.lang,
        attachment: (a) => attachmentView(a, this.files, this.attachmentTexts()),
        lead: () => this.leadItems(),
      });
      this.renderComposer();
    } else if (policyKey(this.filePolicyNow()) !== this.policyKey) {
      // Moved to a department with other file limits (or the Welcome changed them).
      this.renderComposer();
    }
    let queueEl = this.body.querySelector<HTMLElement>(".queue");
    if (this.phase === "queued") {
      if (!queueEl) {
        queueEl = h("div", { class: "queue", role: "status", "aria-live": "polite" });
        this.body.append(queueEl);
      }
      const q = this.queue;
      const parts: (Node | string)[] = [];
      if (q && q.position > 0) {
        parts.push(
          h("div", { class: "pos", "data-testid": "queue-position" }, `#${q.position}`),
          h("div", {}, fill(this.t.queuePosition, { n: q.position, total: Math.max(q.length, q.position) })),
        );
        if (q.agents > 0) parts.push(h("div", { class: "muted" }, fill(this.t.queueWait, { wait: this.formatWait(q.waitS) })));
        else parts.push(h("div", { class: "muted" }, this.t.queueNoAgents));
      } else {
        parts.push(h("div", {}, this.t.waitingForAgent));
      }
      queueEl.replaceChildren(...parts);
    } else {
      queueEl?.remove();
    }
    this.renderLog();
  }

  private formatWait(s: number): string {
    if (s < 60) return this.t.lessThanMinute;
    return fill(this.t.minutes, { n: Math.round(s / 60) });
  }

  /** The department the conversation is in now (a transfer moves it), for its file limits. */
  private convDepartment(): string {
    const items = this.conv && this.client.hasConversation(this.conv) ? this.client.conversation(this.conv).items() : [];
    return departmentOf(items, this.saved.department || this.cfg.department);
  }

  /** What the conversation's department takes (undefined: no files there, or none at all). */
  private filePolicyNow(): FilePolicy | undefined {
    return departmentFilePolicy(this.client.welcome, this.convDepartment());
  }

  private renderComposer(): void {
    // Rebuilt when the file limits change: what was typed stays.
    const typed = this.composer?.isConnected ? this.composer.value : "";
    const input = h("textarea", { rows: "1", "aria-label": this.t.composer, placeholder: this.t.composer, maxlength: "8000" });
    input.value = typed;
    const send = h("button", { class: "primary", type: "submit" }, this.t.send);
    const policy = this.filePolicyNow();
    this.policyKey = policyKey(policy);
    this.attach = policy
      ? new AttachBox({ policy, texts: this.attachTexts(), locale: this.cfg.lang, pasteInto: input, onBusy: (busy) => (send.disabled = busy) })
      : undefined;
    const attach = this.attach;
    const form = h("form", {
      class: "composer",
      onsubmit: (e: Event) => {
        e.preventDefault();
        if (attach?.uploading) return;
        if (attach?.files.length) {
          void this.sendFiles(attach, input);
          return;
        }
        const text = input.value;
        if (!text.trim()) return;
        input.value = "";
        this.typing.stop();
        this.sendText(text);
        input.focus();
      },
    }, attach?.buttons ?? null, input, send);
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    input.addEventListener("input", () => this.onComposerInput());
    const end = h("button", {
      class: "small",
      type: "button",
      onclick: () => {
        if (end.dataset["confirm"] !== "1") {
          // Two steps instead of a blocking confirm(): the second click ends the chat.
          end.dataset["confirm"] = "1";
          end.textContent = this.t.endChatConfirm;
          setTimeout(() => {
            end.dataset["confirm"] = "";
            end.textContent = this.t.endChat;
          }, 5000);
          return;
        }
        this.client
          .request({ case: "close", value: { conversationId: this.conv } }, { retry: true })
          .then(() => this.phase !== "closed" && this.endConversation())
          .catch((err: unknown) => {
            if (err instanceof ServerError && (err.code === ErrorCode.CONFLICT || err.code === ErrorCode.NOT_FOUND)) this.endConversation();
          });
      },
    }, this.t.endChat);
    const dl = h("button", { class: "small", type: "button", onclick: () => this.downloadTranscript() }, this.t.download);
    this.composer = input;
    this.bottom.replaceChildren(...(attach ? [attach.tray] : []), form, h("div", { class: "footer-actions" }, dl, this.emailToggle(), end));
  }

  /** Uploads the staged files, each then sent as a message (the typed text as the first one's
   * caption, taken from the box only once that upload worked: a failure loses nothing). */
  private async sendFiles(attach: AttachBox, input: HTMLTextAreaElement): Promise<void> {
    const conv = this.conv;
    const srv = this.fileServer();
    await attach.sendAll(input.value, async (file, caption) => {
      const a = await uploadWithPreview(srv, conv, file);
      // What was typed meanwhile stays in the box.
      if (caption && input.value.startsWith(caption)) input.value = input.value.slice(caption.length);
      if (caption) this.typing.stop();
      if (this.conv === conv) this.sendText(caption, newId("m"), a);
    });
    input.focus();
  }

  private scaleTexts(): ScaleTexts {
    const t = this.t;
    return { thumbDown: t.thumbDown, thumbUp: t.thumbUp, faceBad: t.faceBad, faceOkay: t.faceOkay, faceGood: t.faceGood, ratingOf: t.ratingOf };
  }

  private fileServer(): FileServer {
    return { base: httpBase(this.cfg.server), token: () => this.client?.welcome?.visitorToken || this.saved.token || "" };
  }

  private attachTexts(): AttachBoxTexts {
    const t = this.t;
    return {
      attach: t.attach, takePhoto: t.takePhoto, remove: t.removeFile, uploading: t.uploading,
      tooLarge: t.fileTooLarge, badType: t.fileType, network: t.uploadNetwork, rateLimited: t.uploadBusy, uploadFailed: t.uploadFailed,
    };
  }

  private attachmentTexts(): AttachmentTexts {
    return { download: this.t.downloadFile, open: this.t.openImage, failed: this.t.fileFailed, locale: this.cfg.lang };
  }

  /** The server sends email (--smtp-url): only then is there a transcript to ask for. */
  private mailsTranscripts(): boolean {
    return !!this.client.welcome?.emailTranscripts;
  }

  /** During the chat: "Email me the transcript" opens the form under the composer (asked now, the
   * mail still goes once the chat is closed). */
  private emailToggle(): HTMLElement | null {
    if (!this.mailsTranscripts()) return null;
    const btn = h("button", { class: "small", type: "button", "aria-expanded": "false", id: "lc-email-toggle" }, this.t.emailTranscript);
    btn.addEventListener("click", () => {
      const open = this.bottom.querySelector(".transcript-form");
      btn.setAttribute("aria-expanded", String(!open));
      if (open) {
        open.remove();
        return;
      }
      const form = this.transcriptForm(this.conv);
      form.classList.add("inline");
      this.bottom.append(form);
      form.querySelector("input")?.focus();
    });
    return btn;
  }

  /** "Your email" (the pre-chat form's address, else the one already asked for) and "Send
   * transcript". The browser only checks the shape; the server decides (its refusal is shown as
   * it says it, and the form stays). Asking again, for another address, is allowed. */
  private transcriptForm(conv: string): HTMLFormElement {
    const done = this.saved.emailed?.id === conv ? this.saved.emailed.to : "";
    const email = h("input", { name: "transcript-email", type: "email", required: true, autocomplete: "email", maxlength: "200", value: this.saved.email || done });
    const submit = h("button", { class: "primary", type: "submit" }, this.t.sendTranscript);
    const error = h("p", { class: "muted", role: "alert" });
    // In the page from the start (empty): a live region that appears with its text is not read out everywhere.
    const status = h("div", { class: "notice", role: "status", "data-testid": "transcript-status" }, done ? fill(this.t.transcriptSent, { email: done }) : "");
    return h(
      "form",
      {
        class: "card transcript-form",
        "aria-label": this.t.emailTranscript,
        onsubmit: async (e: Event) => {
          e.preventDefault();
          const to = email.value.trim();
          if (!to) return;
          submit.disabled = true;
          error.textContent = "";
          const later = this.phase === "chat" || this.phase === "queued";
          try {
            // Retried over reconnects and UNAVAILABLE: the same address again is one mail.
            await this.client.request({ case: "emailTranscript", value: { conversationId: conv, email: to } }, { retry: true });
            this.saved.emailed = { id: conv, to };
            this.persist();
            status.textContent = fill(later ? this.t.transcriptLater : this.t.transcriptSent, { email: to });
          } catch (err) {
            status.textContent = "";
            error.textContent = err instanceof ServerError ? err.text : err instanceof OfflineError ? this.t.offlineBanner : err instanceof Error ? err.message : String(err);
          } finally {
            submit.disabled = false;
          }
        },
      },
      h("strong", {}, this.t.emailTranscript),
      h("label", {}, this.t.yourEmail, email),
      error,
      submit,
      status,
    );
  }

  private renderLog(): void {
    if (!this.view || !this.conv || !this.client.hasConversation(this.conv)) return;
    this.view.update(this.client.conversation(this.conv));
    this.renderIdle();
    this.scrollDown();
  }

  /** The idle prompt waits for an answer: any message of the visitor after it is one. */
  private renderIdle(): void {
    let waiting = false;
    if ((this.phase === "chat" || this.phase === "queued") && this.conv && this.client.hasConversation(this.conv)) {
      for (const i of this.client.conversation(this.conv).items()) {
        if (i.kind === EventKind.IDLE_PROMPT) waiting = true;
        else if (i.kind === EventKind.MESSAGE && i.own) waiting = false;
      }
    }
    if (waiting === !this.idleBox.hidden) return;
    this.idleBox.hidden = !waiting;
    this.idleBox.replaceChildren(...(waiting
      ? [h("button", { class: "primary", type: "button", id: "lc-still-here", onclick: () => { this.sendText(this.t.stillHere); this.composer?.focus(); } }, this.t.stillHere)]
      : []));
  }

  private scrollDown(): void {
    requestAnimationFrame(() => (this.body.scrollTop = this.body.scrollHeight));
  }

  private systemText(item: LogItem): string | undefined {
    switch (item.kind) {
      case EventKind.ASSIGNED: return fill(this.t.agentJoined, { name: item.senderName || this.t.agent });
      case EventKind.TRANSFERRED: return item.agentId ? fill(this.t.transferred, { name: item.senderName || item.agentId }) : this.t.requeued;
      case EventKind.REQUEUED: return this.t.requeued;
      case EventKind.CLOSED: return isIdleClose(item) ? this.t.closedIdle : this.t.chatEnded;
      case EventKind.IDLE_PROMPT: return this.t.idlePrompt;
      case EventKind.BARGED_IN: return fill(this.t.supervisorJoined, { name: item.senderName || this.t.agent });
      default: return undefined;
    }
  }

  private transcript(): string {
    if (!this.conv || !this.client.hasConversation(this.conv)) return this.saved.closed?.transcript ?? "";
    const lines = [`${this.t.title} — ${this.conv}`, ""];
    for (const item of [...this.leadItems(), ...this.client.conversation(this.conv).items()]) {
      const when = item.atMs ? new Date(item.atMs).toISOString().replace("T", " ").slice(0, 19) : "";
      const sys = this.systemText(item);
      if (item.kind === EventKind.JOINED) continue;
      // Staff-only kinds never reach a visitor; were one to, it is no message either.
      if (!sys && item.kind !== EventKind.MESSAGE) continue;
      if (sys) lines.push(`[${when}] — ${sys}`);
      else {
        const file = item.attachment ? fileLabel(item.attachment, this.cfg.lang) : "";
        const text = [item.text, file].filter(Boolean).join(" ");
        lines.push(`[${when}] ${item.own ? this.saved.name || this.t.you : item.senderName || this.t.agent}: ${text}`);
      }
    }
    return lines.join("\n") + "\n";
  }

  private downloadTranscript(): void {
    const text = this.phase === "closed" || this.phase === "rated" ? (this.saved.closed?.transcript ?? this.transcript()) : this.transcript();
    download(`chat-${this.saved.closed?.id ?? this.conv}.txt`, text);
  }

  private renderClosed(): void {
    this.bottom.replaceChildren();
    const conv = this.saved.closed?.id ?? this.conv;
    if (this.phase === "rated") {
      // Built once: a later render must not take the email form from under the visitor's typing.
      if (this.body.dataset["view"] === "rated") return;
      this.setBody(
        h("div", { class: "card" },
          h("div", { class: "notice", role: "status" }, this.t.ratingThanks),
          this.mailsTranscripts() ? this.transcriptForm(conv) : null,
          h("button", { class: "primary", type: "button", onclick: () => this.downloadTranscript() }, this.t.download),
          h("button", { class: "link", type: "button", onclick: () => this.restart() }, this.t.newChat)),
      );
      return;
    }
    if (this.body.dataset["view"] === "closed") return;
    // The department's survey: its scale, a comment box or not, its questions.
    const plan = surveyPlan(this.surveys.get(this.convDepartment()));
    let rating = 0;
    const scale = ratingPicker(plan.scale, this.t.rateTitle, this.scaleTexts(), (n) => {
      rating = n;
      submit.disabled = false;
    });
    const comment = plan.comment ? h("textarea", { name: "comment", rows: "3", maxlength: "2000" }) : undefined;
    const questions = new FieldsBox(this.formTexts(), "lc-q-");
    questions.render(plan.questions);
    const submit = h("button", { class: "primary", type: "submit", disabled: true }, this.t.submitRating);
    const error = h("p", { class: "muted", role: "alert" });
    const form = h(
      "form",
      {
        class: "card rating-form",
        "data-scale": String(plan.scale),
        onsubmit: async (e: Event) => {
          e.preventDefault();
          if (!rating) return;
          error.textContent = "";
          if (!questions.validate()) return;
          submit.disabled = true;
          try {
            await this.client.request({
              case: "rate",
              value: { conversationId: conv, rating, comment: comment?.value ?? "", answers: questions.answers() },
            }, { retry: true });
            this.phase = "rated";
            this.saved.closed = { ...this.saved.closed, id: conv, transcript: this.saved.closed?.transcript ?? "", rated: true };
            this.persist();
            this.render();
          } catch (err) {
            const text = err instanceof OfflineError ? this.t.offlineBanner : err instanceof ServerError ? err.text : err instanceof Error ? err.message : String(err);
            if (!(err instanceof ServerError && questions.showServerError(text))) error.textContent = text;
            submit.disabled = false;
          }
        },
      },
      h("div", { class: "notice", role: "status", "data-reason": this.saved.closed?.idle ? "idle" : "" }, this.saved.closed?.idle ? this.t.closedIdle : this.t.chatEnded),
      scale,
      comment ? h("label", {}, this.t.comment, comment) : null,
      questions.el,
      error,
      submit,
    );
    // A form of its own (forms do not nest), between the rating and the way out.
    this.setBody(
      form,
      ...(this.mailsTranscripts() ? [this.transcriptForm(conv)] : []),
      h("div", { class: "card" },
        h("button", { class: "link", type: "button", onclick: () => this.downloadTranscript() }, this.t.download),
        h("button", { class: "link", type: "button", onclick: () => this.restart() }, this.t.newChat)),
    );
  }

  private restart(focus = true): void {
    if (this.conv) this.client.forget(this.conv);
    this.conv = "";
    this.saved.conversationId = undefined;
    this.saved.closed = undefined;
    this.saved.emailed = undefined;
    this.saved.department = undefined;
    this.saved.lead = undefined;
    this.saved.outbox = [];
    this.queue = undefined;
    this.agentName = "";
    this.offlineChoice = false;
    this.typing.reset();
    this.phase = "prechat";
    this.persist();
    this.render();
    if (focus) this.body.querySelector<HTMLElement>("input")?.focus();
  }
}

function roleName(r: Role): string {
  return { [Role.VISITOR]: "visitor", [Role.AGENT]: "agent", [Role.SUPERVISOR]: "supervisor", [Role.ADMIN]: "admin", [Role.SYSTEM]: "system" }[r as number] ?? "agent";
}

function policyKey(p: FilePolicy | undefined): string {
  return p ? `${p.maxBytes} ${p.types.join(",")}` : "";
}

function savedFile(a: AttachmentInfo): SavedFile {
  const { preview, ...rest } = a;
  return preview ? { ...rest, preview: toBase64(preview) } : rest;
}

function loadedFile(f: SavedFile): AttachmentInfo {
  const { preview, ...rest } = f;
  return preview ? { ...rest, preview: fromBase64(preview) } : rest;
}
