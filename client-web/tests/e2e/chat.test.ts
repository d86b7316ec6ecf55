// A visitor (one browser context) and agents (others) against the real server.
import type { Browser } from "playwright-core";
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

const poll = (fn: () => Promise<unknown>) => expect.poll(fn, { timeout: 15_000, interval: 100 });

describe("visitor and agent", () => {
  it("chat end to end: queue position before the agent is online, context, typing, receipts", async () => {
    const v = await newPage(browser, errors, "visitor");
    await openWidget(v.page, server.base);
    const w = v.page.locator("#livechat-widget");
    // No agent online: the offline form comes first, the queue on request.
    await expect(w.locator(".root").getAttribute("data-phase")).resolves.toBe("offline");
    await joinChat(v.page, { name: "Vera Müller", email: "vera@example.org", department: "billing", question: "Hello, my invoice is wrong 🙁" });
    await poll(() => w.getByTestId("queue-position").textContent()).toBe("#1");
    await expect(w.getByText("You are number 1 of 1 in the queue.")).toBeTruthy();
    await screenshot(v.page, "widget-queued");

    const a = await newPage(browser, errors, "agent");
    await agentSignIn(a.page, server.base, server.token("alice", { name: "Alice", departments: ["billing"] }));
    const item = a.page.locator(".chat-item").first();
    await item.waitFor();
    await poll(() => item.locator(".name").textContent()).toBe("Vera Müller");
    // The visitor's context.
    const side = a.page.locator("aside.side");
    await poll(() => side.locator('[data-field="email"]').textContent()).toBe("vera@example.org");
    await expect(side.locator('[data-field="page"]').textContent()).resolves.toBe(`${server.base}/`);
    await expect(side.locator('[data-meta="plan"]').textContent()).resolves.toBe("pro");
    await poll(() => messages(a.page.locator(".log"))).toEqual(["Hello, my invoice is wrong 🙁"]);

    // The visitor sees the agent.
    await poll(() => w.locator("header h2").textContent()).toBe("Alice");
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("chat");

    // Typing both ways.
    await a.page.getByLabel("Reply", { exact: true }).pressSequentially("Hi");
    await poll(() => w.locator(".typing").textContent()).toBe("Alice is typing…");
    await agentSend(a.page, "Hi Vera, let me look — مرحبا 你好");
    await poll(() => messages(w)).toEqual(["Hello, my invoice is wrong 🙁", "Hi Vera, let me look — مرحبا 你好"]);
    await w.getByLabel("Type your message").pressSequentially("It");
    await poll(() => a.page.locator(".typing").textContent()).toBe("Vera Müller is typing…");
    await widgetSend(v.page, "It says €300 instead of €30");
    await poll(() => messages(a.page.locator(".log"))).toEqual([
      "Hello, my invoice is wrong 🙁", "Hi Vera, let me look — مرحبا 你好", "It says €300 instead of €30",
    ]);
    // Read receipts: the agent has the chat open, so the visitor's messages are read; the
    // visitor's widget is open, so the agent's message is read too.
    await poll(() => w.locator("li.msg.own").last().getAttribute("data-status")).toBe("read");
    await poll(() => a.page.locator("li.msg.own").last().getAttribute("data-status")).toBe("read");
    // Canned response by shortcut.
    await a.page.getByLabel("Reply", { exact: true }).press("Alt+2");
    await expect(a.page.getByLabel("Reply", { exact: true }).inputValue()).resolves.toBe("Let me check that for you — one moment please.");
    await a.page.getByLabel("Reply", { exact: true }).press("Enter");
    await poll(() => messages(w).then((m) => m.at(-1))).toBe("Let me check that for you — one moment please.");
    await screenshot(v.page, "widget-chat");
    await screenshot(a.page, "agent-console");

    // 360 px wide: the panel fills the screen and stays usable.
    await v.page.setViewportSize({ width: 360, height: 720 });
    const box = await w.locator(".panel").boundingBox();
    expect(box?.width).toBe(360);
    await widgetSend(v.page, "Sent from a small screen");
    await poll(() => messages(a.page.locator(".log")).then((m) => m.at(-1))).toBe("Sent from a small screen");
    await screenshot(v.page, "widget-360px");
  });
});

