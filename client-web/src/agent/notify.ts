// Tells the agent about new chats and messages so that none is missed:
// - the unread total in the title, "(3) Agent console";
// - a flashing title ("● New chat — Vera" alternating with the count) while a chat is unattended;
// - a short chime (Web Audio, no asset) that repeats every few seconds while a chat is unattended;
// - desktop notifications (Notification API), once the agent allowed them from a button: the
//   permission is only ever asked from a user gesture, never on load.
export type NotifyPermission = NotificationPermission | "unsupported";

export class Notifier {
  sound = true;
  /** Period of the repeated chime and of the title flashing. */
  repeatMs = 4000;
  flashMs = 1000;
  private ctx?: AudioContext;
  private lastChime = 0;
  private count = 0;
  private flashText = "";
  private flashOn = false;
  private flashTimer?: ReturnType<typeof setInterval>;
  private repeatTimer?: ReturnType<typeof setInterval>;

  constructor(private readonly baseTitle: string) {
    document.title = baseTitle;
  }

  setCount(n: number): void {
    this.count = n;
    this.applyTitle();
  }

  private countTitle(): string {
    return this.count > 0 ? `(${this.count}) ${this.baseTitle}` : this.baseTitle;
  }

  private applyTitle(): void {
    const t = this.flashText && this.flashOn ? this.flashText : this.countTitle();
    if (document.title !== t) document.title = t;
  }

  /** Alternates the title with `text` until called with "" (nothing unattended any more). */
  setFlash(text: string): void {
    if (text === this.flashText) return;
    this.flashText = text;
    clearInterval(this.flashTimer);
    this.flashTimer = undefined;
    this.flashOn = !!text;
    if (text) {
      this.flashTimer = setInterval(() => {
        this.flashOn = !this.flashOn;
        this.applyTitle();
      }, this.flashMs);
    }
    this.applyTitle();
  }

  /** Chimes now and every repeatMs until stopRepeating(). */
  startRepeating(): void {
    if (this.repeatTimer) return;
    this.chime();
    this.repeatTimer = setInterval(() => this.chime(true), this.repeatMs);
  }

  stopRepeating(): void {
    clearInterval(this.repeatTimer);
    this.repeatTimer = undefined;
  }

  get repeating(): boolean {
    return this.repeatTimer !== undefined;
  }

  /** One chime (throttled: a burst of messages is one sound). */
  alert(_what: string): void {
    this.chime();
  }

  chime(force = false): void {
    if (!this.sound || (!force && Date.now() - this.lastChime < 800)) return;
    this.lastChime = Date.now();
    try {
      this.ctx ??= new AudioContext();
      if (this.ctx.state === "suspended") void this.ctx.resume().catch(() => {});
      const now = this.ctx.currentTime;
      for (const [i, freq] of [880, 1320].entries()) {
        const osc = this.ctx.createOscillator();
        const gain = this.ctx.createGain();
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, now + i * 0.12);
        gain.gain.exponentialRampToValueAtTime(0.15, now + i * 0.12 + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.12 + 0.25);
        osc.connect(gain).connect(this.ctx.destination);
        osc.start(now + i * 0.12);
        osc.stop(now + i * 0.12 + 0.3);
      }
    } catch {
      /* no audio device: the title still flashes */
    }
  }

  // ---------------------------------------------------------------- desktop notifications

  get permission(): NotifyPermission {
    return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
  }

  /** Asks for the permission; call it only from a click (browsers ignore it otherwise). */
  async requestPermission(): Promise<NotifyPermission> {
    if (typeof Notification === "undefined") return "unsupported";
    try {
      return await Notification.requestPermission();
    } catch {
      return Notification.permission;
    }
  }

  /** A desktop notification when allowed; clicking it focuses the console and calls onClick. */
  notify(title: string, body: string, tag: string, onClick?: () => void): void {
    if (this.permission !== "granted") return;
    try {
      const n = new Notification(title, { body, tag });
      n.onclick = () => {
        window.focus();
        onClick?.();
        n.close();
      };
    } catch {
      /* e.g. Android Chrome: only service-worker notifications; the title and sound remain */
    }
  }
}
