// Supervisors and admins in the agent console: the Live tab (every live chat of their
// departments, from the pushed Board), monitoring one of them (Watch: a read-only transcript
// that updates live, whispers as internal notes), barging in (BargeIn: then their messages reach
// the visitor), taking it over or assigning it to a colleague (Transfer); and in the Waiting tab
// picking a waiting visitor by hand (Take, Assign to…). Agents never see any of it: the signed-in
// role (the account's, else the token's) decides; the server refuses them all of it anyway.
// Also the departments' waiting targets (GET /api/departments, any staff) for the urgency marks.
import { attachmentView, englishAttachmentTexts } from "../lib/attachment_view.js";
import type { FileServer } from "../lib/attachments.js";
import { ServerError, type ChatClient } from "../lib/client.js";
import { FileCache } from "../lib/file_cache.js";
import { type Department, waitingTarget } from "../lib/departments.js";
import { formatDuration, formatTime, h } from "../lib/format.js";
import { EventKind, Role, type Board, type ServerEnvelope } from "../lib/proto.js";
import { ApiError, tokenRole, type Session } from "../lib/session.js";
import { TranscriptView } from "../lib/transcript.js";
import { openBanDialog } from "./ban_form.js";
import { boardView, type BoardView, type Colleague, type LiveConversation } from "./board.js";
import { draftAfterEvent, draftAfterTyping, peekLine, renderPeek } from "./peek.js";
import { staffEventText } from "./wording.js";

export type { Colleague, LiveConversation } from "./board.js";

/** Whether the signed-in user supervises: their account's role, else their token's (a Welcome
 * says ROLE_AGENT for all staff today; a SUPERVISOR or ADMIN there counts too). */
export function supervises(role: string | undefined, welcomeRole?: Role): boolean {
  return role === "supervisor" || role === "admin" || welcomeRole === Role.SUPERVISOR || welcomeRole === Role.ADMIN;
}

/** The team as the newest Board lists it (undefined: no Board yet). */
export function colleaguesOf(board: Board | undefined): Colleague[] | undefined {
  return board ? boardView(board, Date.now()).agents : undefined;
}

/** Colleagues who could take a chat: online and connected with a free slot. */
export function canTake(a: Colleague): boolean {
  return a.status === "online" && a.connected && a.active < a.capacity;
}

/** The colleagues to offer for a chat of `department` (not me), the free ones first, least loaded. */
export function colleaguesFor(all: Colleague[], department: string, me: string): Colleague[] {
  return all
    .filter((a) => a.id !== me && a.status !== "offline")
    .filter((a) => !department || !a.departments.length || a.departments.includes(department))
    .sort((a, b) => Number(canTake(b)) - Number(canTake(a)) || a.active / (a.capacity || 1) - b.active / (b.capacity || 1) || a.name.localeCompare(b.name));
}

export function colleagueLabel(a: Colleague): string {
  const why = a.status !== "online" ? ` (${a.status})` : !a.connected ? " (reconnecting)" : a.active >= a.capacity ? " (full)" : "";
  return `${a.name || a.id} — ${a.active}/${a.capacity} chats${why}`;
}

export interface SuperviseHost {
  client(): ChatClient | undefined;
  readonly session: Session;
  announce(text: string): void;
  /** The Live list or the tab's count changed. */
  renderList(): void;
  /** The monitor pane was rebuilt (the main area shows `pane` while the Live tab is on). */
  renderMain(): void;
  /** The supervisor now holds this chat (took it over, or took a waiting visitor): show it. */
  openChat(id: string): void;
  /** The server has /api/bans (protocol 5): the pane offers Ban visitor. */
  bansApi(): boolean;
  /** Where the monitored chat's files are fetched from. */
  readonly files: FileServer;
}

interface Monitored {
  id: string;
  visitor: string;
  agent: string;
  department: string;
  assignedMs: number;
}

const errText = (e: unknown) => (e instanceof ServerError ? e.text : e instanceof ApiError ? e.message : e instanceof Error ? e.message : String(e));

