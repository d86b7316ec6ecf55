// Email against the real server and a real SMTP server (tests/support/smtp_receiver.py): a visitor
// asks for the transcript during the chat and on the ended screen (the address of the pre-chat
// form prefilled), the mails arrive once the chat is closed with both sides' messages, the same
// address twice is one mail, a fourth address is refused in the server's words; an agent answers
// an offline message from the inbox, the mail has the reply and the message, and a colleague sees
// who answered. Without --smtp-url neither the form nor the reply button is there.
// Skips itself on a server binary from before (no --smtp-url).
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  agentSend, agentSignIn, joinChat, launchBrowser, messages, newPage, openWidget, screenshot, startMailReceiver,
  startServer, widgetSend, type Mail, type MailReceiver, type Server,
} from "./harness.js";

let browser: Browser;
let server: Server | undefined;
let mail: MailReceiver | undefined;
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
  await mail?.stop();
  mail = undefined;
  expect(errors, "console errors in the pages").toEqual([]);
});

const poll = (fn: () => Promise<unknown>, timeout = 15_000) => expect.poll(fn, { timeout, interval: 100 });
const to = (address: string): Mail[] => mail!.mails().filter((m) => m.rcpt_tos.includes(address));

/** The words of a REST error, flat ({"error":"…"}) or not ({"error":{"code","message"}}): the
 * console shows either (session.ts apiJson). */
function errorText(body: string): string {
  const e = (JSON.parse(body) as { error?: string | { message?: string } }).error;
  return typeof e === "string" ? e : (e?.message ?? "");
}

/** A server that sends its mail to the receiver; undefined when the binary has no email yet. */
async function mailingServer(): Promise<Server | undefined> {
  mail = await startMailReceiver();
  try {
    return await startServer({ args: mail.flags });
  } catch (err) {
    if (/smtp/i.test(String(err))) return undefined;
    throw err;
  }
}

