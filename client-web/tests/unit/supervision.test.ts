// Issue 12's pure helpers: waiting urgency, the department form (minutes in, seconds out), the
// words of the new events in staff transcripts, the reopening time in the widget, the colleague
// list of "Assign to…", a barged-in supervisor's own messages, the flat REST error shape.
import { describe, expect, it } from "vitest";
import { ConversationLog, isIdleClose } from "../../src/lib/conversation.js";
import { DEFAULT_WAITING_TARGET_S, departmentBody, departmentForm, fieldOfMessage, isUrgent, waitingTarget } from "../../src/lib/departments.js";
import { EventKind, Role, create, ChatEventSchema } from "../../src/lib/proto.js";
import { apiJson, ApiError, tokenRole } from "../../src/lib/session.js";
import { canTake, colleaguesFor, type Colleague } from "../../src/agent/supervise.js";
import { CLOSED_IDLE_TEXT, IDLE_PROMPT_TEXT, roleOfName, staffEventText, type EventFacts } from "../../src/agent/wording.js";
import { reopening } from "../../src/widget/hours.js";
import { strings } from "../../src/widget/i18n.js";

describe("urgency", () => {
  it("is past the department's waiting target, 120 s by default", () => {
    expect(DEFAULT_WAITING_TARGET_S).toBe(120);
    expect(isUrgent(121, 120)).toBe(true);
    expect(isUrgent(120, 120)).toBe(false);
    expect(isUrgent(31, 30)).toBe(true);
    expect(isUrgent(100, 0)).toBe(false);
    expect(isUrgent(121, 0)).toBe(true);
    expect(waitingTarget(undefined)).toBe(120);
    expect(waitingTarget({ waiting_target_seconds: 45 })).toBe(45);
    expect(waitingTarget({ waiting_target_seconds: 0 })).toBe(120);
  });
});

describe("department form", () => {
  it("sends idle times in seconds, an empty reassign as the server's default", () => {
    const f = { ...departmentForm(), id: "billing", display_name: "Billing", hours: " mon-fri 09:00-17:00 ", idle_prompt_minutes: "2", idle_close_minutes: "0.5" };
    const { body, errors } = departmentBody(f);
    expect(errors).toEqual({});
    expect(body).toEqual({
      display_name: "Billing", language: "", time_zone: "UTC", hours: "mon-fri 09:00-17:00", holidays: "",
      reassign_after_seconds: null, required_tag: false, waiting_target_seconds: 120,
      idle_prompt_after_seconds: 120, idle_close_after_seconds: 30, auto_away_seconds: 600,
    });
    expect(departmentBody({ ...f, reassign_after_seconds: "90" }).body?.["reassign_after_seconds"]).toBe(90);
  });
  it("shows a department's values, minutes for the idle times", () => {
    const f = departmentForm({ id: "tech", display_name: "Tech", time_zone: "Europe/Berlin", reassign_after_seconds: null, waiting_target_seconds: 60, idle_prompt_after_seconds: 300, idle_close_after_seconds: 0, required_tag: true });
    expect(f).toMatchObject({ id: "tech", time_zone: "Europe/Berlin", reassign_after_seconds: "", waiting_target_seconds: "60", idle_prompt_minutes: "5", idle_close_minutes: "", required_tag: true });
    expect(departmentForm({ id: "x", display_name: "", reassign_after_seconds: 0 }).reassign_after_seconds).toBe("0");
  });
  it("types and sends the auto-away in seconds: 0 is never, empty the default 600", () => {
    expect(departmentForm({ id: "x", display_name: "", auto_away_seconds: 0 }).auto_away_seconds).toBe("0");
    expect(departmentForm({ id: "x", display_name: "", auto_away_seconds: 90 }).auto_away_seconds).toBe("90");
    expect(departmentForm({ id: "x", display_name: "" }).auto_away_seconds).toBe("");
    const f = { ...departmentForm(), id: "billing" };
    expect(departmentBody({ ...f, auto_away_seconds: "0" }).body?.["auto_away_seconds"]).toBe(0);
    expect(departmentBody({ ...f, auto_away_seconds: " 120 " }).body?.["auto_away_seconds"]).toBe(120);
    expect(departmentBody(f).body?.["auto_away_seconds"]).toBe(600);
    expect(departmentBody({ ...f, auto_away_seconds: "86401" }).errors).toEqual({ auto_away_seconds: "Seconds: a number from 0 to 86400" });
    expect(fieldOfMessage("'auto_away_seconds': 0..86400 (0: never)")).toBe("auto_away_seconds");
  });
  it("refuses bad ids and numbers per field", () => {
    const { body, errors } = departmentBody({ ...departmentForm(), id: "Bad Id", idle_prompt_minutes: "-1", waiting_target_seconds: "abc" });
    expect(body).toBeUndefined();
    expect(Object.keys(errors).sort()).toEqual(["id", "idle_prompt_minutes", "waiting_target_seconds"]);
  });
  it("places a server message next to its field", () => {
    expect(fieldOfMessage("rule 2: 'sat 25:00-14:00': hour must be 00..24")).toBe("hours");
    expect(fieldOfMessage("hours: expected a day name")).toBe("hours");
    expect(fieldOfMessage("holidays: '2026-13-01' is not a date")).toBe("holidays");
    expect(fieldOfMessage("unknown time zone 'Mars/Base'")).toBe("time_zone");
    expect(fieldOfMessage("idle_close_after_seconds out of range")).toBe("idle_close_minutes");
    expect(fieldOfMessage("holiday 2: '2026-13-01': month must be 01..12")).toBe("holidays");
    expect(fieldOfMessage("'display_name': 1..100 bytes")).toBe("display_name");
    expect(fieldOfMessage("'waiting_target_seconds': 1..86400")).toBe("waiting_target_seconds");
    expect(fieldOfMessage("'language': a language tag such as \"de\"")).toBe("language");
    expect(fieldOfMessage("something else")).toBeUndefined();
  });
});

