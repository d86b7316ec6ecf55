// Sneak peek, the visitor's side: when the Welcome offers it (an operator's setting), the text in
// the box goes to the conversation's staff while the visitor types, before it is sent. Throttled:
// the server drops drafts that come faster than 4 a second, so at most one every 400 ms, with a
// trailing send so the last state (the newest text, or the box emptied) always arrives.
import { cutUtf8 } from "../lib/utf8.js";

/** The server's limit on Typing.draft. */
export const MAX_DRAFT_BYTES = 1000;
export const DRAFT_INTERVAL_MS = 400;

/** The draft as sent: at most 1,000 bytes of UTF-8, cut between characters. */
export function cutDraft(text: string): string {
  return cutUtf8(text, MAX_DRAFT_BYTES);
}

export interface DraftSenderOptions {
  /** Sends Typing{typing: draft !== "", draft}. */
  send: (draft: string) => void;
  intervalMs?: number;
  now?: () => number;
}

export class DraftSender {
  /** What staff were last told ("" = not typing). */
  private sent = "";
  private sentAt = -Infinity;
  /** The newest text not sent yet (undefined: nothing waits). */
  private next?: string;
  private timer?: ReturnType<typeof setTimeout>;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: DraftSenderOptions) {
    this.intervalMs = opts.intervalMs ?? DRAFT_INTERVAL_MS;
    this.now = opts.now ?? (() => Date.now());
  }

  /** The box now holds `text` (empty: the visitor cleared it; staff are told, throttled too). */
  update(text: string): void {
    this.next = cutDraft(text);
    const wait = this.sentAt + this.intervalMs - this.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait);
  }

  /** The message was sent (or the chat left): nothing trails, and staff hear "stopped" at once
   * (if the server drops it as too quick, the message itself ends the draft on their side). */
  stop(): void {
    this.cancel();
    if (this.sent === "") return;
    this.transmit("");
  }

  /** Drops what waits without telling anyone (the conversation ended). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.next = undefined;
  }

  /** Forget what staff were told: a new conversation, or a new connection (which told nothing). */
  reset(): void {
    this.cancel();
    this.sent = "";
    this.sentAt = -Infinity;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const text = this.next;
    this.next = undefined;
    if (text === undefined || text === this.sent) return;
    this.transmit(text);
  }

  private transmit(text: string): void {
    this.sent = text;
    this.sentAt = this.now();
    this.opts.send(text);
  }
}
