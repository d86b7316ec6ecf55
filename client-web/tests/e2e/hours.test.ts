// Departments against the real server: the admin page edits one (a bad hours text is refused
// with the server's words next to the field; a valid save shows in the list and in the API); the
// widget offers the offline form with the next opening on a holiday, and when a join is refused
// because the department closed meanwhile; the idle prompt ("I'm still here") and the close for
// inactivity, in the widget and in the console. The admin sets a department's auto-away and
// removes one (refused with the server's words while a visitor waits in it).
// Skips itself on a server binary from before (no business hours in GET /api/departments).
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  adminSignIn, agentSend, agentSignIn, joinChat, launchBrowser, messages, newPage, openWidget, screenshot,
  startServer, type Server,
} from "./harness.js";

let browser: Browser;
let server: Server;
let errors: string[];
let root: string;
let hours = false;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  errors = [];
  server = await startServer();
  root = server.token("root", { name: "Root", admin: true });
  const r = await server.get("/api/departments", root);
  hours = r.status === 200 && r.body.includes('"time_zone"');
});
afterEach(async () => {
  await server?.stop();
  expect(errors, "console errors in the pages").toEqual([]);
});

const poll = (fn: () => Promise<unknown>, timeout = 15_000) => expect.poll(fn, { timeout, interval: 100 });

interface Dept { id: string; auto_away_seconds?: number; hours: string; time_zone: string; closed: boolean; opens_at_ms: number; idle_prompt_after_seconds: number; idle_close_after_seconds: number; reassign_after_seconds: number | null; required_tag: boolean }

async function department(id: string): Promise<Dept> {
  const r = await server.get("/api/departments", root);
  const d = (JSON.parse(r.body) as { departments: Dept[] }).departments.find((x) => x.id === id);
  if (!d) throw new Error(`no department ${id}: ${r.body}`);
  return d;
}

async function put(id: string, body: Record<string, unknown>): Promise<void> {
  const r = await server.send(`/api/departments/${id}`, body, root, "PUT");
  expect(r.status, r.body).toBe(200);
}

/** The browser logs refused requests (400, 409) itself; expected where a test provokes them. */
function dropRefused(): void {
  for (let i = errors.length - 1; i >= 0; i--) if (/status of 40[09]/.test(errors[i]!)) errors.splice(i, 1);
}

async function departmentIds(): Promise<string[]> {
  const r = await server.get("/api/departments", root);
  return (JSON.parse(r.body) as { departments: Dept[] }).departments.map((d) => d.id);
}

const todayUtc = () => new Date().toISOString().slice(0, 10);

describe("admin: departments", () => {
  it("lists them; a bad hours text shows the server's message by the field; a valid save sticks", async (ctx) => {
    if (!hours) return ctx.skip();
    const { page } = await newPage(browser, errors, "admin", { width: 1280, height: 900 });
    await adminSignIn(page, server.base, root, "Departments");
    const row = page.locator('tr[data-department="billing"]');
    await poll(() => row.locator('[data-col="now"]').textContent()).toBe("open");
    await expect(row.locator('[data-col="hours"]').textContent()).resolves.toBe("always open");

    await row.getByRole("button", { name: /Edit/ }).click();
    await page.getByLabel("Opening hours").fill("mon-fri 25:00-17:00");
    await page.locator("#save-department").click();
    const err = page.locator("#dept-hours-error");
    await poll(() => err.textContent()).toMatch(/hour must be 00\.\.24/);
    await screenshot(page, "admin-department-error");
    expect(await page.locator("dialog[open]").count()).toBe(1);

    await page.getByLabel("Opening hours").fill("mon-sun 00:00-24:00");
    await page.getByLabel("Time zone").fill("Europe/Berlin");
    await page.getByLabel("Ask a silent visitor after (minutes)").fill("3");
    await page.getByLabel("Close for inactivity after (minutes)").fill("2");
    await page.getByLabel("Waiting target (seconds)").fill("45");
    await page.getByLabel(/must tag a chat/).check();
    await page.locator("#save-department").click();
    await poll(() => page.locator("dialog[open]").count()).toBe(0);
    await poll(() => row.locator('[data-col="hours"]').textContent()).toContain("mon");
    await expect(row.locator('[data-col="time_zone"]').textContent()).resolves.toBe("Europe/Berlin");
    const d = await department("billing");
    expect(d).toMatchObject({ time_zone: "Europe/Berlin", idle_prompt_after_seconds: 180, idle_close_after_seconds: 120, reassign_after_seconds: null, required_tag: true, closed: false });

    // A new one.
    await page.getByRole("button", { name: "New department" }).click();
    await page.getByLabel("Id", { exact: true }).fill("returns");
    await page.getByLabel("Name", { exact: true }).fill("Returns desk");
    await page.locator("#save-department").click();
    await poll(() => page.locator('tr[data-department="returns"] [data-col="name"]').textContent()).toBe("Returns desk");
    await screenshot(page, "admin-departments");
    dropRefused();
  });
});