const ev = (o: Partial<EventFacts>): EventFacts => ({ kind: EventKind.MESSAGE, role: Role.AGENT, senderId: "", senderName: "", agentId: "", department: "", text: "", ...o });

describe("event wording (staff)", () => {
  it("names barge-in, monitoring, the idle prompt and the idle close", () => {
    expect(staffEventText(ev({ kind: EventKind.BARGED_IN, role: Role.SUPERVISOR, senderId: "sue", senderName: "Sue" }))).toBe("Sue (supervisor) joined the chat");
    expect(staffEventText(ev({ kind: EventKind.MONITORED, role: Role.SUPERVISOR, senderId: "sue", senderName: "Sue" }))).toBe("Sue is monitoring");
    expect(staffEventText(ev({ kind: EventKind.IDLE_PROMPT, role: Role.SYSTEM, text: "Are you still there?" }))).toBe(IDLE_PROMPT_TEXT);
    expect(IDLE_PROMPT_TEXT).toBe("Visitor asked if still there (idle)");
    expect(staffEventText(ev({ kind: EventKind.CLOSED, role: Role.SYSTEM, senderId: "idle" }))).toBe(CLOSED_IDLE_TEXT);
    expect(CLOSED_IDLE_TEXT).toBe("Closed: idle");
    expect(staffEventText(ev({ kind: EventKind.CLOSED, role: Role.AGENT, senderId: "idle" }))).toBe("Conversation closed");
    expect(staffEventText(ev({ kind: EventKind.TAGGED, text: "vip,billing" }))).toBe("Tagged vip, billing");
    expect(staffEventText(ev({ kind: EventKind.MESSAGE }))).toBeUndefined();
  });
  it("reads History's role names", () => {
    expect(roleOfName("system")).toBe(Role.SYSTEM);
    expect(roleOfName("ROLE_SUPERVISOR")).toBe(Role.SUPERVISOR);
    expect(isIdleClose({ kind: EventKind.CLOSED, role: roleOfName("system"), senderId: "idle" })).toBe(true);
  });
});

