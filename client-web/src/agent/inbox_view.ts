// The Offline inbox's items: who wrote, their address (mailto: stays, for the agent's own mail
// program), the message, who answered it and when, and — when the server sends email — "Reply by
// email" (POST /api/offline-messages/{id}/reply; the server mails the text with the message
// quoted). Items are kept by id across re-renders: the console re-renders the list on many
// pushes, which must not take a half-written reply or its focus away.
import { h } from "../lib/format.js";
import type { OfflineMessage } from "../lib/proto.js";
import { ApiError, type Session } from "../lib/session.js";
import { answeredLine, MAX_REPLY_BYTES, replyBody, replyPath, whenText, type ReplySent } from "./inbox.js";

export interface InboxHost {
  readonly session: Session;
  /** The console's Welcome said this server sends email (email_transcripts). */
  mails(): boolean;
  /** An agent's display name when the console knows it (the team on the board, oneself). */
  name(id: string): string | undefined;
  announce(text: string): void;
}

interface Item {
  msg: OfflineMessage;
  li: HTMLLIElement;
  answered: HTMLElement;
  /** Local clock of this console's own last reply ("just now"). */
  ownAtMs?: number;
}

const errText = (e: unknown) => {
  if (e instanceof ApiError) {
    if (e.status === 404 && !e.code) return "This server cannot send replies; it needs an update.";
    return e.message;
  }
  return e instanceof Error ? `Could not reach the server: ${e.message}` : String(e);
};

export class InboxView {
  private readonly items = new Map<string, Item>();
  /** mails() when the items were built: a Welcome that says otherwise builds them again. */
  private builtFor?: boolean;

  constructor(private readonly host: InboxHost) {}

  /** Fills `list` with the messages; items already shown are kept as they are (a reply being
   * typed, an error shown), only their "answered" line follows the server. */
  render(list: HTMLElement, messages: OfflineMessage[]): void {
    const mails = this.host.mails();
    if (this.builtFor !== mails) this.items.clear();
    this.builtFor = mails;
    if (!messages.length) {
      this.items.clear();
      list.replaceChildren(h("li", { class: "empty muted" }, "No offline messages."));
      return;
    }
    const nodes = messages.map((m) => {
      let item = this.items.get(m.id);
      if (!item) {
        item = this.build(m);
        this.items.set(m.id, item);
      } else if (Number(m.repliedAtMs) >= Number(item.msg.repliedAtMs)) {
        // A reload of the list; a reply sent here meanwhile is not overwritten by an older list.
        item.msg = m;
      }
      this.showAnswered(item);
      return item.li;
    });
    for (const id of [...this.items.keys()]) if (!messages.some((m) => m.id === id)) this.items.delete(id);
    // Nodes moved or replaced only when the list changed: a focused textarea would lose focus.
    const same = list.children.length === nodes.length && nodes.every((n, i) => list.children[i] === n);
    if (!same) list.replaceChildren(...nodes);
  }

  private showAnswered(item: Item): void {
    const text = answeredLine(
      { atMs: Number(item.msg.repliedAtMs), by: item.msg.repliedBy, ownAtMs: item.ownAtMs },
      { now: Date.now(), name: (id) => this.host.name(id) },
    );
    if (item.answered.textContent !== text) item.answered.textContent = text;
    item.answered.hidden = !text;
    item.li.classList.toggle("answered", !!text);
  }

  private build(m: OfflineMessage): Item {
    const answered = h("div", { class: "answered muted small", "data-testid": "inbox-answered" });
    const li = h("li", { class: "inbox-item", "data-id": m.id },
      h("div", { class: "row" }, h("strong", {}, m.displayName || "Visitor"), h("span", { class: "muted" }, Number(m.atMs) ? whenText(Number(m.atMs), Date.now()) : "")),
      h("div", {}, h("a", { href: `mailto:${m.email}` }, m.email), " · ", m.department),
      h("p", { dir: "auto" }, m.text),
      answered);
    const item: Item = { msg: m, li, answered };
    if (this.host.mails() && m.email) li.append(...this.replyForm(item));
    return item;
  }

  /** "Reply by email" and the form it opens (text, Send reply, Cancel). */
  private replyForm(item: Item): HTMLElement[] {
    const id = item.msg.id;
    const formId = `reply-${id}`;
    const text = h("textarea", { id: `reply-text-${id}`, rows: "4", required: true, maxlength: String(MAX_REPLY_BYTES) });
    const err = h("div", { class: "error", role: "alert" });
    const send = h("button", { class: "btn primary small-btn", type: "submit" }, "Send reply");
    const open = h("button", { class: "btn small-btn reply-open", type: "button", "aria-expanded": "false", "aria-controls": formId }, "Reply by email");
    const form = h("form", {
      class: "reply-form", id: formId, hidden: true,
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const { body, error } = replyBody(text.value);
        if (!body) {
          err.textContent = error ?? "";
          return;
        }
        send.disabled = true;
        err.textContent = "";
        try {
          const r = await this.host.session.call<ReplySent>(replyPath(id), { body });
          item.msg.repliedAtMs = BigInt(r.replied_at_ms || Date.now());
          item.msg.repliedBy = r.replied_by;
          item.ownAtMs = Date.now();
          text.value = "";
          toggle(false);
          this.showAnswered(item);
          this.host.announce(`Reply sent to ${r.to || item.msg.email}`);
          open.focus();
        } catch (e2) {
          err.textContent = errText(e2);
        } finally {
          send.disabled = false;
        }
      },
    },
      h("label", { for: text.id }, `Reply to ${item.msg.email}`),
      text,
      err,
      h("div", { class: "actions" },
        send,
        h("button", { class: "btn small-btn", type: "button", onclick: () => { toggle(false); open.focus(); } }, "Cancel")));
    const toggle = (on: boolean) => {
      form.hidden = !on;
      open.hidden = on;
      open.setAttribute("aria-expanded", String(on));
      if (on) text.focus();
      else err.textContent = "";
    };
    open.addEventListener("click", () => toggle(true));
    return [open, form];
  }
}
