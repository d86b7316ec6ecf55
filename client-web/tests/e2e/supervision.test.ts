// Supervision against the real server: a supervisor monitors an agent's chat (the visitor's
// messages arrive live), whispers (the agent sees it, the visitor never does), barges in (the
// visitor sees the join and the supervisor's message), takes it over (it moves from the agent's
// list to the supervisor's), and picks a waiting visitor by hand in the Waiting tab. An agent
// sees none of the supervision controls. The Waiting and Live lists and the colleague pickers
// come pushed (the Board): no page asks GET /api/queue, /api/live or /api/agents.
// Skips itself on a server binary from before (no business hours in GET /api/departments).
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

/** A server with issue 12's departments (hours, targets): GET /api/departments says time_zone. */
async function hasHours(): Promise<boolean> {
  const r = await server.get("/api/departments", server.token("root", { admin: true }));
  return r.status === 200 && r.body.includes('"time_zone"');
}

/** Presence through the top bar's select (1 online, 2 away). */
async function setPresence(page: Page, status: "1" | "2"): Promise<void> {
  await page.locator("#presence").selectOption(status);
  await page.waitForTimeout(300);
}

/** The paths a page requests (REST and pages), from now on. */
function recordRequests(page: Page): string[] {
  const paths: string[] = [];
  page.on("request", (r) => paths.push(new URL(r.url()).pathname));
  return paths;
}

const POLLED = ["/api/queue", "/api/live", "/api/agents"];

describe("pushed board", () => {
  it("Waiting and Live update without polling: a joining visitor within 3 s, an assigned chat within 3 s", async (ctx) => {
    if (!(await hasHours())) return ctx.skip();
    // Sue supervises, away: nobody takes Tom until Alice comes.
    const s = await newPage(browser, errors, "supervisor sue");
    const sueAsked = recordRequests(s.page);
    await s.page.goto(`${server.base}/agent`);
    await s.page.evaluate(() => localStorage.setItem("livechat:agent-prefs", JSON.stringify({ presence: 2 })));
    await agentSignIn(s.page, server.base, server.token("sue", { name: "Sue", departments: ["billing"], capacity: 2, supervisor: true }));
    await s.page.locator("#tab-queue").click();
    await poll(() => s.page.locator(".chat-list .empty").textContent()).toBe("Nobody is waiting.");

    const t = await newPage(browser, errors, "visitor tom");
    await openWidget(t.page, server.base);
    await joinChat(t.page, { name: "Tom", department: "billing", question: "is anyone there?" });
    const waiting = s.page.locator(".queue-item").first();
    await poll(() => waiting.locator(".name").textContent(), 3000).toBe("1. Tom");
    await expect(waiting.locator(".preview").textContent()).resolves.toBe("is anyone there?");
    await expect(s.page.locator("#tab-queue .count").textContent()).resolves.toBe("1");
    // The wait ticks locally between boards.
    const first = await waiting.locator(".waited").textContent();
    await poll(() => waiting.locator(".waited").textContent(), 3000).not.toBe(first);
    await screenshot(s.page, "board-waiting");

    // Sue watches the Live tab; Alice comes online and gets Tom.
    await s.page.locator("#tab-live").click();
    await poll(() => s.page.locator(".chat-list .empty").textContent()).toBe("No live conversations in your departments.");
    const a = await newPage(browser, errors, "agent alice");
    const aliceAsked = recordRequests(a.page);
    await agentSignIn(a.page, server.base, server.token("alice", { name: "Alice", departments: ["billing"], capacity: 2 }));
    await poll(() => a.page.locator(".chat-item .name").allTextContents()).toEqual(["Tom"]);
    const live = s.page.locator(".live-item").first();
    await poll(() => live.locator(".name").textContent(), 3000).toBe("Tom");
    await expect(live.locator(".agent").textContent()).resolves.toBe("with Alice");
    await poll(() => s.page.locator("#tab-queue .count").textContent(), 3000).toBe("0");
    await screenshot(s.page, "board-live");

    // The colleague pickers list the board's team: Sue's Assign to… shows Alice with her load;
    // Alice's Transfer shows Sue (away, not selectable).
    await live.getByRole("button", { name: /Monitor/ }).click();
    await s.page.locator(".monitor-pane").getByRole("button", { name: "Assign to…" }).click();
    await poll(() => s.page.locator("#assign-agent option[data-agent=alice]").textContent()).toBe("Alice — 1/2 chats");
    await s.page.locator("dialog[open]").getByRole("button", { name: "Cancel" }).click();
    await a.page.getByRole("button", { name: "Transfer" }).click();
    const pick = a.page.getByLabel("To agent");
    await poll(() => pick.locator('option[value="sue"]').textContent()).toBe("Sue — 0/2 chats (away)");
    expect(await pick.locator('option[value="sue"]').isDisabled()).toBe(true);
    await a.page.locator("dialog[open]").getByRole("button", { name: "Cancel" }).click();
    // Alice's Waiting tab follows too (an agent's board has no live chats, and no Live tab).
    await a.page.locator("#tab-queue").click();
    await poll(() => a.page.locator(".chat-list .empty").textContent()).toBe("Nobody is waiting.");
    expect(await a.page.locator("#tab-live").count()).toBe(0);

    expect(sueAsked.filter((p) => POLLED.includes(p))).toEqual([]);
    expect(aliceAsked.filter((p) => POLLED.includes(p))).toEqual([]);
    // And the pages did ask for what they still need (the recording works).
    expect(sueAsked).toContain("/api/departments");
  });
});