/** A visitor in a chat with alice; returns both pages. */
async function chatting(name = "Vera") {
  const a = await newPage(browser, errors, "agent");
  await agentSignIn(a.page, server.base, server.token("alice", { name: "Alice", departments: ["billing"] }));
  const v = await newPage(browser, errors, "visitor");
  await openWidget(v.page, server.base);
  await joinChat(v.page, { name, department: "billing", question: "first" });
  const w = v.page.locator("#livechat-widget");
  await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("chat");
  await a.page.locator(".chat-item").first().click();
  await poll(() => messages(a.page.locator(".log"))).toEqual(["first"]);
  return { a, v, w };
}

describe("resilience", () => {
  it("a cut connection mid-chat loses and duplicates nothing, on both sides", async () => {
    const { a, v, w } = await chatting();
    await agentSend(a.page, "a1");
    await poll(() => messages(w)).toEqual(["first", "a1"]);

    await v.context.setOffline(true);
    await poll(() => w.locator(".banner").isVisible()).toBe(true);
    for (const t of ["v-offline-1", "v-offline-2", "v-offline-3"]) await widgetSend(v.page, t);
    // Typed while offline: shown at once, marked as waiting to be sent.
    await poll(() => w.locator('li.msg.own[data-status="queued"]').count()).toBe(3);
    await agentSend(a.page, "a2 while the visitor is away");
    await agentSend(a.page, "a3");
    await v.page.waitForTimeout(1500);
    await screenshot(v.page, "widget-offline");
    await v.context.setOffline(false);

    const expected = ["first", "a1", "v-offline-1", "v-offline-2", "v-offline-3", "a2 while the visitor is away", "a3"];
    const agentExpected = ["first", "a1", "a2 while the visitor is away", "a3", "v-offline-1", "v-offline-2", "v-offline-3"];
    // Each side shows every message once. The visitor's queued messages were stored after the
    // agent's (they were sent on reconnect), and both transcripts end up in the server's seq order.
    await poll(() => messages(a.page.locator(".log"))).toEqual(agentExpected);
    await poll(() => messages(w)).toEqual(agentExpected);
    expect(new Set(expected)).toEqual(new Set(agentExpected));
    await poll(() => w.locator('li.msg.own[data-status="queued"]').count()).toBe(0);
    const seqs = await w.locator("li[data-seq]").evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset["seq"])));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
    // After the reconnect, the chat goes on.
    await widgetSend(v.page, "back");
    await poll(() => messages(a.page.locator(".log")).then((m) => m.at(-1))).toBe("back");
    expect((await messages(a.page.locator(".log"))).filter((m) => m === "back")).toHaveLength(1);
  });

  it("a page reload resumes the conversation", async () => {
    const { a, v, w } = await chatting("Rémi");
    await agentSend(a.page, "before reload");
    await widgetSend(v.page, "me too");
    await poll(() => messages(a.page.locator(".log"))).toEqual(["first", "before reload", "me too"]);

    await v.page.reload();
    // The panel reopens by itself and shows the whole conversation, once.
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("chat");
    await poll(() => messages(w)).toEqual(["first", "before reload", "me too"]);
    await poll(() => w.locator("header h2").textContent()).toBe("Alice");
    await agentSend(a.page, "after reload");
    await poll(() => messages(w)).toEqual(["first", "before reload", "me too", "after reload"]);
    await widgetSend(v.page, "still here");
    await poll(() => messages(a.page.locator(".log"))).toEqual(["first", "before reload", "me too", "after reload", "still here"]);
    await screenshot(v.page, "widget-after-reload");
  });
});

