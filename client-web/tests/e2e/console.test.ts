// The agent console's attention and trust features against the real server: no phantom unread
// counts after a reload, the selection and order kept, the transfer dialog's colleague list,
// desktop notifications (permission asked from a button), the repeating chime, the flashing title,
// auto-away (the localStorage override, and the department's auto_away_seconds); and the widget's
// preview bubble while minimised.
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  agentSend, agentSignIn, joinChat, launchBrowser, messages, newPage, openWidget, screenshot,
  startServer, widgetSend, type Server,
} from "./harness.js";

let browser: Browser;
let server: Server;
let errors: string[];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  errors = [];
  server = await startServer();
});
afterEach(async () => {
  await server?.stop();
  expect(errors, "console errors in the pages").toEqual([]);
});

const poll = (fn: () => Promise<unknown>, timeout = 15_000) => expect.poll(fn, { timeout, interval: 100 });

/** Records the Notification and AudioContext use of a page (the real APIs make no sound here). */
const recorder = (permission: "default" | "granted", answer: "granted" | "denied") => `
  (() => {
    const rec = (window.__rec = { notifications: [], asked: 0, oscillators: 0 });
    let perm = ${JSON.stringify(permission)};
    class FakeNotification {
      static get permission() { return perm; }
      static requestPermission() { rec.asked++; perm = ${JSON.stringify(answer)}; return Promise.resolve(perm); }
      constructor(title, opts) { rec.notifications.push({ title, body: (opts && opts.body) || "" }); this.onclick = null; }
      close() {}
    }
    window.Notification = FakeNotification;
    const node = () => ({ connect: (x) => x, start() {}, stop() {}, frequency: { value: 0 },
      gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} } });
    class FakeAudioContext {
      constructor() { this.state = "running"; this.currentTime = 0; this.destination = {}; }
      createOscillator() { rec.oscillators++; return node(); }
      createGain() { return node(); }
      resume() { return Promise.resolve(); }
    }
    window.AudioContext = FakeAudioContext;
  })();`;

type Rec = { notifications: { title: string; body: string }[]; asked: number; oscillators: number };
const rec = (page: Page) => page.evaluate(() => (window as unknown as { __rec: Rec }).__rec);

async function visitor(name: string, question: string) {
  const v = await newPage(browser, errors, `visitor ${name}`);
  await openWidget(v.page, server.base);
  await joinChat(v.page, { name, department: "billing", question });
  return v;
}

describe("agent console after a reload", () => {
  it("no phantom unread counts; the selection and the order of the chats stay", async () => {
    const a = await newPage(browser, errors, "agent");
    await agentSignIn(a.page, server.base, server.token("alice", { name: "Alice", departments: ["billing"], capacity: 4 }));
    const vera = await visitor("Vera", "v1");
    await poll(() => a.page.locator(".chat-item").count()).toBe(1);
    const tom = await visitor("Tom", "t1");
    await poll(() => a.page.locator(".chat-item").count()).toBe(2);
    for (const t of ["v2", "v3"]) await widgetSend(vera.page, t);
    for (const t of ["t2", "t3", "t4"]) await widgetSend(tom.page, t);
    // Reads both: Tom's chat, then Vera's.
    await a.page.locator(".chat-item", { hasText: "Tom" }).click();
    await poll(() => messages(a.page.locator(".log"))).toEqual(["t1", "t2", "t3", "t4"]);
    await a.page.locator(".chat-item", { hasText: "Vera" }).click();
    await poll(() => messages(a.page.locator(".log"))).toEqual(["v1", "v2", "v3"]);
    await agentSend(a.page, "Hello Vera");
    await poll(() => a.page.locator(".unread").count()).toBe(0);
    await poll(() => a.page.title()).toBe("Agent console");
    const order = await a.page.locator(".chat-item .name").allTextContents();
    expect(order).toEqual(["Vera", "Tom"]);

    await a.page.reload();
    await a.page.getByText("Connected", { exact: true }).waitFor();
    await poll(() => a.page.locator(".chat-item").count()).toBe(2);
    await poll(() => messages(a.page.locator(".log"))).toEqual(["v1", "v2", "v3", "Hello Vera"]);
    // Nothing unread: the agent had read everything before the reload.
    await a.page.waitForTimeout(2000);
    expect(await a.page.locator(".unread").count()).toBe(0);
    expect(await a.page.locator(".new-chat").count()).toBe(0);
    expect(await a.page.title()).toBe("Agent console");
    expect(await a.page.locator(".chat-item .name").allTextContents()).toEqual(order);
    expect(await a.page.locator('.chat-item[aria-current="true"] .name').textContent()).toBe("Vera");
    // A message after the reload counts once, in the chat that is not open.
    await widgetSend(tom.page, "t5");
    await poll(() => a.page.locator(".chat-item", { hasText: "Tom" }).locator(".unread").getAttribute("data-unread")).toBe("1");
    await poll(() => a.page.title()).toBe("(1) Agent console");
    // A second reload keeps Tom's unread message unread, and only that one.
    await a.page.reload();
    await a.page.getByText("Connected", { exact: true }).waitFor();
    await poll(() => a.page.locator(".chat-item", { hasText: "Tom" }).locator(".unread").getAttribute("data-unread")).toBe("1");
    expect(await a.page.locator(".chat-item", { hasText: "Vera" }).locator(".unread").count()).toBe(0);
    await screenshot(a.page, "console-after-reload");
  });
});