describe("supervision", () => {
  it("monitor, whisper, barge in, take over; pick a waiting visitor by hand", async (ctx) => {
    const a = await newPage(browser, errors, "agent alice");
    await agentSignIn(a.page, server.base, server.token("alice", { name: "Alice", departments: ["billing"], capacity: 2 }));
    if (!(await hasHours())) return ctx.skip();
    // An agent has no Live tab.
    await a.page.locator("#tab-queue").waitFor();
    expect(await a.page.locator("#tab-live").count()).toBe(0);

    // The supervisor starts away: new chats go to Alice.
    const s = await newPage(browser, errors, "supervisor sue");
    await s.page.goto(`${server.base}/agent`);
    await s.page.evaluate(() => localStorage.setItem("livechat:agent-prefs", JSON.stringify({ presence: 2 })));
    await agentSignIn(s.page, server.base, server.token("sue", { name: "Sue", departments: ["billing"], capacity: 2, supervisor: true }));

    const v = await newPage(browser, errors, "visitor vera");
    await openWidget(v.page, server.base);
    await joinChat(v.page, { name: "Vera", department: "billing", question: "my invoice is wrong" });
    const w = v.page.locator("#livechat-widget");
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("chat");
    await poll(() => messages(a.page.locator(".log"))).toEqual(["my invoice is wrong"]);
    await agentSend(a.page, "Let me check");

    // Live tab: Vera's chat with Alice; Monitor.
    await s.page.locator("#tab-live").click();
    const item = s.page.locator(".live-item").first();
    await poll(() => item.locator(".name").textContent()).toBe("Vera");
    await expect(item.locator(".agent").textContent()).resolves.toBe("with Alice");
    await item.getByRole("button", { name: /Monitor/ }).click();
    const pane = s.page.locator(".monitor-pane");
    await poll(() => messages(pane.locator(".log"))).toEqual(["my invoice is wrong", "Let me check"]);
    // The agent sees who is monitoring; the visitor does not.
    await poll(() => a.page.locator(".log li.sys").allTextContents()).toContain("Sue is monitoring");
    // Live: the visitor's next message.
    await widgetSend(v.page, "it says 300 instead of 30");
    await poll(() => messages(pane.locator(".log")).then((m) => m.at(-1))).toBe("it says 300 instead of 30");

    // A whisper: a note for Alice, never for Vera.
    await pane.getByLabel("Whisper to the agent").fill("offer a refund");
    await pane.getByRole("button", { name: "Whisper", exact: true }).click();
    await poll(() => a.page.locator('.log li[data-kind="note"] .note-text').allTextContents()).toContain("offer a refund");
    await poll(() => pane.locator('.log li[data-kind="note"] .note-text').allTextContents()).toContain("offer a refund");
    await screenshot(s.page, "supervisor-monitoring");

    // Barge in: the visitor sees the join and the supervisor's message.
    await pane.getByRole("button", { name: "Barge in" }).click();
    await poll(() => w.locator("li.sys").allTextContents()).toContain("Sue (supervisor) joined the chat");
    await poll(() => a.page.locator(".log li.sys").allTextContents()).toContain("Sue (supervisor) joined the chat");
    await pane.getByLabel("Message", { exact: true }).fill("Hello Vera, I am Alice's supervisor");
    await pane.getByRole("button", { name: "Send to visitor" }).click();
    await poll(() => messages(w).then((m) => m.at(-1))).toBe("Hello Vera, I am Alice's supervisor");
    await poll(() => messages(a.page.locator(".log")).then((m) => m.at(-1))).toBe("Hello Vera, I am Alice's supervisor");
    expect(await w.textContent()).not.toContain("offer a refund");
    expect(await w.textContent()).not.toContain("monitoring");
    await screenshot(v.page, "visitor-after-barge-in");

    // Take over (online with a free slot now): the chat moves to Sue's list, Alice loses it.
    await setPresence(s.page, "1");
    await pane.getByRole("button", { name: "Take over" }).click();
    await poll(() => s.page.locator(".chat-item .name").allTextContents()).toEqual(["Vera"]);
    await poll(() => a.page.locator(".chat-item").count()).toBe(0);
    await poll(() => messages(s.page.locator(".log")).then((m) => m.at(-1))).toBe("Hello Vera, I am Alice's supervisor");
    await agentSend(s.page, "I have fixed your invoice");
    await poll(() => messages(w).then((m) => m.at(-1))).toBe("I have fixed your invoice");
    await screenshot(s.page, "supervisor-took-over");

    // Nobody takes new chats (Alice and Sue away): Tom waits; Sue takes him by hand.
    await setPresence(a.page, "2");
    await setPresence(s.page, "2");
    const t = await newPage(browser, errors, "visitor tom");
    await openWidget(t.page, server.base);
    await joinChat(t.page, { name: "Tom", department: "billing", question: "anyone?" });
    await s.page.locator("#tab-queue").click();
    const waiting = s.page.locator(".queue-item").first();
    await poll(() => waiting.locator(".name").textContent()).toBe("1. Tom");
    await waiting.getByRole("button", { name: "Take Tom" }).click();
    await poll(() => s.page.locator(".chat-item .name").allTextContents()).toContain("Tom");
    const tw = t.page.locator("#livechat-widget");
    await poll(() => tw.locator(".root").getAttribute("data-phase")).toBe("chat");
    await screenshot(s.page, "supervisor-took-waiting");
  });

  it("assign a live chat to a colleague; urgency from the department's waiting target; a required tag before closing", async (ctx) => {
    if (!(await hasHours())) return ctx.skip();
    const root = server.token("root", { admin: true });
    expect((await server.send("/api/departments/billing", { waiting_target_seconds: 2, required_tag: true }, root, "PUT")).status).toBe(200);
    expect((await server.send("/api/tags", { name: "refund" }, root)).status).toBeLessThan(300);
    const a = await newPage(browser, errors, "agent alice");
    await agentSignIn(a.page, server.base, server.token("alice", { name: "Alice", departments: ["billing"], capacity: 1 }));
    const v = await newPage(browser, errors, "visitor vera");
    await openWidget(v.page, server.base);
    await joinChat(v.page, { name: "Vera", department: "billing", question: "refund please" });
    await poll(() => messages(a.page.locator(".log"))).toEqual(["refund please"]);
    // Bob comes online after Vera went to Alice.
    const b = await newPage(browser, errors, "agent bob");
    await agentSignIn(b.page, server.base, server.token("bob", { name: "Bob", departments: ["billing"], capacity: 1 }));
    const s = await newPage(browser, errors, "supervisor sue");
    await s.page.goto(`${server.base}/agent`);
    await s.page.evaluate(() => localStorage.setItem("livechat:agent-prefs", JSON.stringify({ presence: 2 })));
    await agentSignIn(s.page, server.base, server.token("sue", { name: "Sue", departments: ["billing"], capacity: 2, supervisor: true }));

    // Monitor, then Assign to… Bob (listed with his load).
    await s.page.locator("#tab-live").click();
    await s.page.locator(".live-item").first().getByRole("button", { name: /Monitor/ }).click();
    const pane = s.page.locator(".monitor-pane");
    await poll(() => messages(pane.locator(".log"))).toEqual(["refund please"]);
    await pane.getByRole("button", { name: "Assign to…" }).click();
    const pick = s.page.locator("#assign-agent");
    await poll(() => pick.locator("option[data-agent=bob]").textContent()).toBe("Bob — 0/1 chats");
    expect(await pick.locator("option[data-agent=alice]").count()).toBe(1);
    await pick.selectOption("bob");
    await s.page.locator("#do-assign").click();
    await poll(() => b.page.locator(".chat-item .name").allTextContents()).toEqual(["Vera"]);
    await poll(() => a.page.locator(".chat-item").count()).toBe(0);
    await poll(() => s.page.locator(".live-item .agent").allTextContents()).toEqual(["with Bob"]);

    // Alice and Bob are full: Tom waits, urgent past 2 s.
    const t = await newPage(browser, errors, "visitor tom");
    await openWidget(t.page, server.base);
    await joinChat(t.page, { name: "Tom", department: "billing", question: "hello" });
    // Alice takes a chat again, so she is full too.
    await poll(() => a.page.locator(".chat-item .name").allTextContents()).toEqual(["Tom"]);
    const u = await newPage(browser, errors, "visitor uma");
    await openWidget(u.page, server.base);
    await joinChat(u.page, { name: "Uma", department: "billing", question: "waiting" });
    await b.page.locator("#tab-queue").click();
    const item = b.page.locator(".queue-item").first();
    await poll(() => item.locator(".name").textContent()).toBe("1. Uma");
    await poll(() => item.getAttribute("class"), 10_000).toContain("urgent");
    await expect(item.locator(".waited").getAttribute("aria-label")).resolves.toContain("urgent");
    // An agent gets no Take button.
    expect(await item.getByRole("button").count()).toBe(0);
    await screenshot(b.page, "waiting-urgent");

    // Bob closes without a tag: refused, said by the tags; with one it closes.
    await b.page.locator("#tab-chats").click();
    await b.page.locator("#close-chat").click();
    await poll(() => b.page.locator("#conv-tags .error").textContent()).toBe("Add a tag before closing this chat");
    const add = b.page.getByLabel("Add a tag");
    await add.fill("refund");
    await add.press("Enter");
    await poll(() => b.page.locator("#conv-tags .chip").count()).toBe(1);
    await b.page.locator("#close-chat").click();
    await poll(() => v.page.locator("#livechat-widget .root").getAttribute("data-phase")).toBe("closed");
    await screenshot(b.page, "required-tag-closed");
  });
});
