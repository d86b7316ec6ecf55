// The visitors on the site (protocol 8), the console's side: the Board's SiteVisitor and the
// Assigned push's visit as the lists show them, names, durations against the server's clock,
// the visitor's local time from their UTC offset, device and referrer in words; a NAVIGATED event
// moving the chat's visit (and an old one of a replay not); the words of NAVIGATED in staff
// transcripts and History; the client's Board event carrying the list.
import { describe, expect, it } from "vitest";
import { ConversationLog } from "../../src/lib/conversation.js";
import {
  BoardSchema, ChatEventSchema, EventKind, Role, SiteVisitorSchema, VisitorContextSchema, create, type MessageInitShape,
} from "../../src/lib/proto.js";
import {
  MAX_PAGES, chatSiteOf, deviceText, localTime, localTimeText, navigated, pageLabel, referrerText, shortId, siteVisitorOf,
  sinceText, utcOffsetText, visitorName, visitorsKey, withBoardEntry, type ChatSite,
} from "../../src/agent/visitors.js";
import { navigatedText, staffEventText } from "../../src/agent/wording.js";
import { systemText as historyText } from "../../src/agent/history.js";

const visitor = (o: MessageInitShape<typeof SiteVisitorSchema> = {}) => create(SiteVisitorSchema, {
  visitorId: "v3fa9c1d2e4b5a6978812ab",
  displayName: "",
  url: "https://shop.example/boots",
  title: "Summit boots",
  onPageSinceMs: 1_000_000n,
  onSiteSinceMs: 400_000n,
  referrer: "https://www.google.com/search?q=boots",
  pages: 3,
  browser: "Chrome 120",
  os: "Android 14",
  device: "mobile",
  language: "de-DE",
  timeZone: "Europe/Berlin",
  utcOffsetMinutes: 60,
  previousChats: 2,
  conversationId: "",
  ...o,
});