describe("handover", () => {
  it("transfer to another agent, close, rating and transcript", async () => {
    const alice = await newPage(browser, errors, "alice");
    await agentSignIn(alice.page, server.base, server.token("alice", { name: "Alice", departments: ["billing"], capacity: 2 }));
    const bobToken = server.token("bob", { name: "Bob", departments: ["billing", "tech"], capacity: 2 });
    const bob = await newPage(browser, errors, "bob");
    // Bob is signed in but away: the chat goes to alice.
    await bob.page.goto(`${server.base}/agent`);
    await bob.page.evaluate(() => localStorage.setItem("livechat:agent-prefs", JSON.stringify({ presence: 2 })));
    await agentSignIn(bob.page, server.base, bobToken);
    await expect(bob.page.getByLabel("Presence").inputValue()).resolves.toBe("2");

    const v = await newPage(browser, errors, "visitor");
    await openWidget(v.page, server.base);
    const w = v.page.locator("#livechat-widget");
    await joinChat(v.page, { name: "Tom", email: "tom@example.org", department: "billing", question: "Can someone in tech help?" });
    await poll(() => w.locator("header h2").textContent()).toBe("Alice");
    await alice.page.locator(".chat-item").first().click();
    await agentSend(alice.page, "Handing you to Bob from tech.");
    await poll(() => messages(w).then((m) => m.at(-1))).toBe("Handing you to Bob from tech.");

    await bob.page.getByLabel("Presence").selectOption("1");
    await alice.page.getByRole("button", { name: "Transfer" }).click();
    // The dialog lists the online colleagues with their load; Bob has a free slot.
    const bobOption = alice.page.locator('#to-agent option[value="bob"]');
    await poll(() => bobOption.textContent()).toBe("Bob — 0/2 chats");
    await poll(() => bobOption.isEnabled()).toBe(true);
    await alice.page.getByLabel("To agent").selectOption("bob");
    await alice.page.getByLabel("Note for the next agent").fill("Wants tech help");
    await alice.page.locator("#do-transfer").click();
    // Alice loses the chat; Bob gets it with the whole history and the visitor's context.
    await poll(() => alice.page.locator(".chat-item").count()).toBe(0);
    await bob.page.locator(".chat-item").first().click();
    await poll(() => messages(bob.page.locator(".log"))).toEqual(["Can someone in tech help?", "Handing you to Bob from tech."]);
    await expect(bob.page.locator('[data-field="email"]').textContent()).resolves.toBe("tom@example.org");
    await poll(() => w.locator("header h2").textContent()).toBe("Bob");
    await poll(() => w.locator("li.sys").allTextContents()).toContain("You were transferred to Bob");
    await agentSend(bob.page, "Hi Tom, Bob here.");
    await poll(() => messages(w).then((m) => m.at(-1))).toBe("Hi Tom, Bob here.");
    await widgetSend(v.page, "Thanks Bob, solved!");
    await poll(() => messages(bob.page.locator(".log")).then((m) => m.at(-1))).toBe("Thanks Bob, solved!");

    // Bob closes; the visitor rates.
    await bob.page.locator("#close-chat").click();
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("closed");
    await poll(() => bob.page.locator(".closed-note").isVisible()).toBe(true);
    const download = v.page.waitForEvent("download");
    await w.getByRole("button", { name: "Download transcript" }).click();
    const file = await (await download).path();
    const { readFileSync } = await import("node:fs");
    const transcript = readFileSync(file, "utf8");
    expect(transcript).toContain("Tom: Can someone in tech help?");
    expect(transcript).toContain("Bob: Hi Tom, Bob here.");
    await w.locator('label[for="lc-star-4"]').click();
    await w.getByLabel("Comment (optional)").fill("Quick handover, merci !");
    await screenshot(v.page, "widget-rating");
    await w.getByRole("button", { name: "Send rating" }).click();
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("rated");

    const convId = await v.page.evaluate(() => {
      const key = Object.keys(localStorage).find((k) => k.startsWith("livechat:"))!;
      return (JSON.parse(localStorage.getItem(key)!) as { closed: { id: string } }).closed.id;
    });
    const rest = await server.get(`/api/conversations/${convId}`, bobToken);
    expect(rest.status).toBe(200);
    const detail = JSON.parse(rest.body) as { state: string; rating: number; comment: string; agent_id: string };
    expect(detail).toMatchObject({ state: "closed", rating: 4, comment: "Quick handover, merci !", agent_id: "bob" });
  });

  it("offline form when nobody is online reaches the agents' inbox", async () => {
    const v = await newPage(browser, errors, "visitor");
    await openWidget(v.page, server.base);
    const w = v.page.locator("#livechat-widget");
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("offline");
    await w.getByLabel("Your name").fill("Olga");
    await w.getByLabel("Email", { exact: true }).fill("olga@example.org");
    await w.getByLabel("Department").selectOption("sales");
    await w.getByLabel("Message", { exact: true }).fill("Please call me back about pricing");
    await screenshot(v.page, "widget-offline-form");
    await w.getByRole("button", { name: "Send message" }).click();
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("offline-sent");

    const a = await newPage(browser, errors, "agent");
    await agentSignIn(a.page, server.base, server.token("sid", { name: "Sid", departments: ["sales"] }));
    await a.page.getByRole("tab", { name: /Offline inbox/ }).click();
    await poll(() => a.page.locator(".inbox-item p").allTextContents()).toEqual(["Please call me back about pricing"]);
    await expect(a.page.locator(".inbox-item a").textContent()).resolves.toBe("olga@example.org");
  });
});

