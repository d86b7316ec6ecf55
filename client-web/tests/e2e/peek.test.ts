// Sneak peek against the real server: with --sneak-peek true the agent sees what the visitor is
// typing, live and marked as not sent, and it goes when the visitor empties the box or sends
// (then the message is in the transcript, the draft never was). Without the flag the console
// shows the usual "is typing…" and no draft.
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { agentSignIn, joinChat, launchBrowser, messages, newPage, openWidget, screenshot, startServer, type Server } from "./harness.js";

let browser: Browser;
let server: Server | undefined;
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
  expect(errors, "console errors in the pages").toEqual([]);
});

const poll = (fn: () => Promise<unknown>, timeout = 15_000) => expect.poll(fn, { timeout, interval: 100 });

/** Alice online in billing, Vera in a chat with her. */
async function chatting(s: Server): Promise<{ agent: Page; visitor: Page }> {
  const a = await newPage(browser, errors, "agent alice");
  await agentSignIn(a.page, s.base, s.token("alice", { name: "Alice", departments: ["billing"] }));
  const v = await newPage(browser, errors, "visitor vera");
  await openWidget(v.page, s.base);
  await joinChat(v.page, { name: "Vera", department: "billing", question: "hello" });
  await poll(() => v.page.locator("#livechat-widget .root").getAttribute("data-phase")).toBe("chat");
  await poll(() => messages(a.page.locator(".log"))).toEqual(["hello"]);
  return { agent: a.page, visitor: v.page };
}

describe("sneak peek", () => {
  it("on: the agent sees the draft within 2 s; emptied or sent, it is gone and the message shows", async () => {
    server = await startServer({ args: ["--sneak-peek", "true"] });
    const { agent, visitor } = await chatting(server);
    const box = visitor.locator("#livechat-widget").getByLabel("Type your message");
    const peek = agent.locator(".main .peek");

    await box.pressSequentially("I need a", { delay: 30 });
    const typed = Date.now();
    await poll(() => peek.locator(".peek-text").textContent(), 2000).toBe("I need a");
    expect(Date.now() - typed).toBeLessThan(2000);
    await expect(peek.locator(".peek-label").textContent()).resolves.toBe("Vera is typing: ");
    await expect(peek.locator(".peek-mark").textContent()).resolves.toBe("not sent");
    // Updated live, the newest text replacing the last.
    await box.pressSequentially(" refund for order 42", { delay: 30 });
    await poll(() => peek.locator(".peek-text").textContent(), 2000).toBe("I need a refund for order 42");
    // Never in the transcript.
    expect(await messages(agent.locator(".log"))).toEqual(["hello"]);
    expect(await agent.locator(".log").textContent()).not.toContain("refund");
    await screenshot(agent, "sneak-peek");

    // The box emptied: the draft goes.
    await box.fill("");
    await box.dispatchEvent("input");
    await poll(() => peek.isVisible(), 2000).toBe(false);
    await box.pressSequentially("Order 42, please", { delay: 30 });
    await poll(() => peek.locator(".peek-text").textContent(), 2000).toBe("Order 42, please");

    // Sent: the message shows, the draft is gone (and stays gone).
    await box.press("Enter");
    await poll(() => messages(agent.locator(".log"))).toEqual(["hello", "Order 42, please"]);
    await poll(() => peek.isVisible(), 2000).toBe(false);
    await agent.waitForTimeout(800);
    expect(await peek.isVisible()).toBe(false);
    expect(await peek.locator(".peek-text").count()).toBe(0);
  });

  it("off (no flag): typing shows, no draft", async () => {
    server = await startServer();
    const { agent, visitor } = await chatting(server);
    const box = visitor.locator("#livechat-widget").getByLabel("Type your message");
    // 1.5 s of typing.
    await box.pressSequentially("secret draft text", { delay: 90 });
    await poll(() => agent.locator(".typing").textContent(), 2000).toBe("Vera is typing…");
    expect(await agent.locator(".main .peek").isVisible()).toBe(false);
    expect(await agent.locator(".main .peek-text").count()).toBe(0);
    expect(await agent.locator(".main").textContent()).not.toContain("secret draft");
  });
});
