// Departments as GET /api/departments lists them (business hours, targets, idle times, the
// agents' auto-away, the file limits), and the pure helpers the console and the admin page share:
// urgency of a wait, and the admin form's conversion to the PUT body (idle times typed in minutes,
// sent in seconds; the auto-away typed and sent in seconds; an edit sends only what changed).

export interface Department {
  id: string;
  display_name: string;
  language?: string;
  /** IANA name; "UTC" by default. */
  time_zone?: string;
  /** "mon-fri 09:00-17:00; sat 10:00-14:00"; "" = always open. */
  hours?: string;
  /** "2026-12-25, 2026-12-26". */
  holidays?: string;
  /** Outside its hours (or a holiday) now. */
  closed?: boolean;
  /** The next opening (UTC ms), 0 when open or unknown. */
  opens_at_ms?: number;
  /** null: the server's default. */
  reassign_after_seconds?: number | null;
  required_tag?: boolean;
  waiting_target_seconds?: number;
  /** 0: off. */
  idle_prompt_after_seconds?: number;
  idle_close_after_seconds?: number;
  /** The console sets an agent away after this long without activity; 0: never. */
  auto_away_seconds?: number;
  /** Largest upload in its chats; 0: no files there; null: the server's --max-file-mb. */
  max_file_mb?: number | null;
  /** "image/*,application/pdf"; "": the server's --file-types. */
  file_types?: string;
}

export const DEFAULT_WAITING_TARGET_S = 120;
/** The server's auto-away of a department nobody set (10 minutes). */
export const DEFAULT_AUTO_AWAY_S = 600;

/** The waiting target of a department in seconds (the default when unknown or 0). */
export function waitingTarget(d: Pick<Department, "waiting_target_seconds"> | undefined): number {
  const t = d?.waiting_target_seconds;
  return typeof t === "number" && Number.isFinite(t) && t > 0 ? t : DEFAULT_WAITING_TARGET_S;
}

/** A visitor waiting longer than the department's target is urgent. */
export function isUrgent(waitedSeconds: number, targetSeconds: number): boolean {
  const target = Number.isFinite(targetSeconds) && targetSeconds > 0 ? targetSeconds : DEFAULT_WAITING_TARGET_S;
  return waitedSeconds > target;
}

/** The admin form as typed (strings from inputs, a checkbox). */
export interface DepartmentForm {
  id: string;
  display_name: string;
  language: string;
  time_zone: string;
  hours: string;
  holidays: string;
  /** Seconds; "" = the server's default. */
  reassign_after_seconds: string;
  required_tag: boolean;
  /** Seconds; "" = the default (120). */
  waiting_target_seconds: string;
  /** Minutes; "" or 0 = off. */
  idle_prompt_minutes: string;
  idle_close_minutes: string;
  /** Seconds; "" = the default (600), 0 = never. */
  auto_away_seconds: string;
  /** Whole MB; "" = the server's default, 0 = no files. */
  max_file_mb: string;
  /** Comma-separated media types; "" = the server's. */
  file_types: string;
}

export const DEPARTMENT_ID = /^[a-z0-9._-]{1,32}$/;

export function departmentForm(d?: Department): DepartmentForm {
  const minutes = (s: number | undefined) => (s ? String(Math.round((s / 60) * 100) / 100) : "");
  return {
    id: d?.id ?? "",
    display_name: d?.display_name ?? "",
    language: d?.language ?? "",
    time_zone: d?.time_zone ?? "UTC",
    hours: d?.hours ?? "",
    holidays: d?.holidays ?? "",
    reassign_after_seconds: d?.reassign_after_seconds === null || d?.reassign_after_seconds === undefined ? "" : String(d.reassign_after_seconds),
    required_tag: d?.required_tag ?? false,
    waiting_target_seconds: d?.waiting_target_seconds ? String(d.waiting_target_seconds) : "",
    idle_prompt_minutes: minutes(d?.idle_prompt_after_seconds),
    idle_close_minutes: minutes(d?.idle_close_after_seconds),
    // 0 is a setting (never) and shown as such; a department without the field has the default.
    auto_away_seconds: typeof d?.auto_away_seconds === "number" ? String(d.auto_away_seconds) : "",
    // 0 (no files) is a setting too; null or missing is the server's default.
    max_file_mb: typeof d?.max_file_mb === "number" ? String(d.max_file_mb) : "",
    file_types: d?.file_types ?? "",
  };
}

/** "image/*, application/pdf ," as the server stores it: "image/*,application/pdf". */
export function normalizeTypes(text: string): string {
  return text.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean).join(",");
}

/** The admin list's Files column: "up to 5 MB · image/*", "no files", "server default". A
 * server without per-department limits lists none: "". */
export function fileLimitText(d: Pick<Department, "max_file_mb" | "file_types">): string {
  if (d.max_file_mb === undefined && d.file_types === undefined) return "";
  if (d.max_file_mb === 0) return "no files";
  const size = typeof d.max_file_mb === "number" ? `up to ${d.max_file_mb} MB` : "server's size";
  const types = d.file_types ? d.file_types.split(",").join(", ") : "server's types";
  return typeof d.max_file_mb !== "number" && !d.file_types ? "server default" : `${size} · ${types}`;
}