export class Supervision {
  /** The signed-in user supervises (their role says so, or their board lists live chats). */
  enabled = false;
  live?: { list: LiveConversation[]; skew: number; error?: string };
  private departments = new Map<string, Department>();
  private welcomeTargets = new Map<string, number>();
  private mon?: Monitored;
  private barged = new Set<string>();
  private closedConv = "";
  /** Sneak peek: the monitored visitor's unsent text. */
  private peek = "";
  /** What this supervisor banned from the monitored chat. */
  private banNotice = "";
  private view?: TranscriptView;
  /** The monitored chat's files (revoked when the monitoring ends). */
  private files?: FileCache;
  private listKey = "";
  /** Kept, not rebuilt by pushes: the main area while the Live tab is on. */
  readonly pane: HTMLElement = h("section", { class: "monitor-pane", "aria-label": "Monitored conversation" });
  private readonly dialog = h("dialog", { class: "dialog", "aria-labelledby": "assign-title" });

  constructor(private readonly host: SuperviseHost) {
    this.renderPane(false);
  }

  get monitoring(): string {
    return this.mon?.id ?? "";
  }

  private me(): string {
    return this.host.client()?.welcome?.userId ?? "";
  }

  /** After every Welcome: who we are (the role), the departments' targets, and the watch of the
   * monitored chat again (a new connection follows nothing). The Live list comes with the Board
   * the console asks for after the same Welcome. */
  async onWelcome(): Promise<void> {
    const w = this.host.client()?.welcome;
    this.welcomeTargets.clear();
    for (const d of w?.departmentStatus ?? []) if (d.waitingTargetSeconds) this.welcomeTargets.set(d.department, d.waitingTargetSeconds);
    void this.loadDepartments();
    const was = this.enabled;
    // The role changes only with a new token (an admin's edit renews it and reconnects).
    this.enabled = supervises(this.host.session.account?.role ?? tokenRole(this.host.session.token), w?.role);
    if (!this.enabled) this.live = undefined;
    if (was !== this.enabled) this.host.renderList();
    if (this.mon && this.enabled) {
      const id = this.mon.id;
      this.host.client()?.request({ case: "watch", value: { conversationId: id } }).catch((e: unknown) => this.onWatchError(id, e));
    }
  }

  /** Signed out or another sign-in: nothing of the last one stays. */
  reset(): void {
    this.enabled = false;
    this.live = undefined;
    this.mon = undefined;
    this.barged.clear();
    this.closedConv = "";
    this.listKey = "";
    this.renderPane();
  }

  async loadDepartments(): Promise<void> {
    try {
      const r = await this.host.session.call<{ departments?: Department[] }>("/api/departments");
      this.departments = new Map((r.departments ?? []).map((d) => [d.id, d]));
    } catch {
      /* the Welcome's targets, else the default */
    }
  }

  /** Seconds a visitor of `department` may wait before it is urgent. */
  targetOf(department: string): number {
    const d = this.departments.get(department);
    if (d?.waiting_target_seconds) return waitingTarget(d);
    return waitingTarget({ waiting_target_seconds: this.welcomeTargets.get(department) });
  }

  departmentName(id: string): string {
    return this.departments.get(id)?.display_name || id;
  }

  // ------------------------------------------------------------------ the Live list

  /** A new Board: its live chats are the Live list (each Board is whole). */
  onBoard(view: BoardView): void {
    // Only supervisors' and admins' boards list live chats: a token whose role we could not
    // read still gets the tab.
    if (view.live.length) this.enabled = true;
    if (!this.enabled) return;
    this.live = { list: view.live, skew: view.skew };
    // The tab's count, and the list when it is shown.
    this.host.renderList();
  }

  /** FollowBoard was refused (or the server has no board): said in the Live list. */
  boardFailed(text: string): void {
    if (!this.enabled) return;
    this.live = { list: this.live?.list ?? [], skew: this.live?.skew ?? 0, error: text };
    this.host.renderList();
  }