describe("site visitors", () => {
  it("the Board's entries with numbers for the times", () => {
    const b = create(BoardSchema, { serverTimeMs: 1_060_000n, siteVisitors: [visitor(), visitor({ visitorId: "v2", displayName: "Vera", conversationId: "c9" })] });
    const rows = b.siteVisitors.map(siteVisitorOf);
    expect(rows[0]).toEqual({
      visitorId: "v3fa9c1d2e4b5a6978812ab", name: "", url: "https://shop.example/boots", title: "Summit boots",
      onPageSinceMs: 1_000_000, onSiteSinceMs: 400_000, referrer: "https://www.google.com/search?q=boots", pages: 3,
      browser: "Chrome 120", os: "Android 14", device: "mobile", language: "de-DE", timeZone: "Europe/Berlin",
      utcOffsetMinutes: 60, previousChats: 2, conversationId: "", invitation: "", invitedBy: "",
    });
    expect(rows[1]!.conversationId).toBe("c9");
    // Only what the rows show changes the key (the list is rebuilt then, else it ticks).
    expect(visitorsKey(rows)).toBe(visitorsKey(b.siteVisitors.map(siteVisitorOf)));
    expect(visitorsKey(rows)).not.toBe(visitorsKey([{ ...rows[0]!, title: "Cart" }, rows[1]!]));
  });

  it("names: the chat's name, else Visitor and a short id", () => {
    expect(shortId("v3fa9c1d2e4b5a6978812ab")).toBe("3fa9c1");
    expect(shortId("alice")).toBe("alice");
    expect(visitorName({ name: "  Vera ", visitorId: "v3fa9c1d2e4b5a6978812ab" })).toBe("Vera");
    expect(visitorName({ name: "", visitorId: "v3fa9c1d2e4b5a6978812ab" })).toBe("Visitor 3fa9c1");
    expect(visitorName({ name: "", visitorId: "" })).toBe("Visitor");
    expect(pageLabel("Summit boots", "https://shop.example/boots")).toBe("Summit boots");
    expect(pageLabel(" ", "https://shop.example/boots?x=1")).toBe("shop.example/boots?x=1");
    expect(pageLabel("", "")).toBe("—");
  });

  it("durations are against the server's clock", () => {
    expect(sinceText(1_000_000, 1_045_000)).toBe("45s");
    expect(sinceText(1_000_000, 1_125_000)).toBe("2m 05s");
    expect(sinceText(1_000_000, 1_000_000 + 3_780_000)).toBe("1h 03m");
    // The server's clock a little behind the event: never negative.
    expect(sinceText(1_000_000, 999_000)).toBe("0s");
    expect(sinceText(0, 5)).toBe("–");
  });

  it("their local time from the UTC offset, and where that is", () => {
    expect(utcOffsetText(0)).toBe("UTC");
    expect(utcOffsetText(120)).toBe("UTC+2");
    expect(utcOffsetText(330)).toBe("UTC+5:30");
    expect(utcOffsetText(-210)).toBe("UTC-3:30");
    expect(utcOffsetText(-300)).toBe("UTC-5");
    const noon = Date.UTC(2026, 5, 1, 12, 0, 0);
    expect(localTime(0, noon, "en-GB")).toBe("12:00");
    expect(localTime(120, noon, "en-GB")).toBe("14:00");
    expect(localTime(330, noon, "en-GB")).toBe("17:30");
    expect(localTime(-300, noon, "en-GB")).toBe("07:00");
    // Across midnight.
    expect(localTime(-60, Date.UTC(2026, 5, 1, 0, 30), "en-GB")).toBe("23:30");
    expect(localTimeText({ utcOffsetMinutes: 60, timeZone: "Europe/Berlin" }, noon, "en-GB")).toBe("13:00 (Europe/Berlin, UTC+1)");
    expect(localTimeText({ utcOffsetMinutes: 0, timeZone: "" }, noon, "en-GB")).toBe("12:00 (UTC)");
    expect(localTimeText({ utcOffsetMinutes: 0, timeZone: "UTC" }, noon, "en-GB")).toBe("12:00 (UTC)");
    expect(localTimeText({ utcOffsetMinutes: 0, timeZone: "Europe/London" }, noon, "en-GB")).toBe("12:00 (Europe/London, UTC)");
  });

  it("device, browser and system in one line; the referrer's host, or Direct", () => {
    expect(deviceText({ device: "mobile", browser: "Chrome 120", os: "Android 14" })).toBe("Mobile · Chrome 120 · Android 14");
    expect(deviceText({ device: "desktop", browser: "", os: "Windows 10" })).toBe("Desktop · Windows 10");
    expect(deviceText({ device: "", browser: "", os: "" })).toBe("—");
    expect(referrerText("https://www.google.com/search?q=boots")).toBe("google.com");
    expect(referrerText("https://news.example.org/a")).toBe("news.example.org");
    expect(referrerText("")).toBe("Direct");
    expect(referrerText("not a url")).toBe("not a url");
  });
});

