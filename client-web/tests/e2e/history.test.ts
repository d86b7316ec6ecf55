// The agent console's History against the real server and its system of record (embedded
// PostgreSQL): conversations closed in the browser are searched, paged and read back; whatever
// a visitor typed, their name included, is shown as text.
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  agentSend, browserSuite, joinChat, messages, openWidget, poll, screenshot,
  tokenSignIn, widgetSend, type Server,
} from "./harness.js";

const suite = browserSuite();

// Would run if anything put it into the page as markup.
const HOSTILE = `<img src=x onerror="window.__pwned=1">`;
const SCRIPT_MESSAGE = `My parcel never arrived <script>window.__pwned=2</script>`;

async function signIn(page: Page, base: string, token: string, query = ""): Promise<void> {
  await page.goto(`${base}/agent${query}`);
  await tokenSignIn(page, token);
  await page.getByText("Connected", { exact: true }).waitFor();
}

/** The conversation ids of the results, in display order. */
const results = (page: Page) => page.locator(".hist-results .hist-item").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset["conv"]));
const transcript = (page: Page) => page.locator(".hist-conv");

/** Runs a search from the form (the filters as they are). */
async function search(page: Page, q: string): Promise<void> {
  const box = page.getByLabel("Search history");
  await box.fill(q);
  await box.press("Enter");
}

/** Shows the filters (their <details> may be open already). */
async function openFilters(page: Page): Promise<void> {
  const details = page.locator("details.hist-filters");
  if ((await details.getAttribute("open")) === null) await details.locator("summary").click();
}

/** Until the archive lists every one of `ids` (closed conversations are written after the close). */
async function archived(s: Server, token: string, ids: string[], ratedId?: string): Promise<void> {
  await poll(async () => {
    const r = await s.get("/api/conversations?limit=100", token);
    if (r.status !== 200) return `HTTP ${r.status}: ${r.body}`;
    const found = (JSON.parse(r.body) as { conversations: { id: string; rating: number | null }[] }).conversations;
    const all = ids.every((id) => found.some((c) => c.id === id));
    return all && (!ratedId || found.find((c) => c.id === ratedId)?.rating !== null);
  }).toBe(true);
}

async function endChat(w: Locator): Promise<void> {
  await w.getByRole("button", { name: "End chat" }).click();
  await w.getByRole("button", { name: "Click again to end the chat" }).click();
  await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("closed");
}

const isSearch = (url: URL) => url.pathname === "/api/conversations";

/** The browser's own log line for a refused request: expected where the test provokes one. */
function expectRefused(status: string): void {
  expect(suite.errors).toEqual([`agent: Failed to load resource: the server responded with a status of ${status}`]);
  suite.errors.length = 0;
}

