// Issue 12 against the real server: sign-in with email and password (renewal, sign-out,
// revocation), the admin page, and in the console the team's canned responses, internal notes,
// tags and the waiting list.
// Each test skips itself on a server binary without that API (GET /api/departments is 404), so
// the suite stays green on a server from before issue 12; with it, they all run.
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  agentSend, agentSignIn, joinChat, launchBrowser, messages, newPage, openWidget, screenshot,
  startServer, widgetSend, type Server,
} from "./harness.js";

let browser: Browser;
let server: Server;
let errors: string[];
let root: string;
let teamApi = false;

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
  teamApi = (await server.get("/api/departments", root)).status === 200;
});
afterEach(async () => {
  await server?.stop();
  expect(errors, "console errors in the pages").toEqual([]);
});

const poll = (fn: () => Promise<unknown>, timeout = 15_000) => expect.poll(fn, { timeout, interval: 100 });

async function account(id: string, o: { role?: string; departments?: string[]; capacity?: number; name?: string } = {}): Promise<{ email: string; password: string }> {
  const email = `${id}@example.org`;
  const password = `pw-${id}-0123456789`;
  const r = await server.send("/api/accounts", {
    id, email, display_name: o.name ?? id, role: o.role ?? "agent",
    departments: o.departments ?? ["billing"], capacity: o.capacity ?? 3, password,
  }, root);
  expect(r.status, r.body).toBe(201);
  return { email, password };
}

