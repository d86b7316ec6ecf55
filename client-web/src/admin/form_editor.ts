// The department editor's three sections of protocol 9: "Pre-chat form" (fields: id, label,
// kind, required, options one per line for a select; add, remove, move up and down; a consent is
// always required), "Post-chat survey" (scale 2/3/5/10, a comment box, up to three questions of
// kinds text, select, checkbox) and "Invitation rules" (up to ten: greeting, seconds on the page,
// URL pattern, which visitors). Each input has its error line, found by the path the checks and
// the server name ("pre_chat_form[1].id"). The model is form_model.ts.
import { h } from "../lib/format.js";
import {
  AUDIENCES, audienceLabels, DEFAULT_RULE_TEXT, FORM_KINDS, kindLabels, MAX_FORM_FIELDS, MAX_RULES, MAX_RULE_SECONDS, MAX_SURVEY_QUESTIONS, moved,
  pathCandidates, ruleDraft, SCALES, scaleLabels, SURVEY_KINDS, type Audience, type FieldDraft, type FieldKindName, type FormsDraft, type PathErrors,
  type RuleDraft,
} from "./form_model.js";

/** The error lines of a section, by path. */
class Errors {
  readonly lines = new Map<string, { line: HTMLElement; input?: HTMLElement }>();

  line(path: string, input?: HTMLElement): HTMLElement {
    const id = `err-${path.replace(/[^a-z0-9]+/gi, "-")}`;
    const line = h("p", { class: "error small field-error", id, role: "alert", "data-path": path });
    this.lines.set(path, { line, ...(input ? { input } : {}) });
    if (input) {
      input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), id].filter(Boolean).join(" "));
      // Typing a fix takes the complaint away.
      input.addEventListener("input", () => {
        line.textContent = "";
        input.removeAttribute("aria-invalid");
      });
    }
    return line;
  }

  clear(): void {
    for (const { line, input } of this.lines.values()) {
      line.textContent = "";
      input?.removeAttribute("aria-invalid");
    }
  }

  /** Shows a message at the path, or at the nearest parent that has a line; the input (if any)
   * to focus, or undefined when no line is there at all. */
  show(path: string, message: string): { shown: boolean; input?: HTMLElement } {
    for (const p of pathCandidates(path)) {
      const at = this.lines.get(p);
      if (!at) continue;
      at.line.textContent = at.line.textContent ? `${at.line.textContent} ${message}` : message;
      at.input?.setAttribute("aria-invalid", "true");
      return { shown: true, ...(at.input ? { input: at.input } : {}) };
    }
    return { shown: false };
  }
}

let seq = 0;

/** A list of fields (the pre-chat form, or the survey's questions). */
class FieldList {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private readonly add: HTMLButtonElement;
  private errors = new Errors();
  private readonly uid = ++seq;

  constructor(
    private items: FieldDraft[],
    private readonly o: { path: string; kinds: readonly FieldKindName[]; max: number; noun: string; addLabel: string; empty: string },
  ) {
    this.list = h("ol", { class: "field-list" });
    this.add = h("button", { class: "btn", type: "button", "data-action": `add-${o.path}`, onclick: () => this.append() }, o.addLabel);
    this.el = h("div", { class: "field-list-box" }, this.list, this.add);
    this.render();
  }

  values(): FieldDraft[] {
    return this.items.map((f) => ({ ...f }));
  }

  clearErrors(): void {
    this.errors.clear();
  }

  show(path: string, message: string): { shown: boolean; input?: HTMLElement } {
    return this.errors.show(path, message);
  }

  private append(): void {
    if (this.items.length >= this.o.max) return;
    this.items.push({ id: "", label: "", kind: "text", required: false, options: "" });
    this.render();
    this.list.querySelector<HTMLInputElement>(`li:last-child input[data-part="id"]`)?.focus();
  }

