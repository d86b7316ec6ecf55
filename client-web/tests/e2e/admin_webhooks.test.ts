// The admin page's Webhooks and Mail sections against the real server and a real HTTP receiver
// (tests/support/webhook_receiver.py): a bad URL gets the server's words inline; an endpoint added
// for conversation.created gets a signed POST when a visitor starts a chat, and its Deliveries
// say "delivered"; Show / Hide, Disable / Enable, Edit events, Rotate secret (a new secret, the
// old one gone) and Remove (gone from the list and the API). A receiver that answers 503 first:
// the log shows the retry. The Mail log: empty without --smtp-url; with a real SMTP receiver an
// agent's reply to an offline message shows as sent.
import { createHmac } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  adminSignIn, joinChat, launchBrowser, newPage, openWidget, screenshot, startMailReceiver, startServer, startWebhookReceiver,
  type MailReceiver, type Server, type WebhookReceiver,
} from "./harness.js";

let browser: Browser;
let server: Server | undefined;
let receiver: WebhookReceiver | undefined;
let smtp: MailReceiver | undefined;
let errors: string[];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(() => {
  errors = [];
});
afterEach(async () => {
  await server?.stop();
  server = undefined;
  await receiver?.stop();
  receiver = undefined;
  await smtp?.stop();
  smtp = undefined;
  // The refused URL's 400 is logged by the browser as a failed resource: expected here.
  for (let i = errors.length - 1; i >= 0; i--) if (/status of 400/.test(errors[i]!)) errors.splice(i, 1);
  expect(errors, "console errors in the pages").toEqual([]);
});

const poll = (fn: () => Promise<unknown> | unknown, timeout = 15_000) => expect.poll(fn, { timeout, interval: 200 });

interface ApiHook { id: number; url: string; secret: string; events: string[]; enabled: boolean }
async function apiHooks(s: Server, token: string): Promise<ApiHook[]> {
  const r = await s.get("/api/webhooks", token);
  expect(r.status).toBe(200);
  return (JSON.parse(r.body) as { webhooks: ApiHook[] }).webhooks;
}

const secretOf = (page: Page, url: string) => page.getByLabel(`Secret of ${url}`, { exact: true }).inputValue();

