// Bans, the pure part: the ban form's request body (POST /api/bans) and its checks, what the
// console says after a ban, and the rows of the Bans tab (GET /api/bans). No DOM here: the
// dialog is ban_form.ts, the tab bans_view.ts.
import { formatDuration } from "../lib/format.js";
import { utf8Length } from "../lib/utf8.js";

/** The server has /api/bans, Welcome.sneak_peek and Typing.draft from this protocol on. */
export const BANS_PROTOCOL = 5;

export type BanKind = "visitor" | "address" | "email";
export const BAN_KINDS: readonly BanKind[] = ["visitor", "address", "email"];

/** One ban as /api/bans lists it. */
export interface Ban {
  id: number;
  kind: BanKind | string;
  value: string;
  conversation_id: string;
  reason: string;
  created_by: string;
  created_ms: number;
  /** 0: until lifted. */
  expires_ms: number;
  lifted_by: string;
  lifted_ms: number;
  active: boolean;
}

export interface BanReply {
  bans: Ban[];
  closed_conversation_id: string;
}

/** The durations the form offers; 0 is "until lifted" (the server takes 0 or 60..315360000). */
export const BAN_DURATIONS: readonly { seconds: number; label: string }[] = [
  { seconds: 3600, label: "1 hour" },
  { seconds: 86_400, label: "1 day" },
  { seconds: 7 * 86_400, label: "7 days" },
  { seconds: 30 * 86_400, label: "30 days" },
  { seconds: 0, label: "Until lifted" },
];
export const DEFAULT_BAN_SECONDS = 86_400;
export const MAX_REASON_BYTES = 500;

/** The form as filled in. `email`: the visitor gave one ("yes"), did not ("no"), or the console
 * cannot tell (a supervisor's monitor pane has no visitor context). */
export interface BanForm {
  conversationId: string;
  reason: string;
  durationSeconds: number;
  kinds: Record<BanKind, boolean>;
  email: "yes" | "no" | "unknown";
}

export function banForm(conversationId: string, email: BanForm["email"]): BanForm {
  return { conversationId, reason: "", durationSeconds: DEFAULT_BAN_SECONDS, kinds: { visitor: true, address: true, email: email !== "no" }, email };
}

/** The body of POST /api/bans, or what is wrong with the form. */
export function banBody(f: BanForm): { body?: Record<string, unknown>; error?: string } {
  const reason = f.reason.trim();
  if (!reason) return { error: "Give a reason." };
  if (utf8Length(reason) > MAX_REASON_BYTES) return { error: `The reason is too long (at most ${MAX_REASON_BYTES} bytes).` };
  if (!BAN_DURATIONS.some((d) => d.seconds === f.durationSeconds)) return { error: "Choose a duration." };
  // Email only when the visitor gave one; when we cannot tell, everything checked is the
  // server's default (every identifier the conversation has) and sent without `kinds`.
  const offered = BAN_KINDS.filter((k) => k !== "email" || f.email !== "no");
  const kinds = offered.filter((k) => f.kinds[k]);
  if (!kinds.length) return { error: "Choose what to ban." };
  const body: Record<string, unknown> = { conversation_id: f.conversationId };
  if (!(f.email === "unknown" && kinds.length === offered.length)) body["kinds"] = kinds;
  body["duration_seconds"] = f.durationSeconds;
  body["reason"] = reason;
  return { body };
}

export function durationLabel(seconds: number): string {
  return BAN_DURATIONS.find((d) => d.seconds === seconds)?.label.toLowerCase() ?? `for ${formatDuration(seconds)}`;
}

/** "the visitor v12", "address 203.0.113.7", "email a@b.c". */
export function subjectText(b: Pick<Ban, "kind" | "value">): string {
  switch (b.kind) {
    case "visitor": return `the visitor${b.value ? ` ${b.value}` : ""}`;
    case "address": return `address ${b.value}`;
    case "email": return `email ${b.value}`;
    default: return `${b.kind} ${b.value}`;
  }
}

const when = (ms: number) => new Date(ms).toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

/** After a ban: "Banned the visitor v1 and address 203.0.113.7 until 3 May, 10:00. The chat was
 * closed." */
export function banNotice(r: BanReply, fmt: (ms: number) => string = when): string {
  if (!r.bans.length) return "Nothing was banned.";
  const names = r.bans.map(subjectText);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  const ends = [...new Set(r.bans.map((b) => b.expires_ms))];
  const until = ends.length === 1 ? (ends[0] ? `until ${fmt(ends[0])}` : "until lifted") : "";
  return `Banned ${list}${until ? ` ${until}` : ""}.${r.closed_conversation_id ? " The chat was closed." : ""}`;
}

/** One row of the Bans tab, as text. */
export interface BanRow {
  id: number;
  kind: string;
  value: string;
  reason: string;
  by: string;
  since: string;
  until: string;
  /** "active", "lifted by sue, 3 May, 10:00" or "expired". */
  state: string;
  /** A Lift button. */
  liftable: boolean;
}

export function banRows(bans: Ban[], now: number, fmt: (ms: number) => string = when): BanRow[] {
  return bans.map((b) => {
    const expired = !!b.expires_ms && b.expires_ms <= now;
    const active = b.active && !b.lifted_ms && !expired;
    return {
      id: b.id,
      kind: b.kind,
      value: b.value,
      reason: b.reason,
      by: b.created_by,
      since: fmt(b.created_ms),
      until: b.expires_ms ? fmt(b.expires_ms) : "until lifted",
      state: active ? "active" : b.lifted_ms ? `lifted by ${b.lifted_by || "?"}, ${fmt(b.lifted_ms)}` : "expired",
      liftable: active,
    };
  });
}

/** The Bans tab's path: active ones, or every ban. */
export function bansPath(all: boolean): string {
  return all ? "/api/bans?all=1" : "/api/bans";
}
