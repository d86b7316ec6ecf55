// @vitest-environment happy-dom
// The admin page's department editor, protocol 9: the pre-chat form, the survey and the
// invitation rules as the PUT /api/departments/{id} body has them ("pre_chat_form", "survey",
// "invitation_rules"; options only for a select, a consent always required), the checks the
// server makes too (by path: "pre_chat_form[1].id"), an edit sending only the members that
// changed (a new department only those not at their defaults), the editor's add / move / remove,
// and a 400 reply ({"error":{"code","message"}}) shown by the input it names.
import { afterEach, describe, expect, it } from "vitest";
import { editDepartment } from "../../src/admin/departments.js";
import { FormsEditor } from "../../src/admin/form_editor.js";
import {
  DEFAULT_SURVEY, fieldDraft, formsChanges, formsDraft, formsJson, moved, pathCandidates, pathOfMessage, ruleDraft, type FormsJson,
} from "../../src/admin/form_model.js";
import type { Department } from "../../src/lib/departments.js";
import { ApiError, type Session } from "../../src/lib/session.js";

const billing: Department & FormsJson = {
  id: "billing", display_name: "Billing", language: "", time_zone: "UTC", hours: "", holidays: "", closed: false, opens_at_ms: 0,
  reassign_after_seconds: null, required_tag: false, waiting_target_seconds: 120, idle_prompt_after_seconds: 0,
  idle_close_after_seconds: 0, auto_away_seconds: 600, max_file_mb: null, file_types: "",
  pre_chat_form: [
    { id: "plan", label: "Plan", kind: "select", required: true, options: ["Free", "Pro"] },
    { id: "gdpr", label: "I agree to the privacy policy", kind: "consent", required: true },
  ],
  survey: { scale: 2, comment: false, questions: [{ id: "solved", label: "Solved?", kind: "checkbox", required: false }] },
  invitation_rules: [{ text: "Need help with billing?", seconds_on_page: 30, url_pattern: "/billing", visitors: "all" }],
};

