// The Visitors tab: everyone on the site now (the pushed Board's site_visitors, most recently
// active first) with their page, how long on it and on the site, pages seen, device, language,
// local time and where they came from; "Returning" and "In chat" badges. Rebuilt only when the
// list changes; the times tick in place each second. What the server relays (titles, URLs,
// names) reaches the page as text: a visitor's browser made it up.
// Protocol 9: a visitor without a chat can be invited (Invite: a greeting, prefilled, and the
// department when the agent has several, in a small prompt in the row, which survives the list's
// rebuilds); the row says "Invited by Alice", "Declined" or "Accepted".
import { h, webAddress } from "../lib/format.js";
import { utf8Length } from "../lib/utf8.js";
import {
  canInvite, DEFAULT_GREETING, deviceText, invitationText, localTimeText, pageLabel, referrerText, sinceText, visitorName, visitorsKey, type SiteVisitorRow,
} from "./visitors.js";

/** The greeting's limit on the wire. */
export const MAX_GREETING_BYTES = 500;

export interface VisitorsHost {
  /** The agent holds this chat: the row offers to open it. */
  holds(conversationId: string): boolean;
  openChat(conversationId: string): void;
  /** The server takes invitations (protocol 9): rows without a chat get Invite. */
  invites?(): boolean;
  /** The departments the agent may invite into (a choice when there are several). */
  departments?(): { id: string; name: string }[];
  /** Sends the Invite; rejects with an Error whose message is what to show in the prompt. */
  invite?(visitorId: string, text: string, department: string): Promise<void>;
  /** An agent's name for an id (the team on the board). */
  nameOf?(id: string): string | undefined;
  announce?(text: string): void;
}

/** The open Invite prompt: kept across rebuilds of the list (re-attached to the visitor's row). */
interface Prompt {
  visitorId: string;
  el: HTMLFormElement;
}

/** Sets the ticking parts under `root` for `serverNow`: `data-since` (server ms) as a duration,
 * `data-utc-offset` (minutes, with `data-time-zone`) as the visitor's local time. */
export function tickTimes(root: ParentNode, serverNow: number): void {
  for (const el of root.querySelectorAll<HTMLElement>("[data-since]")) {
    el.textContent = sinceText(Number(el.dataset["since"]), serverNow);
  }
  for (const el of root.querySelectorAll<HTMLElement>("[data-utc-offset]")) {
    el.textContent = localTimeText({ utcOffsetMinutes: Number(el.dataset["utcOffset"]), timeZone: el.dataset["timeZone"] ?? "" }, serverNow);
  }
}

/** A span that ticks: the time since `sinceMs`. */
export function since(sinceMs: number, serverNow: number, attrs: Record<string, unknown> = {}): HTMLElement {
  return h("span", { ...attrs, "data-since": String(sinceMs) }, sinceText(sinceMs, serverNow));
}

/** A span that ticks: the visitor's local time. */
export function clock(v: Pick<SiteVisitorRow, "utcOffsetMinutes" | "timeZone">, serverNow: number, attrs: Record<string, unknown> = {}): HTMLElement {
  return h("span", { ...attrs, "data-utc-offset": String(v.utcOffsetMinutes), "data-time-zone": v.timeZone }, localTimeText(v, serverNow));
}

/** The page as a link that opens apart from the console (never as javascript: or data:). */
export function pageLink(url: string, title: string): HTMLElement {
  const label = pageLabel(title, url);
  return webAddress(url)
    ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer", title: url, dir: "auto" }, label)
    : h("span", { dir: "auto" }, label);
}

/** Where they came from: its host as a link to it, or "Direct". */
export function referrerLink(referrer: string): HTMLElement {
  const text = referrerText(referrer);
  return webAddress(referrer)
    ? h("a", { href: referrer, target: "_blank", rel: "noopener noreferrer", title: referrer }, text)
    : h("span", {}, text);
}

export class VisitorsView {
  /** The main area while the tab is on (kept, not rebuilt by pushes). */
  readonly pane: HTMLElement;
  private readonly status = h("p", { class: "visitors-status muted", role: "status" });
  private readonly list = h("ul", { class: "visitors", "aria-label": "Visitors on the site" });
  private key = "";
  private prompt?: Prompt;

  constructor(private readonly host: VisitorsHost) {
    this.pane = h("section", { class: "visitors-pane", "aria-label": "Visitors" },
      h("header", { class: "conv-head" }, h("h2", {}, "Visitors on the site"), h("span", { class: "muted small" }, "Most recently active first")),
      h("div", { class: "scroll" }, this.status, this.list));
  }

  /** A new list (or the same, a second later). */
  update(visitors: readonly SiteVisitorRow[], serverNow: number): void {
    const key = visitorsKey(visitors) + visitors.map((v) => (v.conversationId && this.host.holds(v.conversationId) ? "1" : "0")).join("");
    if (key === this.key) {
      tickTimes(this.list, serverNow);
      return;
    }
    this.key = key;
    const n = visitors.length;
    this.status.textContent = n ? `${n} visitor${n === 1 ? "" : "s"} on the site` : "Nobody is on the site right now. Visitors appear here as soon as they open a page with the chat widget.";
    const active = document.activeElement as HTMLElement | null;
    const focused = active?.closest?.<HTMLElement>(".visitor-item")?.dataset["visitor"];
    // The prompt stays only while its visitor may still be invited.
    if (this.prompt) {
      const v = visitors.find((x) => x.visitorId === this.prompt!.visitorId);
      if (!v || !canInvite(v) || !this.host.invites?.()) this.prompt = undefined;
    }
    this.list.replaceChildren(...visitors.map((v) => this.item(v, serverNow)));
    if (active && this.prompt?.el.contains(active)) active.focus();
    else if (focused) this.list.querySelector<HTMLElement>(`.visitor-item[data-visitor="${CSS.escape(focused)}"] button`)?.focus();
  }

