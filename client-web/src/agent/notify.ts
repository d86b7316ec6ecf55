// Tells the agent about new chats and messages: "(3) Agent console" in the title and a short
// chime (Web Audio, no asset) when the page is hidden or another conversation is open.
export class Notifier {
  sound = true;
  private ctx?: AudioContext;
  private lastChime = 0;

  constructor(private readonly baseTitle: string) {
    document.title = baseTitle;
  }

  setCount(n: number): void {
    document.title = n > 0 ? `(${n}) ${this.baseTitle}` : this.baseTitle;
  }

  alert(_what: string): void {
    if (!this.sound || Date.now() - this.lastChime < 800) return;
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
      /* no audio device: the title badge still shows */
    }
  }
}