describe("admin: webhooks", () => {
  it("add (a bad URL refused inline), delivered on a new chat, the log, rotate, disable, edit, remove", async () => {
    server = await startServer();
    receiver = await startWebhookReceiver();
    const root = server.token("root", { admin: true });
    const { page } = await newPage(browser, errors, "admin", { width: 1280, height: 900 });
    await adminSignIn(page, server.base, root, "Webhooks");
    await page.getByText("Webhooks (0)").waitFor();

    // ftp:// is the server's to refuse: its message, inline.
    await page.getByLabel("URL", { exact: true }).fill("ftp://x");
    await expect(page.getByLabel("conversation.created", { exact: true }).isChecked()).resolves.toBe(true);
    await page.getByRole("button", { name: "Add webhook" }).click();
    await poll(() => page.locator("#webhook-error").textContent()).toBe("'url': http:// or https:// only");
    await expect(page.locator("#webhook-error").getAttribute("role")).resolves.toBe("alert");
    expect(await apiHooks(server, root)).toEqual([]);

    // No event chosen: said here, nothing sent.
    const url = receiver.url("/hook");
    await page.getByLabel("URL", { exact: true }).fill(url);
    await page.getByLabel("conversation.created", { exact: true }).uncheck();
    await page.getByRole("button", { name: "Add webhook" }).click();
    await poll(() => page.locator("#webhook-error").textContent()).toBe("Choose at least one event.");
    await page.getByLabel("conversation.created", { exact: true }).check();
    await page.getByRole("button", { name: "Add webhook" }).click();
    await page.getByText("Webhooks (1)").waitFor();
    const [made] = await apiHooks(server, root);
    expect(made).toMatchObject({ url, events: ["conversation.created"], enabled: true });
    expect(made!.secret).toMatch(/^whsec_/);
    const item = page.locator(`[data-webhook="${made!.id}"]`);
    await expect(item.locator('[data-col="events"]').textContent()).resolves.toBe("conversation.created");
    await expect(item.locator('[data-col="enabled"]').textContent()).resolves.toBe("enabled");
    // A secret just made is shown, to be copied; Hide masks it, Show brings it back.
    await poll(() => secretOf(page, url)).toBe(made!.secret);
    await item.getByRole("button", { name: `Hide the secret of ${url}` }).click();
    const masked = await secretOf(page, url);
    expect(masked).toMatch(/^whsec_•+/);
    expect(masked.endsWith(made!.secret.slice(-4))).toBe(true);
    expect(masked).not.toContain(made!.secret.slice(6, 20));
    await item.getByRole("button", { name: `Show the secret of ${url}` }).click();
    await poll(() => secretOf(page, url)).toBe(made!.secret);

    // A visitor starts a chat (nobody online: the queue): the receiver gets a signed POST.
    const v = await newPage(browser, errors, "visitor");
    await openWidget(v.page, server.base);
    await joinChat(v.page, { name: "Vera", question: "my order never came" });
    await poll(() => receiver!.requests().length).toBeGreaterThan(0);
    const got = receiver.requests()[0]!;
    expect(got.path).toBe("/hook");
    expect(got.headers["x-livechat-event"]).toBe("conversation.created");
    const payload = JSON.parse(got.body) as { id: string; event: string; data: Record<string, unknown> };
    expect(payload.event).toBe("conversation.created");
    expect(got.headers["idempotency-key"]).toBe(payload.id);
    expect(JSON.stringify(payload.data)).toContain("my order never came");
    const sig = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(got.headers["x-livechat-signature"] ?? "");
    expect(sig, got.headers["x-livechat-signature"]).not.toBeNull();
    expect(sig![2]).toBe(createHmac("sha256", made!.secret).update(`${sig![1]}.${got.body}`).digest("hex"));

    // Deliveries: delivered, one attempt, the receiver's 200; the body behind a disclosure.
    await item.getByRole("button", { name: `Deliveries of ${url}` }).click();
    const row = item.locator("tr[data-delivery]").first();
    await poll(async () => {
      if ((await row.count()) && (await row.getAttribute("data-state")) === "delivered") return "delivered";
      await item.locator(".deliveries").getByRole("button", { name: "Refresh" }).click();
      return await row.count() ? row.getAttribute("data-state") : "none";
    }).toBe("delivered");
    await expect(row.locator('[data-col="state"]').textContent()).resolves.toBe("delivered");
    await expect(row.locator('[data-col="attempts"]').textContent()).resolves.toBe("1");
    await expect(row.locator('[data-col="status"]').textContent()).resolves.toBe("200");
    await expect(row.locator(".mono").first().textContent()).resolves.toBe("conversation.created");
    const body = row.locator("pre.body");
    expect(await body.isVisible()).toBe(false);
    await row.getByText("Body", { exact: true }).click();
    await poll(() => body.isVisible()).toBe(true);
    expect(JSON.parse((await body.textContent())!)).toEqual(payload);
    await screenshot(page, "admin-webhooks");

    // Rotate, after a confirm step (Cancel keeps the secret): a new one, shown, the API's.
    await item.getByRole("button", { name: "Rotate secret" }).click();
    await page.locator("dialog").getByRole("button", { name: "Cancel" }).click();
    await poll(() => page.locator("dialog").count()).toBe(0);
    expect((await apiHooks(server, root))[0]!.secret).toBe(made!.secret);
    await item.getByRole("button", { name: "Rotate secret" }).click();
    await page.locator("dialog").getByRole("heading").filter({ hasText: `Rotate the secret of ${url}?` }).waitFor();
    await page.locator("dialog").getByRole("button", { name: "Rotate secret" }).click();
    await poll(() => secretOf(page, url)).not.toBe(made!.secret);
    const rotated = await secretOf(page, url);
    expect(rotated).toMatch(/^whsec_[0-9a-f]+$/);
    expect((await apiHooks(server, root))[0]!.secret).toBe(rotated);
    // The log stayed open across the redraw.
    await expect(item.locator("tr[data-delivery]").count()).resolves.toBeGreaterThan(0);

    // Disable and enable again; Edit events adds one.
    await item.getByRole("button", { name: "Disable" }).click();
    await poll(() => item.locator('[data-col="enabled"]').textContent()).toBe("disabled");
    expect((await apiHooks(server, root))[0]!.enabled).toBe(false);
    await item.getByRole("button", { name: "Enable" }).click();
    await poll(() => item.locator('[data-col="enabled"]').textContent()).toBe("enabled");
    await item.getByRole("button", { name: "Edit events" }).click();
    await page.locator("dialog").getByLabel("conversation.closed", { exact: true }).check();
    await page.locator("dialog").getByRole("button", { name: "Save" }).click();
    await poll(() => item.locator('[data-col="events"]').textContent()).toBe("conversation.created, conversation.closed");
    expect((await apiHooks(server, root))[0]!.events).toEqual(["conversation.created", "conversation.closed"]);

    // Remove, after a confirm step: gone from the list and from the API.
    await item.getByRole("button", { name: "Remove" }).click();
    await page.locator("dialog").getByRole("button", { name: "Remove" }).click();
    await page.getByText("Webhooks (0)").waitFor();
    expect(await item.count()).toBe(0);
    expect(await apiHooks(server, root)).toEqual([]);

    // Mail: this server has no --smtp-url, so the log is empty and says why.
    await page.getByRole("button", { name: "Mail", exact: true }).click();
    await page.getByText("Mail (0, newest first)").waitFor();
    await page.getByText("No mail yet", { exact: false }).waitFor();
  });

  it("a receiver that answers 503 first: the log shows the retry, then delivered on the second attempt", async () => {
    server = await startServer();
    receiver = await startWebhookReceiver({ failFirst: 1 });
    const root = server.token("root", { admin: true });
    const url = receiver.url("/flaky");
    const made = await server.send("/api/webhooks", { url, events: ["conversation.created"], enabled: true }, root);
    expect(made.status, made.body).toBe(201);
    const { page } = await newPage(browser, errors, "admin", { width: 1280, height: 900 });
    await adminSignIn(page, server.base, root, "Webhooks");
    const item = page.locator("li.webhook-item").filter({ hasText: url });
    await item.waitFor();
    // Listed masked: it was not made on this page.
    await expect(page.getByLabel(`Secret of ${url}`, { exact: true }).inputValue()).resolves.toMatch(/^whsec_•+[0-9a-f]{4}$/);

    const v = await newPage(browser, errors, "visitor");
    await openWidget(v.page, server.base);
    await joinChat(v.page, { name: "Vera", question: "hello?" });
    await poll(() => receiver!.requests().map((r) => r.status)).toEqual([503, 200]);
    const [first, second] = receiver.requests();
    // The same delivery both times.
    expect(second!.headers["idempotency-key"]).toBe(first!.headers["idempotency-key"]);
    expect(second!.headers["x-livechat-delivery"]).toBe(first!.headers["x-livechat-delivery"]);

    await item.getByRole("button", { name: `Deliveries of ${url}` }).click();
    const row = item.locator("tr[data-delivery]").first();
    await poll(async () => {
      if ((await row.count()) && (await row.getAttribute("data-state")) === "delivered") return "delivered";
      await item.locator(".deliveries").getByRole("button", { name: "Refresh" }).click();
      return await row.count() ? row.getAttribute("data-state") : "none";
    }).toBe("delivered");
    await expect(row.locator('[data-col="attempts"]').textContent()).resolves.toBe("2");
    await expect(row.locator('[data-col="status"]').textContent()).resolves.toBe("200");
  });
});