describe("email", () => {
  it("a visitor asks for the transcript during the chat and when it has ended; the mails have both sides' messages", async (ctx) => {
    server = await mailingServer();
    if (!server) return ctx.skip();
    const a = await newPage(browser, errors, "agent alice");
    await agentSignIn(a.page, server.base, server.token("alice", { name: "Alice", departments: ["billing"] }));
    const v = await newPage(browser, errors, "visitor vera");
    await openWidget(v.page, server.base);
    const w = v.page.locator("#livechat-widget");
    await joinChat(v.page, { name: "Vera", email: "vera@example.org", department: "billing", question: "Where is my parcel 7731?" });
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("chat");
    await poll(() => messages(a.page.locator(".log"))).toEqual(["Where is my parcel 7731?"]);
    await agentSend(a.page, "It left our warehouse this morning.");
    await poll(() => messages(w).then((m) => m.at(-1))).toBe("It left our warehouse this morning.");
    await widgetSend(v.page, "Great, thank you!");
    await poll(() => messages(a.page.locator(".log")).then((m) => m.at(-1))).toBe("Great, thank you!");

    // During the chat: behind "Email me the transcript"; acked now, mailed after the close.
    await w.getByRole("button", { name: "Email me the transcript" }).click();
    const email = w.getByLabel("Your email");
    await expect(email.inputValue()).resolves.toBe("vera@example.org");
    await email.fill("during@example.org");
    await w.getByRole("button", { name: "Send transcript" }).click();
    const status = w.getByTestId("transcript-status");
    await poll(() => status.textContent()).toBe("We'll email the transcript to during@example.org when the chat ends.");
    await screenshot(v.page, "widget-transcript-during");
    await new Promise((r) => setTimeout(r, 1000));
    expect(mail!.mails(), "no mail before the close").toEqual([]);

    await a.page.locator("#close-chat").click();
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("closed");
    // The ended screen: the rating, and the form with the pre-chat address; what was asked says so.
    expect(await w.getByRole("button", { name: "Send rating" }).count()).toBe(1);
    await poll(() => status.textContent()).toBe("We'll email the transcript to during@example.org.");
    await expect(email.inputValue()).resolves.toBe("vera@example.org");
    await w.getByRole("button", { name: "Send transcript" }).click();
    await poll(() => status.textContent()).toBe("We'll email the transcript to vera@example.org.");
    await screenshot(v.page, "widget-transcript-ended");

    const texts = ["Where is my parcel 7731?", "It left our warehouse this morning.", "Great, thank you!"];
    for (const address of ["during@example.org", "vera@example.org"]) {
      await poll(() => Promise.resolve(to(address).length)).toBe(1);
      const m = to(address)[0]!;
      for (const t of texts) expect(m.body, `${address}: ${t}`).toContain(t);
      expect(m.from).toContain("support@example.test");
      expect(m.to).toContain(address);
    }

    // The same address again: acked again, still one mail.
    await w.getByRole("button", { name: "Send transcript" }).click();
    await poll(() => status.textContent()).toBe("We'll email the transcript to vera@example.org.");
    // A third address is fine; a fourth is refused in the server's words, inline, the form kept.
    await email.fill("third@example.org");
    await w.getByRole("button", { name: "Send transcript" }).click();
    await poll(() => status.textContent()).toBe("We'll email the transcript to third@example.org.");
    await email.fill("fourth@example.org");
    await w.getByRole("button", { name: "Send transcript" }).click();
    const alert = w.locator(".transcript-form [role=alert]");
    await poll(() => alert.textContent()).not.toBe("");
    console.log(`e2e email: a fourth address is refused with "${await alert.textContent()}"`);
    await expect(status.textContent()).resolves.toBe("");
    await expect(email.isVisible()).resolves.toBe(true);
    await screenshot(v.page, "widget-transcript-refused");
    await poll(() => Promise.resolve(to("third@example.org").length)).toBe(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(to("vera@example.org")).toHaveLength(1);
    expect(to("fourth@example.org")).toHaveLength(0);

    // Rated: the thanks, and the form is still there, saying what was asked last.
    await w.locator('label[for="lc-star-5"]').click();
    await w.getByRole("button", { name: "Send rating" }).click();
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("rated");
    await poll(() => status.textContent()).toBe("We'll email the transcript to third@example.org.");
  });

  it("an agent answers an offline message by email from the inbox; a colleague sees who answered", async (ctx) => {
    server = await mailingServer();
    if (!server) return ctx.skip();
    // Nobody online: the widget offers the offline form.
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

    const a = await newPage(browser, errors, "agent alice");
    await agentSignIn(a.page, server.base, server.token("alice", { name: "Alice", departments: ["billing"] }));
    await a.page.getByRole("tab", { name: /Offline inbox/ }).click();
    const item = a.page.locator(".inbox-item").filter({ hasText: "Can I pay by bank transfer?" });
    await item.waitFor();
    await expect(item.locator("a").getAttribute("href")).resolves.toBe("mailto:olga@example.org");
    expect(await item.getByTestId("inbox-answered").isVisible()).toBe(false);

    await item.getByRole("button", { name: "Reply by email" }).click();
    const text = item.getByLabel("Reply to olga@example.org");
    await poll(() => text.evaluate((el) => el === document.activeElement)).toBe(true);
    // Blanks only: said inline, nothing sent.
    await text.fill("   ");
    await item.getByRole("button", { name: "Send reply" }).click();
    await poll(() => item.getByRole("alert").textContent()).toBe("Write a reply first.");
    const reply = "Yes: the IBAN is on your invoice, use the invoice number as the reference.";
    await text.fill(reply);
    await screenshot(a.page, "inbox-reply");
    await item.getByRole("button", { name: "Send reply" }).click();
    await poll(() => item.getByTestId("inbox-answered").textContent()).toBe("Replied by you just now");
    expect(await text.isVisible()).toBe(false);
    expect(await item.getByRole("button", { name: "Reply by email" }).isVisible()).toBe(true);
    await screenshot(a.page, "inbox-replied");

    await poll(() => Promise.resolve(to("olga@example.org").length)).toBe(1);
    const m = to("olga@example.org")[0]!;
    expect(m.body).toContain(reply);
    expect(m.body).toContain("Can I pay by bank transfer?");
    expect(m.from).toContain("support@example.test");
    expect(m.to).toContain("olga@example.org");

    // What the console relies on from the REST side: the errors carry the server's words.
    const alice = server.token("alice", { name: "Alice", departments: ["billing"] });
    const id = await item.getAttribute("data-id");
    const empty = await server.send(`/api/offline-messages/${id}/reply`, { text: "" }, alice);
    expect(empty.status, empty.body).toBe(400);
    expect(errorText(empty.body)).not.toBe("");
    const tooLong = await server.send(`/api/offline-messages/${id}/reply`, { text: "a".repeat(10_001) }, alice);
    expect(tooLong.status, tooLong.body).toBe(400);
    // An id of the right shape that does not exist, and one outside the agent's departments: 404.
    const unknown = await server.send(`/api/offline-messages/o${"0".repeat(24)}/reply`, { text: "hi" }, alice);
    expect(unknown.status, unknown.body).toBe(404);
    const elsewhere = server.token("sid", { name: "Sid", departments: ["sales"] });
    expect((await server.send(`/api/offline-messages/${id}/reply`, { text: "hi" }, elsewhere)).status).toBe(404);
    // A second answer is allowed: one more mail.
    await item.getByRole("button", { name: "Reply by email" }).click();
    await text.fill("And the invoice number is at the top right.");
    await item.getByRole("button", { name: "Send reply" }).click();
    await poll(() => Promise.resolve(to("olga@example.org").length)).toBe(2);
    expect(to("olga@example.org")[1]!.body).toContain("And the invoice number is at the top right.");

    // Bob, in the same department, sees that Alice answered (her name from the team on the board).
    const b = await newPage(browser, errors, "agent bob");
    await agentSignIn(b.page, server.base, server.token("bob", { name: "Bob", departments: ["billing"] }));
    await b.page.getByRole("tab", { name: /Offline inbox/ }).click();
    const seen = b.page.locator(".inbox-item").filter({ hasText: "Can I pay by bank transfer?" }).getByTestId("inbox-answered");
    await poll(() => seen.textContent()).toMatch(/^Answered by Alice · \d{1,2}:\d{2}/);
    await screenshot(b.page, "inbox-answered");
  });

  it("without --smtp-url: no transcript form in the widget, no Reply by email in the console", async () => {
    server = await startServer();
    const v = await newPage(browser, errors, "visitor olga");
    await openWidget(v.page, server.base);
    const w = v.page.locator("#livechat-widget");
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("offline");
    await w.getByLabel("Your name").fill("Olga");
    await w.getByLabel("Email", { exact: true }).fill("olga@example.org");
    await w.getByLabel("Department").selectOption("billing");
    await w.getByLabel("Message", { exact: true }).fill("Please call me back");
    await w.getByRole("button", { name: "Send message" }).click();
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("offline-sent");

    const a = await newPage(browser, errors, "agent alice");
    await agentSignIn(a.page, server.base, server.token("alice", { name: "Alice", departments: ["billing"] }));
    await a.page.getByRole("tab", { name: /Offline inbox/ }).click();
    await poll(() => a.page.locator(".inbox-item p").allTextContents()).toEqual(["Please call me back"]);
    await expect(a.page.locator(".inbox-item a").textContent()).resolves.toBe("olga@example.org");
    expect(await a.page.getByRole("button", { name: "Reply by email" }).count()).toBe(0);
    // The server refuses a reply too, in words the console would show.
    const id = await a.page.locator(".inbox-item").first().getAttribute("data-id");
    const refused = await server.send(`/api/offline-messages/${id}/reply`, { text: "hi" }, server.token("alice", { name: "Alice", departments: ["billing"] }));
    expect(refused.status, refused.body).toBe(409);
    expect(errorText(refused.body)).toBe("this server does not send email");

    const t = await newPage(browser, errors, "visitor tom");
    await openWidget(t.page, server.base);
    const tw = t.page.locator("#livechat-widget");
    await joinChat(t.page, { name: "Tom", email: "tom@example.org", department: "billing", question: "hello" });
    await poll(() => tw.locator(".root").getAttribute("data-phase")).toBe("chat");
    expect(await tw.getByRole("button", { name: "Download transcript" }).count()).toBe(1);
    expect(await tw.getByRole("button", { name: "Email me the transcript" }).count()).toBe(0);
    await a.page.getByRole("tab", { name: /Chats/ }).click();
    await a.page.locator(".chat-item").first().click();
    await poll(() => messages(a.page.locator(".log"))).toEqual(["hello"]);
    await a.page.locator("#close-chat").click();
    await poll(() => tw.locator(".root").getAttribute("data-phase")).toBe("closed");
    expect(await tw.getByRole("button", { name: "Send rating" }).count()).toBe(1);
    expect(await tw.locator(".transcript-form").count()).toBe(0);
    expect(await tw.getByLabel("Your email").count()).toBe(0);
  });
});
