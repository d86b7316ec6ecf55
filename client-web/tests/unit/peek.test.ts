// Sneak peek, the widget's side: the draft cut at 1,000 bytes of UTF-8 between characters, and
// the throttle (one send per 400 ms at most, the last state always sent) on fake timers; the
// 4 s idle "stopped typing", with and without sneak peek. The neutral "not available" sentence
// in every built-in language.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cutUtf8, utf8Length } from "../../src/lib/utf8.js";
import { cutDraft, DraftSender, MAX_DRAFT_BYTES } from "../../src/widget/peek.js";
import { en, strings } from "../../src/widget/i18n.js";
import { TYPING_IDLE_MS, TypingNotifier } from "../../src/widget/typing.js";

describe("utf8", () => {
  it("counts bytes as the wire does", () => {
    expect(utf8Length("")).toBe(0);
    expect(utf8Length("abc")).toBe(3);
    expect(utf8Length("é")).toBe(2);
    expect(utf8Length("€")).toBe(3);
    expect(utf8Length("😀")).toBe(4);
    expect(utf8Length("\ud83d")).toBe(3); // a lone surrogate goes out as U+FFFD
    const enc = new TextEncoder();
    for (const t of ["Grüße 😀 مرحبا 你好", "a\u0301"]) expect(utf8Length(t)).toBe(enc.encode(t).length);
  });
  it("cuts between characters, never inside one", () => {
    expect(cutUtf8("abc", 2)).toBe("ab");
    expect(cutUtf8("aé", 2)).toBe("a");
    expect(cutUtf8("a😀", 4)).toBe("a");
    expect(cutUtf8("a😀", 5)).toBe("a😀");
    expect(cutUtf8("short", 1000)).toBe("short");
  });
});

describe("cutDraft", () => {
  it("keeps 1,000 bytes at most", () => {
    expect(MAX_DRAFT_BYTES).toBe(1000);
    expect(cutDraft("x".repeat(1000))).toHaveLength(1000);
    expect(cutDraft("x".repeat(1001))).toHaveLength(1000);
    // 333 euro signs are 999 bytes: the 334th does not fit whole.
    expect(cutDraft("€".repeat(400))).toBe("€".repeat(333));
    // 999 bytes, then a 4-byte emoji: cut before it, no half surrogate pair.
    const d = cutDraft("x".repeat(999) + "😀😀");
    expect(d).toBe("x".repeat(999));
    expect(utf8Length(cutDraft("é".repeat(700)))).toBe(1000);
    expect(utf8Length(cutDraft("😀".repeat(300)))).toBe(1000);
    expect(cutDraft("x".repeat(998) + "😀")).toBe("x".repeat(998));
  });
});

describe("DraftSender", () => {
  let sent: string[];
  let s: DraftSender;
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    s = new DraftSender({ send: (d) => sent.push(d) });
  });
  afterEach(() => vi.useRealTimers());

  it("sends the first keystroke at once, then at most every 400 ms with the newest text", () => {
    s.update("H");
    expect(sent).toEqual(["H"]);
    vi.advanceTimersByTime(100);
    s.update("He");
    vi.advanceTimersByTime(100);
    s.update("Hel");
    expect(sent).toEqual(["H"]);
    vi.advanceTimersByTime(199);
    expect(sent).toEqual(["H"]);
    vi.advanceTimersByTime(1);
    // The trailing send at 400 ms: the newest text, not every one.
    expect(sent).toEqual(["H", "Hel"]);
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual(["H", "Hel"]);
    // Quiet for long enough: the next keystroke goes at once again.
    s.update("Hell");
    expect(sent).toEqual(["H", "Hel", "Hell"]);
  });

  it("never sends faster than every 400 ms while typing fast (the server drops more than 4)", () => {
    let text = "";
    const at: number[] = [];
    let last = "";
    s = new DraftSender({ send: (d) => { at.push(Date.now()); last = d; } });
    for (let i = 0; i < 100; i++) {
      text += "a";
      s.update(text);
      vi.advanceTimersByTime(30);
    }
    vi.advanceTimersByTime(1000);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(400);
    // 3 s of typing: at 0, 400, …, 2800, and the trailing one at 3200 with the whole text.
    expect(at.length).toBe(9);
    expect(last).toBe("a".repeat(100));
  });

  it("the last state always arrives: an emptied box says stopped, throttled too", () => {
    s.update("Hi");
    vi.advanceTimersByTime(50);
    s.update("");
    expect(sent).toEqual(["Hi"]);
    vi.advanceTimersByTime(350);
    expect(sent).toEqual(["Hi", ""]);
    // Typed and erased within one interval: nothing new to say.
    vi.advanceTimersByTime(10);
    s.update("x");
    vi.advanceTimersByTime(50);
    s.update("");
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual(["Hi", ""]);
    s.update("");
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual(["Hi", ""]);
  });

  it("an unchanged text is not sent again", () => {
    s.update("same");
    vi.advanceTimersByTime(500);
    s.update("same");
    vi.advanceTimersByTime(500);
    expect(sent).toEqual(["same"]);
  });

  it("stop (the message went out): stopped at once, nothing trails", () => {
    s.update("Hello");
    vi.advanceTimersByTime(100);
    s.update("Hello there");
    s.stop();
    expect(sent).toEqual(["Hello", ""]);
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual(["Hello", ""]);
    // Nothing typed since: stop says nothing.
    s.stop();
    expect(sent).toEqual(["Hello", ""]);
  });

  it("cuts long drafts; reset forgets silently", () => {
    s.update("x".repeat(5000));
    expect(sent[0]).toHaveLength(1000);
    vi.advanceTimersByTime(100);
    s.update("y");
    s.reset();
    vi.advanceTimersByTime(1000);
    expect(sent).toHaveLength(1);
    s.stop();
    expect(sent).toHaveLength(1);
  });
});

