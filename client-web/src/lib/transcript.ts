// Renders a ConversationLog into an <ol role="log"> incrementally: existing rows are kept (so a
// screen reader does not re-read them) and only their receipt marks change.
import { fileLabel, type AttachmentInfo } from "./attachments.js";
import type { ConversationLog, LogItem, OwnStatus } from "./conversation.js";
import { formatTime, h } from "./format.js";
import { EventKind, Role } from "./proto.js";

export interface TranscriptLabels {
  you: string;
  other: string;
  status: Record<OwnStatus, string>;
  /** Text of a non-message event, or undefined to hide it. */
  system: (item: LogItem) => string | undefined;
  locale?: string;
  /** Staff views: the heading of an internal note ("Internal note · Alice"); without it notes are
   * not shown (a visitor never gets them anyway). */
  note?: (item: LogItem) => string;
  /** Name the sender under every message (a supervisor's view of someone else's chat). */
  senders?: boolean;
  /** A file sent with a message (attachment_view.ts); without it, the file's name in words. */
  attachment?: (a: AttachmentInfo, item: LogItem) => Node;
  /** Lines shown before the conversation's own (the widget's: an accepted invitation's greeting). */
  lead?: () => LogItem[];
}

const roleNames: Partial<Record<Role, string>> = { [Role.VISITOR]: "visitor", [Role.AGENT]: "agent", [Role.SUPERVISOR]: "supervisor", [Role.ADMIN]: "admin", [Role.SYSTEM]: "system" };

const glyphs: Record<OwnStatus, string> = { queued: "◷", sent: "✓", delivered: "✓✓", read: "✓✓", failed: "!" };

export class TranscriptView {
  private readonly rows = new Map<string, HTMLLIElement>();

  constructor(
    readonly el: HTMLOListElement,
    private readonly labels: TranscriptLabels,
  ) {}

  clear(): void {
    this.rows.clear();
    this.el.replaceChildren();
  }

  update(log: ConversationLog): void {
    const keep = new Set<string>();
    let index = 0;
    for (const item of [...(this.labels.lead?.() ?? []), ...log.items()]) {
      const key = item.clientMsgId || `s${item.seq}`;
      let li = this.rows.get(key);
      if (!li) {
        const made = this.row(item);
        if (!made) continue;
        li = made;
        this.rows.set(key, li);
      }
      keep.add(key);
      this.marks(li, item, log);
      if (this.el.children[index] !== li) this.el.insertBefore(li, this.el.children[index] ?? null);
      index++;
    }
    for (const [key, li] of this.rows) {
      if (!keep.has(key)) {
        li.remove();
        this.rows.delete(key);
      }
    }
  }

  private row(item: LogItem): HTMLLIElement | undefined {
    if (item.kind === EventKind.NOTE) {
      if (!this.labels.note) return undefined;
      return h(
        "li",
        { class: `note ${item.own ? "own" : ""}`, "data-seq": String(item.seq ?? ""), "data-kind": "note" },
        h("div", { class: "note-head" }, this.labels.note(item)),
        h("div", { class: "note-text", dir: "auto" }, item.text),
        h("div", { class: "meta" }, h("time", {}, formatTime(item.atMs, this.labels.locale))),
      );
    }
    if (item.kind !== EventKind.MESSAGE) {
      const text = this.labels.system(item);
      if (text === undefined) return undefined;
      return h("li", { class: "sys", "data-seq": String(item.seq ?? "") }, text);
    }
    const who = item.own ? this.labels.you : item.senderName || this.labels.other;
    const a = item.attachment;
    const file = a ? (this.labels.attachment?.(a, item) ?? h("div", { class: "att" }, fileLabel(a, this.labels.locale))) : null;
    return h(
      "li",
      { class: `msg ${item.own ? "own" : "other"}${a ? " has-file" : ""}`, "data-seq": String(item.seq ?? ""), "data-role": roleNames[item.role] },
      h("span", { class: "sr" }, `${who}: `),
      file,
      // A file's caption may be empty: then no empty bubble under it.
      a && !item.text ? null : h("div", { class: "bubble", dir: "auto" }, item.text),
      h("div", { class: "meta" },
        this.labels.senders ? h("span", { class: "sender", dir: "auto" }, who) : null,
        h("time", {}, formatTime(item.atMs, this.labels.locale)), h("span", { class: "mark" })),
    );
  }

  private marks(li: HTMLLIElement, item: LogItem, log: ConversationLog): void {
    if (item.seq !== undefined) li.dataset["seq"] = String(item.seq);
    if (!item.own || item.kind !== EventKind.MESSAGE) return;
    const status = log.status(item);
    if (li.dataset["status"] === status) return;
    li.dataset["status"] = status;
    li.classList.toggle("pending", status === "queued" || status === "failed");
    const mark = li.querySelector<HTMLElement>(".mark");
    if (mark) {
      // The glyphs mean nothing read aloud ("check mark check mark"): screen readers get words.
      mark.replaceChildren(
        h("span", { "aria-hidden": "true" }, glyphs[status]),
        h("span", { class: "sr" }, this.labels.status[status]),
      );
      mark.className = `mark ${status}`;
      mark.title = this.labels.status[status];
    }
    const time = li.querySelector("time");
    if (time) time.textContent = formatTime(item.atMs, this.labels.locale);
  }
}