describe("transfer dialog", () => {
  it("lists the online colleagues with their load; only those with a free slot can be picked", async () => {
    const a = await newPage(browser, errors, "alice");
    await agentSignIn(a.page, server.base, server.token("alice", { name: "Alice", departments: ["billing"], capacity: 2 }));
    const b = await newPage(browser, errors, "bob");
    await agentSignIn(b.page, server.base, server.token("bob", { name: "Bob", departments: ["billing"], capacity: 3 }));
    const c = await newPage(browser, errors, "carol");
    await c.page.goto(`${server.base}/agent`);
    await c.page.evaluate(() => localStorage.setItem("livechat:agent-prefs", JSON.stringify({ presence: 2 })));
    await agentSignIn(c.page, server.base, server.token("carol", { name: "Carol", departments: ["billing"], capacity: 2 }));
    const v = await visitor("Vera", "help");
    await poll(() => a.page.locator(".chat-item").count() .then(async (n) => n + (await b.page.locator(".chat-item").count()))).toBe(1);
    const holder = (await a.page.locator(".chat-item").count()) ? a : b;
    const other = holder === a ? { id: "bob", label: "Bob — 0/3 chats" } : { id: "alice", label: "Alice — 0/2 chats" };
    await holder.page.locator(".chat-item").first().click();
    await holder.page.getByRole("button", { name: "Transfer" }).click();
    const select = holder.page.getByLabel("To agent");
    await poll(() => select.locator(`option[value="${other.id}"]`).textContent()).toBe(other.label);
    // Self is not offered; Carol is away: shown, not selectable.
    const me = holder === a ? "alice" : "bob";
    expect(await select.locator(`option[value="${me}"]`).count()).toBe(0);
    await poll(() => select.locator('option[value="carol"]').textContent()).toBe("Carol — 0/2 chats (away)");
    expect(await select.locator('option[value="carol"]').isDisabled()).toBe(true);
    expect(await select.locator(`option[value="${other.id}"]`).isEnabled()).toBe(true);
    // The department transfer stays.
    await expect(holder.page.getByLabel("To department").locator("option").allTextContents()).resolves.toContain("billing");
    await screenshot(holder.page, "console-transfer-dialog");
    await select.selectOption(other.id);
    await holder.page.locator("#do-transfer").click();
    const target = holder === a ? b : a;
    await poll(() => target.page.locator(".chat-item").count()).toBe(1);
    await poll(() => v.page.locator("#livechat-widget header h2").textContent()).toBe(holder === a ? "Bob" : "Alice");
  });
});

