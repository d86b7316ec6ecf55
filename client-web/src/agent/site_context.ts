// In a chat's visitor panel: where the visitor is on the site now, their device, language and
// local time, where they came from, and this visit's pages, newest first (Assigned.visitor.site
// and .pages, kept current by NAVIGATED events). The times tick with tickTimes().
import { formatTime, h } from "../lib/format.js";
import { deviceText } from "./visitors.js";
import type { ChatSite } from "./visitors.js";
import { clock, pageLink, referrerLink, since } from "./visitors_view.js";

/** The panel's part, or nothing when the server said nothing of the visit (before protocol 8,
 * or a visitor whose widget reported no page). */
export function siteContext(s: ChatSite | undefined, serverNow: number): HTMLElement[] {
  const v = s?.site;
  // The site entry is the newest word (a NAVIGATED event or the Board moves it); the pages list
  // stands in when the server sent none.
  const current = v?.url ? { url: v.url, title: v.title } : s?.pages[0];
  if (!s || (!v && !current)) return [];
  const row = (label: string, field: string, value: Node | string) => [h("dt", {}, label), h("dd", { "data-field": field }, value)];
  return [
    h("h3", {}, "On the site"),
    h("dl", { class: "ctx site-ctx" },
      ...(current ? row("Now on", "current-page", pageLink(current.url, current.title)) : []),
      ...(v ? [
        ...row("On this page", "on-page", since(v.onPageSinceMs, serverNow)),
        ...row("On the site", "on-site", since(v.onSiteSinceMs, serverNow)),
        ...row("Device", "device", deviceText(v)),
        ...row("Language", "language", v.language || "—"),
        ...row("Local time", "local-time", clock(v, serverNow)),
        ...row("From", "referrer", referrerLink(v.referrer)),
      ] : [])),
    h("h3", {}, `Pages this visit (${v ? Math.max(v.pages, s.pages.length) : s.pages.length})`),
    s.pages.length
      ? h("ol", { class: "visit-pages", "aria-label": "Pages this visit, newest first" }, ...s.pages.map((p) =>
          h("li", { "data-url": p.url }, pageLink(p.url, p.title), h("time", { class: "muted small", datetime: p.atMs ? new Date(p.atMs).toISOString() : undefined }, formatTime(p.atMs)))))
      : h("p", { class: "muted" }, "No pages reported yet."),
  ];
}
