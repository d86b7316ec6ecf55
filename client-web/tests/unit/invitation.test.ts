// @vitest-environment happy-dom
// @vitest-environment-options {"url": "https://shop.example/boots"}
// Proactive invitations, the widget's side (protocol 9): the tracker (one card at a time, each
// id once, answered ids never again, hidden at expires_at_ms on the server's clock), the card
// (who, the greeting or the default one, Reply and No thanks, a dialog announced politely), and
// the widget against a scripted server: the card by the collapsed launcher, Reply opening the
// widget straight into the chat (no pre-chat fields) whose first message is a Join naming the
// invitation, the greeting as the agent's first line; Reply with pre-chat fields shows the form;
// No thanks sends DeclineInvitation; a re-push of an answered invitation shows nothing.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { InvitationSchema, create } from "../../src/lib/proto.js";
import { invitationCard, invitationOf, InvitationTracker, MAX_REMEMBERED, type InvitationInfo } from "../../src/widget/invitation.js";
import { billing, click, mountWidget, resetPage, type, until, type Mounted } from "./widget_harness.js";
import { FieldKind } from "../../src/lib/proto.js";

const info = (o: Partial<InvitationInfo> = {}): InvitationInfo => ({
  id: "i1", agentName: "Alice", department: "billing", text: "Looking for boots?", expiresAt: 0, automatic: false, source: "agent", ...o,
});

describe("InvitationTracker", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("shows an invitation once per id, replaces another, forgets none answered", () => {
    const shown: string[] = [];
    const hidden: string[] = [];
    let kept: string[] = [];
    const t = new InvitationTracker({ show: (i) => shown.push(i.id), hide: (i) => hidden.push(i.id), remember: (ids) => (kept = ids) });
    expect(t.offer(info())).toBe(true);
    // Pushed again on the next page view: the same card, not a second one.
    expect(t.offer(info())).toBe(false);
    expect(shown).toEqual(["i1"]);
    expect(t.current?.id).toBe("i1");
    // Another invitation replaces it.
    expect(t.offer(info({ id: "i2", agentName: "Bob" }))).toBe(true);
    expect(shown).toEqual(["i1", "i2"]);
    expect(hidden).toEqual(["i1"]);
    expect(t.answer()?.id).toBe("i2");
    expect(hidden).toEqual(["i1", "i2"]);
    expect(kept).toEqual(["i2"]);
    expect(t.current).toBeUndefined();
    // Answered: never shown again, not even after a reload (the ids are kept).
    expect(t.offer(info({ id: "i2" }))).toBe(false);
    const again = new InvitationTracker({ show: (i) => shown.push(i.id), hide: () => {}, answered: kept });
    expect(again.offer(info({ id: "i2" }))).toBe(false);
    expect(again.offer(info({ id: "i1" }))).toBe(true);
  });

  it("hides the card when it expires, and takes none already expired", () => {
    const hidden: string[] = [];
    const t = new InvitationTracker({ show: () => {}, hide: (i) => hidden.push(i.id) });
    const now = Date.now();
    expect(t.offer(info({ expiresAt: now - 1 }))).toBe(false);
    expect(t.offer(info({ expiresAt: now + 60_000 }))).toBe(true);
    vi.advanceTimersByTime(59_999);
    expect(hidden).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(hidden).toEqual(["i1"]);
    expect(t.current).toBeUndefined();
    // A later expiry pushed for the same invitation moves the deadline.
    expect(t.offer(info({ id: "i3", expiresAt: Date.now() + 1000 }))).toBe(true);
    expect(t.offer(info({ id: "i3", expiresAt: Date.now() + 5000 }))).toBe(false);
    vi.advanceTimersByTime(1500);
    expect(t.current?.id).toBe("i3");
    vi.advanceTimersByTime(3600);
    expect(t.current).toBeUndefined();
  });

  it("the page's own invitation (no id) is shown each time it is asked for", () => {
    const shown: string[] = [];
    const t = new InvitationTracker({ show: (i) => shown.push(i.source), hide: () => {} });
    expect(t.offer(info({ id: "", source: "site" }))).toBe(true);
    t.answer();
    expect(t.offer(info({ id: "", source: "site" }))).toBe(true);
    expect(shown).toEqual(["site", "site"]);
  });

  it("remembers at most the newest answered ids", () => {
    let kept: string[] = [];
    const t = new InvitationTracker({ show: () => {}, hide: () => {}, remember: (ids) => (kept = ids) });
    for (let i = 0; i < MAX_REMEMBERED + 5; i++) {
      t.offer(info({ id: `i${i}` }));
      t.answer();
    }
    expect(kept).toHaveLength(MAX_REMEMBERED);
    expect(kept[0]).toBe("i5");
  });

  it("the pushed Invitation on the local clock", () => {
    const inv = create(InvitationSchema, { invitationId: "i9", agentId: "alice", agentName: "Alice", department: "billing", text: "", atMs: 1000n, expiresAtMs: 301_000n, automatic: true });
    // The server's clock is 5 s ahead of ours.
    expect(invitationOf(inv, 5000)).toEqual({ id: "i9", agentName: "Alice", department: "billing", text: "", expiresAt: 296_000, automatic: true, source: "rule" });
    expect(invitationOf(create(InvitationSchema, { invitationId: "i8" }), 0).expiresAt).toBe(0);
  });
});

