// Bans in the console, the pure parts: the ban form's request body (kinds, duration, reason
// checks), the notice after a ban, the rows of the Bans tab; the staff side of sneak peek (which
// TypingUpdate or event shows or ends a draft); the words for a chat closed by a ban.
import { describe, expect, it } from "vitest";
import {
  BAN_DURATIONS, banBody, banForm, banNotice, banRows, bansPath, DEFAULT_BAN_SECONDS, durationLabel, subjectText, type Ban,
} from "../../src/agent/bans.js";
import { draftAfterEvent, draftAfterTyping } from "../../src/agent/peek.js";
import { CLOSED_BAN_TEXT, isBanClose, staffEventText } from "../../src/agent/wording.js";
import { EventKind, Role } from "../../src/lib/proto.js";

const ban = (o: Partial<Ban>): Ban => ({
  id: 1, kind: "visitor", value: "v1", conversation_id: "c1", reason: "spam", created_by: "alice", created_ms: 1_000,
  expires_ms: 0, lifted_by: "", lifted_ms: 0, active: true, ...o,
});
const fmt = (ms: number) => `t${ms}`;

describe("ban form", () => {
  it("defaults: 1 day, everything checked, email only when the visitor gave one", () => {
    expect(DEFAULT_BAN_SECONDS).toBe(86_400);
    expect(BAN_DURATIONS.map((d) => d.seconds)).toEqual([3600, 86_400, 604_800, 2_592_000, 0]);
    expect(banForm("c1", "yes").kinds).toEqual({ visitor: true, address: true, email: true });
    expect(banForm("c1", "no").kinds).toEqual({ visitor: true, address: true, email: false });
  });
  it("sends what is checked, the duration in seconds and the trimmed reason", () => {
    const f = { ...banForm("c7", "yes"), reason: "  spam links " };
    expect(banBody(f)).toEqual({ body: { conversation_id: "c7", kinds: ["visitor", "address", "email"], duration_seconds: 86_400, reason: "spam links" } });
    expect(banBody({ ...f, kinds: { visitor: true, address: true, email: false }, durationSeconds: 0 }).body)
      .toEqual({ conversation_id: "c7", kinds: ["visitor", "address"], duration_seconds: 0, reason: "spam links" });
    expect(banBody({ ...f, kinds: { visitor: false, address: true, email: false }, durationSeconds: 3600 }).body?.["kinds"]).toEqual(["address"]);
  });
  it("never sends email for a visitor without one, even if the box was somehow checked", () => {
    const f = { ...banForm("c1", "no"), reason: "abuse", kinds: { visitor: true, address: false, email: true } };
    expect(banBody(f).body?.["kinds"]).toEqual(["visitor"]);
  });
  it("when the console cannot tell (monitor pane), all checked is the server's default: no kinds", () => {
    const f = { ...banForm("c1", "unknown"), reason: "abuse" };
    expect(banBody(f).body).toEqual({ conversation_id: "c1", duration_seconds: 86_400, reason: "abuse" });
    expect(banBody({ ...f, kinds: { visitor: true, address: false, email: true } }).body?.["kinds"]).toEqual(["visitor", "email"]);
  });
  it("refuses an empty or too long reason, nothing checked, an unknown duration", () => {
    const f = banForm("c1", "yes");
    expect(banBody({ ...f, reason: "   " })).toEqual({ error: "Give a reason." });
    expect(banBody({ ...f, reason: "x".repeat(500) }).body).toBeDefined();
    expect(banBody({ ...f, reason: "x".repeat(501) }).error).toMatch(/too long/);
    // 500 bytes, not 500 characters: 250 é are 500 bytes, 251 too many.
    expect(banBody({ ...f, reason: "é".repeat(250) }).body).toBeDefined();
    expect(banBody({ ...f, reason: "é".repeat(251) }).error).toMatch(/too long/);
    expect(banBody({ ...f, reason: "spam", kinds: { visitor: false, address: false, email: false } })).toEqual({ error: "Choose what to ban." });
    expect(banBody({ ...banForm("c1", "no"), reason: "spam", kinds: { visitor: false, address: false, email: true } })).toEqual({ error: "Choose what to ban." });
    expect(banBody({ ...f, reason: "spam", durationSeconds: 59 })).toEqual({ error: "Choose a duration." });
  });
});