describe("admin: auto-away and removal", () => {
  it("the auto-away field saves and reloads; Remove takes a department away, refused while a visitor waits in it", async (ctx) => {
    if (!hours || (await department("billing")).auto_away_seconds === undefined) return ctx.skip();
    // Tom waits in tech: nobody is online there.
    const v = await newPage(browser, errors, "visitor");
    await openWidget(v.page, server.base);
    await joinChat(v.page, { name: "Tom", department: "tech", question: "hello?" });

    const { page } = await newPage(browser, errors, "admin", { width: 1280, height: 900 });
    await adminSignIn(page, server.base, root, "Departments");
    const billing = page.locator('tr[data-department="billing"]');
    await poll(() => billing.locator('[data-col="auto_away"]').textContent()).toBe("after 10m 00s");

    // Auto-away: 90 seconds, saved, shown, and the form reloads it.
    await billing.getByRole("button", { name: /Edit/ }).click();
    const field = page.getByLabel("Auto-away after (seconds without activity)");
    await expect(field.inputValue()).resolves.toBe("600");
    await field.fill("90");
    await page.locator("#save-department").click();
    await poll(() => page.locator("dialog[open]").count()).toBe(0);
    await poll(() => billing.locator('[data-col="auto_away"]').textContent()).toBe("after 1m 30s");
    expect((await department("billing")).auto_away_seconds).toBe(90);
    await page.reload();
    await page.getByRole("button", { name: "Departments" }).click();
    await billing.getByRole("button", { name: /Edit/ }).click();
    await expect(page.getByLabel("Auto-away after (seconds without activity)").inputValue()).resolves.toBe("90");
    // 0: never.
    await page.getByLabel("Auto-away after (seconds without activity)").fill("0");
    await page.locator("#save-department").click();
    await poll(() => billing.locator('[data-col="auto_away"]').textContent()).toBe("never");
    expect((await department("billing")).auto_away_seconds).toBe(0);

    // Remove sales: a confirm step, then it is gone from the list and from the API.
    const sales = page.locator('tr[data-department="sales"]');
    await sales.getByRole("button", { name: /Remove/ }).click();
    const confirm = page.locator("dialog[open]");
    await expect(confirm.locator("h2").textContent()).resolves.toMatch(/^Remove .*\?$/);
    // Cancel keeps it.
    await confirm.getByRole("button", { name: "Cancel" }).click();
    expect(await sales.count()).toBe(1);
    await sales.getByRole("button", { name: /Remove/ }).click();
    await page.locator("#confirm-remove").click();
    await poll(() => sales.count()).toBe(0);
    expect(await departmentIds()).not.toContain("sales");

    // Tech has Tom waiting: refused, with the server's words; it stays.
    const tech = page.locator('tr[data-department="tech"]');
    await tech.getByRole("button", { name: /Remove/ }).click();
    await page.locator("#confirm-remove").click();
    await poll(() => page.locator("#remove-error").textContent()).toContain("transfer or close those chats first");
    expect(await page.locator("dialog[open]").count()).toBe(1);
    await screenshot(page, "admin-department-remove-refused");
    await page.locator("dialog[open]").getByRole("button", { name: "Cancel" }).click();
    expect(await tech.count()).toBe(1);
    expect(await departmentIds()).toContain("tech");
    dropRefused();
  });
});

