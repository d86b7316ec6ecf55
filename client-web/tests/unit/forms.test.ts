// @vitest-environment happy-dom
// @vitest-environment-options {"url": "https://shop.example/"}
// Pre-chat forms and the post-chat survey, the widget's side (protocol 9): each kind's control
// (text, email, select with "Choose…" when optional, checkbox, consent with the operator's text
// as its label, always required), the required marks, the check before sending, the answers
// (checkboxes "true"/"false", optional empty ones left out), the server's refusal by its field;
// in the widget: the department's fields under the usual ones, rebuilt when the department
// changes, Join.answers, a refusal without the consent; the survey per scale (thumbs, faces,
// stars, 1..10), the comment box only when asked, its questions in Rate.answers, the default when
// the department has no survey.
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode, EventKind, FieldKind, Role, SurveySchema, create, type FormField } from "../../src/lib/proto.js";
import {
  answersOf, DEFAULT_SURVEY, fieldControl, fieldOfError, FieldsBox, missingFields, scaleChoices, surveyPlan, valueOf,
} from "../../src/widget/forms.js";
import { en } from "../../src/widget/i18n.js";
import { billing, click, mountWidget, resetPage, type, until, type Mounted } from "./widget_harness.js";

const texts = { choose: "Choose…", required: "Please fill in this field.", consentRequired: "Please accept this to continue.", requiredLabel: "required" };
const field = (o: Partial<FormField>): FormField => ({ $typeName: "livechat.v1.FormField", id: "f", label: "F", kind: FieldKind.TEXT, required: false, options: [], ...o });

const company = field({ id: "company", label: "Company", required: true });
const work = field({ id: "work_email", label: "Work email", kind: FieldKind.EMAIL });
const plan = field({ id: "plan", label: "Plan", kind: FieldKind.SELECT, options: ["Free", "Pro", "Enterprise"] });
const size = field({ id: "size", label: "Team size", kind: FieldKind.SELECT, options: ["1-10", "11-50"], required: true });
const news = field({ id: "news", label: "Send me the newsletter", kind: FieldKind.CHECKBOX });
const consent = field({ id: "gdpr", label: "I agree that my data is stored to answer me.", kind: FieldKind.CONSENT });
const form = [company, work, plan, size, news, consent];

afterEach(() => resetPage());