describe("the model", () => {
  it("drafts from a department, and back to the same JSON", () => {
    const d = formsDraft(billing);
    expect(d.pre_chat_form[0]).toEqual({ id: "plan", label: "Plan", kind: "select", required: true, options: "Free\nPro" });
    expect(d.survey).toEqual({ scale: "2", comment: false, questions: [{ id: "solved", label: "Solved?", kind: "checkbox", required: false, options: "" }] });
    expect(d.invitation_rules).toEqual([{ text: "Need help with billing?", seconds_on_page: "30", url_pattern: "/billing", visitors: "all" }]);
    expect(formsJson(d).json).toEqual({ pre_chat_form: billing.pre_chat_form, survey: billing.survey, invitation_rules: billing.invitation_rules });
    // A new department (or a server without them): nothing asked, the default survey, no rules.
    expect(formsJson(formsDraft()).json).toEqual({ pre_chat_form: [], survey: DEFAULT_SURVEY, invitation_rules: [] });
  });

  it("options only for a select (one per line, trimmed); a consent always required", () => {
    const j = formsJson({
      ...formsDraft(),
      pre_chat_form: [
        { id: "size", label: "Team size", kind: "select", required: false, options: " 1-10 \n\n11-50\r\n" },
        { id: "company", label: "Company", kind: "text", required: false, options: "left over" },
        { id: "ok", label: "I agree", kind: "consent", required: false, options: "" },
      ],
    }).json!;
    expect(j.pre_chat_form).toEqual([
      { id: "size", label: "Team size", kind: "select", required: false, options: ["1-10", "11-50"] },
      { id: "company", label: "Company", kind: "text", required: false },
      { id: "ok", label: "I agree", kind: "consent", required: true },
    ]);
  });

  it("checks what the server checks, by path", () => {
    const d = formsDraft();
    d.pre_chat_form = [
      fieldDraft({ id: "Company!", label: "Company", kind: "text" }),
      fieldDraft({ id: "plan", label: "", kind: "select" }),
      fieldDraft({ id: "plan", label: "Plan again", kind: "text" }),
      fieldDraft({ id: "c", label: "x".repeat(1001), kind: "consent" }),
    ];
    d.survey = { scale: "4", comment: true, questions: [fieldDraft({ id: "mail", label: "Mail", kind: "email" }), fieldDraft({ id: "a", label: "A" }), fieldDraft({ id: "b", label: "B" }), fieldDraft({ id: "c", label: "C" })] };
    d.invitation_rules = [ruleDraft({ text: " " }), { ...ruleDraft(), seconds_on_page: "3601" }, { ...ruleDraft(), seconds_on_page: "1.5", url_pattern: "x".repeat(301) }];
    const { json, errors } = formsJson(d);
    expect(json).toBeUndefined();
    expect(errors).toEqual({
      "pre_chat_form[0].id": "1 to 32 of a-z 0-9 _",
      "pre_chat_form[1].label": "A label is required",
      "pre_chat_form[1].options": "A select needs at least one option",
      "pre_chat_form[2].id": '"plan" is used twice',
      "pre_chat_form[3].label": "At most 1000 bytes",
      "survey.scale": "2, 3, 5 or 10",
      "survey.questions": "At most 3 questions",
      "survey.questions[0].kind": "Not one of text, select, checkbox",
      "invitation_rules[0].text": "A greeting is required",
      "invitation_rules[1].seconds_on_page": "Whole seconds from 0 to 3600",
      "invitation_rules[2].seconds_on_page": "Whole seconds from 0 to 3600",
      "invitation_rules[2].url_pattern": "At most 300 bytes",
    });
    const many = formsDraft();
    many.pre_chat_form = Array.from({ length: 11 }, (_, i) => fieldDraft({ id: `f${i}`, label: `F${i}` }));
    many.invitation_rules = Array.from({ length: 11 }, () => ruleDraft());
    expect(formsJson(many).errors).toEqual({ pre_chat_form: "At most 10 fields", invitation_rules: "At most 10 rules" });
    const sel = formsDraft();
    sel.pre_chat_form = [fieldDraft({ id: "s", label: "S", kind: "select", options: ["a", "a"] })];
    expect(formsJson(sel).errors).toEqual({ "pre_chat_form[0].options": "An option is listed twice" });
  });

  it("an edit sends only what changed; a new department only what is not a default", () => {
    expect(formsChanges(billing, formsDraft(billing)).body).toEqual({});
    const d = formsDraft(billing);
    d.survey.scale = "10";
    expect(formsChanges(billing, d).body).toEqual({ survey: { scale: 10, comment: false, questions: billing.survey!.questions } });
    d.invitation_rules = [];
    expect(formsChanges(billing, d).body).toEqual({ survey: { scale: 10, comment: false, questions: billing.survey!.questions }, invitation_rules: [] });
    expect(formsChanges(undefined, formsDraft()).body).toEqual({});
    const n = formsDraft();
    n.pre_chat_form = [fieldDraft({ id: "company", label: "Company", kind: "text", required: true })];
    expect(formsChanges(undefined, n).body).toEqual({ pre_chat_form: [{ id: "company", label: "Company", kind: "text", required: true }] });
    // A department from a server without these members: the defaults.
    expect(formsChanges({}, formsDraft()).body).toEqual({});
  });

  it("reads the path a refusal names, and where else to show it", () => {
    expect(pathOfMessage("pre_chat_form[1].id: must be [a-z0-9_], 1 to 32")).toBe("pre_chat_form[1].id");
    expect(pathOfMessage("survey.questions[0].kind: not allowed in a survey")).toBe("survey.questions[0].kind");
    expect(pathOfMessage("'invitation_rules[2].seconds_on_page' must be 0..3600")).toBe("invitation_rules[2].seconds_on_page");
    expect(pathOfMessage("survey: scale must be 2, 3, 5 or 10")).toBe("survey");
    expect(pathOfMessage("hours: rule 2: bad day")).toBeUndefined();
    expect(pathCandidates("survey.questions[0].label")).toEqual(["survey.questions[0].label", "survey.questions[0]", "survey.questions", "survey"]);
    expect(moved(["a", "b", "c"], 0, 1)).toEqual(["b", "a", "c"]);
    expect(moved(["a", "b", "c"], 0, -1)).toEqual(["a", "b", "c"]);
    expect(moved(["a", "b", "c"], 2, -1)).toEqual(["a", "c", "b"]);
  });
});

