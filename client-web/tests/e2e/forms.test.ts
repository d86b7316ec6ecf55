// Pre-chat forms and post-chat surveys against the real server (protocol 9). An admin gives
// billing a pre-chat form on the admin page (a required select and a consent); the widget asks
// it below name, email and question, refuses to start without the consent, then starts, and the
// agent's visitor panel shows the answers (the consent as "✓ its text"). A survey with the
// thumbs scale and two questions is answered after the agent closes the chat; the rating and
// the answers are in the conversation's JSON and in History.
import { describe, expect, it } from "vitest";
import { adminSignIn, agentSignIn, browserSuite, dropRefused, joinChat, openWidget, poll, putDepartment, screenshot, widgetPhase, type Server } from "./harness.js";

const t = browserSuite();

const CONSENT = "I agree that Northwind stores this chat to answer me.";

interface Dept { id: string; pre_chat_form?: unknown[]; survey?: unknown }

async function department(s: Server, root: string, id: string): Promise<Dept> {
  const r = await s.get("/api/departments", root);
  return (JSON.parse(r.body) as { departments: Dept[] }).departments.find((d) => d.id === id)!;
}

describe("pre-chat form", () => {
  it("the admin sets it; the widget asks it and needs the consent; the agent sees the answers", async () => {
    const s = await t.server();
    const root = s.token("root", { name: "Root", admin: true });
    const admin = await t.page("admin", { width: 1280, height: 1000 });
    await adminSignIn(admin, s.base, root, "Departments");
    const row = admin.locator('tr[data-department="billing"]');
    await row.getByRole("button", { name: /Edit/ }).click();
    const dialog = admin.locator("dialog[open]");
    await dialog.getByRole("button", { name: "Add field" }).click();
    await dialog.getByLabel("Field 1 Id").fill("plan");
    await dialog.getByLabel("Field 1 Label").fill("Your plan");
    await dialog.getByLabel("Field 1 Kind").selectOption("select");
    await dialog.getByLabel("Field 1 Required").check();
    await dialog.getByLabel("Field 1 Options (one per line)").fill("Free\nPro\nEnterprise");
    await dialog.getByRole("button", { name: "Add field" }).click();
    await dialog.getByLabel("Field 2 Id").fill("gdpr");
    await dialog.getByLabel("Field 2 Kind").selectOption("consent");
    await expect(dialog.getByLabel("Field 2 Required (a consent always is)").isDisabled()).resolves.toBe(true);
    await dialog.getByLabel("Field 2 Consent text").fill(CONSENT);
    // A bad id first: refused by the editor itself, shown by the field.
    await dialog.getByLabel("Field 2 Id").fill("GDPR!");
    await admin.locator("#save-department").click();
    await poll(() => dialog.locator('[data-path="pre_chat_form[1].id"]').textContent()).toBe("1 to 32 of a-z 0-9 _");
    await dialog.getByLabel("Field 2 Id").fill("gdpr");
    await screenshot(admin, "admin-prechat-form");
    await admin.locator("#save-department").click();
    await poll(() => admin.locator("dialog[open]").count()).toBe(0);
    expect((await department(s, root, "billing")).pre_chat_form).toEqual([
      { id: "plan", label: "Your plan", kind: "select", required: true, options: ["Free", "Pro", "Enterprise"] },
      { id: "gdpr", label: CONSENT, kind: "consent", required: true },
    ]);
    // The editor shows what was saved.
    await row.getByRole("button", { name: /Edit/ }).click();
    await expect(dialog.getByLabel("Field 1 Options (one per line)").inputValue()).resolves.toBe("Free\nPro\nEnterprise");
    await expect(dialog.getByLabel("Field 2 Consent text").inputValue()).resolves.toBe(CONSENT);
    await dialog.getByRole("button", { name: "Cancel" }).click();

    const alice = await t.page("alice");
    await agentSignIn(alice, s.base, s.token("alice", { name: "Alice", departments: ["billing"] }));
    const v = await t.page("visitor");
    await openWidget(v, s.base);
    const w = v.locator("#livechat-widget");
    const plan = w.locator('select[data-field="plan"]');
    await poll(() => plan.count()).toBe(1);
    // Required: no empty "Choose…".
    await expect(plan.locator("option").allTextContents()).resolves.toEqual(["Free", "Pro", "Enterprise"]);
    await expect(w.locator('.form-field[data-kind="consent"] label').textContent()).resolves.toBe(`${CONSENT} * (required)`);
    await w.getByLabel("Your name").fill("Vera");
    await w.getByLabel("How can we help?").fill("Can I switch plans mid-month?");
    await plan.selectOption("Pro");
    await w.getByRole("button", { name: "Start chat" }).click();
    await poll(() => w.locator("#lc-f-gdpr-error").textContent()).toBe("Please accept this to continue.");
    await screenshot(v, "widget-prechat-consent");
    await new Promise((r) => setTimeout(r, 500));
    expect(await widgetPhase(v)).toBe("prechat");
    await w.locator('input[data-field="gdpr"]').check();
    await w.getByRole("button", { name: "Start chat" }).click();
    await poll(() => widgetPhase(v)).toMatch(/^(queued|chat)$/);

    await poll(() => alice.locator(".chat-item").count()).toBe(1);
    await alice.locator(".chat-item").first().click();
    const side = alice.locator("aside.side");
    await poll(() => side.locator(".prechat-answers").count()).toBe(1);
    await expect(side.locator('.prechat-answers [data-answer="plan"]').textContent()).resolves.toBe("Pro");
    await expect(side.locator(".prechat-answers dt").allTextContents()).resolves.toEqual(["Your plan"]);
    await expect(side.locator('.prechat-answers [data-answer="gdpr"]').textContent()).resolves.toBe(`✓ ${CONSENT}`);
    await screenshot(alice, "agent-prechat-answers");
    dropRefused(t.errors);
  });
});