describe("the fields", () => {
  it("each kind gets its control, required ones are marked", () => {
    const c = form.map((f) => fieldControl(f, texts, "x-"));
    const [tText, tEmail, tSelect, tRequiredSelect, tCheckbox, tConsent] = c.map((x) => x.control);
    expect(tText).toBeInstanceOf(HTMLInputElement);
    expect((tText as HTMLInputElement).type).toBe("text");
    expect((tEmail as HTMLInputElement).type).toBe("email");
    expect(tSelect).toBeInstanceOf(HTMLSelectElement);
    // Optional: an empty "Choose…" first; required: the options only.
    expect([...(tSelect as HTMLSelectElement).options].map((o) => o.textContent)).toEqual(["Choose…", "Free", "Pro", "Enterprise"]);
    expect(tSelect!.value).toBe("");
    expect([...(tRequiredSelect as HTMLSelectElement).options].map((o) => o.value)).toEqual(["1-10", "11-50"]);
    expect((tCheckbox as HTMLInputElement).type).toBe("checkbox");
    expect((tConsent as HTMLInputElement).type).toBe("checkbox");
    // The consent's label is the operator's text; a consent is required even when not ticked so.
    expect(c[5]!.el.querySelector("label")!.textContent).toBe("I agree that my data is stored to answer me. * (required)");
    expect(tConsent!.getAttribute("aria-required")).toBe("true");
    expect(c[0]!.el.querySelector("label")!.textContent).toBe("Company * (required)");
    expect(c[1]!.el.querySelector("label")!.textContent).toBe("Work email");
    expect(tText!.getAttribute("aria-required")).toBe("true");
    expect(tEmail!.hasAttribute("aria-required")).toBe(false);
    // A label's for= leads to its control (text, email, select); checkboxes sit in their label.
    expect(c[0]!.el.querySelector("label")!.getAttribute("for")).toBe("x-company");
    expect(c[4]!.el.querySelector("label input")).toBe(tCheckbox);
    expect(valueOf(c[4]!)).toBe("false");
  });

  it("prefills values", () => {
    expect(fieldControl(plan, texts, "x-", "Pro").control.value).toBe("Pro");
    // Not one of the options: the empty choice.
    expect(fieldControl(plan, texts, "x-", "Gold").control.value).toBe("");
    expect((fieldControl(news, texts, "x-", "true").control as HTMLInputElement).checked).toBe(true);
    expect(fieldControl(company, texts, "x-", "Acme").control.value).toBe("Acme");
  });

  it("what is missing, and the answers to send", () => {
    expect(missingFields(form, {})).toEqual(["company", "size", "gdpr"]);
    expect(missingFields(form, { company: "  ", size: "1-10", gdpr: "false" })).toEqual(["company", "gdpr"]);
    expect(missingFields(form, { company: "Acme", size: "1-10", gdpr: "true" })).toEqual([]);
    // A required select must not be empty either, a required checkbox must be ticked.
    expect(missingFields([field({ id: "s", kind: FieldKind.SELECT, required: true, options: ["a"] }), field({ id: "b", kind: FieldKind.CHECKBOX, required: true })], { s: "", b: "false" })).toEqual(["s", "b"]);
    expect(answersOf(form, { company: " Acme ", work_email: "", plan: "", size: "11-50", news: "false", gdpr: "true" })).toEqual([
      { fieldId: "company", value: "Acme" },
      { fieldId: "size", value: "11-50" },
      { fieldId: "news", value: "false" },
      { fieldId: "gdpr", value: "true" },
    ]);
  });

  it("the field a server refusal names", () => {
    expect(fieldOfError("'company' is required", form)).toBe("company");
    expect(fieldOfError("answers: 'plan' must be one of its options", form)).toBe("plan");
    expect(fieldOfError("work_email is not an email address", form)).toBe("work_email");
    expect(fieldOfError("'other' is not a field of the form", form)).toBeUndefined();
    expect(fieldOfError("too many answers", form)).toBeUndefined();
  });

  it("FieldsBox: checks, shows errors by the fields, keeps what was typed when rebuilt", () => {
    const box = new FieldsBox(texts, "b-");
    document.body.append(box.el);
    box.render(form);
    expect(box.validate()).toBe(false);
    const err = (id: string) => box.el.querySelector(`#b-${id}-error`)!.textContent;
    expect(err("company")).toBe("Please fill in this field.");
    expect(err("gdpr")).toBe("Please accept this to continue.");
    expect(err("plan")).toBe("");
    expect(document.activeElement?.id).toBe("b-company");
    expect(box.el.querySelector("#b-company")!.getAttribute("aria-invalid")).toBe("true");
    type(box.el.querySelector<HTMLInputElement>("#b-company"), "Acme");
    // Typing clears that field's error.
    expect(err("company")).toBe("");
    (box.el.querySelector<HTMLInputElement>("#b-gdpr")!).checked = true;
    expect(box.validate()).toBe(true);
    expect(box.answers()).toEqual([{ fieldId: "company", value: "Acme" }, { fieldId: "size", value: "1-10" }, { fieldId: "news", value: "false" }, { fieldId: "gdpr", value: "true" }]);
    // Another department's form: a field of the same id keeps its value.
    box.render([company, field({ id: "order", label: "Order" })]);
    expect(box.el.querySelector<HTMLInputElement>("#b-company")!.value).toBe("Acme");
    expect(box.el.querySelector("#b-gdpr")).toBeNull();
    expect(box.showServerError("'order' is required")).toBe(true);
    expect(err("order")).toBe("'order' is required");
    expect(box.showServerError("something else")).toBe(false);
    box.render([]);
    expect(box.el.hidden).toBe(true);
  });
});

