// A department's pre-chat form, post-chat survey and invitation rules (protocol 9) in the admin
// page's department editor: the JSON members of GET / PUT /api/departments ("pre_chat_form",
// "survey", "invitation_rules"), the editor's drafts (strings as typed, options one per line),
// the checks the server makes too (shown by the input they are about, keyed by the path the
// server names: "pre_chat_form[1].id"), and the body of an edit (only the members that changed).
// Pure: tested without a browser.
import { utf8Length } from "../lib/utf8.js";

export type FieldKindName = "text" | "email" | "select" | "checkbox" | "consent";
export type Audience = "all" | "new" | "returning";

export interface FieldJson {
  id: string;
  label: string;
  kind: FieldKindName;
  required: boolean;
  /** select only: the choices. */
  options?: string[];
}

export interface SurveyJson {
  scale: number;
  comment: boolean;
  questions: FieldJson[];
}

export interface RuleJson {
  text: string;
  seconds_on_page: number;
  url_pattern: string;
  visitors: Audience;
}

/** The members of a department these editors own. */
export interface FormsJson {
  pre_chat_form?: FieldJson[];
  survey?: SurveyJson;
  invitation_rules?: RuleJson[];
}

export const FORM_KINDS: readonly FieldKindName[] = ["text", "email", "select", "checkbox", "consent"];
export const SURVEY_KINDS: readonly FieldKindName[] = ["text", "select", "checkbox"];
export const SCALES = [2, 3, 5, 10] as const;
export const AUDIENCES: readonly Audience[] = ["all", "new", "returning"];
export const MAX_FORM_FIELDS = 10;
export const MAX_SURVEY_QUESTIONS = 3;
export const MAX_RULES = 10;
export const MAX_RULE_SECONDS = 3600;
export const MAX_LABEL_BYTES = 200;
export const MAX_CONSENT_BYTES = 1000;
export const MAX_OPTIONS = 20;
export const MAX_OPTION_BYTES = 100;
export const MAX_RULE_TEXT_BYTES = 500;
export const MAX_PATTERN_BYTES = 300;
export const FIELD_ID = /^[a-z0-9_]{1,32}$/;
export const DEFAULT_SURVEY: SurveyJson = { scale: 5, comment: true, questions: [] };
export const DEFAULT_RULE_TEXT = "Hi! Can I help you with anything?";

/** One field as typed in the editor. */
export interface FieldDraft {
  id: string;
  label: string;
  kind: FieldKindName;
  required: boolean;
  /** One choice per line (select). */
  options: string;
}

export interface RuleDraft {
  text: string;
  /** Seconds, as typed. */
  seconds_on_page: string;
  url_pattern: string;
  visitors: Audience;
}

export interface FormsDraft {
  pre_chat_form: FieldDraft[];
  survey: { scale: string; comment: boolean; questions: FieldDraft[] };
  invitation_rules: RuleDraft[];
}

/** Path ("pre_chat_form[1].id", "survey.scale", "invitation_rules") -> what is wrong there. */
export type PathErrors = Record<string, string>;

const kindOf = (k: unknown): FieldKindName => (FORM_KINDS.includes(k as FieldKindName) ? (k as FieldKindName) : "text");

export function fieldDraft(f?: Partial<FieldJson>): FieldDraft {
  return {
    id: f?.id ?? "",
    label: f?.label ?? "",
    kind: kindOf(f?.kind),
    required: !!f?.required || f?.kind === "consent",
    options: (f?.options ?? []).join("\n"),
  };
}

export function ruleDraft(r?: Partial<RuleJson>): RuleDraft {
  return {
    text: r?.text ?? DEFAULT_RULE_TEXT,
    seconds_on_page: String(r?.seconds_on_page ?? 30),
    url_pattern: r?.url_pattern ?? "",
    visitors: AUDIENCES.includes(r?.visitors as Audience) ? (r!.visitors as Audience) : "all",
  };
}

/** The editors' drafts for a department (a new one, or a server without these members: empty
 * form, the default survey, no rules). */
export function formsDraft(d?: FormsJson): FormsDraft {
  const s = d?.survey ?? DEFAULT_SURVEY;
  return {
    pre_chat_form: (d?.pre_chat_form ?? []).map(fieldDraft),
    survey: { scale: String(s.scale || 5), comment: s.comment ?? true, questions: (s.questions ?? []).map(fieldDraft) },
    invitation_rules: (d?.invitation_rules ?? []).map(ruleDraft),
  };
}

/** The options of a select, one per line: trimmed, empty lines left out. */
export function optionLines(text: string): string[] {
  return text.split(/\r?\n/).map((o) => o.trim()).filter(Boolean);
}

function fieldsJson(list: FieldDraft[], path: string, kinds: readonly FieldKindName[], max: number, what: string, errors: PathErrors): FieldJson[] {
  if (list.length > max) errors[path] = `At most ${max} ${what}`;
  const seen = new Set<string>();
  return list.map((f, i) => {
    const at = `${path}[${i}]`;
    const id = f.id.trim();
    const label = f.label.trim();
    if (!FIELD_ID.test(id)) errors[`${at}.id`] = "1 to 32 of a-z 0-9 _";
    else if (seen.has(id)) errors[`${at}.id`] = `"${id}" is used twice`;
    seen.add(id);
    const consent = f.kind === "consent";
    if (!kinds.includes(f.kind)) errors[`${at}.kind`] = `Not one of ${kinds.join(", ")}`;
    const maxLabel = consent ? MAX_CONSENT_BYTES : MAX_LABEL_BYTES;
    if (!label) errors[`${at}.label`] = consent ? "The consent text is required" : "A label is required";
    else if (utf8Length(label) > maxLabel) errors[`${at}.label`] = `At most ${maxLabel} bytes`;
    const out: FieldJson = { id, label, kind: f.kind, required: consent || f.required };
    if (f.kind === "select") {
      const options = optionLines(f.options);
      if (!options.length) errors[`${at}.options`] = "A select needs at least one option";
      else if (options.length > MAX_OPTIONS) errors[`${at}.options`] = `At most ${MAX_OPTIONS} options`;
      else if (new Set(options).size !== options.length) errors[`${at}.options`] = "An option is listed twice";
      else if (options.some((o) => utf8Length(o) > MAX_OPTION_BYTES)) errors[`${at}.options`] = `An option is longer than ${MAX_OPTION_BYTES} bytes`;
      out.options = options;
    }
    return out;
  });
}

