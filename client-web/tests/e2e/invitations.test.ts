// Proactive invitations against the real server (protocol 9): an agent invites a visitor from
// the Visitors tab (a greeting prefilled); the visitor's widget, collapsed, shows a card with the
// agent's name and the greeting; Reply opens the widget straight into the chat (billing has no
// pre-chat fields), the first message starts it, and it lands with the agent who invited, not
// the colleague who is online too; the row says "Invited by Alice". A visitor who says No thanks
// gets no chat and the row says "Declined". A department's invitation rule (1 s on a page whose
// URL matches) invites by itself, in an online agent's name, and not on another page.
import { describe, expect, it } from "vitest";
import { agentSignIn, browserSuite, messages, poll, putDepartment, screenshot, widgetPhase, widgetSend } from "./harness.js";

const t = browserSuite();

describe("proactive invitations", () => {
  it("an agent invites from the Visitors tab; Reply starts a chat that lands with that agent", async () => {
    const s = await t.server();
    // The card names the department as visitors read it.
    await putDepartment(s, s.token("root", { name: "Root", admin: true }), "billing", { display_name: "Billing" });
    const alice = await t.page("alice");
    await agentSignIn(alice, s.base, s.token("alice", { name: "Alice", departments: ["billing"] }));
    const bob = await t.page("bob");
    await agentSignIn(bob, s.base, s.token("bob", { name: "Bob", departments: ["billing"] }));

    const v = await t.page("visitor");
    await v.goto(`${s.base}/`);
    const w = v.locator("#livechat-widget");
    await poll(() => widgetPhase(v)).toBe("prechat");

    await alice.locator("#tab-visitors").click();
    const row = alice.locator(".visitor-item");
    await poll(() => row.count()).toBe(1);
    await row.locator('[data-action="invite"]').click();
    const prompt = row.locator(".invite-prompt");
    await expect(prompt.locator("textarea").inputValue()).resolves.toBe("Hi! Can I help you with anything?");
    await prompt.locator("textarea").fill("Hi! Looking for boots? I can help with sizes.");
    await screenshot(alice, "agent-invite-prompt");
    await prompt.getByRole("button", { name: "Send" }).click();
    await poll(() => prompt.count()).toBe(0);
    await poll(() => row.locator('[data-field="invitation"]').textContent()).toBe("Invited by Alice");
    expect(await row.locator('[data-action="invite"]').count()).toBe(0);

    // The widget is collapsed: the card is by the launcher.
    const card = w.locator(".invite");
    await poll(() => card.isVisible()).toBe(true);
    await expect(w.locator(".panel").isHidden()).resolves.toBe(true);
    await expect(card.getAttribute("role")).resolves.toBe("dialog");
    await expect(w.locator("#lc-invite-from").textContent()).resolves.toBe("Alice from Billing");
    await expect(w.locator(".invite-text").textContent()).resolves.toBe("Hi! Looking for boots? I can help with sizes.");
    await screenshot(v, "widget-invitation");

    // Reply: straight into the chat; the greeting is Alice's first line.
    await card.getByRole("button", { name: "Reply" }).click();
    await poll(() => widgetPhase(v)).toBe("invited");
    await expect(card.count()).resolves.toBe(0);
    await expect(messages(w)).resolves.toEqual(["Hi! Looking for boots? I can help with sizes."]);
    await widgetSend(v, "Yes please, size 44");
    await poll(() => widgetPhase(v)).toBe("chat");
    await poll(() => w.locator("#lc-title").textContent()).toBe("Alice");
    await poll(() => messages(w)).toEqual(["Hi! Looking for boots? I can help with sizes.", "Yes please, size 44"]);
    await expect(w.getByLabel("Type your message").inputValue()).resolves.toBe("");
    await screenshot(v, "widget-invitation-chat");

    // It landed with Alice, not with Bob.
    await alice.locator("#tab-chats").click();
    await poll(() => alice.locator(".chat-item").count()).toBe(1);
    await alice.locator(".chat-item").first().click();
    await poll(() => messages(alice.locator(".log"))).toContain("Yes please, size 44");
    expect(await bob.locator(".chat-item").count()).toBe(0);
    await alice.locator("#tab-visitors").click();
    await poll(() => row.locator(".badge.in-chat").count()).toBe(1);
    expect(await row.locator('[data-action="invite"]').count()).toBe(0);
  });

  it("a visitor says No thanks: no chat, the row says Declined", async () => {
    const s = await t.server();
    const alice = await t.page("alice");
    await agentSignIn(alice, s.base, s.token("alice", { name: "Alice", departments: ["billing"] }));
    const v = await t.page("visitor");
    await v.goto(`${s.base}/`);
    await poll(() => widgetPhase(v)).toBe("prechat");
    await alice.locator("#tab-visitors").click();
    const row = alice.locator(".visitor-item");
    await poll(() => row.count()).toBe(1);
    await row.locator('[data-action="invite"]').click();
    // An empty greeting: the widget's own words.
    await row.locator(".invite-prompt textarea").fill("");
    await row.locator(".invite-prompt").getByRole("button", { name: "Send" }).click();

    const w = v.locator("#livechat-widget");
    await poll(() => w.locator(".invite").isVisible()).toBe(true);
    await expect(w.locator(".invite-text").textContent()).resolves.toBe("Hi! Can I help you with anything?");
    // Keyboard: the buttons are reachable and work.
    await w.locator('.invite [data-action="decline"]').focus();
    await v.keyboard.press("Enter");
    await poll(() => w.locator(".invite").count()).toBe(0);
    await poll(() => row.locator('[data-field="invitation"]').textContent()).toBe("Declined");
    await expect(w.locator(".panel").isHidden()).resolves.toBe(true);
    // After a reload the declined invitation does not come back.
    await v.reload();
    await poll(() => widgetPhase(v)).toBe("prechat");
    await new Promise((r) => setTimeout(r, 1500));
    expect(await w.locator(".invite").count()).toBe(0);
    expect(await alice.locator(".chat-item").count()).toBe(0);
  });

  it("an invitation rule invites by itself after a second on a matching page, in an online agent's name", async () => {
    const s = await t.server();
    const root = s.token("root", { name: "Root", admin: true });
    await putDepartment(s, root, "billing", {
      display_name: "Billing",
      invitation_rules: [{ text: "Questions about our boots? Ask me!", seconds_on_page: 1, url_pattern: "*p=boots*", visitors: "all" }],
    });
    const alice = await t.page("alice");
    await agentSignIn(alice, s.base, s.token("alice", { name: "Alice", departments: ["billing"] }));

    const other = await t.page("other visitor");
    await other.goto(`${s.base}/?p=tents`);
    const v = await t.page("visitor");
    await v.goto(`${s.base}/?p=boots`);
    const w = v.locator("#livechat-widget");
    await poll(() => w.locator(".invite").isVisible(), 20_000).toBe(true);
    await expect(w.locator("#lc-invite-from").textContent()).resolves.toBe("Alice from Billing");
    await expect(w.locator(".invite-text").textContent()).resolves.toBe("Questions about our boots? Ask me!");
    await expect(w.locator(".invite").getAttribute("data-source")).resolves.toBe("rule");
    await screenshot(v, "widget-invitation-rule");
    // The page that does not match is left alone.
    await new Promise((r) => setTimeout(r, 2000));
    expect(await other.locator("#livechat-widget .invite").count()).toBe(0);
  });
});