describe("the pre-chat form in the widget", () => {
  let m: Mounted;
  afterEach(() => m?.widget.close());

  const depts = [
    { ...billing, preChatForm: [size, consent] },
    { department: "tech", displayName: "Tech", agentsOnline: 1, preChatForm: [company] },
  ];

  it("renders the department's fields below the usual ones and again for another department", async () => {
    m = await mountWidget({ departments: depts, cfg: { departments: ["tech"] } });
    m.widget.open();
    const form = m.$<HTMLFormElement>("form.prechat-form")!;
    const labels = [...form.querySelectorAll(":scope > label, .form-field")].map((l) => (l.textContent ?? "").split(/[\s*]|Billing/)[0]);
    expect(labels).toEqual(["Your", "Email", "Department", "How", "Team", "I"]);
    const dept = form.querySelector<HTMLSelectElement>("select[name=department]")!;
    dept.value = "tech";
    dept.dispatchEvent(new Event("change"));
    expect(form.querySelector('[data-field="gdpr"]')).toBeNull();
    expect(form.querySelector('[data-field="company"]')).not.toBeNull();
  });

  it("refuses to send without the consent, then sends the answers", async () => {
    m = await mountWidget({ departments: depts });
    m.widget.open();
    type(m.$("input[name=name]"), "Vera");
    type(m.$("textarea[name=question]"), "How much is Pro?");
    const form = m.$<HTMLFormElement>("form.prechat-form")!;
    form.requestSubmit();
    await new Promise((r) => setTimeout(r, 20));
    expect(m.sent("join")).toHaveLength(0);
    expect(m.$("#lc-f-gdpr-error")!.textContent).toBe("Please accept this to continue.");
    m.$<HTMLSelectElement>('select[data-field="size"]')!.value = "11-50";
    click(m.$('input[data-field="gdpr"]'));
    form.requestSubmit();
    await until(() => m.phase() === "queued");
    expect(m.sent("join")[0]!.body.value).toMatchObject({ department: "billing", invitationId: "", answers: [{ fieldId: "size", value: "11-50" }, { fieldId: "gdpr", value: "true" }] });
  });

  it("shows the server's refusal by the field it names, else by the form", async () => {
    let reply = "'size' must be one of its options";
    m = await mountWidget({
      departments: depts,
      handler: (sock, env) => {
        if (env.body.case !== "join") return false;
        sock.push({ requestId: env.requestId, body: { case: "error", value: { code: ErrorCode.INVALID_ARGUMENT, text: reply, requestId: env.requestId } } });
        return true;
      },
    });
    m.widget.open();
    type(m.$("input[name=name]"), "Vera");
    type(m.$("textarea[name=question]"), "Hi");
    click(m.$('input[data-field="gdpr"]'));
    const form = m.$<HTMLFormElement>("form.prechat-form")!;
    form.requestSubmit();
    await until(() => m.$("#lc-f-size-error")!.textContent !== "");
    expect(m.$("#lc-f-size-error")!.textContent).toBe("'size' must be one of its options");
    expect(m.$<HTMLButtonElement>("form.prechat-form button[type=submit]")!.disabled).toBe(false);
    reply = "display_name is too long";
    form.requestSubmit();
    await until(() => m.$('[data-testid="prechat-error"]')!.textContent !== "");
    expect(m.$('[data-testid="prechat-error"]')!.textContent).toBe("display_name is too long");
    expect(m.phase()).toBe("prechat");
  });
});