describe("admin: mail log", () => {
  it("an agent's reply to an offline message shows in the Mail log, sent", async () => {
    smtp = await startMailReceiver();
    server = await startServer({ args: smtp.flags });
    const v = await newPage(browser, errors, "visitor olga");
    await openWidget(v.page, server.base);
    const w = v.page.locator("#livechat-widget");
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("offline");
    await w.getByLabel("Your name").fill("Olga");
    await w.getByLabel("Email", { exact: true }).fill("olga@example.org");
    await w.getByLabel("Department").selectOption("billing");
    await w.getByLabel("Message", { exact: true }).fill("Can I pay by bank transfer?");
    await w.getByRole("button", { name: "Send message" }).click();
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("offline-sent");

    const alice = server.token("alice", { name: "Alice", departments: ["billing"] });
    const list = JSON.parse((await server.get("/api/offline-messages", alice)).body) as { messages: { id: string }[] };
    expect(list.messages).toHaveLength(1);
    const sent = await server.send(`/api/offline-messages/${list.messages[0]!.id}/reply`, { text: "Yes, see your invoice." }, alice);
    expect(sent.status, sent.body).toBe(202);
    await poll(() => smtp!.mails().length).toBe(1);

    const root = server.token("root", { admin: true });
    const { page } = await newPage(browser, errors, "admin", { width: 1280, height: 900 });
    await adminSignIn(page, server.base, root, "Mail");
    const row = page.locator("tr[data-mail]").first();
    await poll(async () => {
      if ((await row.count()) && (await row.getAttribute("data-state")) === "sent") return "sent";
      await page.getByRole("button", { name: "Refresh" }).click();
      return await row.count() ? row.getAttribute("data-state") : "none";
    }).toBe("sent");
    await expect(page.locator("tr[data-mail]").count()).resolves.toBe(1);
    await expect(row.locator('[data-col="kind"]').textContent()).resolves.toMatch(/^reply/);
    await expect(row.locator('[data-col="to"]').textContent()).resolves.toBe("olga@example.org");
    await expect(row.locator('[data-col="subject"]').textContent()).resolves.toBe(smtp.mails()[0]!.subject);
    await expect(row.locator('[data-col="attempts"]').textContent()).resolves.toBe("1");
    await expect(row.locator('[data-col="error"]').textContent()).resolves.toBe("");
    await screenshot(page, "admin-mail");
  });
});