export type FieldErrors = Partial<Record<keyof DepartmentForm, string>>;

/** The PUT /api/departments/{id} body, or what is wrong per field. */
export function departmentBody(f: DepartmentForm): { body?: Record<string, unknown>; errors: FieldErrors } {
  const r = fullBody(f);
  // A new department leaves the file limits out at their defaults: a server without files in
  // chat refuses them as unknown fields, and the default is what it stores anyway.
  if (r.body) {
    if (r.body["max_file_mb"] === null) delete r.body["max_file_mb"];
    if (r.body["file_types"] === "") delete r.body["file_types"];
  }
  return r;
}

/** The body of an edit: only the fields that differ from the department as it was loaded (the
 * server keeps the others), so an edit never rewrites a setting the admin did not touch. An
 * unchanged form sends {}. */
export function departmentChanges(before: Department, f: DepartmentForm): { body?: Record<string, unknown>; errors: FieldErrors } {
  const next = fullBody(f);
  if (!next.body) return next;
  const old = fullBody({ ...departmentForm(before), id: f.id }).body;
  // The stored values could not be read back (not expected): send the whole form.
  if (!old) return departmentBody(f);
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(next.body)) {
    if (old[k] !== v) body[k] = v;
  }
  return { errors: next.errors, body };
}

function fullBody(f: DepartmentForm): { body?: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const id = f.id.trim();
  if (!DEPARTMENT_ID.test(id)) errors.id = "1 to 32 of a-z 0-9 . _ -";
  const count = (v: string, field: keyof DepartmentForm, what: string, max: number): number | undefined => {
    const t = v.trim();
    if (!t) return undefined;
    const n = Number(t);
    if (!Number.isFinite(n) || n < 0 || n > max) {
      errors[field] = `${what}: a number from 0 to ${max}`;
      return undefined;
    }
    return n;
  };
  const reassign = count(f.reassign_after_seconds, "reassign_after_seconds", "Seconds", 86_400);
  const target = count(f.waiting_target_seconds, "waiting_target_seconds", "Seconds", 86_400);
  const prompt = count(f.idle_prompt_minutes, "idle_prompt_minutes", "Minutes", 1440);
  const close = count(f.idle_close_minutes, "idle_close_minutes", "Minutes", 1440);
  const away = count(f.auto_away_seconds, "auto_away_seconds", "Seconds", 86_400);
  const fileMb = count(f.max_file_mb, "max_file_mb", "MB", 4096);
  if (fileMb !== undefined && !Number.isInteger(fileMb)) errors.max_file_mb = "MB: a whole number from 0 to 4096";
  // The types are the server's to judge (its words are shown by the field).
  const types = normalizeTypes(f.file_types);
  if (Object.keys(errors).length) return { errors };
  return {
    errors,
    body: {
      display_name: f.display_name.trim() || id,
      language: f.language.trim(),
      time_zone: f.time_zone.trim() || "UTC",
      hours: f.hours.trim(),
      holidays: f.holidays.trim(),
      reassign_after_seconds: reassign === undefined ? null : Math.round(reassign),
      required_tag: f.required_tag,
      waiting_target_seconds: target === undefined ? 120 : Math.round(target),
      idle_prompt_after_seconds: Math.round((prompt ?? 0) * 60),
      idle_close_after_seconds: Math.round((close ?? 0) * 60),
      auto_away_seconds: away === undefined ? DEFAULT_AUTO_AWAY_S : Math.round(away),
      max_file_mb: fileMb === undefined ? null : fileMb,
      file_types: types,
    },
  };
}

/** Which field a server message is about ("hours: rule 2: ..."), to show it next to that field. */
export function fieldOfMessage(message: string): keyof DepartmentForm | undefined {
  // The server names a field first, quoted ("'display_name': 1..100 bytes").
  const m = message.toLowerCase().replace(/^[\s'"]+/, "");
  const checks: [RegExp, keyof DepartmentForm][] = [
    [/^\s*(display_name|display name|name)\b/, "display_name"],
    [/\bholiday/, "holidays"],
    [/time[_ ]?zone/, "time_zone"],
    [/idle_prompt|idle prompt/, "idle_prompt_minutes"],
    [/idle_close|idle close/, "idle_close_minutes"],
    [/reassign/, "reassign_after_seconds"],
    [/waiting_target|waiting target/, "waiting_target_seconds"],
    [/auto[_ -]?away/, "auto_away_seconds"],
    [/max[_ ]file|file[_ ]mb/, "max_file_mb"],
    [/file[_ ]types?|media type/, "file_types"],
    [/\blanguage\b/, "language"],
    [/\bhours\b|\brule \d|\bschedule\b|\binterval\b|\bday\b/, "hours"],
    [/\bid\b/, "id"],
  ];
  for (const [re, field] of checks) if (re.test(m)) return field;
  return undefined;
}
