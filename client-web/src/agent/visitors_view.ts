// The Visitors tab: everyone on the site now (the pushed Board's site_visitors, most recently
// active first) with their page, how long on it and on the site, pages seen, device, language,
// local time and where they came from; "Returning" and "In chat" badges. Rebuilt only when the
// list changes; the times tick in place each second. What the server relays (titles, URLs,
// names) reaches the page as text: a visitor's browser made it up.
import { h, webAddress } from "../lib/format.js";
import {
  deviceText, localTimeText, pageLabel, referrerText, sinceText, visitorName, visitorsKey, type SiteVisitorRow,
} from "./visitors.js";

export interface VisitorsHost {
  /** The agent holds this chat: the row offers to open it. */
  holds(conversationId: string): boolean;
  openChat(conversationId: string): void;
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
    const focused = (document.activeElement as HTMLElement | null)?.closest?.<HTMLElement>(".visitor-item")?.dataset["visitor"];
    this.list.replaceChildren(...visitors.map((v) => this.item(v, serverNow)));
    if (focused) this.list.querySelector<HTMLElement>(`.visitor-item[data-visitor="${CSS.escape(focused)}"] button`)?.focus();
  }

  /** The tab went: the next update builds the list afresh. */
  reset(): void {
    this.key = "";
  }

  private item(v: SiteVisitorRow, now: number): HTMLLIElement {
    const held = !!v.conversationId && this.host.holds(v.conversationId);
    const fact = (field: string, label: string, value: Node | string) =>
      h("span", { class: "fact", "data-field": field }, h("span", { class: "fact-label" }, `${label} `), value);
    return h("li", { class: "visitor-item", "data-visitor": v.visitorId, ...(v.conversationId ? { "data-conv": v.conversationId } : {}) },
      h("div", { class: "row" },
        h("strong", { class: "name", dir: "auto", "data-field": "name" }, visitorName(v)),
        h("span", { class: "badges" },
          v.previousChats > 0 ? h("span", { class: "badge returning", title: `${v.previousChats} earlier chat${v.previousChats === 1 ? "" : "s"}` }, "Returning") : null,
          v.conversationId ? h("span", { class: "badge in-chat" }, "In chat") : null,
          held ? h("button", { class: "btn small-btn", type: "button", onclick: () => this.host.openChat(v.conversationId) }, "Open chat") : null)),
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
  }
}