describe("a chat's visit", () => {
  const assigned = () => chatSiteOf(create(VisitorContextSchema, {
    visitorId: "v1",
    site: visitor({ url: "https://shop.example/cart", title: "Cart", onPageSinceMs: 2_000_000n, pages: 2 }),
    pages: [
      { url: "https://shop.example/cart", title: "Cart", atMs: 2_000_000n },
      { url: "https://shop.example/", title: "Home", atMs: 1_900_000n },
    ],
  }));

  it("comes with the Assigned push; a server before 8 sends none", () => {
    const s = assigned();
    expect(s.site).toMatchObject({ url: "https://shop.example/cart", title: "Cart", onPageSinceMs: 2_000_000, pages: 2 });
    expect(s.pages).toEqual([
      { url: "https://shop.example/cart", title: "Cart", atMs: 2_000_000 },
      { url: "https://shop.example/", title: "Home", atMs: 1_900_000 },
    ]);
    expect(chatSiteOf(create(VisitorContextSchema, { visitorId: "v1", pageUrl: "https://shop.example/" }))).toEqual({ pages: [] });
    expect(chatSiteOf(undefined)).toEqual({ pages: [] });
  });

  it("a NAVIGATED event moves the visitor: the page now, since then, on top of the pages", () => {
    const next = navigated(assigned(), { url: "https://shop.example/checkout", title: "Checkout", atMs: 2_100_000 })!;
    expect(next.site).toMatchObject({ url: "https://shop.example/checkout", title: "Checkout", onPageSinceMs: 2_100_000, pages: 3, browser: "Chrome 120" });
    expect(next.pages.map((p) => p.title)).toEqual(["Checkout", "Cart", "Home"]);
    // Without a site entry (none sent yet) the pages still follow.
    const bare = navigated({ pages: [] }, { url: "https://shop.example/a", title: "", atMs: 5 })!;
    expect(bare).toEqual({ pages: [{ url: "https://shop.example/a", title: "", atMs: 5 }] });
  });

  it("an old event of a replay, or the page already on top, changes nothing", () => {
    const s = assigned();
    expect(navigated(s, { url: "https://shop.example/", title: "Home", atMs: 1_900_000 })).toBeUndefined();
    expect(navigated(s, { url: "https://shop.example/cart", title: "Cart", atMs: 2_000_000 })).toBeUndefined();
    expect(navigated(s, { url: "https://shop.example/cart", title: "Cart", atMs: 2_000_500 })).toBeUndefined();
  });

  it("keeps the newest 20 pages", () => {
    let s: ChatSite = { pages: [] };
    for (let i = 1; i <= 25; i++) s = navigated(s, { url: `https://shop.example/p${i}`, title: `P${i}`, atMs: i * 1000 })!;
    expect(s.pages).toHaveLength(MAX_PAGES);
    expect(s.pages[0]!.title).toBe("P25");
    expect(s.pages.at(-1)!.title).toBe("P6");
  });

  it("the Board's entry for the visitor is the newest word on their page, unless it is older", () => {
    const s = assigned();
    const newer = siteVisitorOf(visitor({ url: "https://shop.example/faq", title: "FAQ", onPageSinceMs: 2_200_000n }));
    expect(withBoardEntry(s, newer).site?.title).toBe("FAQ");
    expect(withBoardEntry(s, newer).pages).toBe(s.pages);
    const older = siteVisitorOf(visitor({ url: "https://shop.example/", title: "Home", onPageSinceMs: 1_900_000n }));
    expect(withBoardEntry(s, older)).toBe(s);
    expect(withBoardEntry(s, undefined)).toBe(s);
  });
});

describe("NAVIGATED in staff transcripts", () => {
  it("is a small line with the title, else the URL; live, in the monitor pane and in History", () => {
    expect(navigatedText("Pricing", "https://shop.example/pricing")).toBe("Visitor went to Pricing");
    expect(navigatedText("", "https://shop.example/pricing")).toBe("Visitor went to https://shop.example/pricing");
    const log = new ConversationLog("c1", Role.AGENT, "alice");
    log.add(create(ChatEventSchema, { conversationId: "c1", seq: 1n, kind: EventKind.NAVIGATED, senderRole: Role.VISITOR, text: "https://shop.example/pricing", pageTitle: "Pricing", atMs: 5n }));
    const item = log.items()[0]!;
    expect(item.pageTitle).toBe("Pricing");
    expect(item.own).toBe(false);
    expect(staffEventText(item)).toBe("Visitor went to Pricing");
    expect(log.lastOtherMessageSeq()).toBe(0);
    expect(historyText({ seq: 4, kind: "EVENT_KIND_NAVIGATED", role: "visitor", sender_id: "v1", sender_name: "", text: "https://shop.example/faq", page_title: "FAQ", at_ms: 1 }, new Map())).toBe("Visitor went to FAQ");
    expect(historyText({ seq: 4, kind: "EVENT_KIND_NAVIGATED", role: "visitor", sender_id: "v1", sender_name: "", text: "https://shop.example/faq", at_ms: 1 }, new Map())).toBe("Visitor went to https://shop.example/faq");
  });
});