  /** The Live list into the sidebar; rebuilt only when it changed, else the times tick in place
   * (a keyboard user's focus on a button stays). */
  renderList(ul: HTMLUListElement): void {
    const live = this.live;
    if (!live) {
      this.listKey = "";
      ul.replaceChildren(h("li", { class: "empty muted" }, "Loading…"));
      return;
    }
    const now = Date.now() + live.skew;
    const key = JSON.stringify([live.error ?? "", this.monitoring, live.list.map((c) => [c.conversation_id, c.agent_id, c.visitor_name])]);
    if (key === this.listKey && ul.querySelector(".live-item, .empty")) {
      for (const li of ul.querySelectorAll<HTMLElement>(".live-item")) {
        const c = live.list.find((x) => x.conversation_id === li.dataset["conv"]);
        const since = li.querySelector(".since");
        if (c && since) since.textContent = `for ${formatDuration((now - c.assigned_ms) / 1000)}`;
      }
      return;
    }
    this.listKey = key;
    const rows: HTMLElement[] = [];
    if (live.error) rows.push(h("li", { class: "empty error", role: "alert" }, live.error));
    if (!live.list.length && !live.error) rows.push(h("li", { class: "empty muted" }, "No live conversations in your departments."));
    for (const c of live.list) {
      const mine = c.agent_id === this.me();
      const on = c.conversation_id === this.monitoring;
      const visitor = c.visitor_name || "Visitor";
      rows.push(h("li", { class: `live-item ${on ? "on" : ""}`, "data-conv": c.conversation_id },
        h("div", { class: "row" },
          h("strong", { class: "name" }, visitor),
          h("span", { class: "dept" }, this.departmentName(c.department))),
        h("div", { class: "row small" },
          h("span", { class: "agent" }, `with ${mine ? "you" : c.agent_name || c.agent_id || "—"}`),
          h("span", { class: "since muted", title: "Since it was assigned" }, `for ${formatDuration((now - c.assigned_ms) / 1000)}`)),
        h("div", { class: "row" },
          mine
            ? h("button", { class: "btn small-btn", type: "button", onclick: () => this.host.openChat(c.conversation_id) }, "Open")
            : h("button", {
                class: "btn small-btn", type: "button", "data-action": "monitor", "aria-pressed": String(on),
                "aria-label": `Monitor the chat of ${visitor} with ${c.agent_name || c.agent_id}`,
                onclick: () => void this.monitor(c),
              }, on ? "Monitoring" : "Monitor"))));
    }
    const focused = (document.activeElement as HTMLElement | null)?.closest?.<HTMLElement>(".live-item")?.dataset["conv"];
    ul.replaceChildren(...rows);
    if (focused) ul.querySelector<HTMLElement>(`.live-item[data-conv="${CSS.escape(focused)}"] button`)?.focus();
  }

  // ------------------------------------------------------------------ monitoring

  async monitor(c: LiveConversation): Promise<void> {
    const client = this.host.client();
    if (!client) return;
    if (this.mon && this.mon.id !== c.conversation_id) await this.stopMonitoring(false);
    this.mon = { id: c.conversation_id, visitor: c.visitor_name || "Visitor", agent: c.agent_name || c.agent_id, department: c.department, assignedMs: c.assigned_ms };
    this.closedConv = "";
    this.peek = "";
    this.banNotice = "";
    client.conversation(c.conversation_id);
    this.renderPane();
    this.host.renderList();
    try {
      await client.request({ case: "watch", value: { conversationId: c.conversation_id } });
      this.host.announce(`Monitoring the chat of ${this.mon?.visitor ?? "the visitor"}`);
    } catch (err) {
      this.onWatchError(c.conversation_id, err);
    }
    this.renderTranscript();
  }

  private onWatchError(id: string, err: unknown): void {
    if (this.mon?.id !== id) return;
    this.paneError(`Could not monitor: ${errText(err)}`);
    if (err instanceof ServerError && err.text.includes("closed")) this.markClosed(id);
  }

