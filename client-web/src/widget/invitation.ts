// Proactive invitations, the visitor's side (protocol 9): an agent (or one of the department's
// rules, in an available agent's name) invites the visitor to chat, and the host page may do so
// itself (window.LiveChat.invite, no server round trip). The widget shows one card at a time by
// the launcher — "Alice from Billing", the greeting, Reply and No thanks — until it is answered
// or it expires (Invitation.expires_at_ms, the server's clock: the Welcome's server_time_ms gives
// the offset). The server pushes a pending invitation again on every page: a card already shown,
// or one already answered (kept in localStorage), is not shown again.
import { h } from "../lib/format.js";
import type { Invitation } from "../lib/proto.js";

export const INVITATIONS_PROTOCOL = 9;
/** How many answered invitation ids are remembered. */
export const MAX_REMEMBERED = 20;

export type InvitationSource = "agent" | "rule" | "site";

export interface InvitationInfo {
  /** "" for one the host page made (window.LiveChat.invite): nothing to tell the server. */
  id: string;
  agentName: string;
  /** "" for the host page's: the widget's default department. */
  department: string;
  /** As sent: "" means the widget's own greeting. */
  text: string;
  /** Local clock; 0: it does not expire. */
  expiresAt: number;
  automatic: boolean;
  source: InvitationSource;
}

/** A pushed Invitation on the local clock (`skewMs`: the server's clock minus ours). */
export function invitationOf(inv: Invitation, skewMs: number): InvitationInfo {
  const exp = Number(inv.expiresAtMs);
  return {
    id: inv.invitationId,
    agentName: inv.agentName,
    department: inv.department,
    text: inv.text,
    expiresAt: exp > 0 ? exp - skewMs : 0,
    automatic: inv.automatic,
    source: inv.automatic ? "rule" : "agent",
  };
}

export interface TrackerOptions {
  show(inv: InvitationInfo): void;
  hide(inv: InvitationInfo): void;
  /** Ids answered before (accepted or declined), e.g. on an earlier page. */
  answered?: readonly string[];
  /** The answered ids changed (to keep them). */
  remember?(ids: string[]): void;
  now?: () => number;
}

/** Which invitation is shown: one at a time, each id once, hidden when it expires. */
export class InvitationTracker {
  private shown?: InvitationInfo;
  private timer?: ReturnType<typeof setTimeout>;
  private readonly answered: string[];
  private readonly now: () => number;

  constructor(private readonly opts: TrackerOptions) {
    this.answered = [...(opts.answered ?? [])];
    this.now = opts.now ?? Date.now;
  }

  get current(): InvitationInfo | undefined {
    return this.shown;
  }

  /** A new invitation: shown (true), or not — the same one again, one answered before, one
   * already expired. Another one replaces the card shown. */
  offer(inv: InvitationInfo): boolean {
    if (inv.id && this.answered.includes(inv.id)) return false;
    if (inv.id && this.shown?.id === inv.id) {
      // The same again (another page view): only a later expiry is news.
      if (inv.expiresAt !== this.shown.expiresAt) {
        this.shown = { ...this.shown, expiresAt: inv.expiresAt };
        this.arm();
      }
      return false;
    }
    if (inv.expiresAt && inv.expiresAt <= this.now()) return false;
    if (this.shown) this.drop();
    this.shown = inv;
    this.arm();
    this.opts.show(inv);
    return true;
  }

  /** The visitor answered (accepted or declined): the card goes, and this id is not shown again. */
  answer(): InvitationInfo | undefined {
    const inv = this.shown;
    if (!inv) return undefined;
    if (inv.id) {
      this.answered.push(inv.id);
      this.answered.splice(0, Math.max(0, this.answered.length - MAX_REMEMBERED));
      this.opts.remember?.([...this.answered]);
    }
    this.drop();
    return inv;
  }

  /** Hides the card without answering it (a chat started some other way). */
  clear(): void {
    if (this.shown) this.drop();
  }

  private drop(): void {
    const inv = this.shown!;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.shown = undefined;
    this.opts.hide(inv);
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const inv = this.shown;
    if (!inv?.expiresAt) return;
    // setTimeout takes at most 2^31-1 ms; an invitation lasts minutes.
    const wait = Math.min(Math.max(0, inv.expiresAt - this.now()), 2_147_483_647);
    this.timer = setTimeout(() => {
      if (this.shown === inv) this.drop();
    }, wait);
  }
}

export interface CardTexts {
  /** "{name} from {dept}". */
  from: string;
  /** The greeting of an invitation without text. */
  greeting: string;
  accept: string;
  decline: string;
  /** Names the card for screen readers ("Invitation to chat"). */
  label: string;
}

/** The card: who invites, the greeting, Reply and No thanks (the × says no thanks too). Keyboard:
 * every control is a button; Escape declines. Its text is announced when it appears. */
export function invitationCard(
  inv: InvitationInfo,
  t: CardTexts,
  o: { agentName: string; departmentName: string; onAccept(): void; onDecline(): void },
): HTMLElement {
  const who = o.departmentName ? t.from.replace("{name}", o.agentName).replace("{dept}", o.departmentName) : o.agentName;
  const card = h("div", {
    class: "invite",
    role: "dialog",
    "aria-modal": "false",
    "aria-live": "polite",
    "aria-label": t.label,
    "aria-describedby": "lc-invite-from lc-invite-text",
    "data-invitation": inv.id,
    "data-source": inv.source,
  },
  h("button", { class: "invite-close", type: "button", "aria-label": t.decline, title: t.decline, onclick: () => o.onDecline() }, "×"),
  h("div", { class: "invite-head" },
    h("span", { class: "invite-avatar", "aria-hidden": "true" }, (o.agentName.trim().charAt(0) || "?").toUpperCase()),
    h("strong", { id: "lc-invite-from", dir: "auto" }, who)),
  h("p", { class: "invite-text", id: "lc-invite-text", dir: "auto" }, inv.text.trim() || t.greeting),
  h("div", { class: "invite-actions" },
    h("button", { class: "primary", type: "button", "data-action": "accept", onclick: () => o.onAccept() }, t.accept),
    h("button", { class: "link", type: "button", "data-action": "decline", onclick: () => o.onDecline() }, t.decline)));
  card.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      o.onDecline();
    }
  });
  return card;
}