  private render(focus?: { index: number; part: string }): void {
    this.errors = new Errors();
    this.list.replaceChildren(...this.items.map((f, i) => this.row(f, i)));
    if (!this.items.length) this.list.append(h("li", { class: "muted small empty" }, this.o.empty));
    this.add.disabled = this.items.length >= this.o.max;
    if (focus) {
      const row = this.list.children[focus.index];
      (row?.querySelector<HTMLElement>(`[data-part="${focus.part}"]:not([disabled])`) ?? row?.querySelector<HTMLElement>("input"))?.focus();
    }
  }

  private row(f: FieldDraft, i: number): HTMLLIElement {
    const at = `${this.o.path}[${i}]`;
    const base = `f${this.uid}-${i}`;
    const name = `${this.o.noun} ${i + 1}`;
    const label = (forId: string, text: string) => h("label", { for: forId }, h("span", { class: "sr" }, `${name} `), text);
    const id = h("input", { id: `${base}-id`, "data-part": "id", value: f.id, maxlength: "32", spellcheck: false, autocomplete: "off", placeholder: "company" });
    const consent = f.kind === "consent";
    const text = consent
      ? h("textarea", { id: `${base}-label`, "data-part": "label", rows: "3", maxlength: "1000" })
      : h("input", { id: `${base}-label`, "data-part": "label", value: f.label, maxlength: "200", autocomplete: "off" });
    text.value = f.label;
    const kind = h("select", { id: `${base}-kind`, "data-part": "kind" }, ...this.o.kinds.map((k) => h("option", { value: k }, kindLabels[k])));
    kind.value = f.kind;
    const required = h("input", { type: "checkbox", id: `${base}-required`, "data-part": "required", checked: consent || f.required, disabled: consent });
    const options = h("textarea", { id: `${base}-options`, "data-part": "options", rows: "3", placeholder: "One option per line" });
    options.value = f.options;
    id.addEventListener("input", () => (f.id = id.value));
    text.addEventListener("input", () => (f.label = text.value));
    required.addEventListener("change", () => (f.required = required.checked));
    options.addEventListener("input", () => (f.options = options.value));
    kind.addEventListener("change", () => {
      f.kind = kind.value as FieldKindName;
      if (f.kind === "consent") f.required = true;
      // The label becomes a text box for a consent's text (and back): rebuilt.
      this.render({ index: i, part: "kind" });
    });
    const tool = (text: string, part: string, onclick: () => void, disabled = false) =>
      h("button", { class: "btn small", type: "button", "data-part": part, "aria-label": `${text} ${name.toLowerCase()}`, disabled, onclick }, text);
    return h("li", { class: "field-item", "data-index": String(i) },
      h("div", { class: "field-row" },
        h("div", { class: "field" }, label(id.id, "Id"), id, this.errors.line(`${at}.id`, id)),
        h("div", { class: "field" }, label(text.id, consent ? "Consent text" : "Label"), text, this.errors.line(`${at}.label`, text))),
      h("div", { class: "field-row" },
        h("div", { class: "field" }, label(kind.id, "Kind"), kind, this.errors.line(`${at}.kind`, kind)),
        h("div", { class: "field" }, h("label", { class: "check", for: required.id }, required, h("span", { class: "sr" }, `${name} `), consent ? "Required (a consent always is)" : "Required"))),
      f.kind === "select"
        ? h("div", { class: "field" }, label(options.id, "Options (one per line)"), options, this.errors.line(`${at}.options`, options))
        : null,
      this.errors.line(at),
      h("div", { class: "row-tools" },
        tool("Move up", "up", () => { this.items = moved(this.items, i, -1); this.render({ index: i - 1, part: "up" }); }, i === 0),
        tool("Move down", "down", () => { this.items = moved(this.items, i, 1); this.render({ index: i + 1, part: "down" }); }, i === this.items.length - 1),
        tool("Remove", "remove", () => {
          this.items.splice(i, 1);
          this.render();
          (this.list.children[Math.min(i, this.items.length - 1)]?.querySelector<HTMLElement>("input") ?? this.add).focus();
        })));
  }
}