  /** Stops the watch (tells the server unless the chat is ours now). */
  async stopMonitoring(tell = true): Promise<void> {
    const m = this.mon;
    if (!m) return;
    this.mon = undefined;
    this.barged.delete(m.id);
    const client = this.host.client();
    if (tell && client) {
      await client.request({ case: "watch", value: { conversationId: m.id, stop: true } }).catch(() => {});
    }
    // The log stays only if the chat is also in the supervisor's own list.
    if (client && !this.host.client()?.conversation(m.id).items().some((i) => i.kind === EventKind.ASSIGNED && i.agentId === this.me())) client.forget(m.id);
    this.renderPane();
    this.host.renderList();
    this.host.announce("Stopped monitoring");
  }

  /** Pushes of the monitored chat: the transcript follows. */
  onPush(env: ServerEnvelope): void {
    const b = env.body;
    const id = this.mon?.id;
    if (!id) return;
    if (b.case === "event" && b.value.conversationId === id) {
      const had = this.peek;
      this.peek = draftAfterEvent(this.peek, b.value);
      if (had !== this.peek) this.renderPeek();
      if (b.value.kind === EventKind.CLOSED) this.markClosed(id);
      else if (b.value.kind === EventKind.BARGED_IN && b.value.senderId === this.me()) this.barged.add(id);
      this.renderTranscript();
    } else if (b.case === "typing" && b.value.conversationId === id) {
      this.peek = draftAfterTyping(this.peek, b.value);
      this.renderPeek();
    } else if (b.case === "assigned" && b.value.conversationId === id && b.value.agentId === this.me()) {
      // Ours now (taken over here, or assigned to us by someone): it lives in Chats.
      this.mon = undefined;
      this.renderPane();
      this.host.renderList();
    }
  }

  private markClosed(id: string): void {
    if (this.closedConv === id) return;
    this.closedConv = id;
    this.renderPane();
  }

  private renderPeek(): void {
    const el = this.pane.querySelector<HTMLElement>(".peek");
    if (el) renderPeek(el, this.mon?.visitor ?? "Visitor", this.peek);
  }

  private paneError(text: string): void {
    const p = this.pane.querySelector<HTMLElement>(".monitor-error");
    if (p) p.textContent = text;
    this.host.announce(text);
  }

  private renderTranscript(): void {
    const id = this.mon?.id;
    const client = this.host.client();
    if (!id || !client || !this.view) return;
    this.view.update(client.conversation(id));
    const scroll = this.pane.querySelector(".scroll");
    if (scroll) scroll.scrollTop = scroll.scrollHeight;
  }

