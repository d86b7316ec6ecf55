// Email (protocol 6), the pure parts: the Offline inbox's reply body (checks in bytes, as the
// server counts) and the line saying who answered an item and when; the widget's transcript
// texts in every built-in language.
import { describe, expect, it } from "vitest";
import { answeredLine, JUST_NOW_MS, MAX_REPLY_BYTES, replyBody, replyPath, whenText } from "../../src/agent/inbox.js";
import { formatTime } from "../../src/lib/format.js";
import { en, fill, strings } from "../../src/widget/i18n.js";

const names = new Map([["alice", "Alice"]]);
const name = (id: string) => names.get(id);
// Noon of a local day, so "the same day" holds whatever the machine's zone.
const noon = new Date(2025, 2, 14, 12, 0, 0).getTime();

describe("reply by email", () => {
  it("posts to the message's reply path, its id escaped", () => {
    expect(replyPath("om_1")).toBe("/api/offline-messages/om_1/reply");
    expect(replyPath("a/b c")).toBe("/api/offline-messages/a%2Fb%20c/reply");
  });
  it("sends the text without the blanks around it; none at all is refused here", () => {
    expect(replyBody("  Thanks, we called you.\n")).toEqual({ body: { text: "Thanks, we called you." } });
    expect(replyBody("").error).toBe("Write a reply first.");
    expect(replyBody(" \n\t ").body).toBeUndefined();
  });
  it("counts the limit in UTF-8 bytes, like the server", () => {
    expect(replyBody("a".repeat(MAX_REPLY_BYTES)).body?.text.length).toBe(10_000);
    expect(replyBody("a".repeat(MAX_REPLY_BYTES + 1)).error).toBe("The reply is too long: 10,001 bytes, at most 10,000.");
    // 3,334 euro signs are 10,002 bytes but only 3,334 UTF-16 units.
    expect(replyBody("€".repeat(3334)).error).toMatch(/10,002 bytes/);
    expect(replyBody("€".repeat(3333)).body).toBeDefined();
  });
});

describe("who answered", () => {
  it("nothing for an item nobody answered", () => {
    expect(answeredLine({ atMs: 0, by: "" }, { now: noon, name })).toBe("");
  });
  it("names the agent when known, else says the id, with the time of day", () => {
    const at = noon - 3_600_000;
    expect(answeredLine({ atMs: at, by: "alice" }, { now: noon, name })).toBe(`Answered by Alice · ${formatTime(at)}`);
    expect(answeredLine({ atMs: at, by: "bob" }, { now: noon, name })).toBe(`Answered by bob · ${formatTime(at)}`);
    expect(answeredLine({ atMs: at, by: "" }, { now: noon, name })).toBe(`Answered by a colleague · ${formatTime(at)}`);
  });
  it("this console's own reply is 'just now' for a minute (local clock), then answered like any", () => {
    const serverAt = noon + 5 * 60_000; // a server clock ahead of ours does not matter
    const own = { atMs: serverAt, by: "alice", ownAtMs: noon };
    expect(answeredLine(own, { now: noon, name })).toBe("Replied by you just now");
    expect(answeredLine(own, { now: noon + JUST_NOW_MS - 1, name })).toBe("Replied by you just now");
    expect(answeredLine(own, { now: noon + JUST_NOW_MS, name })).toBe(`Answered by Alice · ${formatTime(serverAt)}`);
  });
  it("another day shows the date too", () => {
    const yesterday = noon - 86_400_000;
    expect(whenText(noon - 60_000, noon, "en-GB")).toBe(formatTime(noon - 60_000, "en-GB"));
    const t = whenText(yesterday, noon, "en-GB");
    expect(t).toContain("13 Mar");
    expect(t).toContain(formatTime(yesterday, "en-GB"));
  });
});

describe("widget transcript texts", () => {
  const keys = ["emailTranscript", "yourEmail", "sendTranscript", "transcriptSent", "transcriptLater"] as const;
  it("English as the brief says, the address filled in", () => {
    expect(en.yourEmail).toBe("Your email");
    expect(en.sendTranscript).toBe("Send transcript");
    expect(en.emailTranscript).toBe("Email me the transcript");
    expect(fill(en.transcriptSent, { email: "vera@example.org" })).toBe("We'll email the transcript to vera@example.org.");
  });
  it("translated in every built-in language, each with the address", () => {
    for (const lang of ["fr", "de", "es"]) {
      const t = strings(lang);
      for (const k of keys) expect(t[k], `${lang} ${k}`).not.toBe(en[k]);
      expect(fill(t.transcriptSent, { email: "x@y.z" })).toContain("x@y.z");
      expect(fill(t.transcriptLater, { email: "x@y.z" })).toContain("x@y.z");
    }
  });
});
