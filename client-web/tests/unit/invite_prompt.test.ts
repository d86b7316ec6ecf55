// @vitest-environment happy-dom
// Proactive invitations, the console's side (protocol 9): the Visitors tab's rows get Invite for
// a visitor without a chat (not for one in a chat or invited already), a small prompt with the
// greeting prefilled, the department when the agent has several, Send / Cancel / Escape; the
// server's refusal shown in the prompt in words; the prompt survives the list's rebuilds; the
// row says "Invited by Alice", "Declined", "Accepted". And the visitor's answers in the console:
// the pre-chat form in the visitor panel (a consent as "✓ its text") and History's rating on its
// scale.
import { afterEach, describe, expect, it } from "vitest";
import { answerLine, answerRows, answersList, ratingWords } from "../../src/agent/forms.js";
import { canInvite, DEFAULT_GREETING, invitationText, inviteErrorText, siteVisitorOf, type SiteVisitorRow } from "../../src/agent/visitors.js";
import { VisitorsView, type VisitorsHost } from "../../src/agent/visitors_view.js";
import { ErrorCode, FieldKind, SiteVisitorSchema, create, type FormAnswer } from "../../src/lib/proto.js";

const row = (o: Partial<SiteVisitorRow> = {}): SiteVisitorRow => ({
  ...siteVisitorOf(create(SiteVisitorSchema, { visitorId: "v3fa9c1d2e4", url: "https://shop.example/boots", title: "Boots", onPageSinceMs: 1000n, onSiteSinceMs: 500n, pages: 2 })),
  ...o,
});

describe("the words", () => {
  it("the invitation's state in a row", () => {
    const names = (id: string) => (id === "alice" ? "Alice" : undefined);
    expect(invitationText(row({ invitation: "pending", invitedBy: "alice" }), names)).toBe("Invited by Alice");
    expect(invitationText(row({ invitation: "pending", invitedBy: "Bob Smith" }), names)).toBe("Invited by Bob Smith");
    expect(invitationText(row({ invitation: "pending", invitedBy: "" }))).toBe("Invited");
    expect(invitationText(row({ invitation: "declined", invitedBy: "alice" }))).toBe("Declined");
    expect(invitationText(row({ invitation: "accepted" }))).toBe("Accepted");
    expect(invitationText(row())).toBe("");
    expect(canInvite(row())).toBe(true);
    expect(canInvite(row({ invitation: "declined" }))).toBe(true);
    expect(canInvite(row({ invitation: "pending" }))).toBe(false);
    expect(canInvite(row({ conversationId: "c1" }))).toBe(false);
  });

  it("a refused Invite", () => {
    expect(inviteErrorText(ErrorCode.NOT_FOUND, "visitor is not on the site")).toBe("This visitor is no longer on the site.");
    expect(inviteErrorText(ErrorCode.CONFLICT, "visitor is already invited")).toBe("Not sent: visitor is already invited.");
    expect(inviteErrorText(ErrorCode.CONFLICT, "")).toBe("Not sent: the visitor is chatting or already invited.");
    expect(inviteErrorText(ErrorCode.INVALID_ARGUMENT, "text is longer than 500 bytes.")).toBe("Not sent: text is longer than 500 bytes.");
    expect(inviteErrorText(ErrorCode.RATE_LIMITED, "slow down")).toBe("Too many invitations at once. Try again in a moment.");
    expect(inviteErrorText(undefined, "")).toBe("Not sent: the connection is down. Try again.");
  });

  it("answers in words: labels, a checkbox Yes/No, a consent as ✓ its text", () => {
    const answers = [
      { fieldId: "plan", value: "Pro", label: "Plan" },
      { fieldId: "news", value: "false", label: "Newsletter" },
      { fieldId: "gdpr", value: "true", label: "I agree to the privacy policy" },
      { fieldId: "nolabel", value: "x", label: "" },
    ] as FormAnswer[];
    const fields = [{ id: "gdpr", kind: FieldKind.CONSENT, label: "I agree to the privacy policy" }, { id: "news", kind: FieldKind.CHECKBOX, label: "Newsletter" }];
    expect(answerRows(answers, fields).map(answerLine)).toEqual(["Plan: Pro", "Newsletter: No", "✓ I agree to the privacy policy", "nolabel: x"]);
    // History's JSON, kinds unknown: a true/false answer reads Yes/No.
    expect(answerRows([{ field_id: "solved", label: "Solved?", value: "true" }]).map(answerLine)).toEqual(["Solved?: Yes"]);
    const dl = answersList(answerRows(answers, fields), "x");
    expect(dl.querySelector('[data-answer="gdpr"]')!.classList.contains("consent")).toBe(true);
    expect([...dl.querySelectorAll("dt")].map((d) => d.textContent)).toEqual(["Plan", "Newsletter", "nolabel"]);
  });

  it("a rating on its scale", () => {
    expect(ratingWords(2, 2)).toBe("👍 Helpful");
    expect(ratingWords(1, 2)).toBe("👎 Not helpful");
    expect(ratingWords(2, 3)).toBe("😐 Okay");
    expect(ratingWords(7, 10)).toBe("7 of 10");
    expect(ratingWords(4, 5)).toBe("★★★★☆");
    expect(ratingWords(4, undefined)).toBe("★★★★☆");
  });
});