describe("widget outside business hours", () => {
  it("a holiday today: the offline form with the next opening; a join refused when it closed meanwhile", async (ctx) => {
    if (!hours) return ctx.skip();
    const a = await newPage(browser, errors, "agent");
    await agentSignIn(a.page, server.base, server.token("alice", { name: "Alice", departments: ["billing", "tech"], capacity: 3 }));
    await put("billing", { time_zone: "UTC", hours: "", holidays: todayUtc(), display_name: "Billing team" });
    const d = await department("billing");
    expect(d.closed).toBe(true);
    const tomorrow = new Date(`${todayUtc()}T00:00:00Z`).getTime() + 86_400_000;
    expect(d.opens_at_ms).toBe(tomorrow);

    const v = await newPage(browser, errors, "visitor");
    await openWidget(v.page, server.base);
    const w = v.page.locator("#livechat-widget");
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("offline");
    const notice = w.locator('[data-testid="offline-notice"]');
    await expect(notice.getAttribute("data-closed")).resolves.toBe("true");
    await expect(notice.getAttribute("data-opens-at")).resolves.toBe(String(tomorrow));
    const weekday = await v.page.evaluate((ms) => new Intl.DateTimeFormat(navigator.language, { weekday: "long" }).format(new Date(ms)), tomorrow);
    const text = await notice.textContent();
    expect(text).toContain("We're closed right now");
    expect(text).toContain(`We're back ${weekday} `);
    // No queue to wait in; the picker names the department as the admin called it.
    expect(await w.getByRole("button", { name: "Wait in the queue instead" }).isVisible()).toBe(false);
    expect(await w.locator("select option[value=billing]").first().textContent()).toBe("Billing team");
    await screenshot(v.page, "widget-closed-holiday");

    // Tech is open when the visitor arrives, and closes before they start: the join is refused
    // and the offline form follows.
    await w.getByLabel("Department").selectOption("tech");
    await poll(() => notice.getAttribute("data-closed")).toBe("false");
    await w.getByRole("button", { name: "Wait in the queue instead" }).click();
    await put("tech", { time_zone: "UTC", hours: "", holidays: todayUtc() });
    await w.getByLabel("Your name").fill("Vera");
    await w.getByLabel("Department").selectOption("tech");
    await w.getByLabel("How can we help?").fill("hello?");
    await w.getByRole("button", { name: "Start chat" }).click();
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("offline");
    await poll(() => notice.getAttribute("data-closed")).toBe("true");
    expect(await notice.textContent()).toContain("We're closed right now");
  });
});

describe("idle chats", () => {
  it("the visitor is asked whether they are still there, answers once, then the chat closes for inactivity", async (ctx) => {
    if (!hours) return ctx.skip();
    await put("billing", { idle_prompt_after_seconds: 2, idle_close_after_seconds: 4 });
    const a = await newPage(browser, errors, "agent");
    await agentSignIn(a.page, server.base, server.token("alice", { name: "Alice", departments: ["billing"], capacity: 2 }));
    const v = await newPage(browser, errors, "visitor");
    await openWidget(v.page, server.base);
    await joinChat(v.page, { name: "Vera", department: "billing", question: "hi" });
    const w = v.page.locator("#livechat-widget");
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("chat");
    await poll(() => messages(a.page.locator(".log"))).toEqual(["hi"]);
    await agentSend(a.page, "How can I help?");

    // The prompt, and the answer with one button.
    const still = w.getByRole("button", { name: "I'm still here" });
    await still.waitFor({ timeout: 15_000 });
    expect(await w.locator("li.sys").allTextContents()).toContain("Are you still there? This chat will close soon if there is no reply.");
    await poll(() => a.page.locator(".log li.sys").allTextContents()).toContain("Visitor asked if still there (idle)");
    await screenshot(v.page, "widget-idle-prompt");
    await still.click();
    await poll(() => messages(a.page.locator(".log")).then((m) => m.at(-1))).toBe("I'm still here");
    await poll(() => w.locator(".idle-box").isVisible()).toBe(false);

    // The agent writes again; the visitor stays silent: asked again, then closed.
    await agentSend(a.page, "Are you there?");
    await still.waitFor({ timeout: 15_000 });
    await poll(() => w.locator(".root").getAttribute("data-phase"), 20_000).toBe("closed");
    await expect(w.locator('.notice[data-reason="idle"]').textContent()).resolves.toBe("This chat was closed because there was no reply for a while.");
    // Rating is still offered.
    expect(await w.getByRole("button", { name: "Send rating" }).count()).toBe(1);
    await poll(() => a.page.locator(".log li.sys").allTextContents()).toContain("Closed: idle");
    await screenshot(v.page, "widget-closed-idle");
  });
});