describe("history", () => {
  it("search by word, stem and in Japanese; transcript; filters; paging; errors; a narrow screen", async () => {
    const s = await suite.server();
    const token = s.token("alice", { name: "Alice", departments: ["billing", "tech"], capacity: 4 });
    const a = await suite.open("agent");
    // Two a page, so three conversations need "More".
    await signIn(a.page, s.base, token, "?history_limit=2");

    // 1. A visitor with a script for a name chats, ends the chat and rates it.
    const v1 = await suite.open("visitor 1");
    await openWidget(v1.page, s.base);
    const w1 = v1.page.locator("#livechat-widget");
    await joinChat(v1.page, { name: HOSTILE, email: "mallory@example.org", department: "billing", question: SCRIPT_MESSAGE });
    await poll(() => w1.locator(".root").getAttribute("data-phase")).toBe("chat");
    const item1 = a.page.locator(".chat-item").first();
    await item1.click();
    const c1 = (await item1.getAttribute("data-conv"))!;
    await agentSend(a.page, "Sorry about that, I will refund the parcel");
    await poll(() => messages(w1).then((m) => m.at(-1))).toBe("Sorry about that, I will refund the parcel");
    await widgetSend(v1.page, "Thanks");
    await poll(() => messages(a.page.locator(".log")).then((m) => m.at(-1))).toBe("Thanks");
    await endChat(w1);
    await w1.locator('label[for="lc-star-4"]').click();
    await w1.getByLabel("Comment (optional)").fill("<b>fast</b>, merci");
    await w1.getByRole("button", { name: "Send rating" }).click();
    await poll(() => w1.locator(".root").getAttribute("data-phase")).toBe("rated");

    // 2. A conversation in Japanese, closed by the agent.
    const v2 = await suite.open("visitor 2");
    await openWidget(v2.page, s.base);
    const w2 = v2.page.locator("#livechat-widget");
    await joinChat(v2.page, { name: "山田 太郎", department: "billing", question: "注文した商品がまだ届きません" });
    await poll(() => w2.locator(".root").getAttribute("data-phase")).toBe("chat");
    const item2 = a.page.locator(".chat-item:not(.closed)").first();
    await item2.click();
    const c2 = (await item2.getAttribute("data-conv"))!;
    await agentSend(a.page, "確認いたします");
    await poll(() => messages(w2).then((m) => m.at(-1))).toBe("確認いたします");
    await a.page.locator("#close-chat").click();
    await poll(() => w2.locator(".root").getAttribute("data-phase")).toBe("closed");

    // 3. The first visitor comes back: the context panel lists the first conversation, which
    // opens read-only, and Back returns to the live chat with the draft as it was.
    await w1.getByRole("button", { name: "Start a new chat" }).click();
    await joinChat(v1.page, { name: HOSTILE, department: "billing", question: "Back again about the parcel" });
    await poll(() => w1.locator(".root").getAttribute("data-phase")).toBe("chat");
    const item3 = a.page.locator(".chat-item:not(.closed)").first();
    await item3.click();
    const c3 = (await item3.getAttribute("data-conv"))!;
    const side = a.page.locator("aside.side");
    await poll(() => side.locator("[data-prev]").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset["prev"]))).toEqual([c1]);
    await a.page.getByLabel("Reply", { exact: true }).fill("a draft");
    await side.locator(`[data-prev="${c1}"]`).click();
    await poll(() => messages(transcript(a.page))).toEqual([SCRIPT_MESSAGE, "Sorry about that, I will refund the parcel", "Thanks"]);
    await expect(a.page.getByRole("tab", { name: "History" }).getAttribute("aria-selected")).resolves.toBe("true");
    await transcript(a.page).getByRole("button", { name: `← Back to the chat with ${HOSTILE}` }).click();
    await expect(a.page.getByLabel("Reply", { exact: true }).inputValue()).resolves.toBe("a draft");
    await expect(a.page.locator(".chat-item.on").getAttribute("data-conv")).resolves.toBe(c3);
    await a.page.getByLabel("Reply", { exact: true }).fill("");
    await a.page.locator("#close-chat").click();
    await poll(() => w1.locator(".root").getAttribute("data-phase")).toBe("closed");
    await archived(s, token, [c1, c2, c3], c1);

    // History: newest closed first, two a page, then "More".
    await a.page.getByRole("tab", { name: "History" }).click();
    await poll(() => results(a.page)).toEqual([c3, c2]);
    await expect(a.page.locator(".hist-status").textContent()).resolves.toBe("2 conversations, more older ones");
    await a.page.getByRole("button", { name: "More", exact: true }).click();
    await poll(() => results(a.page)).toEqual([c3, c2, c1]);
    await poll(() => a.page.locator("#hist-more").isHidden()).toBe(true);
    const row1 = a.page.locator(`.hist-item[data-conv="${c1}"]`);
    await expect(row1.locator(".name").textContent()).resolves.toBe(HOSTILE);
    await expect(row1.locator(".dept").textContent()).resolves.toBe("billing");
    await expect(row1.locator(".agent").textContent()).resolves.toBe("Alice");
    await expect(row1.locator(".stars").getAttribute("aria-label")).resolves.toBe("rated 4 of 5");
    await screenshot(a.page, "agent-history");

    // A word from the chat (the snippet marks it), by stem ("refunds" is not in the text,
    // "refund" is), and Japanese, where there is no stemmer.
    await search(a.page, "parcel");
    await poll(() => results(a.page)).toEqual([c3, c1]);
    await expect(row1.locator("mark").first().textContent()).resolves.toBe("parcel");
    await search(a.page, "refunds");
    await poll(() => results(a.page)).toEqual([c1]);
    await search(a.page, "商品がまだ");
    await poll(() => results(a.page)).toEqual([c2]);
    await expect(a.page.locator(`.hist-item[data-conv="${c2}"] .name`).textContent()).resolves.toBe("山田 太郎");
    await search(a.page, "no such words anywhere");
    await poll(() => a.page.locator(".hist-status").textContent()).toBe("No closed conversation matches.");

    // The Japanese transcript: messages, system lines, and Back leads to the same result.
    await search(a.page, "届きません");
    await poll(() => results(a.page)).toEqual([c2]);
    await a.page.locator(`.hist-item[data-conv="${c2}"]`).click();
    const t = transcript(a.page);
    await poll(() => messages(t)).toEqual(["注文した商品がまだ届きません", "確認いたします"]);
    await expect(t.locator("h2").textContent()).resolves.toBe("山田 太郎");
    const sys = await t.locator("li.sys").allTextContents();
    expect(sys.map((x) => x.replace(/ · .*$/, ""))).toEqual(["Joined the queue for billing", "Assigned to Alice", "Closed by Alice"]);
    await expect(t.locator("li.msg .sender").allTextContents()).resolves.toEqual(["山田 太郎", "Alice"]);
    await t.getByRole("button", { name: "← Back to results" }).click();
    await poll(() => a.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset["conv"])).toBe(c2);

    // Filters: rating, email, department (the agent's own).
    await search(a.page, "");
    await openFilters(a.page);
    await expect(a.page.locator("#hist-department option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).resolves.toEqual(["", "billing", "tech"]);
    await a.page.getByLabel("Rating", { exact: true }).selectOption("4");
    await a.page.getByRole("button", { name: "Search", exact: true }).click();
    await poll(() => results(a.page)).toEqual([c1]);
    await a.page.getByLabel("Rating", { exact: true }).selectOption("");
    await a.page.getByLabel("Visitor email", { exact: true }).fill("mallory@example.org");
    await a.page.getByLabel("Department", { exact: true }).selectOption("billing");
    await a.page.getByRole("button", { name: "Search", exact: true }).click();
    // Both of hers: the widget remembered the email for the second chat.
    await poll(() => results(a.page)).toEqual([c3, c1]);
    await a.page.getByLabel("Department", { exact: true }).selectOption("tech");
    await a.page.getByRole("button", { name: "Search", exact: true }).click();
    await poll(() => a.page.locator(".hist-status").textContent()).toBe("No closed conversation matches.");
    // Dates are the agent's calendar days: closed today, yes; up to yesterday, none.
    const day = (offset: number) => a.page.evaluate((o) => {
      const d = new Date();
      d.setDate(d.getDate() + o);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
    }, offset);
    await a.page.getByLabel("Department", { exact: true }).selectOption("");
    await a.page.getByLabel("Closed from", { exact: true }).fill(await day(0));
    await a.page.getByLabel("to", { exact: true }).fill(await day(0));
    await a.page.getByRole("button", { name: "Search", exact: true }).click();
    await poll(() => results(a.page)).toEqual([c3, c1]);
    await a.page.getByLabel("Closed from", { exact: true }).fill("");
    await a.page.getByLabel("to", { exact: true }).fill(await day(-1));
    await a.page.getByRole("button", { name: "Search", exact: true }).click();
    await poll(() => a.page.locator(".hist-status").textContent()).toBe("No closed conversation matches.");
    await a.page.getByRole("button", { name: "Clear filters" }).click();

    // The hostile visitor's transcript: everything as text, rating and comment, response times.
    await search(a.page, "parcel");
    await poll(() => results(a.page)).toEqual([c3, c1]);
    await row1.click();
    await poll(() => messages(t)).toEqual([SCRIPT_MESSAGE, "Sorry about that, I will refund the parcel", "Thanks"]);
    await expect(t.locator("h2").textContent()).resolves.toBe(HOSTILE);
    await expect(t.locator('[data-field="comment"]').textContent()).resolves.toBe("<b>fast</b>, merci");
    await expect(t.locator('[data-field="rating"] .stars').getAttribute("aria-label")).resolves.toBe("rated 4 of 5");
    await expect(t.locator('[data-field="first-response"]').textContent()).resolves.toMatch(/^\d+s$/);
    await expect(t.locator('[data-field="email"]').textContent()).resolves.toBe("mallory@example.org");
    await expect(t.locator("li.sys").last().textContent()).resolves.toMatch(/^Closed by the visitor · /);
    expect(await a.page.locator(".hist-pane img, .hist-pane script, .hist-pane b").count()).toBe(0);
    expect(await a.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await screenshot(a.page, "agent-history-transcript");
    // Escape leads back too.
    await t.locator("h2").click();
    await a.page.keyboard.press("Escape");
    await poll(() => t.isHidden()).toBe(true);
    await poll(() => results(a.page)).toEqual([c3, c1]);

    // Errors: the server's message for a refused parameter; a 503 says the archive is down.
    await openFilters(a.page);
    await a.page.getByLabel("Agent id", { exact: true }).fill("Not An Id");
    await a.page.getByRole("button", { name: "Search", exact: true }).click();
    await poll(() => a.page.locator(".hist-status.error").textContent()).toBe("Malformed agent, department or tag.");
    expectRefused("400 (Bad Request)");
    await a.page.getByLabel("Agent id", { exact: true }).fill("");
    await a.page.route(isSearch, (route) => route.fulfill({
      status: 503, contentType: "application/json",
      body: JSON.stringify({ error: { code: "archive_unavailable", message: "the system of record is unavailable; try again" } }),
    }));
    await a.page.getByRole("button", { name: "Search", exact: true }).click();
    await poll(() => a.page.locator(".hist-status.error").textContent()).toBe("The conversation archive is unavailable right now. Try again later.");
    expect(await results(a.page)).toEqual([]);
    expectRefused("503 (Service Unavailable)");
    await a.page.unroute(isSearch);
    await a.page.getByRole("button", { name: "Search", exact: true }).click();
    await poll(() => results(a.page)).toEqual([c3, c1]);

    // A phone-sized screen: by keyboard, from a result to its transcript and back.
    await a.page.setViewportSize({ width: 390, height: 800 });
    await a.page.locator(`.hist-item[data-conv="${c3}"]`).focus();
    await a.page.keyboard.press("Enter");
    await poll(() => messages(t)).toEqual(["Back again about the parcel"]);
    const back = t.getByRole("button", { name: "← Back to results" });
    await poll(() => a.page.evaluate(() => document.activeElement?.textContent)).toBe("← Back to results");
    const box = await back.boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    const pane = await a.page.locator(".hist-pane").boundingBox();
    expect(pane!.width).toBeLessThanOrEqual(390);
    expect(pane!.height).toBeGreaterThan(300);
    await screenshot(a.page, "agent-history-390px");
    await a.page.keyboard.press("Enter");
    await poll(() => results(a.page)).toEqual([c3, c1]);
    await a.page.getByRole("tab", { name: /Chats/ }).click();
    await poll(() => a.page.locator(".chat-item").count()).toBe(3);
  });

  it("all history of a visitor finds conversations Redis has already let go", async () => {
    // Redis forgets a closed conversation as soon as the archive has it.
    const s = await suite.server({ args: ["--keep-closed-hours", "0"] });
    const token = s.token("alice", { name: "Alice", departments: ["billing"] });
    const a = await suite.open("agent");
    await signIn(a.page, s.base, token);
    const v = await suite.open("visitor");
    await openWidget(v.page, s.base);
    const w = v.page.locator("#livechat-widget");
    await joinChat(v.page, { name: "Olivia", department: "billing", question: "Where is my order 4711?" });
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("chat");
    const item = a.page.locator(".chat-item").first();
    await item.click();
    const c1 = (await item.getAttribute("data-conv"))!;
    await agentSend(a.page, "It ships tomorrow");
    await poll(() => messages(w).then((m) => m.at(-1))).toBe("It ships tomorrow");
    await endChat(w);
    // Served from the archive: Redis has nothing of it any more.
    await poll(async () => (await s.get(`/api/conversations/${c1}`, token)).body.includes('"archived":true')).toBe(true);
    await a.page.getByRole("button", { name: "Dismiss" }).click();

    await w.getByRole("button", { name: "Start a new chat" }).click();
    await joinChat(v.page, { name: "Olivia", department: "billing", question: "Me again" });
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("chat");
    await a.page.locator(".chat-item").first().click();
    const side = a.page.locator("aside.side");
    // Redis has let the first chat go; the server fills the list from the archive.
    await poll(() => side.locator("h3", { hasText: /^Previous conversations/ }).textContent()).toBe("Previous conversations (1)");
    const visitorId = (await side.locator(".ctx dd.mono").textContent())!;
    await side.getByRole("button", { name: "All history of this visitor" }).click();
    await expect(a.page.getByLabel("Visitor id", { exact: true }).inputValue()).resolves.toBe(visitorId);
    await poll(() => results(a.page)).toEqual([c1]);
    await a.page.locator(`.hist-item[data-conv="${c1}"]`).click();
    const t = transcript(a.page);
    await poll(() => messages(t)).toEqual(["Where is my order 4711?", "It ships tomorrow"]);
    await expect(t.locator('[data-field="stored"]').textContent()).resolves.toBe("archive");
    await expect(t.locator('[data-field="visitor-id"]').textContent()).resolves.toBe(visitorId);
    // The live chat is still there.
    await a.page.getByRole("tab", { name: /Chats/ }).click();
    await poll(() => messages(a.page.locator(".log"))).toEqual(["Me again"]);
  });
});