describe("the card", () => {
  const texts = { from: "{name} from {dept}", greeting: "Hi! Can I help you with anything?", accept: "Reply", decline: "No thanks", label: "Invitation to chat" };

  it("says who invites and the greeting, the default one without text; accessible buttons", () => {
    const calls: string[] = [];
    const card = invitationCard(info({ text: " " }), texts, { agentName: "Alice", departmentName: "Billing", onAccept: () => calls.push("accept"), onDecline: () => calls.push("decline") });
    expect(card.getAttribute("role")).toBe("dialog");
    expect(card.getAttribute("aria-live")).toBe("polite");
    expect(card.querySelector("#lc-invite-from")?.textContent).toBe("Alice from Billing");
    expect(card.querySelector(".invite-text")?.textContent).toBe("Hi! Can I help you with anything?");
    const buttons = [...card.querySelectorAll("button")];
    expect(buttons.map((b) => b.getAttribute("aria-label") ?? b.textContent)).toEqual(["No thanks", "Reply", "No thanks"]);
    expect(buttons.every((b) => b.type === "button" && b.tabIndex >= 0)).toBe(true);
    click(card.querySelector('[data-action="accept"]'));
    click(card.querySelector(".invite-close"));
    card.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(calls).toEqual(["accept", "decline", "decline"]);
  });

  it("the page's own invitation names no department", () => {
    const card = invitationCard(info({ id: "", source: "site" }), texts, { agentName: "Support", departmentName: "", onAccept: () => {}, onDecline: () => {} });
    expect(card.querySelector("#lc-invite-from")?.textContent).toBe("Support");
    expect(card.querySelector(".invite-text")?.textContent).toBe("Looking for boots?");
  });
});