  private renderPane(notify = true): void {
    const m = this.mon;
    this.view = undefined;
    // Kept while the same chat is shown again (a barge-in rebuilds the pane), else given back.
    if (this.filesConv && this.filesConv !== m?.id) this.dropFiles();
    if (!m) {
      this.pane.replaceChildren(h("div", { class: "placeholder muted" }, "Live conversations of your departments are listed on the left. Monitor one to read along, whisper to its agent, barge in or take it over."));
      if (notify) this.host.renderMain();
      return;
    }
    const closed = this.closedConv === m.id;
    const barged = this.barged.has(m.id);
    const ol = h("ol", { class: "log", role: "log", "aria-label": `Monitored messages with ${m.visitor}` });
    this.view = new TranscriptView(ol, {
      you: "You", other: m.visitor,
      status: { queued: "Waiting to send", sent: "Sent", delivered: "Delivered", read: "Read", failed: "Not sent" },
      system: (item) => staffEventText(item),
      note: (item) => `Internal note · ${item.senderName || item.senderId || "staff"}`,
      senders: true,
      attachment: (a) => attachmentView(a, this.filesFor(m.id)!, englishAttachmentTexts),
    });
    const input = h("textarea", { id: "whisper", rows: "2", "aria-label": barged ? "Message" : "Whisper to the agent", placeholder: barged ? "Write to the visitor, or whisper to the agent" : "Whisper to the agent — the visitor does not see it", disabled: closed });
    const send = (note: boolean) => {
      const text = input.value;
      const client = this.host.client();
      if (!text.trim() || !client) return;
      input.value = "";
      client.sendMessage(m.id, text, undefined, { note }).then(
        () => this.renderTranscript(),
        (err: unknown) => {
          this.paneError(`Not sent: ${errText(err)}`);
          this.renderTranscript();
        },
      );
      this.renderTranscript();
      input.focus();
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        send(!barged);
      }
    });
    const form = h("form", { class: "composer whisper", onsubmit: (e: Event) => { e.preventDefault(); send(true); } },
      h("div", { class: "compose-box" }, input),
      h("button", { class: "btn note-toggle", type: "submit", id: "send-whisper", disabled: closed }, "Whisper"),
      barged ? h("button", { class: "btn primary", type: "button", id: "send-visitor", disabled: closed, onclick: () => send(false) }, "Send to visitor") : null);
    this.pane.replaceChildren(
      h("header", { class: "conv-head" },
        h("div", {},
          h("h2", {}, `Monitoring: ${m.visitor}`),
          h("div", { class: "muted small" }, `${this.departmentName(m.department)} · with ${m.agent || "—"} · assigned ${formatTime(m.assignedMs)}`),
          h("div", { class: "mon-state small", role: "status" }, closed ? "This conversation is closed." : barged ? "You are in the chat: the visitor sees your messages." : "Read-only: the visitor does not know you are here.")),
        h("div", { class: "actions" },
          h("button", { class: "btn", type: "button", id: "barge-in", disabled: closed || barged, onclick: () => void this.bargeIn(m.id) }, barged ? "Barged in" : "Barge in"),
          h("button", { class: "btn", type: "button", id: "take-over", disabled: closed, onclick: () => void this.take(m.id) }, "Take over"),
          h("button", { class: "btn", type: "button", id: "assign-live", disabled: closed, onclick: () => this.openAssign(m.id, m.department, m.visitor) }, "Assign to…"),
          this.host.bansApi() ? h("button", { class: "btn danger", type: "button", id: "ban-monitored", disabled: closed, onclick: () => this.ban(m) }, "Ban visitor") : null,
          h("button", { class: "btn", type: "button", id: "stop-monitoring", onclick: () => void this.stopMonitoring(!closed) }, "Stop monitoring"))),
      ...(this.banNotice ? [h("p", { class: "ban-notice", role: "status" }, this.banNotice)] : []),
      h("div", { class: "scroll" }, ol, peekLine()),
      h("p", { class: "monitor-error error small", role: "alert" }),
      form,
    );
    this.renderTranscript();
    this.renderPeek();
    if (notify) this.host.renderMain();
  }

  private filesConv = "";

  /** The file cache of the monitored chat `id` (made on first use). */
  private filesFor(id: string | undefined): FileCache | undefined {
    if (!id) return undefined;
    if (!this.files || this.filesConv !== id) {
      this.files = new FileCache(this.host.files);
      this.filesConv = id;
    }
    return this.files;
  }

  private dropFiles(): void {
    this.files?.revokeAll();
    this.files = undefined;
    this.filesConv = "";
  }

  /** Ban the monitored chat's visitor (the server checks the supervisor's departments). The
   * pane has no visitor context: whether they gave an email is the server's to know. */
  private ban(m: Monitored): void {
    openBanDialog({
      session: this.host.session,
      conversationId: m.id,
      visitorName: m.visitor,
      onBanned: (notice) => {
        if (this.mon?.id !== m.id) return;
        this.banNotice = notice;
        this.host.announce(notice);
        this.renderPane();
      },
    });
  }

  // ------------------------------------------------------------------ actions

  async bargeIn(id: string): Promise<void> {
    const client = this.host.client();
    if (!client) return;
    try {
      await client.request({ case: "bargeIn", value: { conversationId: id } });
      this.barged.add(id);
      this.host.announce("You joined the chat: the visitor sees your messages");
      this.renderPane();
      this.pane.querySelector<HTMLTextAreaElement>("#whisper")?.focus();
    } catch (err) {
      this.paneError(`Could not barge in: ${errText(err)}`);
    }
  }

  /** Transfer to myself: take over a live chat, or take a waiting visitor by hand. */
  async take(id: string): Promise<boolean> {
    const client = this.host.client();
    const me = this.me();
    if (!client || !me) return false;
    // A watch is a follow, and the server pushes no Assigned to a session that already follows
    // the chat: the watch ends first (re-opened if the take fails).
    const watching = this.mon?.id === id;
    try {
      if (watching) await client.request({ case: "watch", value: { conversationId: id, stop: true } });
      await client.request({ case: "transfer", value: { conversationId: id, toAgentId: me, toDepartment: "", note: "" } });
    } catch (err) {
      const text = `Could not take the chat: ${errText(err)}`;
      if (watching) client.request({ case: "watch", value: { conversationId: id } }).catch(() => {});
      if (this.mon?.id === id) this.paneError(text);
      else this.host.announce(text);
      return false;
    }
    if (this.mon?.id === id) {
      this.mon = undefined;
      this.barged.delete(id);
      this.renderPane();
    }
    this.host.announce("The chat is yours now");
    this.host.openChat(id);
    return true;
  }

  /** Whether the Waiting tab offers Take and Assign to… */
  queueActions(w: { conversation_id: string; department: string; visitor_name: string }): HTMLElement | null {
    if (!this.enabled) return null;
    const who = w.visitor_name || "visitor";
    return h("div", { class: "row queue-actions" },
      h("button", { class: "btn small-btn", type: "button", "data-action": "take", "aria-label": `Take ${who}`, onclick: () => void this.take(w.conversation_id) }, "Take"),
      h("button", { class: "btn small-btn", type: "button", "data-action": "assign", "aria-label": `Assign ${who} to…`, onclick: () => this.openAssign(w.conversation_id, w.department, who) }, "Assign to…"));
  }

  /** A dialog: the online colleagues of the chat's department with their load; Assign. */
  openAssign(id: string, department: string, visitor: string): void {
    const agent = h("select", { id: "assign-agent", "aria-describedby": "assign-help" }, h("option", { value: "" }, "Loading colleagues…"));
    const help = h("p", { id: "assign-help", class: "muted small" }, "Online colleagues with a free slot can take the chat.");
    const err = h("p", { class: "error", role: "alert" });
    // The team comes with every Board: the list follows while the dialog is open.
    const fill = () => {
      const team = colleaguesOf(this.host.client()?.board);
      if (!team) return;
      const list = colleaguesFor(team, department, this.me());
      const keep = agent.value;
      const free = list.filter(canTake).length;
      agent.replaceChildren(
        h("option", { value: "" }, free ? "— choose a colleague —" : "— nobody online with a free slot —"),
        ...list.map((a) => h("option", { value: a.id, disabled: !canTake(a), "data-agent": a.id }, colleagueLabel(a))),
      );
      if (keep && list.some((a) => a.id === keep && canTake(a))) agent.value = keep;
      help.textContent = `${free} of ${list.length} colleagues in ${this.departmentName(department)} can take the chat.`;
    };
    fill();
    const off = this.host.client()?.on("board", fill);
    this.dialog.addEventListener("close", () => off?.(), { once: true });
    this.dialog.replaceChildren(
      h("form", {
        method: "dialog",
        class: "transfer",
        onsubmit: async (e: Event) => {
          e.preventDefault();
          const client = this.host.client();
          if (!agent.value) {
            err.textContent = "Choose a colleague.";
            return;
          }
          if (!client) return;
          try {
            await client.request({ case: "transfer", value: { conversationId: id, toAgentId: agent.value, toDepartment: "", note: "" } });
            this.dialog.close();
            const name = agent.selectedOptions[0]?.textContent?.split(" — ")[0] ?? agent.value;
            this.host.announce(`Assigned to ${name}`);
            if (this.mon?.id === id) void this.stopMonitoring();
          } catch (e2) {
            err.textContent = errText(e2);
          }
        },
      },
        h("h2", { id: "assign-title" }, `Assign ${visitor}`),
        h("label", { for: "assign-agent" }, "To agent"), agent, help,
        err,
        h("div", { class: "actions" },
          h("button", { class: "btn", type: "button", onclick: () => this.dialog.close() }, "Cancel"),
          h("button", { class: "btn primary", type: "submit", id: "do-assign" }, "Assign"))),
    );
    if (!this.dialog.isConnected) document.body.append(this.dialog);
    this.dialog.showModal();
    agent.focus();
  }
}