describe("alerts", () => {
  it("desktop notification after the agent allowed it from the button; repeating chime and flashing title until the chat is opened", async () => {
    const a = await newPage(browser, errors, "agent");
    await a.context.addInitScript(recorder("default", "granted"));
    await a.page.goto(`${server.base}/agent`);
    await a.page.evaluate(() => localStorage.setItem("livechat:alert-repeat-ms", "700"));
    await agentSignIn(a.page, server.base, server.token("alice", { name: "Alice", departments: ["billing"], capacity: 4 }));
    const button = a.page.getByRole("button", { name: "Enable notifications" });
    await button.waitFor();
    // Never asked on load.
    expect((await rec(a.page)).asked).toBe(0);
    await button.click();
    await poll(() => button.isVisible()).toBe(false);
    expect((await rec(a.page)).asked).toBe(1);

    // First chat: selected at once, attended.
    await visitor("Vera", "first question");
    await poll(() => a.page.locator(".chat-item").count()).toBe(1);
    await poll(() => messages(a.page.locator(".log"))).toEqual(["first question"]);
    const before = (await rec(a.page)).oscillators;
    // A second chat while the first is open: unattended.
    await visitor("Tom", "second question");
    await poll(() => rec(a.page).then((r) => r.notifications.map((n) => n.title))).toContain("New chat — Tom");
    expect((await rec(a.page)).notifications.find((n) => n.title === "New chat — Tom")?.body).toBe("second question");
    await poll(() => a.page.locator(".chat-item", { hasText: "Tom" }).locator(".new-chat").count()).toBe(1);
    // The chime repeats (two oscillators per chime) ...
    await poll(() => rec(a.page).then((r) => (r.oscillators - before) / 2)).toBeGreaterThanOrEqual(3);
    // ... and the title flashes between the alert and the count.
    const titles = new Set<string>();
    for (let i = 0; i < 30; i++) {
      titles.add(await a.page.title());
      await a.page.waitForTimeout(100);
    }
    expect(titles).toContain("● New chat — Tom");
    expect([...titles].some((t) => t.endsWith("Agent console"))).toBe(true);
    // Opening the chat stops both.
    await a.page.locator(".chat-item", { hasText: "Tom" }).click();
    await poll(() => a.page.title()).toBe("Agent console");
    const after = (await rec(a.page)).oscillators;
    await a.page.waitForTimeout(2000);
    expect((await rec(a.page)).oscillators).toBe(after);
    expect(await a.page.title()).toBe("Agent console");
    expect(await a.page.locator(".new-chat").count()).toBe(0);
  });

  it("denied: the button goes away and no notification is shown", async () => {
    const a = await newPage(browser, errors, "agent");
    await a.context.addInitScript(recorder("default", "denied"));
    await agentSignIn(a.page, server.base, server.token("alice", { name: "Alice", departments: ["billing"], capacity: 4 }));
    const button = a.page.getByRole("button", { name: "Enable notifications" });
    await button.click();
    await poll(() => button.isVisible()).toBe(false);
    await visitor("Vera", "one");
    await poll(() => a.page.locator(".chat-item").count()).toBe(1);
    await visitor("Tom", "two");
    await poll(() => a.page.locator(".chat-item").count()).toBe(2);
    await a.page.waitForTimeout(500);
    expect((await rec(a.page)).notifications).toEqual([]);
  });

  it("granted by the browser: no button, the real Notification is used", async () => {
    const { context, page } = await newPage(browser, errors, "agent");
    await context.grantPermissions(["notifications"], { origin: server.base });
    // Wraps the browser's own Notification to see it constructed.
    await context.addInitScript(() => {
      const Real = window.Notification;
      const seen: string[] = ((window as unknown as { __seen: string[] }).__seen = []);
      const Wrapped = function (this: unknown, title: string, opts?: NotificationOptions) {
        seen.push(title);
        return new Real(title, opts);
      } as unknown as typeof Notification;
      Object.defineProperty(Wrapped, "permission", { get: () => Real.permission });
      Wrapped.requestPermission = Real.requestPermission.bind(Real);
      window.Notification = Wrapped;
    });
    await agentSignIn(page, server.base, server.token("alice", { name: "Alice", departments: ["billing"], capacity: 4 }));
    expect(await page.evaluate(() => Notification.permission)).toBe("granted");
    expect(await page.getByRole("button", { name: "Enable notifications" }).isVisible()).toBe(false);
    await visitor("Vera", "one");
    await poll(() => page.locator(".chat-item").count()).toBe(1);
    await visitor("Tom", "two");
    await poll(() => page.evaluate(() => (window as unknown as { __seen: string[] }).__seen)).toContain("New chat — Tom");
  });
});

