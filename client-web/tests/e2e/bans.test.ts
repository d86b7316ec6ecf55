// Bans against the real server: the agent bans a visitor from their chat (the visitor and the
// address); the visitor's chat ends; a new chat, from the same page or a new visitor on the same
// address, gets only the neutral "Chat is not available right now."; a supervisor lifts the bans
// in the Bans tab (agents have no such tab), and chats can be started again.
// Skips itself on a server binary from before (no /api/bans).
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { agentSignIn, joinChat, launchBrowser, messages, newPage, openWidget, screenshot, startServer, type Server } from "./harness.js";

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

/** Fills the pre-chat form and starts; the caller checks where it went. */
async function tryToChat(page: Page, name: string): Promise<void> {
  const w = page.locator("#livechat-widget");
  if ((await w.locator(".root").getAttribute("data-phase")) === "offline") {
    await w.getByRole("button", { name: "Wait in the queue instead" }).click();
  }
  await w.getByLabel("Your name").fill(name);
  await w.getByLabel("How can we help?").fill("hello again");
  await w.getByRole("button", { name: "Start chat" }).click();
}

/** The page again (a later visit): the widget comes back open, as it was left. */
async function reopen(page: Page): Promise<void> {
  await page.reload();
  const root = page.locator("#livechat-widget .root");
  await poll(() => root.getAttribute("data-phase")).not.toBe("connecting");
  if ((await page.locator("#livechat-widget .launcher").getAttribute("aria-expanded")) !== "true") {
    await page.locator("#livechat-widget .launcher").click();
  }
}

async function refusedNeutrally(page: Page): Promise<void> {
  const w = page.locator("#livechat-widget");
  await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("unavailable");
  await expect(w.getByTestId("unavailable").textContent()).resolves.toBe("Chat is not available right now.");
  expect(await w.locator("form").count()).toBe(0);
  expect(await w.textContent()).not.toMatch(/ban/i);
}