async function passwordSignIn(page: Page, path: string, email: string, password: string): Promise<void> {
  await page.goto(`${server.base}${path}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** The browser logs refused requests (401/403) itself; those are expected in these tests. */
function dropRefused(): void {
  for (let i = errors.length - 1; i >= 0; i--) if (/status of 40[13]/.test(errors[i]!)) errors.splice(i, 1);
}

describe("sign-in", () => {
  it("email and password; kept across a reload; renewed after a change of the account; signed out; disabled", async (ctx) => {
    if (!teamApi) return ctx.skip();
    const ada = await account("ada", { name: "Ada", capacity: 3 });
    const { page } = await newPage(browser, errors, "agent");
    await passwordSignIn(page, "/agent", ada.email, "wrong password");
    await poll(() => page.getByRole("alert").first().textContent()).toBe("Wrong email or password.");
    await page.getByLabel("Password").fill(ada.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByText("Connected", { exact: true }).waitFor();
    await poll(() => page.locator(".topbar").textContent()).toContain("Ada");
    const refresh = await page.evaluate(() => localStorage.getItem("livechat:refresh"));
    expect(refresh).toBeTruthy();
    expect(await page.evaluate(() => localStorage.getItem("livechat:agent-token"))).toBeNull();

    // A reload signs in again with the refresh token.
    await page.reload();
    await page.getByText("Connected", { exact: true }).waitFor();
    await expect(page.getByLabel("Capacity").getAttribute("max")).resolves.toBe("3");

    // An admin changes the capacity: the server revokes the token, the console renews it and
    // reconnects with the new scope.
    const r = await server.send("/api/accounts/ada", { capacity: 2 }, root, "PATCH");
    expect(r.status, r.body).toBe(200);
    await poll(() => page.getByLabel("Capacity").getAttribute("max"), 20_000).toBe("2");
    await page.getByText("Connected", { exact: true }).waitFor();

    // Sign out: the refresh token is gone, on the server too.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Email").waitFor();
    expect(await page.evaluate(() => localStorage.getItem("livechat:refresh"))).toBeNull();
    const renew = await server.send("/api/session/renew", { refresh_token: refresh });
    expect(renew.status).toBe(401);

    // Disabled while signed in: back to the sign-in page.
    await passwordSignIn(page, "/agent", ada.email, ada.password);
    await page.getByText("Connected", { exact: true }).waitFor();
    expect((await server.send("/api/accounts/ada", { enabled: false }, root, "PATCH")).status).toBe(200);
    await page.getByLabel("Email").waitFor({ timeout: 20_000 });
    await poll(() => page.getByRole("alert").first().textContent()).toMatch(/sign in again|disabled/);
    dropRefused();
  });

  it("the token sign-in stays for operators' scripts", async () => {
    const { page } = await newPage(browser, errors, "agent");
    await agentSignIn(page, server.base, server.token("bob", { name: "Bob" }));
    await poll(() => page.locator(".topbar").textContent()).toContain("Bob");
  });
});

describe("admin page", () => {
  it("admins manage accounts, canned responses, tags and read the audit log; others get a clear message", async (ctx) => {
    if (!teamApi) return ctx.skip();
    const agent = await account("sam", { name: "Sam" });
    const admin = await account("ann", { name: "Ann", role: "admin", departments: [] });
    const { page } = await newPage(browser, errors, "admin", { width: 1280, height: 900 });
    await passwordSignIn(page, "/admin", agent.email, agent.password);
    await poll(() => page.getByRole("alert").first().textContent()).toContain("This page is for admins");

    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    const rows = page.locator("table.accounts tbody tr");
    await poll(() => rows.count()).toBe(2);

    // Create an account.
    await page.getByRole("button", { name: "New account" }).click();
    await page.getByLabel("Id").fill("tess");
    await page.getByLabel("Email").fill("tess@example.org");
    await page.getByLabel("Name", { exact: true }).fill("Tess");
    await page.getByLabel("Role").selectOption("agent");
    await page.locator("fieldset.depts").getByLabel("tech").check();
    await page.getByLabel("Capacity (chats at once)").fill("4");
    await page.getByLabel("Password", { exact: true }).fill("tess-password-1");
    await page.locator("#save-account").click();
    const tess = page.locator('tr[data-account="tess"]');
    await poll(() => tess.locator('[data-col="departments"]').textContent()).toBe("tech");
    // Edit: supervisor, disabled.
    await page.getByRole("button", { name: "Edit Tess" }).click();
    await page.getByLabel("Role").selectOption("supervisor");
    await page.getByLabel(/Enabled/).uncheck();
    await page.locator("#save-account").click();
    await poll(() => tess.locator('[data-col="role"]').textContent()).toBe("supervisor");
    await expect(tess.locator('[data-col="enabled"]').textContent()).resolves.toBe("disabled");
    // A disabled account cannot sign in.
    expect((await server.send("/api/login", { email: "tess@example.org", password: "tess-password-1" })).status).toBe(403);
    await screenshot(page, "admin-accounts");

    // Canned responses of a department.
    await page.getByRole("button", { name: "Canned responses" }).click();
    await page.getByLabel("Department").selectOption("billing");
    await page.getByLabel("Shortcut").fill("refund");
    await page.getByLabel("Text", { exact: true }).fill("Your refund for {visitor} is on its way.");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await poll(() => page.locator('section[data-dept="billing"] code').allTextContents()).toContain("/refund");
    const canned = JSON.parse((await server.get("/api/canned", root)).body) as { canned: { shortcut: string; department: string }[] };
    expect(canned.canned).toContainEqual(expect.objectContaining({ shortcut: "refund", department: "billing" }));

    // Tags.
    await page.getByRole("button", { name: "Tags" }).click();
    await page.getByLabel("New tag").fill("vip");
    await page.getByRole("button", { name: "Add tag" }).click();
    await poll(() => page.locator('.chip[data-tag="vip"]').count()).toBe(1);

    // The audit log has it all, newest first.
    await page.getByRole("button", { name: "Audit log" }).click();
    await poll(() => page.locator("table.audit tbody tr").count()).toBeGreaterThanOrEqual(3);
    const actions = await page.locator("table.audit tbody tr").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset["action"]));
    expect(actions).toContain("account_create");
    expect(actions).toContain("account_update");
    await screenshot(page, "admin-audit");
    dropRefused();
  });
});

describe("console team features", () => {
  it("canned responses from the server with names filled; internal notes; tags; the waiting list", async (ctx) => {
    if (!teamApi) return ctx.skip();
    for (const name of ["billing-error", "vip"]) expect((await server.send("/api/tags", { name }, root)).status).toBeLessThan(300);
    const a = await newPage(browser, errors, "agent");
    await agentSignIn(a.page, server.base, server.token("alice", { name: "Alice", departments: ["billing"], capacity: 1 }));
    const v = await newPage(browser, errors, "visitor");
    await openWidget(v.page, server.base);
    await joinChat(v.page, { name: "Vera", department: "billing", question: "hello" });
    const w = v.page.locator("#livechat-widget");
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("chat");
    await poll(() => messages(a.page.locator(".log"))).toEqual(["hello"]);

    // '/' search over the server's list; {visitor} and {agent} filled.
    const box = a.page.getByLabel("Reply", { exact: true });
    await box.fill("/bye");
    await box.dispatchEvent("input");
    await poll(() => a.page.locator("#canned li").count()).toBeGreaterThan(0);
    await box.press("Enter");
    await expect(box.inputValue()).resolves.toBe("Thanks for chatting with us, Vera. Have a great day! — Alice");
    await box.press("Enter");
    await poll(() => messages(w).then((m) => m.at(-1))).toBe("Thanks for chatting with us, Vera. Have a great day! — Alice");

    // An internal note: shown to the agent as a note, never to the visitor.
    await a.page.getByRole("button", { name: "Note", exact: true }).click();
    await box.fill("VIP customer, be nice");
    await box.press("Enter");
    const note = a.page.locator('.log li[data-kind="note"]');
    await poll(() => note.locator(".note-text").textContent()).toBe("VIP customer, be nice");
    await expect(note.locator(".note-head").textContent()).resolves.toBe("Internal note · Alice");
    await a.page.getByRole("button", { name: "Note", exact: true }).click();
    await agentSend(a.page, "after the note");
    await poll(() => messages(w).then((m) => m.at(-1))).toBe("after the note");
    expect(await w.textContent()).not.toContain("VIP customer");

    // Tags: only the team's; add two, remove one; they survive a reload (from the TAGGED event).
    const add = a.page.getByLabel("Add a tag");
    await add.fill("nonsense");
    await add.press("Enter");
    await poll(() => a.page.locator("#conv-tags .error").textContent()).toContain("not one of the team's tags");
    await add.fill("billing-error");
    await add.press("Enter");
    await add.fill("vip");
    await add.press("Enter");
    await poll(() => a.page.locator("#conv-tags .chip").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset["tag"]))).toEqual(["billing-error", "vip"]);
    await a.page.getByRole("button", { name: "Remove tag billing-error" }).click();
    await poll(() => a.page.locator("#conv-tags .chip").count()).toBe(1);
    await a.page.waitForTimeout(500);
    await a.page.reload();
    await a.page.getByText("Connected", { exact: true }).waitFor();
    await poll(() => a.page.locator("#conv-tags .chip").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset["tag"]))).toEqual(["vip"]);
    expect(await a.page.locator('.log li[data-kind="note"] .note-text').textContent()).toBe("VIP customer, be nice");
    expect(await a.page.locator('.log li[data-kind="note"] .note-head').textContent()).toBe("Internal note · Alice");
    await screenshot(a.page, "console-notes-tags");

    // The waiting list: Alice is full (capacity 1); Tom waits.
    const t = await newPage(browser, errors, "visitor Tom");
    await openWidget(t.page, server.base);
    await joinChat(t.page, { name: "Tom", department: "billing", question: "anyone there?" });
    await a.page.getByRole("tab", { name: /Waiting/ }).click();
    const item = a.page.locator(".queue-item").first();
    await poll(() => item.locator(".name").textContent()).toBe("1. Tom");
    await expect(item.locator(".dept").textContent()).resolves.toBe("billing");
    await expect(item.locator(".preview").textContent()).resolves.toBe("anyone there?");
    const first = await item.locator(".waited").textContent();
    expect(first).toMatch(/^00:0\d$/);
    await poll(() => item.locator(".waited").textContent()).not.toBe(first);
    expect(await item.getAttribute("class")).not.toContain("urgent");
    await screenshot(a.page, "console-waiting-list");
    void widgetSend;
  });
});