describe("presence", () => {
  it("auto-away after the idle time, online again on activity; a chosen Away stays", async () => {
    const token = server.token("alice", { name: "Alice", departments: ["billing"] });
    const a = await newPage(browser, errors, "agent");
    await a.page.goto(`${server.base}/agent`);
    await a.page.evaluate(() => localStorage.setItem("livechat:idle-minutes", "0.05")); // 3 s
    await agentSignIn(a.page, server.base, token);
    const status = async () => {
      const r = await server.get("/api/agents", token);
      return (JSON.parse(r.body) as { agents: { id: string; status: string }[] }).agents.find((x) => x.id === "alice")?.status;
    };
    await poll(() => status()).toBe("online");
    await poll(() => a.page.getByLabel("Presence").inputValue()).toBe("2");
    await poll(() => status()).toBe("away");
    const banner = a.page.locator(".away-banner");
    await expect(banner.textContent()).resolves.toContain("You were set to Away");
    await screenshot(a.page, "console-auto-away");
    await a.page.mouse.move(200, 200);
    await a.page.mouse.move(220, 240);
    await poll(() => a.page.getByLabel("Presence").inputValue()).toBe("1");
    await poll(() => status()).toBe("online");
    expect(await banner.isVisible()).toBe(false);

    // Chosen away: activity does not change it.
    await a.page.getByLabel("Presence").selectOption("2");
    await poll(() => status()).toBe("away");
    await a.page.waitForTimeout(3500);
    await a.page.mouse.move(10, 10);
    await a.page.keyboard.press("Shift");
    await a.page.waitForTimeout(1000);
    expect(await a.page.getByLabel("Presence").inputValue()).toBe("2");
    expect(await status()).toBe("away");
    expect(await banner.isVisible()).toBe(false);
  });

  it("auto-away after the department's auto_away_seconds (no override), online again on activity", async (ctx) => {
    const root = server.token("root", { admin: true });
    const put = await server.send("/api/departments/billing", { auto_away_seconds: 2 }, root, "PUT");
    // A server before protocol 4 refuses the field.
    if (put.status === 400 && put.body.includes("auto_away_seconds")) return ctx.skip();
    expect(put.status, put.body).toBe(200);
    expect(JSON.parse(put.body)).toMatchObject({ id: "billing", auto_away_seconds: 2 });
    const token = server.token("alice", { name: "Alice", departments: ["billing"] });
    const a = await newPage(browser, errors, "agent");
    await agentSignIn(a.page, server.base, token);
    expect(await a.page.evaluate(() => localStorage.getItem("livechat:idle-minutes"))).toBeNull();
    const status = async () => {
      const r = await server.get("/api/agents", token);
      return (JSON.parse(r.body) as { agents: { id: string; status: string }[] }).agents.find((x) => x.id === "alice")?.status;
    };
    await poll(() => status(), 5000).toBe("online");
    // Nothing happens for 4 s: away after 2.
    await a.page.waitForTimeout(4000);
    const banner = a.page.locator(".away-banner");
    expect(await banner.isVisible()).toBe(true);
    await expect(banner.textContent()).resolves.toContain("after 2s without activity");
    expect(await a.page.getByLabel("Presence").inputValue()).toBe("2");
    await poll(() => status(), 5000).toBe("away");
    await screenshot(a.page, "console-auto-away-department");
    // Busy from now on (2 s of stillness would set her away again).
    let x = 0;
    const busy = async <T>(read: () => Promise<T>) => {
      await a.page.mouse.move(200 + (x++ % 40), 240);
      return read();
    };
    await poll(() => busy(() => a.page.getByLabel("Presence").inputValue()), 5000).toBe("1");
    await poll(() => busy(status), 5000).toBe("online");
    expect(await busy(() => banner.isVisible())).toBe(false);
  });
});

describe("widget", () => {
  it("minimised: a preview bubble of the agent's message and a flashing page title until opened", async () => {
    const a = await newPage(browser, errors, "agent");
    await agentSignIn(a.page, server.base, server.token("alice", { name: "Alice", departments: ["billing"] }));
    const v = await visitor("Vera", "hello");
    const w = v.page.locator("#livechat-widget");
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("chat");
    const hostTitle = await v.page.title();
    await w.getByRole("button", { name: "Minimize chat" }).click();
    await poll(() => w.locator(".panel").isVisible()).toBe(false);
    await poll(() => messages(a.page.locator(".log"))).toEqual(["hello"]);
    await agentSend(a.page, "Hi Vera, how can I help?");
    const preview = w.locator(".preview");
    await poll(() => preview.isVisible()).toBe(true);
    await expect(preview.textContent()).resolves.toContain("New message from Alice");
    await expect(preview.locator(".preview-text").textContent()).resolves.toBe("Hi Vera, how can I help?");
    const titles = new Set<string>();
    for (let i = 0; i < 25; i++) {
      titles.add(await v.page.title());
      await v.page.waitForTimeout(100);
    }
    expect(titles).toContain("💬 New message from Alice");
    expect(titles).toContain(hostTitle);
    await screenshot(v.page, "widget-preview");
    // Read marks have words for screen readers.
    await preview.locator(".preview-open").click();
    await poll(() => w.locator(".panel").isVisible()).toBe(true);
    await poll(() => preview.isVisible()).toBe(false);
    await poll(() => v.page.title()).toBe(hostTitle);
    await v.page.waitForTimeout(1200);
    expect(await v.page.title()).toBe(hostTitle);
    await poll(() => w.locator("li.msg.own .mark .sr").first().textContent()).toBe("Read");
    await poll(() => a.page.locator("li.msg.own .mark .sr").first().textContent()).toBe("Read");
    expect(await a.page.locator("li.msg.own .mark [aria-hidden]").first().textContent()).toBe("✓✓");
  });
});