const inputIn = (root: ParentNode, label: string) => {
  const l = [...root.querySelectorAll("label")].find((x) => x.textContent === label);
  if (!l) throw new Error(`no label ${label}`);
  const el = (l.htmlFor ? root.querySelector(`#${l.htmlFor}`) : l.querySelector("input")) as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  return el;
};
const set = (el: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, v: string) => {
  el.value = v;
  el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? "change" : "input"));
};

describe("the editor", () => {
  afterEach(() => document.body.replaceChildren());

  it("adds, edits, moves and removes fields; a consent's required box is fixed; options only for a select", () => {
    const ed = new FormsEditor(formsDraft());
    document.body.append(...ed.sections);
    const add = document.querySelector<HTMLButtonElement>('[data-action="add-pre_chat_form"]')!;
    add.click();
    set(inputIn(document, "Field 1 Id"), "company");
    set(inputIn(document, "Field 1 Label"), "Company");
    add.click();
    set(inputIn(document, "Field 2 Id"), "plan");
    set(inputIn(document, "Field 2 Label"), "Plan");
    expect(document.querySelector("label[for$='-options']")).toBeNull();
    set(inputIn(document, "Field 2 Kind"), "select");
    set(inputIn(document, "Field 2 Options (one per line)"), "Free\nPro");
    add.click();
    set(inputIn(document, "Field 3 Id"), "gdpr");
    set(inputIn(document, "Field 3 Kind"), "consent");
    // A consent: its text in a text box, required fixed on.
    const req = inputIn(document, "Field 3 Required (a consent always is)") as HTMLInputElement;
    expect(req.checked && req.disabled).toBe(true);
    set(inputIn(document, "Field 3 Consent text"), "I agree");
    // Field 3 up: now second.
    document.querySelector<HTMLButtonElement>('[aria-label="Move up field 3"]')!.click();
    expect(ed.draft().pre_chat_form.map((f) => f.id)).toEqual(["company", "gdpr", "plan"]);
    expect(document.activeElement?.getAttribute("aria-label")).toBe("Move up field 2");
    document.querySelector<HTMLButtonElement>('[aria-label="Remove field 1"]')!.click();
    expect(ed.draft().pre_chat_form.map((f) => f.id)).toEqual(["gdpr", "plan"]);
    // The survey: the scale, the comment box, a question; and a rule.
    set(document.querySelector<HTMLSelectElement>("#dept-survey-scale")!, "2");
    document.querySelector<HTMLButtonElement>('[data-action="add-survey.questions"]')!.click();
    set(inputIn(document, "Question 1 Id"), "solved");
    set(inputIn(document, "Question 1 Label"), "Solved?");
    set(inputIn(document, "Question 1 Kind"), "checkbox");
    expect([...(inputIn(document, "Question 1 Kind") as HTMLSelectElement).options].map((o) => o.value)).toEqual(["text", "select", "checkbox"]);
    document.querySelector<HTMLButtonElement>('[data-action="add-invitation_rules"]')!.click();
    set(inputIn(document, "Rule 1 Seconds on the page"), "1");
    set(inputIn(document, "Rule 1 URL pattern"), "*/pricing*");
    set(inputIn(document, "Rule 1 Visitors"), "new");
    expect(formsJson(ed.draft()).json).toEqual({
      pre_chat_form: [{ id: "gdpr", label: "I agree", kind: "consent", required: true }, { id: "plan", label: "Plan", kind: "select", required: false, options: ["Free", "Pro"] }],
      survey: { scale: 2, comment: true, questions: [{ id: "solved", label: "Solved?", kind: "checkbox", required: false }] },
      invitation_rules: [{ text: "Hi! Can I help you with anything?", seconds_on_page: 1, url_pattern: "*/pricing*", visitors: "new" }],
    });
  });

  it("at most three questions, ten rules", () => {
    const ed = new FormsEditor(formsDraft());
    document.body.append(...ed.sections);
    const addQ = document.querySelector<HTMLButtonElement>('[data-action="add-survey.questions"]')!;
    for (let i = 0; i < 4; i++) addQ.click();
    expect(ed.draft().survey.questions).toHaveLength(3);
    expect(addQ.disabled).toBe(true);
    const addR = document.querySelector<HTMLButtonElement>('[data-action="add-invitation_rules"]')!;
    for (let i = 0; i < 12; i++) addR.click();
    expect(ed.draft().invitation_rules).toHaveLength(10);
  });

  it("shows errors by the input their path names, else by its row or section", () => {
    const ed = new FormsEditor(formsDraft(billing));
    document.body.append(...ed.sections);
    expect(ed.showErrors({ "pre_chat_form[1].label": "too long", "survey.questions[0].options": "x", "invitation_rules[0].url_pattern": "bad" })).toBe(true);
    const line = (p: string) => document.querySelector(`[data-path="${p}"]`)!.textContent;
    expect(line("pre_chat_form[1].label")).toBe("too long");
    // A checkbox question has no options box: its row says it.
    expect(line("survey.questions[0]")).toBe("x");
    expect(line("invitation_rules[0].url_pattern")).toBe("bad");
    expect(document.activeElement).toBe(inputIn(document, "Field 2 Consent text"));
    expect(document.activeElement?.getAttribute("aria-invalid")).toBe("true");
    ed.clearErrors();
    expect(line("pre_chat_form[1].label")).toBe("");
    expect(ed.showErrors({ "survey.comment": "no" })).toBe(true);
    expect(line("survey")).toBe("no");
  });
});

