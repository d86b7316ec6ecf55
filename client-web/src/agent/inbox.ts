// The Offline inbox, the pure part: the body of POST /api/offline-messages/{id}/reply and its
// checks, and the line saying who answered an item and when. No DOM here: the items are
// inbox_view.ts.
import { formatTime } from "../lib/format.js";
import { utf8Length } from "../lib/utf8.js";

/** The server takes 1..10,000 bytes of reply text. */
export const MAX_REPLY_BYTES = 10_000;
/** How long this console's own reply is "just now". */
export const JUST_NOW_MS = 60_000;

/** What POST …/reply answers (202): one mail queued to the visitor's address. */
export interface ReplySent {
  mail_id: number;
  to: string;
  replied_at_ms: number;
  replied_by: string;
}

export function replyPath(id: string): string {
  return `/api/offline-messages/${encodeURIComponent(id)}/reply`;
}

/** The request body, or what is wrong with the text. Blanks around it are not part of a reply. */
export function replyBody(text: string): { body?: { text: string }; error?: string } {
  const t = text.trim();
  if (!t) return { error: "Write a reply first." };
  const n = utf8Length(t);
  if (n > MAX_REPLY_BYTES) return { error: `The reply is too long: ${n.toLocaleString("en-US")} bytes, at most ${MAX_REPLY_BYTES.toLocaleString("en-US")}.` };
  return { body: { text: t } };
}

export interface Answered {
  /** The server's replied_at_ms, 0: not answered. */
  atMs: number;
  /** The server's replied_by: an agent id. */
  by: string;
  /** Local clock when this console's own reply was accepted (compared with the local clock, so a
   * skewed one does not matter). */
  ownAtMs?: number;
}

/** "14:05" today, "3 Mar, 14:05" on another day (in the agent's locale). */
export function whenText(ms: number, now: number, locale?: string): string {
  const d = new Date(ms);
  if (d.toDateString() === new Date(now).toDateString()) return formatTime(ms, locale);
  return d.toLocaleString(locale, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

/** "Replied by you just now" right after this console's reply, else "Answered by Alice · 14:05"
 * (the id when the name is not known); "" for an item nobody answered. */
export function answeredLine(a: Answered, o: { now: number; name: (id: string) => string | undefined; locale?: string }): string {
  if (a.ownAtMs !== undefined && o.now - a.ownAtMs < JUST_NOW_MS) return "Replied by you just now";
  if (!a.atMs) return "";
  const who = (a.by && o.name(a.by)) || a.by || "a colleague";
  return `Answered by ${who} · ${whenText(a.atMs, o.now, o.locale)}`;
}