describe("bans", () => {
  it("an agent bans visitor and address; the chat ends; new chats are refused neutrally; a supervisor lifts the bans", async (ctx) => {
    const root = server.token("root", { admin: true });
    if ((await server.get("/api/bans", root)).status === 404) return ctx.skip();
    const a = await newPage(browser, errors, "agent alice");
    await agentSignIn(a.page, server.base, server.token("alice", { name: "Alice", departments: ["billing"] }));
    const v = await newPage(browser, errors, "visitor vera");
    await openWidget(v.page, server.base);
    await joinChat(v.page, { name: "Vera", email: "vera@example.org", department: "billing", question: "buy cheap pills" });
    const w = v.page.locator("#livechat-widget");
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("chat");
    await poll(() => messages(a.page.locator(".log"))).toEqual(["buy cheap pills"]);
    // An agent has no Bans tab.
    expect(await a.page.locator("#tab-bans").count()).toBe(0);

    // The ban form: reason, 1 day by default, everything checked (the email too: she gave one).
    await a.page.locator("#ban-visitor").click();
    const dialog = a.page.locator("dialog[open]");
    await expect(dialog.locator("#ban-duration").inputValue()).resolves.toBe("86400");
    for (const k of ["visitor", "address", "email"]) expect(await dialog.locator(`#ban-kind-${k}`).isChecked()).toBe(true);
    await expect(dialog.locator('label[for="ban-kind-email"]').textContent()).resolves.toContain("vera@example.org");
    // No reason: refused by the form (empty: the browser's own check; blanks: ours).
    const reason = dialog.getByLabel(/^Reason/);
    await dialog.locator("#do-ban").click();
    expect(await reason.evaluate((el) => (el as HTMLTextAreaElement).validity.valueMissing)).toBe(true);
    await reason.fill("   ");
    await dialog.locator("#do-ban").click();
    await poll(() => dialog.locator(".error").textContent()).toBe("Give a reason.");
    expect(await a.page.locator("dialog[open]").count()).toBe(1);
    await reason.fill("spam links");
    await dialog.locator("#ban-kind-email").uncheck();
    await screenshot(a.page, "ban-form");
    await dialog.locator("#do-ban").click();
    await poll(() => a.page.locator("dialog[open]").count()).toBe(0);

    // The chat ends for both; the agent is told what was banned.
    const notice = a.page.locator(".ban-notice");
    await poll(() => notice.textContent()).toMatch(/^Banned .+ until .+\. The chat was closed\.$/);
    await expect(notice.textContent()).resolves.toMatch(/the visitor v\S+/);
    await expect(notice.textContent()).resolves.toMatch(/address \S+/);
    expect(await notice.textContent()).not.toContain("email");
    await poll(() => a.page.locator(".log li.sys").allTextContents()).toContain("Closed: visitor banned");
    expect(await a.page.locator("#close-chat").isDisabled()).toBe(true);
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("closed");
    expect(await w.textContent()).not.toMatch(/ban/i);
    await screenshot(a.page, "ban-done");

    const listed = JSON.parse((await server.get("/api/bans", root)).body) as { bans: { kind: string; reason: string; active: boolean }[] };
    expect(listed.bans.map((b) => b.kind).sort()).toEqual(["address", "visitor"]);
    expect(listed.bans.every((b) => b.active && b.reason === "spam links")).toBe(true);

    // A new chat from the same page: refused, neutrally, no form, no retry.
    await w.getByRole("button", { name: "Start a new chat" }).click();
    await tryToChat(v.page, "Vera");
    await refusedNeutrally(v.page);
    await screenshot(v.page, "widget-unavailable");
    // A new visitor from the same address: refused too.
    const t = await newPage(browser, errors, "visitor tom");
    await openWidget(t.page, server.base);
    await tryToChat(t.page, "Tom");
    await refusedNeutrally(t.page);

    // Sue (supervisor, away: she takes no chats) lifts both bans in the Bans tab.
    const s = await newPage(browser, errors, "supervisor sue");
    await s.page.goto(`${server.base}/agent`);
    await s.page.evaluate(() => localStorage.setItem("livechat:agent-prefs", JSON.stringify({ presence: 2 })));
    await agentSignIn(s.page, server.base, server.token("sue", { name: "Sue", departments: ["billing"], supervisor: true }));
    await s.page.locator("#tab-bans").click();
    const rows = s.page.locator(".bans-table tbody tr");
    await poll(() => rows.count()).toBe(2);
    await expect(s.page.locator('.bans-table [data-col="kind"]').allTextContents().then((k) => k.sort())).resolves.toEqual(["address", "visitor"]);
    await expect(s.page.locator('.bans-table [data-col="reason"]').allTextContents()).resolves.toEqual(["spam links", "spam links"]);
    await expect(s.page.locator('.bans-table [data-col="by"]').allTextContents().then((b) => b.map((x) => x.toLowerCase()))).resolves.toEqual(["alice", "alice"]);
    expect(await s.page.locator('.bans-table [data-col="until"]').allTextContents()).not.toContain("until lifted");
    await screenshot(s.page, "bans-tab");

    for (const left of [1, 0]) {
      await rows.first().getByRole("button", { name: /^Lift the ban on/ }).click();
      await s.page.locator("dialog[open] #confirm-lift").click();
      await poll(() => s.page.locator("dialog[open]").count()).toBe(0);
      await poll(() => rows.count()).toBe(left);
    }
    await poll(() => s.page.locator(".bans-status").textContent()).toBe("No active bans.");
    // Lifted ones on request.
    await s.page.getByLabel("Show lifted and expired").check();
    await poll(() => rows.count()).toBe(2);
    await expect(s.page.locator('.bans-table [data-col="state"]').allTextContents()).resolves.toEqual([expect.stringMatching(/^lifted by /), expect.stringMatching(/^lifted by /)]);
    expect(await rows.getByRole("button", { name: /^Lift/ }).count()).toBe(0);
    await screenshot(s.page, "bans-lifted");

    // Chats can be started again: the new visitor, and Vera.
    await reopen(t.page);
    await joinChat(t.page, { name: "Tom", department: "billing", question: "hello" });
    await reopen(v.page);
    const vw = v.page.locator("#livechat-widget");
    if ((await vw.locator(".root").getAttribute("data-phase")) === "closed") await vw.getByRole("button", { name: "Start a new chat" }).click();
    await joinChat(v.page, { name: "Vera", department: "billing", question: "sorry about that" });
    await poll(() => a.page.locator(".chat-item .name").allTextContents()).toContain("Tom");
  });
});
