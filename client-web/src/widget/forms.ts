// The department's own questions (protocol 9): the pre-chat form's fields under name, email and
// the first message (DepartmentStatus.pre_chat_form, answered in Join.answers) and the post-chat
// survey (DepartmentStatus.survey: the rating scale, a comment box, up to three questions,
// answered in Rate.answers). The checks and the answers are pure; the controls are built with
// h(). The server checks the answers again and names a field it refuses ("'company' is
// required"): that text is shown by the field.
import { h } from "../lib/format.js";
import { FieldKind, type FormField, type Survey } from "../lib/proto.js";

export const FORMS_PROTOCOL = 9;

/** Field id -> what the visitor gave: the text, the option, "true"/"false" for a checkbox. */
export type FormValues = Record<string, string>;

export interface FormAnswerInit {
  fieldId: string;
  value: string;
}

export interface FormTexts {
  /** The empty first option of an optional select. */
  choose: string;
  /** Said under a required field left empty. */
  required: string;
  /** Said under a consent not given. */
  consentRequired: string;
  /** Read out after a required field's label (the "*" is hidden from screen readers). */
  requiredLabel: string;
}

const isBox = (k: FieldKind) => k === FieldKind.CHECKBOX || k === FieldKind.CONSENT;

/** A consent is always required, whatever the operator ticked. */
export function isRequired(f: Pick<FormField, "kind" | "required">): boolean {
  return f.required || f.kind === FieldKind.CONSENT;
}

/** Whether a field's value counts as answered. */
function answered(f: Pick<FormField, "kind">, value: string | undefined): boolean {
  if (isBox(f.kind)) return value === "true";
  return !!value && value.trim() !== "";
}

/** The required fields left unanswered, in the form's order (a checkbox or a consent must be
 * ticked, a text not blank). */
export function missingFields(fields: readonly FormField[], values: FormValues): string[] {
  return fields.filter((f) => isRequired(f) && !answered(f, values[f.id])).map((f) => f.id);
}

/** The answers to send, in the form's order: texts trimmed, optional empty ones left out; a
 * checkbox "true" or "false" (a consent is required, so "true" once it may be sent). */
export function answersOf(fields: readonly FormField[], values: FormValues): FormAnswerInit[] {
  const out: FormAnswerInit[] = [];
  for (const f of fields) {
    const v = values[f.id];
    if (isBox(f.kind)) {
      out.push({ fieldId: f.id, value: v === "true" ? "true" : "false" });
      continue;
    }
    const t = (v ?? "").trim();
    if (t) out.push({ fieldId: f.id, value: t });
  }
  return out;
}

/** The field a server refusal names: "'company' is required", "answers: 'plan' must be one of
 * its options", or a field id as a word. Undefined when it names none of these fields. */
