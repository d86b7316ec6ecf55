// Where the visitor is (PageView, protocol 8), for staff's live visitor list and the chat's
// visitor context: sent after every Welcome (the server keeps it per connection) and on every
// navigation of the host page, single-page apps' route changes included (history.pushState and
// replaceState wrapped, popstate and hashchange heard). The same URL and title twice in a row go
// once; at most one every 300 ms (the server refuses more than 4 a second), the newest after the
// pause. The page is read when the send is due, not when the route changed: routers set the
// title after pushState. No DOM of its own: unit-tested with a stub window and fake timers.

export const PAGE_VIEW_PROTOCOL = 8;
export const PAGE_VIEW_INTERVAL_MS = 300;

/** A PageView's fields. */
export interface PageFacts {
  url: string;
  title: string;
  referrer: string;
  language: string;
  timeZone: string;
  utcOffsetMinutes: number;
  userAgent: string;
}

/** The parts of a window a page is read from. */
export interface PageSource {
  location: { href: string };
  document: { title: string; referrer: string };
  navigator: { language: string; userAgent: string };
}

function timeZoneName(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone ?? "";
  } catch {
    return ""; // an engine without time zone data: the offset still says the local time
  }
}

/** The page as the window shows it now; `title` replaces the document's (the widget's own title
 * flashing is not the page's title). */
export function pageFacts(win: PageSource, now = new Date(), title?: string): PageFacts {
  return {
    url: win.location.href,
    title: title ?? win.document.title,
    referrer: win.document.referrer,
    language: win.navigator.language,
    timeZone: timeZoneName(),
    utcOffsetMinutes: -now.getTimezoneOffset(),
    userAgent: win.navigator.userAgent,
  };
}

/** Only http(s) pages are reported (the server refuses the others; a file:// page has no
 * visitor to show). */
export function reportable(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

export interface PageReporterOptions {
  read: () => PageFacts;
  send: (page: PageFacts) => void;
  intervalMs?: number;
  now?: () => number;
}

export class PageReporter {
  /** URL and title of the last one sent on this connection (undefined: none yet). */
  private lastKey?: string;
  private sentAt = -Infinity;
  private timer?: ReturnType<typeof setTimeout>;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: PageReporterOptions) {
    this.intervalMs = opts.intervalMs ?? PAGE_VIEW_INTERVAL_MS;
    this.now = opts.now ?? (() => Date.now());
  }

  /** The page may have changed: it is reported once the current task is done (the title a router
   * sets right after pushState counts) and at most once per interval. A change while a send is
   * due changes nothing more: that send reads the newest page. */
  changed(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.sentAt + this.intervalMs - this.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  /** A new connection (a Welcome): the server knows nothing of it yet, so the page goes again. */
  connected(): void {
    this.lastKey = undefined;
    this.changed();
  }

  /** Nothing more is sent (a scheduled send is dropped). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    const page = this.opts.read();
    if (!reportable(page.url)) return;
    const key = `${page.url}\n${page.title}`;
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.sentAt = this.now();
    this.opts.send(page);
  }
}

/** The parts of a window whose navigation is watched. */
export interface NavigationSource {
  history: {
    pushState(data: unknown, unused: string, url?: string | URL | null): void;
    replaceState(data: unknown, unused: string, url?: string | URL | null): void;
  };
  addEventListener(type: string, fn: () => void): void;
  removeEventListener(type: string, fn: () => void): void;
}

/** Calls `onChange` after every pushState and replaceState of the page (its router's route
 * changes), every popstate (back, forward) and hashchange. Returns the undo. The page's own
 * calls behave exactly as before, whatever `onChange` does. */
export function watchNavigation(win: NavigationSource, onChange: () => void): () => void {
  const h = win.history;
  const notify = () => {
    try {
      onChange();
    } catch (err) {
      console.warn("livechat: page view not reported", err);
    }
  };
  const origPush = h.pushState;
  const origReplace = h.replaceState;
  const push: typeof origPush = function (this: unknown, ...args) {
    const r = origPush.apply(this, args);
    notify();
    return r;
  };
  const replace: typeof origReplace = function (this: unknown, ...args) {
    const r = origReplace.apply(this, args);
    notify();
    return r;
  };
  h.pushState = push;
  h.replaceState = replace;
  win.addEventListener("popstate", notify);
  win.addEventListener("hashchange", notify);
  return () => {
    // Another script may have wrapped ours since: unwrapping it would drop theirs.
    if (h.pushState === push) h.pushState = origPush;
    if (h.replaceState === replace) h.replaceState = origReplace;
    win.removeEventListener("popstate", notify);
    win.removeEventListener("hashchange", notify);
  };
}
