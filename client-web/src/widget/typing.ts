// The visitor's typing state as the agent sees it. Without sneak peek: typing:true when keys go
// (again every 3 s at most, so the agent's 8 s indicator does not lapse mid-sentence) and
// typing:false after 4 s without a keystroke or when the message goes out. With sneak peek the
// draft (peek.ts) says "typing" itself, and the same 4 s idle stop ends it: a visitor who walked
// away from a half-typed line is not typing, and the next keystroke sends the draft again.
import { DraftSender } from "./peek.js";

export const TYPING_REPEAT_MS = 3000;
export const TYPING_IDLE_MS = 4000;

export interface TypingNotifierOptions {
  /** Sends Typing{typing, draft} ("" without sneak peek). */
  send: (typing: boolean, draft: string) => void;
  now?: () => number;
}

export class TypingNotifier {
  /** When the last plain typing:true went out (0: staff were told nothing, or "stopped"). */
  private sentAt = 0;
  private idle?: ReturnType<typeof setTimeout>;
  private readonly draft: DraftSender;
  private readonly now: () => number;

  constructor(private readonly opts: TypingNotifierOptions) {
    this.now = opts.now ?? (() => Date.now());
    this.draft = new DraftSender({ send: (d) => opts.send(d !== "", d), now: this.now });
  }

  /** A keystroke: the box now holds `text`; `peek` says whether sneak peek applies right now. */
  input(text: string, peek: boolean): void {
    if (peek) {
      // The draft carries "typing"; a plain typing:true sent before (while queued) needs no
      // second "stopped" of its own.
      this.sentAt = 0;
      this.draft.update(text);
    } else {
      const now = this.now();
      if (now - this.sentAt > TYPING_REPEAT_MS) {
        this.sentAt = now;
        this.opts.send(true, "");
      }
    }
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stop(), TYPING_IDLE_MS);
  }

  /** Idle, or the message went out: "stopped" once, whichever way "typing" was said. */
  stop(): void {
    clearTimeout(this.idle);
    this.idle = undefined;
    this.draft.stop();
    if (!this.sentAt) return;
    this.sentAt = 0;
    this.opts.send(false, "");
  }

  /** Forget everything without telling anyone: the chat ended, restarted, or lost its agent. */
  reset(): void {
    clearTimeout(this.idle);
    this.idle = undefined;
    this.sentAt = 0;
    this.draft.reset();
  }
}