export function fieldOfError(text: string, fields: readonly Pick<FormField, "id">[]): string | undefined {
  const ids = new Set(fields.map((f) => f.id));
  for (const m of text.matchAll(/['"‘’“”]([a-z0-9_]+)['"‘’“”]/g)) if (ids.has(m[1]!)) return m[1];
  for (const w of text.split(/[^a-z0-9_]+/)) if (w && ids.has(w) && w.length > 2) return w;
  return undefined;
}

/** One field as shown: its wrapper, its control and its error line. */
export interface FieldControl {
  field: FormField;
  el: HTMLElement;
  control: HTMLInputElement | HTMLSelectElement;
  error: HTMLElement;
}

/** A field's control: text → input, email → input type=email, select → <select> (with an empty
 * "Choose…" when optional), checkbox → a checkbox, consent → a checkbox whose label is the
 * operator's text. Required fields are marked; the check is ours (see FieldsBox.validate). */
export function fieldControl(field: FormField, t: FormTexts, idPrefix: string, value = ""): FieldControl {
  const id = `${idPrefix}${field.id}`;
  const required = isRequired(field);
  const error = h("p", { class: "field-error", id: `${id}-error`, role: "alert" });
  const mark = required ? [h("span", { class: "req", "aria-hidden": "true" }, " *"), h("span", { class: "sr" }, ` (${t.requiredLabel})`)] : [];
  const common = { id, name: field.id, "data-field": field.id, "aria-describedby": `${id}-error`, ...(required ? { "aria-required": "true" } : {}) };
  let control: HTMLInputElement | HTMLSelectElement;
  let el: HTMLElement;
  switch (field.kind) {
    case FieldKind.CHECKBOX:
    case FieldKind.CONSENT: {
      control = h("input", { ...common, type: "checkbox", checked: value === "true" });
      el = h("div", { class: `form-field check-field ${field.kind === FieldKind.CONSENT ? "consent" : ""}`, "data-kind": kindName(field.kind) },
        h("label", { class: "check" }, control, h("span", { dir: "auto" }, field.label, ...mark)), error);
      break;
    }
    case FieldKind.SELECT: {
      const sel = h("select", common);
      if (!required) sel.append(h("option", { value: "" }, t.choose));
      for (const o of field.options) sel.append(h("option", { value: o }, o));
      sel.value = value && field.options.includes(value) ? value : required ? (field.options[0] ?? "") : "";
      control = sel;
      el = h("div", { class: "form-field", "data-kind": "select" }, h("label", { for: id }, h("span", { dir: "auto" }, field.label, ...mark)), sel, error);
      break;
    }
    default: {
      const email = field.kind === FieldKind.EMAIL;
      control = h("input", { ...common, type: email ? "email" : "text", maxlength: "500", ...(email ? { autocomplete: "email" } : {}) });
      control.value = value;
      el = h("div", { class: "form-field", "data-kind": email ? "email" : "text" }, h("label", { for: id }, h("span", { dir: "auto" }, field.label, ...mark)), control, error);
    }
  }
  return { field, el, control, error };
}

export function kindName(k: FieldKind): string {
  return { [FieldKind.TEXT]: "text", [FieldKind.EMAIL]: "email", [FieldKind.SELECT]: "select", [FieldKind.CHECKBOX]: "checkbox", [FieldKind.CONSENT]: "consent" }[k as number] ?? "text";
}

export function valueOf(c: FieldControl): string {
  if (c.control instanceof HTMLInputElement && c.control.type === "checkbox") return c.control.checked ? "true" : "false";
  return c.control.value;
}

/** The department's fields in a form: rebuilt for another department (what was typed into a
 * field of the same id stays), checked before sending, a server refusal shown by its field. */
export class FieldsBox {
  readonly el: HTMLElement;
  private controls: FieldControl[] = [];

  constructor(
    private readonly t: FormTexts,
    private readonly idPrefix: string,
  ) {
    this.el = h("div", { class: "form-fields" });
  }

  get fields(): FormField[] {
    return this.controls.map((c) => c.field);
  }

  /** Shows these fields; a value typed before (or `prefill`) goes into the field of its id. */
  render(fields: readonly FormField[], prefill: FormValues = {}): void {
    const keep = { ...prefill, ...this.values() };
    this.controls = fields.map((f) => fieldControl(f, this.t, this.idPrefix, keep[f.id] ?? ""));
    for (const c of this.controls) {
      const clear = () => this.setError(c, "");
      c.control.addEventListener("input", clear);
      c.control.addEventListener("change", clear);
    }
    this.el.replaceChildren(...this.controls.map((c) => c.el));
    this.el.hidden = !fields.length;
  }

  /** Fills the fields still empty (setContext after the form was shown). */
  prefill(values: FormValues): void {
    for (const c of this.controls) {
      const v = values[c.field.id];
      if (v === undefined) continue;
      if (c.control instanceof HTMLInputElement && c.control.type === "checkbox") {
        if (!c.control.checked) c.control.checked = v === "true";
      } else if (!c.control.value || (c.control instanceof HTMLSelectElement && !isRequired(c.field))) {
        if (!(c.control instanceof HTMLSelectElement) || c.field.options.includes(v)) c.control.value = v;
      }
    }
  }

  values(): FormValues {
    const out: FormValues = {};
    for (const c of this.controls) out[c.field.id] = valueOf(c);
    return out;
  }

  answers(): FormAnswerInit[] {
    return answersOf(this.fields, this.values());
  }

  /** Marks the required fields left empty and focuses the first; true when none is. */
  validate(): boolean {
    const missing = new Set(missingFields(this.fields, this.values()));
    let first: FieldControl | undefined;
    for (const c of this.controls) {
      const bad = missing.has(c.field.id);
      this.setError(c, bad ? (c.field.kind === FieldKind.CONSENT ? this.t.consentRequired : this.t.required) : "");
      if (bad && !first) first = c;
    }
    first?.control.focus();
    return !first;
  }

  /** A refusal that names one of the fields goes under it (true); else nothing is shown here. */
  showServerError(text: string): boolean {
    const id = fieldOfError(text, this.fields);
    const c = this.controls.find((x) => x.field.id === id);
    if (!c) return false;
    this.setError(c, text);
    c.control.focus();
    return true;
  }

  private setError(c: FieldControl, text: string): void {
    c.error.textContent = text;
    if (text) c.control.setAttribute("aria-invalid", "true");
    else c.control.removeAttribute("aria-invalid");
    c.el.classList.toggle("invalid", !!text);
  }
}

// ------------------------------------------------------------------ the survey

export type Scale = 2 | 3 | 5 | 10;

export interface SurveyPlan {
  scale: Scale;
  comment: boolean;
  questions: FormField[];
}

/** Stars 1..5 and a comment: a department without a survey (the server sends it too). */
export const DEFAULT_SURVEY: SurveyPlan = { scale: 5, comment: true, questions: [] };

/** The survey to offer: the department's, or the default when it has none (or an unknown scale). */
export function surveyPlan(s: Survey | undefined): SurveyPlan {
  if (!s || !s.scale) return { ...DEFAULT_SURVEY, questions: [] };
  const scale: Scale = s.scale === 2 || s.scale === 3 || s.scale === 10 ? s.scale : 5;
  // Only the kinds a survey may ask (the server refuses others in its form anyway).
  const questions = s.questions.filter((q) => q.kind === FieldKind.TEXT || q.kind === FieldKind.SELECT || q.kind === FieldKind.CHECKBOX).slice(0, 3);
  return { scale, comment: s.comment, questions };
}

export interface ScaleTexts {
  thumbDown: string;
  thumbUp: string;
  faceBad: string;
  faceOkay: string;
  faceGood: string;
  /** "{n} of {total}". */
  ratingOf: string;
}

export interface ScaleChoice {
  value: number;
  /** What the button shows. */
  glyph: string;
  /** What it means, for screen readers and the tooltip. */
  label: string;
}

/** The buttons of a scale: thumbs down (1) / up (2); three faces (1..3); five stars; 1..10. */
export function scaleChoices(scale: Scale, t: ScaleTexts): ScaleChoice[] {
  const of = (n: number) => t.ratingOf.replace("{n}", String(n)).replace("{total}", String(scale));
  switch (scale) {
    case 2: return [{ value: 1, glyph: "👎", label: t.thumbDown }, { value: 2, glyph: "👍", label: t.thumbUp }];
    case 3: return [{ value: 1, glyph: "🙁", label: t.faceBad }, { value: 2, glyph: "😐", label: t.faceOkay }, { value: 3, glyph: "🙂", label: t.faceGood }];
    case 10: return Array.from({ length: 10 }, (_, i) => ({ value: i + 1, glyph: String(i + 1), label: of(i + 1) }));
    default: return Array.from({ length: 5 }, (_, i) => ({ value: i + 1, glyph: "★", label: of(i + 1) }));
  }
}

/** The rating as radio buttons in a fieldset (stars light up to the one chosen, the others mark
 * the chosen one). Five stars keep their ids lc-star-N. */
export function ratingPicker(scale: Scale, legend: string, t: ScaleTexts, onPick: (n: number) => void): HTMLFieldSetElement {
  const set = h("fieldset", { class: `stars scale scale-${scale}`, "data-scale": String(scale) }, h("legend", {}, legend));
  const labels: HTMLLabelElement[] = [];
  for (const c of scaleChoices(scale, t)) {
    const id = scale === 5 ? `lc-star-${c.value}` : `lc-rate-${c.value}`;
    const input = h("input", { type: "radio", name: "rating", value: String(c.value), id });
    // Thumbs and faces say their meaning under the picture too (a device without an emoji font
    // still shows what each one is); stars and numbers say it to screen readers.
    const words = scale === 2 || scale === 3;
    const label = h("label", { for: id, title: c.label, "data-value": String(c.value) },
      h("span", { class: "scale-glyph", "aria-hidden": "true" }, c.glyph), h("span", { class: words ? "scale-words" : "sr" }, c.label));
    input.addEventListener("change", () => {
      labels.forEach((l, i) => l.classList.toggle("on", scale === 5 ? i < c.value : i + 1 === c.value));
      onPick(c.value);
    });
    labels.push(label);
    set.append(input, label);
  }
  return set;
}
