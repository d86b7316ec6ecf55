// One conversation as a client has seen it: events by seq (deduplicated), the caller's own
// messages that are not yet acknowledged, and the other side's receipts.
import { attachmentOf, type AttachmentInfo } from "./attachments.js";
import { EventKind, ReceiptKind, Role, type ChatEvent } from "./proto.js";

/** The server closed it because the visitor stayed silent after the idle prompt. */
export function isIdleClose(e: { kind: EventKind; role: Role; senderId: string }): boolean {
  return e.kind === EventKind.CLOSED && e.role === Role.SYSTEM && e.senderId === "idle";
}

export type OwnStatus = "queued" | "sent" | "delivered" | "read" | "failed";

export interface LogItem {
  /** Persisted sequence number; undefined while an own message waits for its Ack. */
  seq?: number;
  clientMsgId: string;
  kind: EventKind;
  role: Role;
  senderId: string;
  senderName: string;
  text: string;
  atMs: number;
  agentId: string;
  department: string;
  /** Sent by this client's user (this visitor, or this agent). */
  own: boolean;
  failed?: boolean;
  /** A file sent with the message (its text is then the caption, maybe empty). */
  attachment?: AttachmentInfo;
  /** NAVIGATED (staff only): the page's title; its URL is the text. */
  pageTitle?: string;
}

/** The department a conversation is in now: the last one its JOINED, TRANSFERRED or REQUEUED
 * entries name (a transfer to an agent names none), else `fallback`. */
export function departmentOf(items: readonly Pick<LogItem, "kind" | "department">[], fallback = ""): string {
  let dept = fallback;
  for (const i of items) {
    const moves = i.kind === EventKind.JOINED || i.kind === EventKind.TRANSFERRED || i.kind === EventKind.REQUEUED;
    if (moves && i.department) dept = i.department;
  }
  return dept;
}

export class ConversationLog {
  private readonly bySeq = new Map<number, LogItem>();
  private readonly pending: LogItem[] = [];
  private through = 0;
  /** Highest seq the other side has marked delivered / read. */
  deliveredByOther = 0;
  readByOther = 0;

  constructor(
    readonly id: string,
    readonly selfRole: Role,
    readonly selfId: string = "",
  ) {}

  /** Highest seq such that every seq up to it is known: the resume point. */
  get lastSeq(): number {
    return this.through;
  }

  get maxSeq(): number {
    let max = 0;
    for (const seq of this.bySeq.keys()) max = Math.max(max, seq);
    return max;
  }

  has(seq: number): boolean {
    return seq <= this.through || this.bySeq.has(seq);
  }

  private isOwn(role: Role, senderId: string): boolean {
    if (role !== this.selfRole) {
      // A supervisor (or admin) who barged in writes as ROLE_SUPERVISOR: still their own.
      const staff = (r: Role) => r === Role.AGENT || r === Role.SUPERVISOR || r === Role.ADMIN;
      return staff(role) && staff(this.selfRole) && !!this.selfId && senderId === this.selfId;
    }
    return this.selfRole === Role.VISITOR || !this.selfId || senderId === this.selfId;
  }

  /** Adds a pushed or replayed event. Returns false when its seq was already known. */
  add(ev: ChatEvent): boolean {
    const seq = Number(ev.seq);
    if (seq <= 0 || this.has(seq)) {
      // A replayed copy of a known event may still confirm an own pending message.
      if (ev.clientMsgId) this.dropPending(ev.clientMsgId);
      return false;
    }
    const item: LogItem = {
      seq,
      clientMsgId: ev.clientMsgId,
      kind: ev.kind,
      role: ev.senderRole,
      senderId: ev.senderId,
      senderName: ev.senderName,
      text: ev.text,
      atMs: Number(ev.atMs),
      agentId: ev.agentId,
      department: ev.department,
      own: ev.kind === EventKind.MESSAGE && this.isOwn(ev.senderRole, ev.senderId),
    };
    const attachment = attachmentOf(ev.attachment);
    if (attachment) item.attachment = attachment;
    if (ev.pageTitle) item.pageTitle = ev.pageTitle;
    if (ev.clientMsgId) {
      const p = this.dropPending(ev.clientMsgId);
      if (p) item.own = true;
    }
    this.bySeq.set(seq, item);
    this.advance();
    return true;
  }

  /** An own message typed locally: shown at once, sent when possible. */
  addPending(clientMsgId: string, text: string, name = "", atMs = Date.now(), kind: EventKind = EventKind.MESSAGE, attachment?: AttachmentInfo): LogItem {
    const existing = this.pending.find((p) => p.clientMsgId === clientMsgId);
    if (existing) return existing;
    for (const item of this.bySeq.values()) if (item.clientMsgId === clientMsgId) return item;
    const item: LogItem = {
      clientMsgId,
      kind,
      role: this.selfRole,
      senderId: this.selfId,
      senderName: name,
      text,
      atMs,
      agentId: "",
      department: "",
      own: true,
      ...(attachment ? { attachment } : {}),
    };
    this.pending.push(item);
    return item;
  }

  /** The server acknowledged an own message with its seq. */
  confirm(clientMsgId: string, seq: number, atMs?: number): void {
    const p = this.dropPending(clientMsgId);
    if (seq <= 0) return;
    if (this.bySeq.has(seq)) return;
    if (p) {
      p.seq = seq;
      if (atMs) p.atMs = atMs;
      p.failed = false;
      this.bySeq.set(seq, p);
    }
    this.advance();
  }

  markFailed(clientMsgId: string): void {
    const p = this.pending.find((x) => x.clientMsgId === clientMsgId);
    if (p) p.failed = true;
  }

  /** Seqs up to n are known without being shown (e.g. a visitor's own JOINED entry). */
  markKnownThrough(n: number): void {
    if (n > this.through) this.through = n;
    this.advance();
  }

  applyReceipt(kind: ReceiptKind, seq: number): void {
    if (kind === ReceiptKind.READ) {
      this.readByOther = Math.max(this.readByOther, seq);
      this.deliveredByOther = Math.max(this.deliveredByOther, seq);
    } else if (kind === ReceiptKind.DELIVERED) {
      this.deliveredByOther = Math.max(this.deliveredByOther, seq);
    }
  }

  status(item: LogItem): OwnStatus {
    if (item.seq === undefined) return item.failed ? "failed" : "queued";
    if (item.seq <= this.readByOther) return "read";
    if (item.seq <= this.deliveredByOther) return "delivered";
    return "sent";
  }

  /** Events in seq order, then own messages still waiting for their Ack. */
  items(): LogItem[] {
    const known = [...this.bySeq.values()].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    return [...known, ...this.pending];
  }

  pendingItems(): LogItem[] {
    return [...this.pending];
  }

  /** Highest seq of a message written by the other side (for receipts). */
  lastOtherMessageSeq(): number {
    let max = 0;
    for (const item of this.bySeq.values()) {
      if (item.kind === EventKind.MESSAGE && !item.own && item.seq! > max) max = item.seq!;
    }
    return max;
  }

  private dropPending(clientMsgId: string): LogItem | undefined {
    const i = this.pending.findIndex((p) => p.clientMsgId === clientMsgId);
    if (i < 0) return undefined;
    return this.pending.splice(i, 1)[0];
  }

  private advance(): void {
    while (this.bySeq.has(this.through + 1)) this.through++;
  }
}
