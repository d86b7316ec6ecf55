// The widget's PageView (protocol 8): the fields read from the window, the same URL and title
// never twice in a row, at most one per 300 ms with the newest sent after the pause (fake
// timers), again after every Welcome; and the single-page-app hooks on a stub window
// (pushState, replaceState, popstate, hashchange), which leave the page's own calls intact.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  PAGE_VIEW_INTERVAL_MS, PageReporter, pageFacts, reportable, watchNavigation, type NavigationSource, type PageFacts, type PageSource,
} from "../../src/widget/page_view.js";

/** A window with a location, a title and a History whose pushState moves the location. */
function stubWindow(href = "https://shop.example/") {
  const listeners = new Map<string, Set<() => void>>();
  const win = {
    location: { href },
    document: { title: "Home", referrer: "https://www.google.com/search?q=boots" },
    navigator: { language: "de-DE", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0" },
    calls: [] as string[],
    history: {
      pushState(_d: unknown, _u: string, url?: string | URL | null) {
        win.calls.push(`push ${String(url)}`);
        if (url) win.location.href = new URL(String(url), win.location.href).href;
      },
      replaceState(_d: unknown, _u: string, url?: string | URL | null) {
        win.calls.push(`replace ${String(url)}`);
        if (url) win.location.href = new URL(String(url), win.location.href).href;
      },
    },
    addEventListener(type: string, fn: () => void) {
      if (!listeners.has(type)) listeners.set(type, new Set());
      listeners.get(type)!.add(fn);
    },
    removeEventListener(type: string, fn: () => void) {
      listeners.get(type)?.delete(fn);
    },
    dispatch(type: string) {
      for (const fn of listeners.get(type) ?? []) fn();
    },
    listenerCount: () => [...listeners.values()].reduce((n, s) => n + s.size, 0),
  };
  return win satisfies PageSource & NavigationSource;
}

describe("pageFacts", () => {
  it("reads the page, the browser and the local clock", () => {
    const win = stubWindow("https://shop.example/boots?size=42");
    const now = new Date();
    const p = pageFacts(win, now);
    expect(p).toMatchObject({
      url: "https://shop.example/boots?size=42", title: "Home", referrer: "https://www.google.com/search?q=boots",
      language: "de-DE", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0",
      utcOffsetMinutes: -now.getTimezoneOffset(),
    });
    expect(p.timeZone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
    // The widget's own title flashing is not the page's title.
    expect(pageFacts(win, now, "Home").title).toBe("Home");
  });
  it("reports only http(s) pages", () => {
    expect(reportable("https://a.example/")).toBe(true);
    expect(reportable("HTTP://a.example/")).toBe(true);
    expect(reportable("file:///tmp/page.html")).toBe(false);
    expect(reportable("about:blank")).toBe(false);
  });
});

describe("PageReporter", () => {
  let page: { url: string; title: string };
  let sent: PageFacts[];
  let r: PageReporter;
  const urls = () => sent.map((p) => `${p.url.replace("https://shop.example", "")} ${p.title}`);
  beforeEach(() => {
    vi.useFakeTimers();
    page = { url: "https://shop.example/", title: "Home" };
    sent = [];
    r = new PageReporter({
      read: () => ({ ...page, referrer: "", language: "en", timeZone: "UTC", utcOffsetMinutes: 0, userAgent: "ua" }),
      send: (p) => sent.push(p),
    });
  });
  afterEach(() => {
    r.stop();
    vi.useRealTimers();
  });

  it("sends after the Welcome once the current task is done, reading the page then", () => {
    r.connected();
    // A router sets the title right after its pushState: that title is the one sent.
    page.title = "Home — Shop";
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(urls()).toEqual(["/ Home — Shop"]);
  });

  it("never sends the same URL and title twice in a row", () => {
    r.connected();
    vi.advanceTimersByTime(0);
    vi.advanceTimersByTime(1000);
    r.changed();
    vi.advanceTimersByTime(1000);
    expect(urls()).toEqual(["/ Home"]);
    // A new title on the same URL is a new view; so is the same title elsewhere.
    page.title = "Cart (1)";
    r.changed();
    vi.advanceTimersByTime(0);
    page.url = "https://shop.example/cart";
    vi.advanceTimersByTime(1000);
    r.changed();
    vi.advanceTimersByTime(0);
    expect(urls()).toEqual(["/ Home", "/ Cart (1)", "/cart Cart (1)"]);
    // Back to a page seen before (not the last one): sent.
    page.url = "https://shop.example/";
    page.title = "Home";
    vi.advanceTimersByTime(1000);
    r.changed();
    vi.advanceTimersByTime(0);
    expect(urls().at(-1)).toBe("/ Home");
  });

  it("sends at most one per 300 ms: quick route changes coalesce into the newest after the pause", () => {
    expect(PAGE_VIEW_INTERVAL_MS).toBe(300);
    const at: number[] = [];
    const t0 = Date.now();
    r = new PageReporter({
      read: () => ({ ...page, referrer: "", language: "en", timeZone: "UTC", utcOffsetMinutes: 0, userAgent: "ua" }),
      send: (p) => { sent.push(p); at.push(Date.now() - t0); },
    });
    r.connected();
    vi.advanceTimersByTime(0);
    for (const [i, path] of ["/a", "/b", "/c"].entries()) {
      vi.advanceTimersByTime(50);
      page.url = `https://shop.example${path}`;
      page.title = path.toUpperCase();
      r.changed();
      if (i === 0) expect(at).toHaveLength(1);
    }
    vi.advanceTimersByTime(149);
    expect(at).toHaveLength(1);
    vi.advanceTimersByTime(1);
    // Sent at 300 ms, and only the last of the three.
    expect(at).toEqual([0, 300]);
    expect(urls()).toEqual(["/ Home", "/c /C"]);
    // Sixty route changes in three seconds: at most one per 300 ms.
    for (let i = 0; i < 60; i++) {
      page.url = `https://shop.example/p${i}`;
      r.changed();
      vi.advanceTimersByTime(50);
    }
    vi.advanceTimersByTime(1000);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(300);
    expect(sent.at(-1)!.url).toBe("https://shop.example/p59");
  });

  it("sends the page again after every Welcome (a new connection knows nothing)", () => {
    r.connected();
    vi.advanceTimersByTime(0);
    vi.advanceTimersByTime(5000);
    r.connected();
    vi.advanceTimersByTime(0);
    expect(urls()).toEqual(["/ Home", "/ Home"]);
  });

  it("a reconnect within 300 ms still waits for the pause", () => {
    r.connected();
    vi.advanceTimersByTime(0);
    vi.advanceTimersByTime(100);
    r.connected();
    vi.advanceTimersByTime(199);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent).toHaveLength(2);
  });

  it("sends nothing for a page that is not http(s), and nothing after stop", () => {
    page.url = "file:///home/me/page.html";
    r.connected();
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([]);
    page.url = "https://shop.example/";
    r.changed();
    r.stop();
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([]);
  });
});

describe("watchNavigation", () => {
  it("hears pushState, replaceState, popstate and hashchange; the page's calls still work", () => {
    const win = stubWindow();
    const heard: string[] = [];
    const undo = watchNavigation(win, () => heard.push(win.location.href));
    win.history.pushState({ n: 1 }, "", "/pricing");
    expect(win.calls).toEqual(["push /pricing"]);
    expect(heard).toEqual(["https://shop.example/pricing"]);
    win.history.replaceState(null, "", "/pricing?tab=2");
    win.location.href = "https://shop.example/";
    win.dispatch("popstate");
    win.location.href = "https://shop.example/#faq";
    win.dispatch("hashchange");
    expect(heard).toEqual(["https://shop.example/pricing", "https://shop.example/pricing?tab=2", "https://shop.example/", "https://shop.example/#faq"]);
    undo();
    win.history.pushState(null, "", "/after");
    win.dispatch("popstate");
    expect(heard).toHaveLength(4);
    expect(win.calls.at(-1)).toBe("push /after");
    expect(win.listenerCount()).toBe(0);
  });

  it("keeps the History's `this` and return value; a failing listener never breaks the page", () => {
    const win = stubWindow();
    let self: unknown;
    const orig = win.history.pushState;
    win.history.pushState = function (this: unknown, ...a: Parameters<typeof orig>) {
      self = this;
      orig.apply(this, a);
    };
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    watchNavigation(win, () => {
      throw new Error("boom");
    });
    expect(() => win.history.pushState(null, "", "/x")).not.toThrow();
    expect(self).toBe(win.history);
    expect(win.location.href).toBe("https://shop.example/x");
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });

  it("the undo leaves a wrapper another script put over ours", () => {
    const win = stubWindow();
    const heard: number[] = [];
    const undo = watchNavigation(win, () => heard.push(1));
    const ours = win.history.pushState;
    const theirs = function (this: unknown, ...a: Parameters<typeof ours>) {
      heard.push(2);
      ours.apply(this, a);
    };
    win.history.pushState = theirs;
    undo();
    expect(win.history.pushState).toBe(theirs);
  });
});