describe("post-chat survey", () => {
  it("thumbs and two questions after the close; the answers are in History", async () => {
    const s = await t.server();
    const root = s.token("root", { name: "Root", admin: true });
    await putDepartment(s, root, "billing", {
      survey: {
        scale: 2, comment: false,
        questions: [
          { id: "solved", label: "Did we solve your problem?", kind: "checkbox", required: false },
          { id: "found", label: "How did you find us?", kind: "select", required: false, options: ["Search", "A friend"] },
        ],
      },
    });
    const token = s.token("alice", { name: "Alice", departments: ["billing"] });
    const alice = await t.page("alice");
    await agentSignIn(alice, s.base, token);
    const v = await t.page("visitor");
    await openWidget(v, s.base);
    await joinChat(v, { name: "Tom", question: "Where is my invoice?" });
    await poll(() => alice.locator(".chat-item").count()).toBe(1);
    await alice.locator(".chat-item").first().click();
    const conv = (await alice.locator(".chat-item").first().getAttribute("data-conv"))!;
    await alice.locator("#close-chat").click();

    const w = v.locator("#livechat-widget");
    await poll(() => widgetPhase(v)).toBe("closed");
    const form = w.locator("form.rating-form");
    await expect(form.getAttribute("data-scale")).resolves.toBe("2");
    await expect(form.locator(".scale label").evaluateAll((ls) => ls.map((l) => l.getAttribute("title")))).resolves.toEqual(["Not helpful", "Helpful"]);
    expect(await form.locator("textarea[name=comment]").count()).toBe(0);
    await form.locator('label[for="lc-rate-2"]').click();
    await form.getByLabel("Did we solve your problem?").check();
    await form.getByLabel("How did you find us?").selectOption("A friend");
    await screenshot(v, "widget-survey-thumbs");
    await form.getByRole("button", { name: "Send rating" }).click();
    await poll(() => widgetPhase(v)).toBe("rated");

    await poll(async () => {
      const r = await s.get(`/api/conversations/${conv}`, token);
      const c = r.status === 200 ? (JSON.parse(r.body) as { rating: number; rating_scale: number; survey_answers: unknown[] }) : undefined;
      return c && { rating: c.rating, rating_scale: c.rating_scale, survey_answers: c.survey_answers };
    }).toEqual({
      rating: 2, rating_scale: 2,
      survey_answers: [
        { field_id: "solved", label: "Did we solve your problem?", value: "true" },
        { field_id: "found", label: "How did you find us?", value: "A friend" },
      ],
    });

    await alice.getByRole("tab", { name: "History" }).click();
    await poll(async () => {
      await alice.getByRole("button", { name: "Search", exact: true }).click();
      return alice.locator(`.hist-item[data-conv="${conv}"]`).count();
    }).toBe(1);
    await alice.locator(`.hist-item[data-conv="${conv}"]`).click();
    const facts = alice.locator(".hist-facts");
    await poll(() => facts.locator('[data-field="rating"]').textContent()).toBe("👍 Helpful");
    await expect(facts.locator('[data-field="survey"] dt').allTextContents()).resolves.toEqual(["Did we solve your problem?", "How did you find us?"]);
    await expect(facts.locator('[data-field="survey"] dd').allTextContents()).resolves.toEqual(["Yes", "A friend"]);
    await screenshot(alice, "agent-history-survey");
  });
});
