// The visitors on the site against the real server (protocol 8): a visitor opens the demo page
// and the console's Visitors tab lists them with the page's title, device, language and local
// time; a single-page-app route change (history.pushState) shows as their new page; they start a
// chat, the agent's visitor panel shows the page, device and this visit's pages, and the next
// route change shows live in the chat (a small line, the current page) but never to the visitor;
// a page may report a change itself (window.LiveChat.pageView()).
// A supervisor's monitor pane and History show the same line.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  agentSend, agentSignIn, browserSuite, joinChat, messages, poll, screenshot,
} from "./harness.js";

const suite = browserSuite();

const HOME = "Northwind Outfitters — demo shop";

/** The host page's router: a new route and its title, no reload. */
async function route(page: Page, path: string, title: string): Promise<void> {
  await page.evaluate(([p, t]) => {
    history.pushState({ route: p }, "", p);
    document.title = t!;
  }, [path, title]);
}

async function openPanel(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Chat with us" }).click();
  await poll(() => page.locator("#livechat-widget .root").getAttribute("data-phase")).not.toBe("connecting");
}

describe("visitors on the site", () => {
  it("the Visitors tab follows a visitor's pages; in a chat the panel shows the visit, live", async () => {
    const s = await suite.server();
    const a = await suite.open("agent");
    await agentSignIn(a.page, s.base, s.token("alice", { name: "Alice", departments: ["billing"] }));
    await a.page.locator("#tab-visitors").click();
    const status = a.page.locator(".visitors-status");
    await poll(() => status.textContent()).toMatch(/^Nobody is on the site right now/);
    await screenshot(a.page, "agent-visitors-empty");

    // A visitor opens the shop (the widget connects at once; nobody has to open it).
    const v = await suite.open("visitor");
    await v.page.goto(`${s.base}/`);
    const row = a.page.locator(".visitor-item");
    await poll(() => row.count()).toBe(1);
    await poll(() => row.locator('[data-field="page"]').textContent()).toBe(HOME);
    const link = row.locator('[data-field="page"] a');
    await expect(link.getAttribute("href")).resolves.toBe(`${s.base}/`);
    await expect(link.getAttribute("target")).resolves.toBe("_blank");
    await expect(link.getAttribute("rel")).resolves.toBe("noopener noreferrer");
    await expect(status.textContent()).resolves.toBe("1 visitor on the site");
    await expect(row.locator('[data-field="name"]').textContent()).resolves.toMatch(/^Visitor [0-9a-f]{6}$/);
    await expect(row.locator('[data-field="pages"]').textContent()).resolves.toBe("Pages 1");
    await expect(row.locator('[data-field="device"]').textContent()).resolves.toMatch(/^Device Desktop · .*\d/);
    await expect(row.locator('[data-field="language"]').textContent()).resolves.toBe("Language en-US");
    await expect(row.locator('[data-field="local-time"]').textContent()).resolves.toMatch(/^Local time \d{2}:\d{2}\s?(AM|PM)? \(.*UTC/);
    await expect(row.locator('[data-field="referrer"]').textContent()).resolves.toBe("From Direct");
    expect(await row.locator(".badge").count()).toBe(0);
    // The times tick.
    const onSite = row.locator('[data-field="on-site"]');
    await poll(() => onSite.textContent()).toMatch(/^On the site [1-9]\d*s$/);
    const before = await onSite.textContent();
    await poll(() => onSite.textContent()).not.toBe(before);

    // The shop's router goes to /pricing without a reload: the list shows the new page.
    await route(v.page, "/pricing", "Pricing — Northwind");
    await poll(() => row.locator('[data-field="page"]').textContent()).toBe("Pricing — Northwind");
    await expect(link.getAttribute("href")).resolves.toBe(`${s.base}/pricing`);
    await poll(() => row.locator('[data-field="pages"]').textContent()).toBe("Pages 2");
    await screenshot(a.page, "agent-visitors");

    // The visitor starts a chat there; Alice gets it.
    await openPanel(v.page);
    await joinChat(v.page, { name: "Vera", department: "billing", question: "Do you ship tents to Norway?" });
    const w = v.page.locator("#livechat-widget");
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("chat");
    await poll(() => row.locator('[data-field="name"]').textContent()).toBe("Vera");
    await poll(() => row.locator(".badge.in-chat").count()).toBe(1);
    await row.getByRole("button", { name: "Open chat" }).click();
    await poll(() => messages(a.page.locator(".log"))).toEqual(["Do you ship tents to Norway?"]);

    // The visitor panel: where they are, their device, this visit's pages (newest first).
    const side = a.page.locator("aside.side");
    await poll(() => side.locator('[data-field="current-page"]').textContent()).toBe("Pricing — Northwind");
    await expect(side.locator('[data-field="device"]').textContent()).resolves.toMatch(/^Desktop · .*\d/);
    await expect(side.locator('[data-field="language"]').textContent()).resolves.toBe("en-US");
    await expect(side.locator('[data-field="local-time"]').textContent()).resolves.toMatch(/\d{2}:\d{2}/);
    await expect(side.locator('[data-field="referrer"]').textContent()).resolves.toBe("Direct");
    await poll(() => side.locator(".visit-pages li a").allTextContents()).toEqual(["Pricing — Northwind", HOME]);

    // Another route change, live in the chat: a small line and the current page.
    await route(v.page, "/checkout", "Checkout — Northwind");
    await poll(() => a.page.locator(".log li.sys").allTextContents()).toContain("Visitor went to Checkout — Northwind");
    await poll(() => side.locator('[data-field="current-page"]').textContent()).toBe("Checkout — Northwind");
    await expect(side.locator('[data-field="current-page"] a').getAttribute("href")).resolves.toBe(`${s.base}/checkout`);
    await poll(() => side.locator(".visit-pages li a").allTextContents()).toEqual(["Checkout — Northwind", "Pricing — Northwind", HOME]);
    await screenshot(a.page, "agent-visitor-context");
    // The visitor sees nothing of it.
    await agentSend(a.page, "Yes, we do");
    await poll(() => messages(w)).toEqual(["Do you ship tents to Norway?", "Yes, we do"]);
    expect((await w.locator(".log").textContent()) ?? "").not.toMatch(/went to|checkout/i);

    // A page that changes what it shows without the History API says so itself.
    await v.page.evaluate(() => {
      document.title = "Checkout — payment";
      window.LiveChat!.pageView();
    });
    await a.page.locator("#tab-visitors").click();
    await poll(() => row.locator('[data-field="page"]').textContent()).toBe("Checkout — payment");
  });

  it("the monitor pane and History show where the visitor went", async () => {
    const s = await suite.server();
    const a = await suite.open("agent");
    await agentSignIn(a.page, s.base, s.token("alice", { name: "Alice", departments: ["billing"] }));
    const sup = await suite.open("supervisor");
    await agentSignIn(sup.page, s.base, s.token("sue", { name: "Sue", departments: ["billing"], capacity: 2, supervisor: true }));

    const v = await suite.open("visitor");
    await v.page.goto(`${s.base}/`);
    await openPanel(v.page);
    await joinChat(v.page, { name: "Tom", department: "billing", question: "where is my parcel?" });
    const w = v.page.locator("#livechat-widget");
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("chat");
    await a.page.locator(".chat-item").first().click();
    const conv = (await a.page.locator(".chat-item").first().getAttribute("data-conv"))!;

    await sup.page.locator("#tab-live").click();
    await sup.page.locator(".live-item").first().getByRole("button", { name: /Monitor/ }).click();
    const pane = sup.page.locator(".monitor-pane");
    await poll(() => messages(pane.locator(".log"))).toEqual(["where is my parcel?"]);
    await route(v.page, "/orders/1234", "Order 1234 — Northwind");
    await poll(() => pane.locator(".log li.sys").allTextContents()).toContain("Visitor went to Order 1234 — Northwind");
    await poll(() => a.page.locator(".log li.sys").allTextContents()).toContain("Visitor went to Order 1234 — Northwind");
    await screenshot(sup.page, "supervisor-monitor-navigated");

    await a.page.locator("#close-chat").click();
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("closed");
    // The conversation's JSON names the event, with the URL as its text and the title apart.
    const token = s.token("alice", { name: "Alice", departments: ["billing"] });
    await poll(async () => {
      const r = await s.get(`/api/conversations/${conv}`, token);
      const events = r.status === 200 ? (JSON.parse(r.body) as { events: { kind: string; text: string; page_title?: string }[] }).events : [];
      return events.filter((e) => e.kind === "EVENT_KIND_NAVIGATED").map((e) => [e.text, e.page_title]);
    }).toEqual([[`${s.base}/orders/1234`, "Order 1234 — Northwind"]]);
    // History's transcript says it as the chat did.
    await a.page.getByRole("tab", { name: "History" }).click();
    await poll(async () => {
      await a.page.getByRole("button", { name: "Search", exact: true }).click();
      return a.page.locator(`.hist-item[data-conv="${conv}"]`).count();
    }).toBe(1);
    await a.page.locator(`.hist-item[data-conv="${conv}"]`).click();
    await poll(() => a.page.locator(".hist-conv .log li.sys").allTextContents()).toContainEqual(expect.stringMatching(/^Visitor went to Order 1234 — Northwind · /));
    await screenshot(a.page, "agent-history-navigated");
  });
});