  /** The tab went: the next update builds the list afresh. */
  reset(): void {
    this.key = "";
    this.prompt = undefined;
  }

  /** Opens the Invite prompt in the visitor's row (one at a time). */
  private openPrompt(v: SiteVisitorRow, row: HTMLElement): void {
    if (this.prompt?.visitorId === v.visitorId) {
      this.prompt.el.querySelector("textarea")?.focus();
      return;
    }
    this.prompt?.el.remove();
    const el = this.promptForm(v);
    this.prompt = { visitorId: v.visitorId, el };
    row.append(el);
    const text = el.querySelector("textarea")!;
    text.focus();
    text.select();
  }

  private closePrompt(focusRow = true): void {
    const p = this.prompt;
    if (!p) return;
    this.prompt = undefined;
    const row = p.el.closest<HTMLElement>(".visitor-item");
    p.el.remove();
    if (focusRow) row?.querySelector<HTMLElement>('[data-action="invite"]')?.focus();
  }

  private promptForm(v: SiteVisitorRow): HTMLFormElement {
    const id = `invite-${v.visitorId.replace(/[^A-Za-z0-9_-]/g, "")}`;
    const text = h("textarea", { id: `${id}-text`, class: "invite-text", rows: "2", maxlength: "500", "aria-describedby": `${id}-error` });
    text.value = DEFAULT_GREETING;
    const depts = this.host.departments?.() ?? [];
    const dept = depts.length > 1
      ? h("select", { id: `${id}-dept`, class: "invite-dept" }, ...depts.map((d) => h("option", { value: d.id }, d.name || d.id)))
      : undefined;
    const error = h("p", { class: "error small invite-error", id: `${id}-error`, role: "alert" });
    const send = h("button", { class: "btn primary", type: "submit" }, "Send");
    const name = visitorName(v);
    const form = h("form", {
      class: "invite-prompt",
      "aria-label": `Invite ${name} to chat`,
      onsubmit: async (e: Event) => {
        e.preventDefault();
        if (send.disabled) return;
        const greeting = text.value.trim();
        if (utf8Length(greeting) > MAX_GREETING_BYTES) {
          error.textContent = `The greeting is too long: at most ${MAX_GREETING_BYTES} bytes.`;
          text.focus();
          return;
        }
        error.textContent = "";
        send.disabled = true;
        try {
          await this.host.invite!(v.visitorId, greeting, dept?.value ?? depts[0]?.id ?? "");
          if (this.prompt?.el === form) this.closePrompt();
          this.host.announce?.(`Invitation sent to ${name}`);
        } catch (err) {
          error.textContent = err instanceof Error ? err.message : String(err);
          text.focus();
        } finally {
          send.disabled = false;
        }
      },
    },
    h("label", { for: `${id}-text` }, "Greeting"),
    text,
    dept ? h("div", { class: "invite-dept-row" }, h("label", { for: `${id}-dept` }, "Department"), dept) : null,
    error,
    h("div", { class: "actions" },
      send,
      h("button", { class: "btn", type: "button", onclick: () => this.closePrompt() }, "Cancel")));
    form.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        this.closePrompt();
      }
    });
    return form;
  }

  private item(v: SiteVisitorRow, now: number): HTMLLIElement {
    const held = !!v.conversationId && this.host.holds(v.conversationId);
    const fact = (field: string, label: string, value: Node | string) =>
      h("span", { class: "fact", "data-field": field }, h("span", { class: "fact-label" }, `${label} `), value);
    const invites = !!this.host.invites?.() && !!this.host.invite;
    const invitation = invites ? invitationText(v, (id) => this.host.nameOf?.(id)) : "";
    const li: HTMLLIElement = h("li", { class: "visitor-item", "data-visitor": v.visitorId, ...(v.conversationId ? { "data-conv": v.conversationId } : {}), ...(v.invitation ? { "data-invitation": v.invitation } : {}) },
      h("div", { class: "row" },
        h("strong", { class: "name", dir: "auto", "data-field": "name" }, visitorName(v)),
        h("span", { class: "badges" },
          v.previousChats > 0 ? h("span", { class: "badge returning", title: `${v.previousChats} earlier chat${v.previousChats === 1 ? "" : "s"}` }, "Returning") : null,
          v.conversationId ? h("span", { class: "badge in-chat" }, "In chat") : null,
          invitation ? h("span", { class: `badge invitation ${v.invitation}`, "data-field": "invitation" }, invitation) : null,
          held ? h("button", { class: "btn small-btn", type: "button", onclick: () => this.host.openChat(v.conversationId) }, "Open chat") : null,
          invites && canInvite(v)
            ? h("button", { class: "btn small-btn", type: "button", "data-action": "invite", "aria-label": `Invite ${visitorName(v)} to chat`, onclick: () => this.openPrompt(v, li) }, "Invite")
            : null)),
      h("div", { class: "visitor-page", "data-field": "page" }, pageLink(v.url, v.title)),
      h("div", { class: "facts small" },
        fact("on-page", "On this page", since(v.onPageSinceMs, now)),
        fact("on-site", "On the site", since(v.onSiteSinceMs, now)),
        fact("pages", "Pages", String(v.pages))),
      h("div", { class: "facts small muted-facts" },
        fact("device", "Device", deviceText(v)),
        fact("language", "Language", v.language || "—"),
        fact("local-time", "Local time", clock(v, now)),
        fact("referrer", "From", referrerLink(v.referrer))));
    if (this.prompt?.visitorId === v.visitorId) li.append(this.prompt.el);
    return li;
  }
}