describe("TypingNotifier", () => {
  let sent: { typing: boolean; draft: string }[];
  let t: TypingNotifier;
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    t = new TypingNotifier({ send: (typing, draft) => sent.push({ typing, draft }) });
  });
  afterEach(() => vi.useRealTimers());

  it("without sneak peek: typing at once, again after 3 s of typing, stopped 4 s after the last key", () => {
    expect(TYPING_IDLE_MS).toBe(4000);
    t.input("H", false);
    t.input("He", false);
    expect(sent).toEqual([{ typing: true, draft: "" }]);
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(350);
      t.input("He" + "y".repeat(i), false);
    }
    expect(sent).toEqual([{ typing: true, draft: "" }, { typing: true, draft: "" }]);
    vi.advanceTimersByTime(3999);
    expect(sent).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sent.at(-1)).toEqual({ typing: false, draft: "" });
    vi.advanceTimersByTime(10_000);
    expect(sent).toHaveLength(3);
  });

  it("with sneak peek: the drafts as before, then stopped after the same 4 s idle", () => {
    t.input("H", true);
    vi.advanceTimersByTime(100);
    t.input("Hi", true);
    vi.advanceTimersByTime(400);
    expect(sent).toEqual([{ typing: true, draft: "H" }, { typing: true, draft: "Hi" }]);
    // The last key was at 100 ms: stopped at 4,100 ms, not before.
    vi.advanceTimersByTime(3599);
    expect(sent).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([{ typing: true, draft: "H" }, { typing: true, draft: "Hi" }, { typing: false, draft: "" }]);
    vi.advanceTimersByTime(10_000);
    expect(sent).toHaveLength(3);
    // Typing again: the text still in the box goes out again at once.
    t.input("Hi!", true);
    expect(sent.at(-1)).toEqual({ typing: true, draft: "Hi!" });
  });

  it("with sneak peek, an emptied box already said stopped: the idle stop says nothing more", () => {
    t.input("x", true);
    vi.advanceTimersByTime(500);
    t.input("", true);
    expect(sent).toEqual([{ typing: true, draft: "x" }, { typing: false, draft: "" }]);
    vi.advanceTimersByTime(10_000);
    expect(sent).toHaveLength(2);
  });

  it("a sent message stops at once, once; from queued (plain) to chat (peek) says stopped once", () => {
    t.input("Hello", false);
    vi.advanceTimersByTime(500);
    t.input("Hello there", true);
    t.stop();
    vi.advanceTimersByTime(10_000);
    expect(sent).toEqual([{ typing: true, draft: "" }, { typing: true, draft: "Hello there" }, { typing: false, draft: "" }]);
    t.input("a", false);
    t.stop();
    t.stop();
    vi.advanceTimersByTime(10_000);
    expect(sent.slice(3)).toEqual([{ typing: true, draft: "" }, { typing: false, draft: "" }]);
  });

  it("reset forgets silently: no idle stop afterwards", () => {
    t.input("abc", true);
    t.reset();
    t.input("q", false);
    t.reset();
    vi.advanceTimersByTime(10_000);
    expect(sent).toEqual([{ typing: true, draft: "abc" }, { typing: true, draft: "" }]);
  });
});

describe("unavailable (a refused join)", () => {
  it("is said in every language, never naming a ban", () => {
    expect(en.unavailable).toBe("Chat is not available right now.");
    for (const lang of ["en", "fr", "de", "es"]) {
      const t = strings(lang).unavailable;
      if (lang !== "en") expect(t).not.toBe(en.unavailable);
      expect(t).not.toMatch(/ban|bann|prohib|verbot|interdit/i);
    }
  });
});
