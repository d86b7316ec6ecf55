// The admin page's checks and diffs, apart from the DOM (unit-tested).
import type { Account } from "../lib/session.js";

export interface AccountForm {
  id: string;
  email: string;
  display_name: string;
  role: string;
  departments: string[];
  capacity: number;
  enabled: boolean;
  password: string;
}

export const ROLES = ["agent", "supervisor", "admin"] as const;

/** What is wrong with the form (empty: nothing). A new account needs an id and a password. */
export function accountProblems(f: AccountForm, isNew: boolean): string[] {
  const out: string[] = [];
  if (isNew && !/^[a-z0-9][a-z0-9._-]{0,31}$/.test(f.id)) out.push("Id: 1 to 32 of a-z 0-9 . _ -, starting with a letter or digit.");
  if (!/^[^\s@]+@[^\s@]+$/.test(f.email)) out.push("Email: an email address.");
  if (!f.display_name.trim()) out.push("Name: required.");
  if (!(ROLES as readonly string[]).includes(f.role)) out.push("Role: agent, supervisor or admin.");
  if (f.role !== "admin" && !f.departments.length) out.push("Departments: at least one (except for admins).");
  if (f.role !== "admin" && !(Number.isInteger(f.capacity) && f.capacity >= 1 && f.capacity <= 50)) out.push("Capacity: 1 to 50 chats.");
  if (isNew && f.password.length < 8) out.push("Password: at least 8 characters.");
  if (!isNew && f.password && f.password.length < 8) out.push("New password: at least 8 characters.");
  return out;
}

/** The POST body of a new account. */
export function createBody(f: AccountForm): Record<string, unknown> {
  return {
    id: f.id, email: f.email.trim(), display_name: f.display_name.trim(), role: f.role,
    departments: f.departments, capacity: f.capacity, password: f.password,
  };
}

/** The PATCH body: only what changed (a password only when one was typed). */
export function changes(before: Account, f: AccountForm): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (f.email.trim() !== before.email) out["email"] = f.email.trim();
  if (f.display_name.trim() !== before.display_name) out["display_name"] = f.display_name.trim();
  if (f.role !== before.role) out["role"] = f.role;
  const a = [...f.departments].sort().join(",");
  const b = [...before.departments].sort().join(",");
  if (a !== b) out["departments"] = f.departments;
  if (f.capacity !== before.capacity) out["capacity"] = f.capacity;
  if (f.enabled !== before.enabled) out["enabled"] = f.enabled;
  if (f.password) out["password"] = f.password;
  return out;
}

export interface AuditEntry {
  at_ms: number;
  actor: string;
  action: string;
  subject: string;
  detail: Record<string, unknown>;
}

/** One line of an audit entry's detail: "role: agent → supervisor, capacity: 4". */
export function auditDetail(detail: Record<string, unknown> | undefined): string {
  if (!detail) return "";
  return Object.entries(detail)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : Array.isArray(v) ? v.join(", ") : JSON.stringify(v)}`)
    .join(" · ");
}