describe("the Invite prompt", () => {
  afterEach(() => document.body.replaceChildren());

  function view(o: Partial<VisitorsHost> = {}) {
    const invites: [string, string, string][] = [];
    const said: string[] = [];
    let answer: () => Promise<void> = async () => {};
    const v = new VisitorsView({
      holds: () => false,
      openChat: () => {},
      invites: () => true,
      departments: () => [{ id: "billing", name: "Billing" }, { id: "tech", name: "Tech" }],
      invite: (id, text, dept) => {
        invites.push([id, text, dept]);
        return answer();
      },
      nameOf: (id) => (id === "alice" ? "Alice" : undefined),
      announce: (t) => said.push(t),
      ...o,
    });
    document.body.append(v.pane);
    return { v, invites, said, answer: (f: () => Promise<void>) => (answer = f) };
  }

  it("Invite only where it can be sent; the row says the invitation's state", () => {
    const { v } = view();
    v.update([row({ visitorId: "v1" }), row({ visitorId: "v2", conversationId: "c1", name: "Vera" }), row({ visitorId: "v3", invitation: "pending", invitedBy: "alice" }), row({ visitorId: "v4", invitation: "declined" })], 2000);
    const item = (id: string) => document.querySelector(`.visitor-item[data-visitor="${id}"]`)!;
    expect(item("v1").querySelector('[data-action="invite"]')).not.toBeNull();
    expect(item("v2").querySelector('[data-action="invite"]')).toBeNull();
    expect(item("v3").querySelector('[data-action="invite"]')).toBeNull();
    expect(item("v3").querySelector('[data-field="invitation"]')!.textContent).toBe("Invited by Alice");
    expect(item("v4").querySelector('[data-field="invitation"]')!.textContent).toBe("Declined");
    expect(item("v4").querySelector('[data-action="invite"]')).not.toBeNull();
    expect(item("v1").querySelector('[data-action="invite"]')!.getAttribute("aria-label")).toBe("Invite Visitor v1 to chat");
  });

  it("a server before protocol 9: no Invite", () => {
    const { v } = view({ invites: () => false });
    v.update([row()], 2000);
    expect(document.querySelector('[data-action="invite"]')).toBeNull();
  });

  it("prefills the greeting, offers the departments, sends; the server's refusal stays in the prompt", async () => {
    const t = view();
    t.v.update([row({ visitorId: "v1" })], 2000);
    document.querySelector<HTMLButtonElement>('[data-action="invite"]')!.click();
    const prompt = document.querySelector<HTMLFormElement>(".invite-prompt")!;
    const text = prompt.querySelector("textarea")!;
    expect(text.value).toBe(DEFAULT_GREETING);
    expect(document.activeElement).toBe(text);
    const dept = prompt.querySelector("select")!;
    expect([...dept.options].map((o) => o.textContent)).toEqual(["Billing", "Tech"]);
    dept.value = "tech";
    t.answer(() => Promise.reject(new Error("Not sent: visitor is already invited.")));
    prompt.requestSubmit();
    await new Promise((r) => setTimeout(r, 0));
    expect(t.invites).toEqual([["v1", DEFAULT_GREETING, "tech"]]);
    expect(prompt.querySelector(".invite-error")!.textContent).toBe("Not sent: visitor is already invited.");
    expect(prompt.isConnected).toBe(true);
    // A Board push rebuilds the list: the prompt, its text and its error stay.
    text.value = "Hello from Tech!";
    t.v.update([row({ visitorId: "v1", title: "Other page" }), row({ visitorId: "v9" })], 3000);
    const again = document.querySelector<HTMLFormElement>('.visitor-item[data-visitor="v1"] .invite-prompt')!;
    expect(again).toBe(prompt);
    expect(again.querySelector("textarea")!.value).toBe("Hello from Tech!");
    t.answer(async () => {});
    again.requestSubmit();
    await new Promise((r) => setTimeout(r, 0));
    expect(t.invites.at(-1)).toEqual(["v1", "Hello from Tech!", "tech"]);
    expect(document.querySelector(".invite-prompt")).toBeNull();
    expect(t.said).toEqual(["Invitation sent to Visitor v1"]);
    expect(document.activeElement?.getAttribute("data-action")).toBe("invite");
  });

  it("one department: no choice; Cancel and Escape close; a visitor gone takes the prompt along", () => {
    const t = view({ departments: () => [{ id: "billing", name: "Billing" }] });
    t.v.update([row({ visitorId: "v1" })], 2000);
    const open = () => document.querySelector<HTMLButtonElement>('[data-action="invite"]')!.click();
    open();
    expect(document.querySelector(".invite-prompt select")).toBeNull();
    [...document.querySelectorAll<HTMLButtonElement>(".invite-prompt button")].find((b) => b.textContent === "Cancel")!.click();
    expect(document.querySelector(".invite-prompt")).toBeNull();
    open();
    document.querySelector(".invite-prompt")!.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(document.querySelector(".invite-prompt")).toBeNull();
    open();
    // They started a chat meanwhile (or left): no prompt for them any more.
    t.v.update([row({ visitorId: "v1", conversationId: "c1" })], 3000);
    expect(document.querySelector(".invite-prompt")).toBeNull();
  });

  it("a greeting over 500 bytes is not sent", async () => {
    const t = view();
    t.v.update([row({ visitorId: "v1" })], 2000);
    document.querySelector<HTMLButtonElement>('[data-action="invite"]')!.click();
    const prompt = document.querySelector<HTMLFormElement>(".invite-prompt")!;
    prompt.querySelector("textarea")!.value = "€".repeat(200);
    prompt.requestSubmit();
    await new Promise((r) => setTimeout(r, 0));
    expect(t.invites).toEqual([]);
    expect(prompt.querySelector(".invite-error")!.textContent).toBe("The greeting is too long: at most 500 bytes.");
  });
});