describe("the widget", () => {
  let m: Mounted;
  afterEach(() => {
    m?.widget.close();
    resetPage();
  });

  const push = (o: Partial<{ id: string; text: string; expiresAtMs: bigint; department: string }> = {}) =>
    m.push({ body: { case: "invitation", value: { invitationId: o.id ?? "inv1", agentId: "alice", agentName: "Alice", department: o.department ?? "billing", text: o.text ?? "Need help choosing boots?", atMs: BigInt(Date.now()), expiresAtMs: o.expiresAtMs ?? BigInt(Date.now() + 300_000) } } });

  it("shows the card by the collapsed launcher; Reply opens straight into the chat; the first message joins with the invitation", async () => {
    m = await mountWidget();
    expect(m.phase()).toBe("prechat");
    expect(m.$(".panel")!.hidden).toBe(true);
    push();
    const card = m.$(".invite")!;
    expect(card).not.toBeNull();
    expect(card.parentElement?.classList.contains("root")).toBe(true);
    expect(m.$("#lc-invite-from")!.textContent).toBe("Alice from Billing");
    expect(m.$(".invite-text")!.textContent).toBe("Need help choosing boots?");
    // Pushed again on the next page view: still one card.
    push();
    expect(m.$$(".invite")).toHaveLength(1);

    click(m.$('.invite [data-action="accept"]'));
    expect(m.$(".invite")).toBeNull();
    expect(m.$(".panel")!.hidden).toBe(false);
    expect(m.phase()).toBe("invited");
    // The greeting is the agent's first line.
    expect(m.$(".body .msg .bubble")!.textContent).toBe("Need help choosing boots?");
    expect(m.$(".body .msg")!.dataset["role"]).toBe("agent");
    expect(m.sent("join")).toHaveLength(0);
    const box = m.$<HTMLTextAreaElement>(".composer textarea")!;
    type(box, "Yes, size 44 please");
    m.$<HTMLFormElement>("form.composer")!.requestSubmit();
    await until(() => m.phase() === "queued");
    const join = m.sent("join")[0]!.body.value as { invitationId: string; department: string; firstMessage: string; displayName: string };
    expect(join).toMatchObject({ invitationId: "inv1", department: "billing", firstMessage: "Yes, size 44 please", displayName: "Visitor" });
    // The conversation: the greeting first, then the visitor's message.
    await until(() => m.$$(".log .msg .bubble").length === 2);
    expect(m.$$(".log .msg .bubble").map((b) => b.textContent)).toEqual(["Need help choosing boots?", "Yes, size 44 please"]);
    expect(m.$$(".log .msg").map((b) => b.dataset["role"])).toEqual(["agent", "visitor"]);
    // The chat's composer starts empty (the text went as the first message).
    expect(m.$<HTMLTextAreaElement>(".composer textarea")!.value).toBe("");
    // Answered: the same invitation pushed again shows nothing.
    push();
    expect(m.$(".invite")).toBeNull();
  });

  it("Reply in a department with pre-chat fields shows the form (no department picker), the greeting above it", async () => {
    m = await mountWidget({
      departments: [{ ...billing, preChatForm: [{ id: "order", label: "Order number", kind: FieldKind.TEXT, required: true }] }, { department: "tech", displayName: "Tech", agentsOnline: 1 }],
      cfg: { departments: ["tech"] },
    });
    push({ text: "" });
    // No text: the widget's own greeting.
    expect(m.$(".invite-text")!.textContent).toBe("Hi! Can I help you with anything?");
    click(m.$('.invite [data-action="accept"]'));
    expect(m.phase()).toBe("prechat");
    expect(m.$("form.prechat-form select[name=department]")).toBeNull();
    expect(m.$(".prechat-form .msg .bubble")!.textContent).toBe("Hi! Can I help you with anything?");
    expect(m.$('[data-field="order"]')).not.toBeNull();
    type(m.$("input[name=name]"), "Vera");
    type(m.$("textarea[name=question]"), "Where is my parcel?");
    type(m.$('input[data-field="order"]'), "A-1234");
    m.$<HTMLFormElement>("form.prechat-form")!.requestSubmit();
    await until(() => m.sent("join").length === 1);
    expect(m.sent("join")[0]!.body.value).toMatchObject({ invitationId: "inv1", department: "billing", displayName: "Vera", answers: [{ fieldId: "order", value: "A-1234" }] });
  });

  it("No thanks sends DeclineInvitation; the card goes and does not come back", async () => {
    m = await mountWidget();
    push({ id: "inv7" });
    click(m.$('.invite [data-action="decline"]'));
    expect(m.$(".invite")).toBeNull();
    await until(() => m.sent("declineInvitation").length === 1);
    expect(m.sent("declineInvitation")[0]!.body.value).toMatchObject({ invitationId: "inv7" });
    expect(m.$(".panel")!.hidden).toBe(true);
    push({ id: "inv7" });
    expect(m.$(".invite")).toBeNull();
    // After a reload too (the answered ids are kept).
    m.host.remove();
    const m2 = await mountWidget();
    m2.push({ body: { case: "invitation", value: { invitationId: "inv7", agentName: "Alice", department: "billing" } } });
    expect(m2.$(".invite")).toBeNull();
    m2.push({ body: { case: "invitation", value: { invitationId: "inv8", agentName: "Alice", department: "billing" } } });
    expect(m2.$(".invite")).not.toBeNull();
  });

  it("hides the card at expires_at_ms on the server's clock", async () => {
    // The server's clock is an hour ahead: the expiry is read against it.
    const skew = 3_600_000;
    m = await mountWidget({ welcome: { serverTimeMs: BigInt(Date.now() + skew) } });
    push({ expiresAtMs: BigInt(Date.now() + skew + 150) });
    expect(m.$(".invite")).not.toBeNull();
    await until(() => m.$(".invite") === null, 1000);
    // One already expired on the server's clock is not shown at all.
    push({ id: "inv2", expiresAtMs: BigInt(Date.now() + 60_000) });
    expect(m.$(".invite")).toBeNull();
  });

  it("while the widget is open, the card sits at the top of the panel", async () => {
    m = await mountWidget();
    m.widget.open();
    push();
    const card = m.$(".invite")!;
    expect(card.classList.contains("inline")).toBe(true);
    expect(card.parentElement?.classList.contains("invite-slot")).toBe(true);
    m.widget.close();
    expect(m.$(".invite")!.parentElement?.classList.contains("root")).toBe(true);
  });

  it("no invitation during a chat", async () => {
    m = await mountWidget();
    m.widget.open();
    type(m.$("input[name=name]"), "Vera");
    type(m.$("textarea[name=question]"), "Hello");
    m.$<HTMLFormElement>("form.prechat-form")!.requestSubmit();
    await until(() => m.phase() === "queued");
    push();
    m.widget.invite({ text: "From the page" });
    expect(m.$(".invite")).toBeNull();
  });
});
