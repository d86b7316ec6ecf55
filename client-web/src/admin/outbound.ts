// The admin page's Webhooks and Mail sections apart from the DOM (unit-tested): the request
// bodies, the masked secret, and how a delivery or a mail reads in the logs.
import { formatTime } from "../lib/format.js";

/** What the server can send, in its order (a checkbox each). */
export const WEBHOOK_EVENTS = [
  "conversation.created", "conversation.assigned", "conversation.message",
  "conversation.transferred", "conversation.closed", "conversation.rated",
] as const;

export interface Webhook {
  id: number;
  url: string;
  secret: string;
  events: string[];
  enabled: boolean;
  created_by: string;
  created_ms: number;
  updated_ms: number;
}

export interface Delivery {
  id: number;
  event: string;
  idempotency_key: string;
  state: "pending" | "delivered" | "failed" | string;
  attempts: number;
  /** The receiver's HTTP status; 0 when none came (refused, timed out, not tried yet). */
  last_status: number;
  last_error: string;
  created_ms: number;
  next_attempt_ms: number;
  done_ms: number;
  /** The JSON as POSTed, as text. */
  body: string;
}

export interface Mail {
  id: number;
  kind: "transcript" | "reply" | string;
  conversation_id: string;
  /** The offline message a reply answers ("" for a transcript). */
  offline_id: string;
  to: string;
  subject: string;
  requested_by: string;
  state: "pending" | "sent" | "failed" | string;
  attempts: number;
  last_error: string;
  created_ms: number;
  done_ms: number;
}

/** The chosen events in the server's order, once each (the checkboxes may be read in any order). */
export function orderedEvents(events: Iterable<string>): string[] {
  const chosen = new Set(events);
  return WEBHOOK_EVENTS.filter((e) => chosen.has(e));
}

/** The POST body of a new endpoint, or why not. Only "no event" is caught here: the URL's rules
 * (http or https, a host, no credentials, 2,048 bytes) are the server's, and its words are shown. */
export function webhookBody(url: string, events: Iterable<string>, enabled: boolean):
  { body: { url: string; events: string[]; enabled: boolean }; error?: undefined } | { body?: undefined; error: string } {
  const list = orderedEvents(events);
  if (!list.length) return { error: "Choose at least one event." };
  return { body: { url: url.trim(), events: list, enabled } };
}

/** The PATCH body of an events edit; undefined when nothing changed (no request then). */
export function eventsPatch(before: Webhook, events: Iterable<string>): { events: string[] } | undefined {
  const list = orderedEvents(events);
  if (!list.length) return undefined;
  return list.join(",") === orderedEvents(before.events).join(",") ? undefined : { events: list };
}

/** The secret as shown until "Show": the prefix and the last four, so two can be told apart
 * (e.g. after a rotation) without the rest being on screen. */
export function maskSecret(secret: string): string {
  if (!secret) return "";
  const prefix = secret.startsWith("whsec_") ? "whsec_" : "";
  const rest = secret.slice(prefix.length);
  if (rest.length <= 8) return prefix + "•".repeat(rest.length);
  return `${prefix}${"•".repeat(12)}${rest.slice(-4)}`;
}

/** "2 Dec 2026 14:05" (empty for 0): the logs span days. */
export function stamp(ms: number, locale?: string): string {
  if (!ms) return "";
  return `${new Date(ms).toLocaleDateString(locale, { day: "numeric", month: "short", year: "numeric" })} ${formatTime(ms, locale)}`;
}

export interface DeliveryRow {
  state: string;
  attempts: string;
  status: string;
  error: string;
  /** When it was delivered or given up on; for a pending one when it was made. */
  when: string;
  /** A pending one's next try ("" otherwise). */
  next: string;
}

export function deliveryRow(d: Delivery, locale?: string): DeliveryRow {
  const pending = d.state === "pending";
  return {
    state: d.state,
    attempts: String(d.attempts),
    status: d.last_status ? String(d.last_status) : "—",
    error: d.last_error,
    when: stamp(pending || !d.done_ms ? d.created_ms : d.done_ms, locale),
    next: pending && d.next_attempt_ms ? `next try ${formatTime(d.next_attempt_ms, locale)}` : "",
  };
}

/** A delivery's body indented for reading; as it came when it is not JSON. */
export function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

export interface MailRow {
  kind: string;
  /** What it is about: the conversation of a transcript, the offline message of a reply. */
  about: string;
  to: string;
  subject: string;
  state: string;
  attempts: string;
  error: string;
  when: string;
}

export function mailRow(m: Mail, locale?: string): MailRow {
  const about = m.kind === "reply"
    ? (m.offline_id ? `offline message ${m.offline_id}` : "")
    : (m.conversation_id ? `conversation ${m.conversation_id}` : "");
  return {
    kind: m.kind,
    about: [about, m.requested_by ? `by ${m.requested_by}` : ""].filter(Boolean).join(" · "),
    to: m.to,
    subject: m.subject,
    state: m.state,
    attempts: String(m.attempts),
    error: m.last_error,
    when: stamp(m.done_ms || m.created_ms, locale),
  };
}
