// A visitor's answers to a department's pre-chat form and survey (protocol 9) as staff read them:
// in a chat's visitor panel (VisitorContext.form), and in History (the conversation JSON's "form"
// and "survey_answers", with "rating_scale"). Each answer comes labelled by the server; a consent
// reads "✓ <its text>", a checkbox "Yes" or "No". The field's kind is known from the department's
// form in the Welcome; without it, an answer "true"/"false" is taken for a box ticked or not.
// Pure: tested without a browser.
import { h } from "../lib/format.js";
import { FieldKind, type FormAnswer, type FormField } from "../lib/proto.js";

/** One answer as the JSON of History has it. */
export interface AnswerJson {
  field_id: string;
  label?: string;
  value: string;
}

export interface AnswerRow {
  fieldId: string;
  /** The field's label ("" when the server sent none: the id stands in). */
  label: string;
  value: string;
  /** A consent given: one line, "✓ <label>". */
  consent: boolean;
}

/** The answers in order, each with its label (else its id) and its value in words. */
export function answerRows(answers: readonly (AnswerJson | FormAnswer)[], fields: readonly Pick<FormField, "id" | "kind" | "label">[] = []): AnswerRow[] {
  const kinds = new Map(fields.map((f) => [f.id, f] as const));
  return answers.map((a) => {
    const fieldId = "fieldId" in a ? a.fieldId : a.field_id;
    const f = kinds.get(fieldId);
    const label = (a.label || f?.label || fieldId).trim();
    const kind = f?.kind;
    const boolish = a.value === "true" || a.value === "false";
    if (kind === FieldKind.CONSENT) {
      return { fieldId, label, value: a.value === "true" ? "✓" : "✗", consent: true };
    }
    if (kind === FieldKind.CHECKBOX || (kind === undefined && boolish)) {
      return { fieldId, label, value: a.value === "true" ? "Yes" : "No", consent: false };
    }
    return { fieldId, label, value: a.value, consent: false };
  });
}

/** The text of a row, as one line: "Plan: Pro", "✓ I agree to …". */
export function answerLine(r: AnswerRow): string {
  return r.consent ? `${r.value} ${r.label}` : `${r.label}: ${r.value}`;
}

/** The answers as a definition list (a consent as one line across both columns). Everything the
 * visitor typed reaches the page as text. */
export function answersList(rows: readonly AnswerRow[], cls: string): HTMLElement {
  return h("dl", { class: `ctx answers ${cls}` }, ...rows.flatMap((r) => r.consent
    ? [h("dd", { class: "consent", "data-answer": r.fieldId, dir: "auto" }, answerLine(r))]
    : [h("dt", { dir: "auto" }, r.label), h("dd", { "data-answer": r.fieldId, dir: "auto" }, r.value || "—")]));
}

/** A rating on its scale, in words: "👍 Helpful" (2), "🙂 Good" (3), "★★★★☆" (5), "7 of 10". */
export function ratingWords(rating: number, scale: number | undefined): string {
  const s = scale === 2 || scale === 3 || scale === 10 ? scale : 5;
  if (s === 2) return rating >= 2 ? "👍 Helpful" : "👎 Not helpful";
  if (s === 3) return ["🙁 Bad", "😐 Okay", "🙂 Good"][Math.min(3, Math.max(1, rating)) - 1]!;
  if (s === 10) return `${rating} of 10`;
  return "★".repeat(rating) + "☆".repeat(Math.max(0, 5 - rating));
}