/** The invitation rules. */
class RuleList {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private readonly add: HTMLButtonElement;
  private errors = new Errors();

  constructor(private items: RuleDraft[]) {
    this.list = h("ol", { class: "field-list rule-list" });
    this.add = h("button", { class: "btn", type: "button", "data-action": "add-invitation_rules", onclick: () => this.append() }, "Add rule");
    this.el = h("div", { class: "field-list-box" }, this.list, this.add);
    this.render();
  }

  values(): RuleDraft[] {
    return this.items.map((r) => ({ ...r }));
  }

  clearErrors(): void {
    this.errors.clear();
  }

  show(path: string, message: string): { shown: boolean; input?: HTMLElement } {
    return this.errors.show(path, message);
  }

  private append(): void {
    if (this.items.length >= MAX_RULES) return;
    this.items.push(ruleDraft({ text: DEFAULT_RULE_TEXT }));
    this.render();
    this.list.querySelector<HTMLElement>("li:last-child input")?.focus();
  }

  private render(): void {
    this.errors = new Errors();
    this.list.replaceChildren(...this.items.map((r, i) => this.row(r, i)));
    if (!this.items.length) this.list.append(h("li", { class: "muted small empty" }, "No rules: visitors are invited only by agents."));
    this.add.disabled = this.items.length >= MAX_RULES;
  }

  private row(r: RuleDraft, i: number): HTMLLIElement {
    const at = `invitation_rules[${i}]`;
    const base = `rule-${i}`;
    const name = `Rule ${i + 1}`;
    const label = (forId: string, text: string) => h("label", { for: forId }, h("span", { class: "sr" }, `${name} `), text);
    const text = h("input", { id: `${base}-text`, value: r.text, maxlength: "500", autocomplete: "off" });
    const seconds = h("input", { id: `${base}-seconds`, type: "number", min: "0", max: String(MAX_RULE_SECONDS), step: "1", inputmode: "numeric", value: r.seconds_on_page });
    const pattern = h("input", { id: `${base}-pattern`, value: r.url_pattern, maxlength: "300", spellcheck: false, autocomplete: "off", placeholder: "every page" });
    const visitors = h("select", { id: `${base}-visitors` }, ...AUDIENCES.map((a) => h("option", { value: a }, audienceLabels[a])));
    visitors.value = r.visitors;
    text.addEventListener("input", () => (r.text = text.value));
    seconds.addEventListener("input", () => (r.seconds_on_page = seconds.value));
    pattern.addEventListener("input", () => (r.url_pattern = pattern.value));
    visitors.addEventListener("change", () => (r.visitors = visitors.value as Audience));
    return h("li", { class: "field-item", "data-index": String(i) },
      h("div", { class: "field" }, label(text.id, "Greeting"), text, this.errors.line(`${at}.text`, text)),
      h("div", { class: "field-row" },
        h("div", { class: "field" }, label(seconds.id, "Seconds on the page"), seconds, this.errors.line(`${at}.seconds_on_page`, seconds)),
        h("div", { class: "field" }, label(visitors.id, "Visitors"), visitors, this.errors.line(`${at}.visitors`, visitors))),
      h("div", { class: "field" }, label(pattern.id, "URL pattern"), pattern, this.errors.line(`${at}.url_pattern`, pattern)),
      this.errors.line(at),
      h("div", { class: "row-tools" },
        h("button", {
          class: "btn small", type: "button", "data-part": "remove", "aria-label": `Remove rule ${i + 1}`,
          onclick: () => {
            this.items.splice(i, 1);
            this.render();
            (this.list.children[Math.min(i, this.items.length - 1)]?.querySelector<HTMLElement>("input") ?? this.add).focus();
          },
        }, "Remove")));
  }
}

