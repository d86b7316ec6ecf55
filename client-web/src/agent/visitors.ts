// The visitors on the site (protocol 8) as the console shows them: the live list of the pushed
// Board (site_visitors) and, in a chat, the visitor's page, device, local time and this visit's
// pages (Assigned.visitor.site and .pages), kept current by NAVIGATED events. Times are the
// server's clock: durations are measured against the Board's server_time_ms, ticking locally.
// Pure: tested without a browser.
import { formatDuration } from "../lib/format.js";
import { ErrorCode, type PageVisit, type SiteVisitor, type VisitorContext } from "../lib/proto.js";

export const VISITORS_PROTOCOL = 8;
/** Invite (proactive invitations) and SiteVisitor.invitation: protocol 9. */
export const INVITES_PROTOCOL = 9;
/** The Invite prompt's text to begin with (the widget's own words when sent empty). */
export const DEFAULT_GREETING = "Hi! Can I help you with anything?";
/** The server keeps this many pages of a visit (newest first). */
export const MAX_PAGES = 20;

export interface SiteVisitorRow {
  visitorId: string;
  /** From their open chat; "" without one. */
  name: string;
  url: string;
  title: string;
  /** Server clock. */
  onPageSinceMs: number;
  onSiteSinceMs: number;
  referrer: string;
  pages: number;
  browser: string;
  os: string;
  device: string;
  language: string;
  timeZone: string;
  utcOffsetMinutes: number;
  previousChats: number;
  /** Their open chat ("" without one). */
  conversationId: string;
  /** This visit's invitation: "" (none), "pending", "accepted" or "declined". */
  invitation: string;
  /** Who invited them (an agent's name or id). */
  invitedBy: string;
}

export interface PageVisitRow {
  url: string;
  title: string;
  atMs: number;
}

/** A chat's visitor on the site: where they are now and this visit's pages, newest first. */
export interface ChatSite {
  site?: SiteVisitorRow;
  pages: PageVisitRow[];
}

export function siteVisitorOf(v: SiteVisitor): SiteVisitorRow {
  return {
    visitorId: v.visitorId,
    name: v.displayName,
    url: v.url,
    title: v.title,
    onPageSinceMs: Number(v.onPageSinceMs),
    onSiteSinceMs: Number(v.onSiteSinceMs),
    referrer: v.referrer,
    pages: v.pages,
    browser: v.browser,
    os: v.os,
    device: v.device,
    language: v.language,
    timeZone: v.timeZone,
    utcOffsetMinutes: v.utcOffsetMinutes,
    previousChats: v.previousChats,
    conversationId: v.conversationId,
    invitation: v.invitation,
    invitedBy: v.invitedBy,
  };
}

export function pageVisitOf(p: PageVisit): PageVisitRow {
  return { url: p.url, title: p.title, atMs: Number(p.atMs) };
}

/** What an Assigned push says of the visitor on the site (nothing from a server before 8). */
export function chatSiteOf(v: VisitorContext | undefined): ChatSite {
  return {
    ...(v?.site?.url || v?.site?.visitorId ? { site: siteVisitorOf(v.site) } : {}),
    pages: (v?.pages ?? []).slice(0, MAX_PAGES).map(pageVisitOf),
  };
}

/** "3fa9c1": enough of an issued visitor id ("v" and hex) to tell visitors apart. */
export function shortId(id: string): string {
  return (/^v[0-9a-f]{6,}$/.test(id) ? id.slice(1) : id).slice(0, 6);
}

/** Their name from the chat, else "Visitor 3fa9c1". */
export function visitorName(v: Pick<SiteVisitorRow, "name" | "visitorId">): string {
  return v.name.trim() || (v.visitorId ? `Visitor ${shortId(v.visitorId)}` : "Visitor");
}

