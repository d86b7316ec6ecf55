// When a closed department opens again, in the visitor's words: "Monday 09:00" in their locale
// (Intl), with the date as well when it is more than six days away.

/** "<weekday> <time>" of a UTC instant for the visitor (timeZone: theirs unless given). */
export function reopening(opensAtMs: number, locale: string | undefined, opts: { now?: number; timeZone?: string } = {}): string {
  if (!Number.isFinite(opensAtMs) || opensAtMs <= 0) return "";
  const at = new Date(opensAtMs);
  const base: Intl.DateTimeFormatOptions = opts.timeZone ? { timeZone: opts.timeZone } : {};
  let loc: string | undefined = locale || undefined;
  try {
    new Intl.DateTimeFormat(loc);
  } catch {
    loc = undefined; // an unknown language tag: the browser's own
  }
  const far = opensAtMs - (opts.now ?? Date.now()) > 6 * 86_400_000;
  const day = new Intl.DateTimeFormat(loc, { ...base, weekday: "long", ...(far ? { day: "numeric", month: "long" } : {}) }).format(at);
  const time = new Intl.DateTimeFormat(loc, { ...base, hour: "2-digit", minute: "2-digit" }).format(at);
  return `${day} ${time}`;
}
