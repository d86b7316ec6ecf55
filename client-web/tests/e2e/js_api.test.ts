// The widget's JavaScript API on the demo page against the real server: handlers and a context
// the page queued before widget.js loaded (window.LiveChat = { q: [...] }) are kept; ready once
// connected; open() and close() with their events; setContext prefills the pre-chat form and its
// metadata reaches the agent; on("chat_started") names the conversation; invite() shows the
// page's own card without the server, and No thanks takes it away.
import { describe, expect, it } from "vitest";
import { agentSignIn, browserSuite, poll, screenshot, widgetPhase } from "./harness.js";

const t = browserSuite();

type Win = Window & { __events?: string[] };

describe("window.LiveChat", () => {
  it("queued handlers and context, open/close, setContext prefill, chat_started, invite()", async () => {
    const s = await t.server();
    const alice = await t.page("alice");
    await agentSignIn(alice, s.base, s.token("alice", { name: "Alice", departments: ["billing"] }));
    const v = await t.page("visitor");
    await v.addInitScript(() => {
      const w = window as unknown as Record<string, unknown>;
      const events: string[] = [];
      w["__events"] = events;
      const on = (e: string) => ["on", e, (p: { conversationId?: string }) => events.push(p?.conversationId ? `${e}:${p.conversationId}` : e)];
      w["LiveChat"] = {
        q: [
          on("ready"), on("open"), on("close"), on("chat_started"), on("invitation"),
          ["setContext", { name: "Vera Context", email: "vera@example.org", metadata: { plan: "gold" } }],
        ],
      };
    });
    await v.goto(`${s.base}/`);
    const events = () => v.evaluate(() => [...((window as Win).__events ?? [])]);
    await poll(events).toEqual(["ready"]);
    const w = v.locator("#livechat-widget");
    await expect(w.locator(".panel").isHidden()).resolves.toBe(true);

    await v.evaluate(() => window.LiveChat!.open());
    await poll(() => w.locator(".panel").isVisible()).toBe(true);
    await expect(w.getByLabel("Your name").inputValue()).resolves.toBe("Vera Context");
    await expect(w.getByLabel("Email (optional)").inputValue()).resolves.toBe("vera@example.org");
    await v.evaluate(() => window.LiveChat!.close());
    await poll(() => w.locator(".panel").isHidden()).toBe(true);
    await expect(events()).resolves.toEqual(["ready", "open", "close"]);

    // The page's own invitation: no server round trip; No thanks takes it away.
    await v.evaluate(() => window.LiveChat!.invite({ text: "Free shipping today — any questions?", agentName: "Northwind" }));
    await poll(() => w.locator(".invite").isVisible()).toBe(true);
    await expect(w.locator("#lc-invite-from").textContent()).resolves.toBe("Northwind");
    await expect(w.locator(".invite").getAttribute("data-source")).resolves.toBe("site");
    await screenshot(v, "widget-page-invitation");
    await w.locator(".invite").getByRole("button", { name: "No thanks" }).last().click();
    await poll(() => w.locator(".invite").count()).toBe(0);

    await v.evaluate(() => window.LiveChat!.open());
    await w.getByLabel("How can we help?").fill("Is gold the best plan?");
    await w.getByRole("button", { name: "Start chat" }).click();
    await poll(() => widgetPhase(v)).toMatch(/^(queued|chat)$/);
    await poll(events).toContainEqual(expect.stringMatching(/^chat_started:\S+$/));
    const started = (await events()).find((e) => e.startsWith("chat_started:"))!.slice("chat_started:".length);
    expect((await events()).filter((e) => e.startsWith("invitation"))).toEqual(["invitation"]);

    // The agent's chat is that conversation, with the context's name and metadata (over the tag's).
    await poll(() => alice.locator(".chat-item").count()).toBe(1);
    await expect(alice.locator(".chat-item").first().getAttribute("data-conv")).resolves.toBe(started);
    await alice.locator(".chat-item").first().click();
    const side = alice.locator("aside.side");
    await poll(() => side.locator('[data-field="name"]').textContent()).toBe("Vera Context");
    await expect(side.locator('[data-meta="plan"]').textContent()).resolves.toBe("gold");
    await expect(side.locator('[data-meta="cart"]').textContent()).resolves.toBe("3 items");
  });
});
