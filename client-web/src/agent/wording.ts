// What staff transcripts say for the events that are not messages (console chats, the monitor
// pane, History). Kept apart from the DOM so the words are unit-tested.
import { isIdleClose } from "../lib/conversation.js";
import { EventKind, Role } from "../lib/proto.js";

export { isIdleClose };

export interface EventFacts {
  kind: EventKind;
  role: Role;
  senderId: string;
  senderName: string;
  agentId: string;
  department: string;
  text: string;
  /** NAVIGATED: the page's title (its URL is the text). */
  pageTitle?: string;
}

export const IDLE_PROMPT_TEXT = "Visitor asked if still there (idle)";
export const CLOSED_IDLE_TEXT = "Closed: idle";
export const CLOSED_BAN_TEXT = "Closed: visitor banned";

/** The server closed the chat because its visitor was banned (staff see why; the visitor never). */
export function isBanClose(e: { kind: EventKind; role: Role; senderId: string }): boolean {
  return e.kind === EventKind.CLOSED && e.role === Role.SYSTEM && e.senderId === "ban";
}

export function bargedInText(name: string): string {
  return `${name || "A supervisor"} (supervisor) joined the chat`;
}

export function monitoringText(name: string): string {
  return `${name || "A supervisor"} is monitoring`;
}

/** The visitor went to another page during the chat (staff only): its title, else its URL. */
export function navigatedText(title: string | undefined, url: string): string {
  return `Visitor went to ${title?.trim() || url || "another page"}`;
}

/** A system line for a staff transcript, or undefined to leave the event out. */
export function staffEventText(e: EventFacts): string | undefined {
  switch (e.kind) {
    case EventKind.JOINED: return `Joined the queue${e.department ? ` for ${e.department}` : ""}`;
    case EventKind.ASSIGNED: return `Assigned to ${e.senderName || e.agentId}`;
    case EventKind.TRANSFERRED: return e.agentId ? `Transferred to ${e.senderName || e.agentId}` : `Transferred to ${e.department}`;
    case EventKind.REQUEUED: return "Back in the queue";
    case EventKind.CLOSED: return isIdleClose(e) ? CLOSED_IDLE_TEXT : isBanClose(e) ? CLOSED_BAN_TEXT : "Conversation closed";
    case EventKind.TAGGED: return e.text ? `Tagged ${e.text.split(",").filter(Boolean).join(", ")}` : "Tags removed";
    case EventKind.BARGED_IN: return bargedInText(e.senderName || e.senderId);
    case EventKind.MONITORED: return monitoringText(e.senderName || e.senderId);
    case EventKind.IDLE_PROMPT: return IDLE_PROMPT_TEXT;
    case EventKind.NAVIGATED: return navigatedText(e.pageTitle, e.text);
    default: return undefined;
  }
}

/** History's events name their kind and role as strings ("EVENT_KIND_BARGED_IN", "system"). */
export function roleOfName(role: string): Role {
  switch (role.replace(/^ROLE_/i, "").toLowerCase()) {
    case "visitor": return Role.VISITOR;
    case "agent": return Role.AGENT;
    case "system": return Role.SYSTEM;
    case "admin": return Role.ADMIN;
    case "supervisor": return Role.SUPERVISOR;
    default: return Role.UNSPECIFIED;
  }
}