/** The three sections together: their drafts, and the errors shown where they belong. */
export class FormsEditor {
  readonly sections: HTMLElement[];
  private readonly form: FieldList;
  private readonly questions: FieldList;
  private readonly rules: RuleList;
  private readonly scale: HTMLSelectElement;
  private readonly comment: HTMLInputElement;
  private readonly errors = new Errors();

  constructor(draft: FormsDraft) {
    this.form = new FieldList(draft.pre_chat_form, {
      path: "pre_chat_form", kinds: FORM_KINDS, max: MAX_FORM_FIELDS, noun: "Field", addLabel: "Add field",
      empty: "No fields: visitors give their name, email and question only.",
    });
    this.questions = new FieldList(draft.survey.questions, {
      path: "survey.questions", kinds: SURVEY_KINDS, max: MAX_SURVEY_QUESTIONS, noun: "Question", addLabel: "Add question",
      empty: "No questions: the rating and the comment only.",
    });
    this.rules = new RuleList(draft.invitation_rules);
    this.scale = h("select", { id: "dept-survey-scale" }, ...SCALES.map((s) => h("option", { value: String(s) }, scaleLabels[s])));
    this.scale.value = (SCALES as readonly number[]).includes(Number(draft.survey.scale)) ? draft.survey.scale : "5";
    this.comment = h("input", { type: "checkbox", id: "dept-survey-comment", checked: draft.survey.comment });
    const section = (cls: string, title: string, help: string, ...body: (Node | null)[]) =>
      h("fieldset", { class: `dept-section ${cls}` }, h("legend", {}, title), h("p", { class: "muted small" }, help), ...body);
    this.sections = [
      section("prechat-section", "Pre-chat form",
        "Asked below name, email and the question before a chat (at most 10 fields). A consent's text is what the visitor agrees to; it is always required.",
        this.errors.line("pre_chat_form"), this.form.el),
      section("survey-section", "Post-chat survey",
        "Offered after a chat: the rating, a comment box if you like, and up to 3 questions.",
        h("div", { class: "field-row" },
          h("div", { class: "field" }, h("label", { for: this.scale.id }, "Rating scale"), this.scale, this.errors.line("survey.scale", this.scale)),
          h("div", { class: "field" }, h("label", { class: "check", for: this.comment.id }, this.comment, "Offer a comment box"))),
        this.errors.line("survey"),
        this.errors.line("survey.questions"),
        this.questions.el),
      section("rules-section", "Invitation rules",
        `Invite a visitor who is not chatting, in an available agent's name, after some seconds on a page (0 to ${MAX_RULE_SECONDS}). URL pattern: empty = every page; with a * it is a wildcard over the whole URL (https://shop.example/boots/*); otherwise the URL contains it. At most ${MAX_RULES} rules.`,
        this.errors.line("invitation_rules"), this.rules.el),
    ];
  }

  draft(): FormsDraft {
    return {
      pre_chat_form: this.form.values(),
      survey: { scale: this.scale.value, comment: this.comment.checked, questions: this.questions.values() },
      invitation_rules: this.rules.values(),
    };
  }

  clearErrors(): void {
    this.errors.clear();
    this.form.clearErrors();
    this.questions.clearErrors();
    this.rules.clearErrors();
  }

  /** Shows each error by its path; focuses the first input that has one. True when any was shown. */
  showErrors(errors: PathErrors): boolean {
    let first: HTMLElement | undefined;
    let any = false;
    for (const [path, message] of Object.entries(errors)) {
      const r = this.showAt(path, message);
      any ||= r.shown;
      if (!first && r.input) first = r.input;
    }
    first?.focus();
    return any;
  }

  private showAt(path: string, message: string): { shown: boolean; input?: HTMLElement } {
    const owner = path.startsWith("pre_chat_form[") ? this.form : path.startsWith("survey.questions[") ? this.questions : path.startsWith("invitation_rules[") ? this.rules : undefined;
    const r = owner?.show(path, message);
    if (r?.shown) return r;
    return this.errors.show(path, message);
  }
}