describe("the survey", () => {
  it("the default when the department has none (or an unknown scale), its questions otherwise", () => {
    expect(surveyPlan(undefined)).toEqual(DEFAULT_SURVEY);
    expect(surveyPlan(create(SurveySchema, {}))).toEqual(DEFAULT_SURVEY);
    expect(surveyPlan(create(SurveySchema, { scale: 7, comment: false }))).toMatchObject({ scale: 5, comment: false });
    const s = surveyPlan(create(SurveySchema, { scale: 2, comment: false, questions: [{ id: "solved", label: "Solved?", kind: FieldKind.CHECKBOX }, { id: "x", kind: FieldKind.CONSENT }] }));
    expect(s.scale).toBe(2);
    expect(s.questions.map((q) => q.id)).toEqual(["solved"]);
  });

  it("each scale's buttons", () => {
    const t = { thumbDown: en.thumbDown, thumbUp: en.thumbUp, faceBad: en.faceBad, faceOkay: en.faceOkay, faceGood: en.faceGood, ratingOf: en.ratingOf };
    expect(scaleChoices(2, t)).toEqual([{ value: 1, glyph: "👎", label: "Not helpful" }, { value: 2, glyph: "👍", label: "Helpful" }]);
    expect(scaleChoices(3, t).map((c) => [c.value, c.label])).toEqual([[1, "Bad"], [2, "Okay"], [3, "Good"]]);
    expect(scaleChoices(5, t).map((c) => c.glyph).join("")).toBe("★★★★★");
    expect(scaleChoices(5, t)[3]!.label).toBe("4 of 5");
    expect(scaleChoices(10, t).map((c) => c.glyph)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    expect(scaleChoices(10, t)[6]!.label).toBe("7 of 10");
  });

  let m: Mounted;
  afterEach(() => m?.widget.close());

  /** A chat that the agent then closes: the widget offers the survey. */
  async function closedChat(survey?: { scale: number; comment: boolean; questions?: Omit<Partial<FormField>, "$typeName">[] }): Promise<void> {
    m = await mountWidget({ departments: [{ ...billing, ...(survey ? { survey } : {}) }] });
    m.widget.open();
    type(m.$("input[name=name]"), "Vera");
    type(m.$("textarea[name=question]"), "Hi");
    m.$<HTMLFormElement>("form.prechat-form")!.requestSubmit();
    await until(() => m.phase() === "queued");
    m.push({ body: { case: "event", value: { conversationId: "c1", seq: 2n, kind: EventKind.CLOSED, senderRole: Role.AGENT, senderId: "alice", atMs: BigInt(Date.now()) } } });
    await until(() => m.phase() === "closed");
  }

  const rateWith = async (value: number) => {
    const input = m.$<HTMLInputElement>(`input[name=rating][value="${value}"]`)!;
    input.checked = true;
    input.dispatchEvent(new Event("change"));
  };

  it("scale 2: thumbs down / up, no comment box, a question in Rate.answers", async () => {
    await closedChat({ scale: 2, comment: false, questions: [{ id: "solved", label: "Did we solve it?", kind: FieldKind.CHECKBOX }, { id: "why", label: "What could we do better?", kind: FieldKind.TEXT }] });
    const form = m.$<HTMLFormElement>("form.rating-form")!;
    expect(form.dataset["scale"]).toBe("2");
    expect([...form.querySelectorAll(".scale label")].map((l) => l.getAttribute("title"))).toEqual(["Not helpful", "Helpful"]);
    expect(form.querySelector("textarea[name=comment]")).toBeNull();
    expect(form.querySelector('[data-field="solved"]')).not.toBeNull();
    const submit = form.querySelector<HTMLButtonElement>("button[type=submit]")!;
    expect(submit.disabled).toBe(true);
    await rateWith(2);
    expect(submit.disabled).toBe(false);
    expect(form.querySelector('label[data-value="2"]')!.classList.contains("on")).toBe(true);
    expect(form.querySelector('label[data-value="1"]')!.classList.contains("on")).toBe(false);
    click(form.querySelector('input[data-field="solved"]'));
    form.requestSubmit();
    await until(() => m.phase() === "rated");
    expect(m.sent("rate")[0]!.body.value).toMatchObject({ conversationId: "c1", rating: 2, comment: "", answers: [{ fieldId: "solved", value: "true" }] });
  });

  it("scale 3: three faces; scale 10: ten numbers; a required question is checked first", async () => {
    await closedChat({ scale: 3, comment: true });
    expect(m.$$(".scale label").map((l) => l.textContent)).toEqual(["🙁Bad", "😐Okay", "🙂Good"]);
    m.widget.close();
    resetPage();
    await closedChat({ scale: 10, comment: true, questions: [{ id: "reason", label: "Why?", kind: FieldKind.SELECT, options: ["Price", "Speed"], required: true }] });
    expect(m.$$(".scale label").map((l) => l.getAttribute("data-value"))).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    expect(m.$("textarea[name=comment]")).not.toBeNull();
    await rateWith(7);
    expect(m.$('label[data-value="7"]')!.classList.contains("on")).toBe(true);
    expect(m.$('label[data-value="6"]')!.classList.contains("on")).toBe(false);
    type(m.$("textarea[name=comment]"), "Quick");
    m.$<HTMLFormElement>("form.rating-form")!.requestSubmit();
    await until(() => m.phase() === "rated");
    expect(m.sent("rate")[0]!.body.value).toMatchObject({ rating: 7, comment: "Quick", answers: [{ fieldId: "reason", value: "Price" }] });
  });

  it("without a survey: five stars (lc-star-N) and a comment", async () => {
    await closedChat();
    expect(m.$$(".scale label").map((l) => l.getAttribute("for"))).toEqual(["lc-star-1", "lc-star-2", "lc-star-3", "lc-star-4", "lc-star-5"]);
    expect(m.$("textarea[name=comment]")).not.toBeNull();
    await rateWith(4);
    expect(m.$$(".scale label.on")).toHaveLength(4);
  });
});