describe("on-call dashboard", () => {
  it("shows the queue grow and shrink, live", async () => {
    const ops = await newPage(browser, errors, "ops", { width: 1400, height: 1000 });
    await ops.page.goto(`${server.base}/ops?poll=500`);
    await ops.page.getByLabel("Agent or admin token").fill("not-a-token");
    await ops.page.getByRole("button", { name: "Open dashboard" }).click();
    await poll(() => ops.page.getByRole("alert").textContent()).toBe("That token was refused.");
    // The browser logs the refused request itself; that one is expected.
    expect(errors).toEqual(["ops: Failed to load resource: the server responded with a status of 401 (Unauthorized)"]);
    errors.length = 0;
    await ops.page.getByLabel("Agent or admin token").fill(server.token("admin", { admin: true }));
    await ops.page.getByRole("button", { name: "Open dashboard" }).click();
    const total = ops.page.getByTestId("queue-total").locator(".value");
    await poll(() => total.textContent()).toBe("0");

    const visitors = [];
    for (const name of ["Ann", "Ben", "Cat"]) {
      const v = await newPage(browser, errors, `visitor ${name}`);
      await openWidget(v.page, server.base);
      await joinChat(v.page, { name, department: "tech", question: `question from ${name}` });
      visitors.push(v);
      await poll(() => total.textContent()).toBe(String(visitors.length));
    }
    const row = ops.page.locator('tr[data-dept="tech"]');
    await poll(() => row.locator('[data-col="depth"]').textContent()).toBe("3");
    await poll(() => ops.page.getByTestId("visitors").locator(".value").textContent()).toBe("3");
    // The oldest wait grows by itself (no refresh) and turns red past the threshold.
    const oldest = row.locator('[data-col="oldest"]');
    const first = await oldest.textContent();
    await poll(() => oldest.textContent()).not.toBe(first);
    await ops.page.getByRole("button", { name: "Thresholds" }).click();
    await ops.page.getByLabel("Oldest wait (s)").fill("1");
    await ops.page.getByRole("button", { name: "Save" }).click();
    await poll(() => oldest.getAttribute("class")).toBe("bad");
    await screenshot(ops.page, "ops-queue-full");

    // An agent with room for two takes two chats: the queue shrinks to one.
    const a = await newPage(browser, errors, "agent");
    await agentSignIn(a.page, server.base, server.token("tess", { name: "Tess", departments: ["tech"], capacity: 2 }));
    await poll(() => total.textContent()).toBe("1");
    await poll(() => ops.page.getByTestId("agents").locator(".value").textContent()).toBe("1");
    await poll(() => ops.page.getByTestId("team-online").locator(".value").textContent()).toBe("1");
    await poll(() => ops.page.getByTestId("team-utilisation").locator(".value").textContent()).toBe("100%");
    await poll(() => row.locator('[data-col="online"]').textContent()).toBe("1");
    await poll(() => a.page.locator(".chat-item").count()).toBe(2);
    // Closing one frees a slot for the last visitor: empty queue.
    await a.page.locator(".chat-item").first().click();
    await agentSend(a.page, "Sorted!");
    await a.page.locator("#close-chat").click();
    await poll(() => total.textContent()).toBe("0");
    await poll(() => row.locator('[data-col="depth"]').textContent()).toBe("0");
    await poll(() => ops.page.locator('[data-testid="latency"] tbody tr').first().locator("td").last().textContent()).toBe("1");
    await screenshot(ops.page, "ops-dashboard");
  });
});