describe("ban notice", () => {
  it("says what was banned and until when", () => {
    expect(banNotice({ bans: [ban({ kind: "visitor", value: "v9" }), ban({ id: 2, kind: "address", value: "203.0.113.7" })], closed_conversation_id: "c1" }, fmt))
      .toBe("Banned the visitor v9 and address 203.0.113.7 until lifted. The chat was closed.");
    expect(banNotice({ bans: [ban({ kind: "email", value: "a@b.c", expires_ms: 5000 })], closed_conversation_id: "" }, fmt))
      .toBe("Banned email a@b.c until t5000.");
    expect(banNotice({ bans: [ban({}), ban({ kind: "address", value: "::1" }), ban({ kind: "email", value: "a@b.c" })], closed_conversation_id: "" }, fmt))
      .toBe("Banned the visitor v1, address ::1 and email a@b.c until lifted.");
    expect(banNotice({ bans: [], closed_conversation_id: "" })).toBe("Nothing was banned.");
    expect(subjectText({ kind: "address", value: "203.0.113.7" })).toBe("address 203.0.113.7");
    expect(durationLabel(604_800)).toBe("7 days");
    expect(durationLabel(0)).toBe("until lifted");
  });
});

describe("bans list", () => {
  it("rows: kind, value, reason, by, since, until or 'until lifted', state, Lift only for active ones", () => {
    const now = 10_000;
    const rows = banRows([
      ban({ id: 3, kind: "address", value: "203.0.113.7", reason: "bots", created_by: "sue", created_ms: 9000, expires_ms: 0 }),
      ban({ id: 2, kind: "email", value: "a@b.c", created_ms: 8000, expires_ms: 20_000 }),
      ban({ id: 1, active: false, created_ms: 1000, expires_ms: 0, lifted_by: "sue", lifted_ms: 9500 }),
      ban({ id: 0, active: true, created_ms: 500, expires_ms: 9999 }),
    ], now, fmt);
    expect(rows[0]).toEqual({ id: 3, kind: "address", value: "203.0.113.7", reason: "bots", by: "sue", since: "t9000", until: "until lifted", state: "active", liftable: true });
    expect(rows[1]).toMatchObject({ until: "t20000", state: "active", liftable: true });
    expect(rows[2]).toMatchObject({ state: "lifted by sue, t9500", liftable: false });
    // Past its end but not yet swept by the server: shown as expired, no Lift.
    expect(rows[3]).toMatchObject({ state: "expired", liftable: false });
  });
  it("asks for active bans, or all with the toggle", () => {
    expect(bansPath(false)).toBe("/api/bans");
    expect(bansPath(true)).toBe("/api/bans?all=1");
  });
});

describe("sneak peek (staff)", () => {
  const t = (role: Role, typing: boolean, draft: string) => ({ role, typing, draft });
  it("shows the visitor's draft, replaced on every update, gone when they stop or empty the box", () => {
    let d = draftAfterTyping("", t(Role.VISITOR, true, "I ne"));
    expect(d).toBe("I ne");
    d = draftAfterTyping(d, t(Role.VISITOR, true, "I need a refund"));
    expect(d).toBe("I need a refund");
    expect(draftAfterTyping(d, t(Role.VISITOR, false, ""))).toBe("");
    expect(draftAfterTyping(d, t(Role.VISITOR, true, ""))).toBe("");
    // Staff typing says nothing about the visitor's draft.
    expect(draftAfterTyping(d, t(Role.AGENT, true, ""))).toBe("I need a refund");
  });
  it("the visitor's message or the chat's end removes it; others' messages do not", () => {
    expect(draftAfterEvent("abc", { kind: EventKind.MESSAGE, senderRole: Role.VISITOR })).toBe("");
    expect(draftAfterEvent("abc", { kind: EventKind.MESSAGE, senderRole: Role.AGENT })).toBe("abc");
    expect(draftAfterEvent("abc", { kind: EventKind.CLOSED, senderRole: Role.SYSTEM })).toBe("");
    expect(draftAfterEvent("abc", { kind: EventKind.TAGGED, senderRole: Role.AGENT })).toBe("abc");
  });
});

describe("a chat closed by a ban", () => {
  it("is named for staff", () => {
    const e = { kind: EventKind.CLOSED, role: Role.SYSTEM, senderId: "ban", senderName: "", agentId: "", department: "", text: "" };
    expect(isBanClose(e)).toBe(true);
    expect(staffEventText(e)).toBe(CLOSED_BAN_TEXT);
    expect(staffEventText({ ...e, senderId: "" })).toBe("Conversation closed");
    expect(isBanClose({ ...e, role: Role.AGENT })).toBe(false);
  });
});
