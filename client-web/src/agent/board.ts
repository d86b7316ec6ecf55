// The pushed board (FollowBoard, then a Board whenever it changes) in the shapes the console
// renders: the Waiting tab, the Live tab and the colleague pickers of Transfer and Assign to…
// Replaces the polling of GET /api/queue, /api/live and /api/agents. Also the auto-away limit
// the Welcome sets per department. Pure: tested without a browser.
import { DEFAULT_AUTO_AWAY_S } from "../lib/departments.js";
import { PresenceStatus, type Board, type Welcome } from "../lib/proto.js";

/** A visitor waiting in one of the receiver's departments, longest wait first. */
export interface Waiting {
  conversation_id: string;
  department: string;
  visitor_name: string;
  first_message: string;
  /** Server clock. */
  waiting_since_ms: number;
  /** 1 = next in the department. */
  position: number;
}

/** A chat an agent holds now (supervisors' and admins' boards only). */
export interface LiveConversation {
  conversation_id: string;
  department: string;
  agent_id: string;
  agent_name: string;
  visitor_name: string;
  /** Server clock. */
  assigned_ms: number;
  last_seq: number;
}

export interface Colleague {
  id: string;
  name: string;
  status: "online" | "away" | "offline";
  /** False while reconnecting (grace) or when their node is gone. */
  connected: boolean;
  active: number;
  capacity: number;
  departments: string[];
}

export interface BoardView {
  waiting: Waiting[];
  live: LiveConversation[];
  agents: Colleague[];
  /** Server clock minus the local one when the board came: the waits tick locally against it. */
  skew: number;
}

export function presenceName(s: PresenceStatus): Colleague["status"] {
  return s === PresenceStatus.ONLINE ? "online" : s === PresenceStatus.AWAY ? "away" : "offline";
}

/** One pushed Board as the lists render it; `localNow` is Date.now() when it arrived. */
export function boardView(b: Board, localNow: number): BoardView {
  const serverNow = Number(b.serverTimeMs);
  return {
    waiting: b.waiting.map((w) => ({
      conversation_id: w.conversationId,
      department: w.department,
      visitor_name: w.visitorName,
      first_message: w.firstMessage,
      waiting_since_ms: Number(w.waitingSinceMs),
      position: w.position,
    })),
    live: b.live.map((c) => ({
      conversation_id: c.conversationId,
      department: c.department,
      agent_id: c.agentId,
      agent_name: c.agentName,
      visitor_name: c.visitorName,
      assigned_ms: Number(c.assignedMs),
      last_seq: Number(c.lastSeq),
    })),
    agents: b.agents.map((a) => ({
      id: a.agentId,
      name: a.displayName,
      status: presenceName(a.status),
      connected: a.connected,
      active: a.active,
      capacity: a.capacity,
      departments: [...a.departments],
    })),
    // A board without a clock (not expected) ticks against the local one.
    skew: serverNow > 0 ? serverNow - localNow : 0,
  };
}

// ------------------------------------------------------------------ auto-away

export { DEFAULT_AUTO_AWAY_S };
/** The first Welcome with DepartmentStatus.auto_away_seconds. */
export const BOARD_PROTOCOL = 4;

type WelcomeFacts = Pick<Welcome, "departments" | "departmentStatus" | "protocolVersion">;

/** Seconds without activity before the console sets the agent away, 0 = never: the strictest
 * (smallest non-zero) setting of the agent's departments in the Welcome. An admin has no
 * departments of their own: every department the Welcome lists counts. */
export function autoAwaySeconds(w: WelcomeFacts): number {
  // An older server has no such setting (the field reads 0, which would mean never): the
  // console's fixed 10 minutes of before.
  if (w.protocolVersion < BOARD_PROTOCOL) return DEFAULT_AUTO_AWAY_S;
  const mine = new Set(w.departments);
  const limits = w.departmentStatus
    .filter((d) => !mine.size || mine.has(d.department))
    .map((d) => d.autoAwaySeconds)
    .filter((s) => s > 0);
  return limits.length ? Math.min(...limits) : 0;
}

/** The idle limit in ms, 0 = never. `overrideMinutes` (localStorage "livechat:idle-minutes",
 * set by tests) wins when it is a positive number; before any Welcome there is none. */
export function idleLimitMs(overrideMinutes: string | null, w: WelcomeFacts | undefined): number {
  const v = overrideMinutes === null || overrideMinutes.trim() === "" ? NaN : Number(overrideMinutes);
  if (Number.isFinite(v) && v > 0) return v * 60_000;
  return w ? autoAwaySeconds(w) * 1000 : 0;
}