/** A page in words: its title, else its address without the scheme. */
export function pageLabel(title: string, url: string): string {
  return title.trim() || url.replace(/^https?:\/\//i, "") || "—";
}

/** How long since `sinceMs` (server clock) at `serverNow`: "45s", "2m 05s", "1h 03m". */
export function sinceText(sinceMs: number, serverNow: number): string {
  if (!sinceMs) return "–";
  return formatDuration(Math.max(0, (serverNow - sinceMs) / 1000));
}

/** "UTC", "UTC+2", "UTC+5:30", "UTC-3:30". */
export function utcOffsetText(minutes: number): string {
  if (!minutes) return "UTC";
  const a = Math.abs(minutes);
  const m = a % 60;
  return `UTC${minutes < 0 ? "-" : "+"}${Math.floor(a / 60)}${m ? `:${String(m).padStart(2, "0")}` : ""}`;
}

/** The visitor's wall clock at `nowMs` (UTC ms): "14:05" in the agent's way of writing times. */
export function localTime(utcOffsetMinutes: number, nowMs: number, locale?: string): string {
  return new Date(nowMs + utcOffsetMinutes * 60_000).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
}

/** "14:05 (Europe/Berlin, UTC+1)": their time, and where that is. */
export function localTimeText(v: Pick<SiteVisitorRow, "utcOffsetMinutes" | "timeZone">, nowMs: number, locale?: string): string {
  const offset = utcOffsetText(v.utcOffsetMinutes);
  // A zone named "UTC" needs no "UTC" after it.
  const where = [v.timeZone === offset || v.timeZone === "Etc/UTC" ? "" : v.timeZone, offset].filter(Boolean).join(", ");
  return `${localTime(v.utcOffsetMinutes, nowMs, locale)} (${where})`;
}

/** "Mobile · Chrome 120 · Android 14" (what the server made of the user agent). */
export function deviceText(v: Pick<SiteVisitorRow, "device" | "browser" | "os">): string {
  const device = v.device ? v.device.charAt(0).toUpperCase() + v.device.slice(1) : "";
  return [device, v.browser, v.os].filter(Boolean).join(" · ") || "—";
}

/** Where the visit came from, short: "google.com", or "Direct" without a referrer. */
export function referrerText(referrer: string): string {
  if (!referrer) return "Direct";
  try {
    return new URL(referrer).hostname.replace(/^www\./, "") || referrer;
  } catch {
    return referrer;
  }
}

export interface Navigation {
  /** The page's URL (the event's text). */
  url: string;
  title: string;
  /** Server clock. */
  atMs: number;
}

/** After a NAVIGATED event: the visitor is on that page since then, and it heads the pages.
 * Undefined when it changes nothing: an event older than what is known (the rest of a replay
 * after the Assigned push, whose context already has it), or the page already at the top. */
export function navigated(s: ChatSite, n: Navigation): ChatSite | undefined {
  const top = s.pages[0];
  const since = Math.max(top?.atMs ?? 0, s.site?.onPageSinceMs ?? 0);
  if (n.atMs && n.atMs < since) return undefined;
  if (top && top.url === n.url && top.title === n.title) return undefined;
  const site = s.site && { ...s.site, url: n.url, title: n.title, onPageSinceMs: n.atMs || s.site.onPageSinceMs, pages: s.site.pages + 1 };
  return { ...(site ? { site } : {}), pages: [{ url: n.url, title: n.title, atMs: n.atMs }, ...s.pages].slice(0, MAX_PAGES) };
}

/** The board's entry for the chat's visitor is the newest word on where they are (the pages
 * list stays the chat's). */
export function withBoardEntry(s: ChatSite, row: SiteVisitorRow | undefined): ChatSite {
  if (!row) return s;
  if (s.site && row.onPageSinceMs < s.site.onPageSinceMs) return s;
  return { ...s, site: row };
}

/** What the list's rows show apart from the ticking times: it is rebuilt only when this changes
 * (a keyboard user's focus stays). */
export function visitorsKey(list: readonly SiteVisitorRow[]): string {
  return JSON.stringify(list.map((v) => [v.visitorId, v.name, v.url, v.title, v.onPageSinceMs, v.onSiteSinceMs, v.pages, v.conversationId, v.previousChats, v.device, v.browser, v.os, v.language, v.utcOffsetMinutes, v.referrer, v.invitation, v.invitedBy]));
}

/** The row's word on this visit's invitation: "Invited by Alice", "Declined", "Accepted", or ""
 * (none). `nameOf` turns an agent id into a name (the team on the board); a name stays. */
export function invitationText(v: Pick<SiteVisitorRow, "invitation" | "invitedBy">, nameOf: (id: string) => string | undefined = () => undefined): string {
  switch (v.invitation) {
    case "pending": return v.invitedBy ? `Invited by ${nameOf(v.invitedBy) || v.invitedBy}` : "Invited";
    case "declined": return "Declined";
    case "accepted": return "Accepted";
    default: return "";
  }
}

/** Whether the row offers Invite: on the site, not chatting, not invited already. */
export function canInvite(v: Pick<SiteVisitorRow, "conversationId" | "invitation">): boolean {
  return !v.conversationId && v.invitation !== "pending";
}

/** A refused Invite in words (shown in the prompt); the server's text as it says it. */
export function inviteErrorText(code: ErrorCode | undefined, text: string): string {
  const said = (prefix: string, t: string) => `${prefix}${t}${/[.!?]$/.test(t) ? "" : "."}`;
  switch (code) {
    case ErrorCode.NOT_FOUND: return "This visitor is no longer on the site.";
    case ErrorCode.CONFLICT: return said("Not sent: ", text || "the visitor is chatting or already invited");
    case ErrorCode.FORBIDDEN: return said("Not allowed: ", text || "you may not invite in that department");
    case ErrorCode.RATE_LIMITED: return "Too many invitations at once. Try again in a moment.";
    case undefined: return text || "Not sent: the connection is down. Try again.";
    default: return text ? said("Not sent: ", text) : "Not sent.";
  }
}