/** The JSON of the three members, or what is wrong, by path. */
export function formsJson(f: FormsDraft): { json?: Required<FormsJson>; errors: PathErrors } {
  const errors: PathErrors = {};
  const pre_chat_form = fieldsJson(f.pre_chat_form, "pre_chat_form", FORM_KINDS, MAX_FORM_FIELDS, "fields", errors);
  const scale = Number(f.survey.scale);
  if (!(SCALES as readonly number[]).includes(scale)) errors["survey.scale"] = "2, 3, 5 or 10";
  const questions = fieldsJson(f.survey.questions, "survey.questions", SURVEY_KINDS, MAX_SURVEY_QUESTIONS, "questions", errors);
  if (f.invitation_rules.length > MAX_RULES) errors["invitation_rules"] = `At most ${MAX_RULES} rules`;
  const invitation_rules = f.invitation_rules.map((r, i): RuleJson => {
    const at = `invitation_rules[${i}]`;
    const text = r.text.trim();
    if (!text) errors[`${at}.text`] = "A greeting is required";
    else if (utf8Length(text) > MAX_RULE_TEXT_BYTES) errors[`${at}.text`] = `At most ${MAX_RULE_TEXT_BYTES} bytes`;
    const t = r.seconds_on_page.trim();
    const seconds = t === "" ? 0 : Number(t);
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_RULE_SECONDS) errors[`${at}.seconds_on_page`] = `Whole seconds from 0 to ${MAX_RULE_SECONDS}`;
    const url_pattern = r.url_pattern.trim();
    if (utf8Length(url_pattern) > MAX_PATTERN_BYTES) errors[`${at}.url_pattern`] = `At most ${MAX_PATTERN_BYTES} bytes`;
    if (!AUDIENCES.includes(r.visitors)) errors[`${at}.visitors`] = "all, new or returning";
    return { text, seconds_on_page: seconds, url_pattern, visitors: r.visitors };
  });
  if (Object.keys(errors).length) return { errors };
  return { errors, json: { pre_chat_form, survey: { scale, comment: f.survey.comment, questions }, invitation_rules } };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What goes into the PUT body: for an edit only the members that changed from the department as
 * loaded; for a new department only those not at their defaults (an empty form, the default
 * survey, no rules). */
export function formsChanges(before: FormsJson | undefined, f: FormsDraft): { body?: FormsJson; errors: PathErrors } {
  const next = formsJson(f);
  if (!next.json) return { errors: next.errors };
  const old = formsJson(formsDraft(before)).json ?? { pre_chat_form: [], survey: DEFAULT_SURVEY, invitation_rules: [] };
  const body: FormsJson = {};
  if (!same(next.json.pre_chat_form, old.pre_chat_form)) body.pre_chat_form = next.json.pre_chat_form;
  if (!same(next.json.survey, old.survey)) body.survey = next.json.survey;
  if (!same(next.json.invitation_rules, old.invitation_rules)) body.invitation_rules = next.json.invitation_rules;
  return { body, errors: next.errors };
}

/** The path a server refusal starts with ("pre_chat_form[1].id: must be …" →
 * "pre_chat_form[1].id"), when it is about these members. */
export function pathOfMessage(message: string): string | undefined {
  const m = /^\s*['"]?((?:pre_chat_form|survey|invitation_rules)(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*)['"]?\s*(?::|\s|$)/.exec(message);
  return m?.[1];
}

/** Where to show a path's error: the path itself if it has a place, else its parents
 * ("survey.questions[0].label" → "survey.questions[0]" → "survey.questions" → "survey"). */
export function pathCandidates(path: string): string[] {
  const out = [path];
  let p = path;
  for (;;) {
    const cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
    if (cut <= 0) break;
    p = p.slice(0, cut);
    out.push(p);
  }
  return out;
}

/** A list with the item at `i` moved by `delta` (±1); the same list when it cannot move. */
export function moved<T>(list: readonly T[], i: number, delta: number): T[] {
  const j = i + delta;
  if (i < 0 || i >= list.length || j < 0 || j >= list.length) return [...list];
  const out = [...list];
  [out[i], out[j]] = [out[j]!, out[i]!];
  return out;
}

/** "Visitors: all", how the rules list says who is invited. */
export const audienceLabels: Record<Audience, string> = { all: "All visitors", new: "New visitors", returning: "Returning visitors" };
export const kindLabels: Record<FieldKindName, string> = { text: "Text", email: "Email", select: "Select", checkbox: "Checkbox", consent: "Consent" };
export const scaleLabels: Record<number, string> = { 2: "2 — thumbs down / up", 3: "3 — faces", 5: "5 — stars", 10: "10 — 1 to 10" };