describe("editDepartment", () => {
  afterEach(() => document.body.replaceChildren());

  function fakeSession(reply: (path: string, body: unknown) => unknown): { session: Session; calls: { path: string; body: unknown }[] } {
    const calls: { path: string; body: unknown }[] = [];
    const session = {
      call: async (path: string, init: { method?: string; body?: unknown } = {}) => {
        calls.push({ path, body: init.body });
        return reply(path, init.body);
      },
    } as unknown as Session;
    return { session, calls };
  }

  it("puts the changed members in the PUT body; a 400 naming a field shows by it", async () => {
    let refuse = true;
    const { session, calls } = fakeSession(() => {
      if (refuse) throw new ApiError(400, "invalid_argument", "pre_chat_form[0].options: 'Free' is listed twice");
      return {};
    });
    const said: string[] = [];
    let reloaded = 0;
    editDepartment({ session, content: document.body, say: (t) => said.push(t), reload: () => reloaded++, changed: () => {} }, billing);
    const dialog = document.querySelector("dialog")!;
    // The form's first field: another option.
    set(inputIn(dialog, "Field 1 Options (one per line)"), "Free\nPro\nEnterprise");
    dialog.querySelector<HTMLFormElement>("form")!.requestSubmit();
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toEqual([{ path: "/api/departments/billing", body: { pre_chat_form: [{ ...billing.pre_chat_form![0], options: ["Free", "Pro", "Enterprise"] }, billing.pre_chat_form![1]] } }]);
    expect(dialog.querySelector('[data-path="pre_chat_form[0].options"]')!.textContent).toBe("pre_chat_form[0].options: 'Free' is listed twice");
    expect(dialog.open).toBe(true);
    // The client's own checks stop a bad form before any request.
    set(inputIn(dialog, "Field 1 Id"), "Plan!");
    dialog.querySelector<HTMLFormElement>("form")!.requestSubmit();
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toHaveLength(1);
    expect(dialog.querySelector('[data-path="pre_chat_form[0].id"]')!.textContent).toBe("1 to 32 of a-z 0-9 _");
    set(inputIn(dialog, "Field 1 Id"), "plan");
    refuse = false;
    dialog.querySelector<HTMLFormElement>("form")!.requestSubmit();
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toHaveLength(2);
    expect(said).toEqual(["Department billing saved"]);
    expect(reloaded).toBe(1);
  });

  it("a refusal naming no place of its own is shown under the form", async () => {
    const { session } = fakeSession(() => {
      throw new ApiError(400, "invalid_argument", "invitation_rules: too many");
    });
    editDepartment({ session, content: document.body, say: () => {}, reload: () => {}, changed: () => {} }, { ...billing, invitation_rules: [] });
    const dialog = document.querySelector("dialog")!;
    dialog.querySelector<HTMLButtonElement>('[data-action="add-invitation_rules"]')!.click();
    dialog.querySelector<HTMLFormElement>("form")!.requestSubmit();
    await new Promise((r) => setTimeout(r, 10));
    expect(dialog.querySelector('[data-path="invitation_rules"]')!.textContent).toBe("invitation_rules: too many");
  });
});