describe("reopening time", () => {
  const monday9 = Date.UTC(2026, 11, 7, 9, 0); // Monday 7 December 2026, 09:00 UTC
  it("is the weekday and the time in the visitor's locale", () => {
    const now = Date.UTC(2026, 11, 5, 20, 0);
    expect(reopening(monday9, "en-GB", { now, timeZone: "UTC" })).toBe("Monday 09:00");
    expect(reopening(monday9, "fr", { now, timeZone: "UTC" })).toBe("lundi 09:00");
    expect(reopening(monday9, "de", { now, timeZone: "Europe/Berlin" })).toBe("Montag 10:00");
    expect(reopening(monday9, "en-US", { now, timeZone: "UTC" })).toMatch(/^Monday 09:00\sAM$/);
  });
  it("adds the date when it is more than six days away; nothing when unknown", () => {
    expect(reopening(monday9, "en-GB", { now: monday9 - 10 * 86_400_000, timeZone: "UTC" })).toBe("Monday 7 December 09:00");
    expect(reopening(0, "en")).toBe("");
    expect(reopening(monday9, "not a locale!!", { now: monday9, timeZone: "UTC" })).toContain("09");
  });
  it("has the new sentences in every language", () => {
    for (const lang of ["en", "fr", "de", "es"]) {
      const t = strings(lang);
      for (const k of ["closedNow", "backAt", "idlePrompt", "stillHere", "closedIdle", "supervisorJoined"] as const) expect(t[k], `${lang}.${k}`).toBeTruthy();
      expect(t.backAt).toContain("{when}");
      if (lang !== "en") expect(t.idlePrompt).not.toBe(strings("en").idlePrompt);
    }
    expect(strings("en").stillHere).toBe("I'm still here");
  });
});

describe("Assign to…", () => {
  const a = (id: string, o: Partial<Colleague> = {}): Colleague => ({ id, name: id, status: "online", connected: true, active: 0, capacity: 2, departments: ["billing"], ...o });
  it("offers the department's colleagues but me, free ones first, least loaded", () => {
    const list = colleaguesFor([
      a("me"), a("bob", { active: 1 }), a("cat"), a("dan", { departments: ["tech"] }), a("eve", { status: "away" }),
      a("fay", { status: "offline" }), a("gus", { active: 2 }),
    ], "billing", "me");
    expect(list.map((c) => c.id)).toEqual(["cat", "bob", "eve", "gus"]);
    expect(list.filter(canTake).map((c) => c.id)).toEqual(["cat", "bob"]);
  });
});

describe("a barged-in supervisor's messages", () => {
  it("are their own (ROLE_SUPERVISOR from the same id), others' are not", () => {
    const log = new ConversationLog("c1", Role.AGENT, "sue");
    const msg = (seq: number, role: Role, senderId: string) => create(ChatEventSchema, { conversationId: "c1", seq: BigInt(seq), kind: EventKind.MESSAGE, senderRole: role, senderId, text: "x" });
    log.add(msg(1, Role.SUPERVISOR, "sue"));
    log.add(msg(2, Role.SUPERVISOR, "max"));
    log.add(msg(3, Role.AGENT, "ann"));
    log.add(msg(4, Role.VISITOR, "v1"));
    expect(log.items().map((i) => i.own)).toEqual([true, false, false, false]);
  });
});

describe("REST errors", () => {
  it("reads both {error:{code,message}} and the flat {error,message}", async () => {
    const f = (body: unknown) => (async () => new Response(JSON.stringify(body), { status: 400 })) as unknown as typeof fetch;
    await expect(apiJson(f({ error: "invalid", message: "rule 1: bad day 'mo'" }), "/x")).rejects.toMatchObject({ status: 400, code: "invalid", message: "rule 1: bad day 'mo'" });
    await expect(apiJson(f({ error: { code: "bad_request", message: "nope" } }), "/x")).rejects.toMatchObject({ code: "bad_request", message: "nope" });
    await expect(apiJson(f({}), "/x")).rejects.toBeInstanceOf(ApiError);
  });
});

describe("tokenRole", () => {
  it("reads the role digit of a staff token, nothing else", () => {
    const b64 = (s: string) => Buffer.from(s).toString("base64url");
    expect(tokenRole(`lca1.${b64("sue\nSue\nbilling\n2\n2\n1796218613\n1796175413257")}.mac`)).toBe("supervisor");
    expect(tokenRole(`lca1.${b64("al\nAl\nbilling\n2\n0\n1796218617\n1")}.mac`)).toBe("agent");
    expect(tokenRole(`lca1.${b64("root\nRoot\n\n0\n1\n1796218617\n1")}.mac`)).toBe("admin");
    expect(tokenRole(`lcv1.${b64("v\n1")}.mac`)).toBeUndefined();
    expect(tokenRole("garbage")).toBeUndefined();
    expect(tokenRole("lca1.%%%.x")).toBeUndefined();
  });
});
