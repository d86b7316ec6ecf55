// The admin page's Departments section: every department with its hours and whether it is open
// now (GET /api/departments), a form to create or edit one (PUT /api/departments/{id}) with
// every writable field, and Remove with a confirm step (DELETE /api/departments/{id}). Idle times
// are typed in minutes and sent in seconds; the agents' auto-away is typed in seconds; an empty
// "reassign after" or file limit is the server's default. An edit sends only the fields that
// changed. A 400 from the server is shown verbatim next to its field; a refused removal (409:
// visitors wait or chat there, or it is the last one) in the confirm dialog. Protocol 9 adds the
// pre-chat form, the post-chat survey and the invitation rules (form_editor.ts); a refusal that
// names one of them ("pre_chat_form[1].id: …") is shown by that input.
import { formatDuration, h } from "../lib/format.js";
import {
  departmentBody, departmentChanges, departmentForm, fieldOfMessage, fileLimitText, type Department, type DepartmentForm,
} from "../lib/departments.js";
import { ApiError, type Session } from "../lib/session.js";
import { FormsEditor } from "./form_editor.js";
import { formsChanges, formsDraft, pathOfMessage, type FormsJson } from "./form_model.js";

export interface DepartmentsHost {
  session: Session;
  content: HTMLElement;
  say(text: string): void;
  /** Shows the section again (after a save or a removal). */
  reload(): void;
  /** The page's list of departments changed (the account form offers them). */
  changed(list: Department[]): void;
}

function openNow(d: Department): string {
  if (!d.closed) return "open";
  if (!d.opens_at_ms) return "closed";
  const at = new Date(d.opens_at_ms);
  return `closed · opens ${at.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" })} ${at.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })}`;
}

function autoAway(d: Department): string {
  if (typeof d.auto_away_seconds !== "number") return "";
  return d.auto_away_seconds ? `after ${formatDuration(d.auto_away_seconds)}` : "never";
}

export async function renderDepartments(host: DepartmentsHost): Promise<void> {
  const { departments = [] } = await host.session.call<{ departments?: (Department & FormsJson)[] }>("/api/departments");
  host.changed(departments);
  // A server without per-department file limits: no column for them.
  const files = departments.some((d) => fileLimitText(d) !== "");
  host.content.replaceChildren(
    h("div", { class: "card" },
      h("div", { class: "card-head" }, h("h2", {}, `Departments (${departments.length})`),
        h("button", { class: "btn primary", type: "button", id: "new-department", onclick: () => editDepartment(host) }, "New department")),
      h("table", { class: "grid departments" },
        h("thead", {}, h("tr", {}, ...["Id", "Name", "Hours", "Time zone", "Now", "Auto-away", ...(files ? ["Files"] : []), ""].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, ...departments.map((d) =>
          h("tr", { "data-department": d.id },
            h("td", { class: "mono" }, d.id),
            h("td", { "data-col": "name" }, d.display_name || d.id),
            h("td", { "data-col": "hours" }, d.hours || "always open",
              d.holidays ? h("div", { class: "muted small" }, `closed on ${d.holidays}`) : null),
            h("td", { "data-col": "time_zone" }, d.time_zone || "UTC"),
            h("td", { "data-col": "now", class: d.closed ? "closed-now" : "open-now" }, openNow(d)),
            h("td", { "data-col": "auto_away" }, autoAway(d)),
            files ? h("td", { "data-col": "files" }, fileLimitText(d)) : null,
            h("td", { class: "row-actions" },
              h("button", { class: "btn", type: "button", "aria-label": `Edit ${d.display_name || d.id}`, onclick: () => editDepartment(host, d) }, "Edit"),
              " ",
              h("button", { class: "btn danger", type: "button", "data-action": "remove", "aria-label": `Remove ${d.display_name || d.id}`, onclick: () => confirmRemove(host, d) }, "Remove"))))))),
  );
}

/** The create / edit dialog. */
export function editDepartment(host: DepartmentsHost, d?: Department & FormsJson): void {
  const isNew = !d;
  const f = departmentForm(d);
  const forms = new FormsEditor(formsDraft(d));
  const dialog = h("dialog", { class: "dialog wide", "aria-labelledby": "dept-title" });
  const errs = new Map<keyof DepartmentForm, HTMLElement>();
  const inputs = new Map<keyof DepartmentForm, HTMLElement>();
  const field = (key: keyof DepartmentForm, label: string, input: HTMLInputElement | HTMLTextAreaElement, help?: string) => {
    const id = `dept-${key.replace(/_/g, "-")}`;
    input.id = id;
    const err = h("p", { class: "error small field-error", id: `${id}-error`, role: "alert" });
    errs.set(key, err);
    inputs.set(key, input);
    const helpEl = help ? h("p", { class: "muted small", id: `${id}-help` }, help) : null;
    input.setAttribute("aria-describedby", [help ? `${id}-help` : "", `${id}-error`].filter(Boolean).join(" "));
    return h("div", { class: "field" }, h("label", { for: id }, label), input, helpEl, err);
  };
  const text = (value: string, attrs: Record<string, unknown> = {}) => h("input", { value, autocomplete: "off", ...attrs });
  const id = text(f.id, { disabled: !isNew, maxlength: "32", spellcheck: false });
  const name = text(f.display_name, { maxlength: "100" });
  const language = text(f.language, { maxlength: "16", placeholder: "en" });
  const zone = text(f.time_zone, { maxlength: "64", placeholder: "Europe/Berlin", spellcheck: false });
  const hours = text(f.hours, { placeholder: "mon-fri 09:00-17:00; sat 10:00-14:00", spellcheck: false });
  const holidays = h("textarea", { rows: "2", placeholder: "2026-12-25, 2026-12-26", spellcheck: false });
  holidays.value = f.holidays;
  const reassign = text(f.reassign_after_seconds, { type: "number", min: "0", max: "86400", inputmode: "numeric" });
  const target = text(f.waiting_target_seconds, { type: "number", min: "0", max: "86400", inputmode: "numeric", placeholder: "120" });
  const prompt = text(f.idle_prompt_minutes, { type: "number", min: "0", max: "1440", step: "any", inputmode: "decimal", placeholder: "0" });
  const close = text(f.idle_close_minutes, { type: "number", min: "0", max: "1440", step: "any", inputmode: "decimal", placeholder: "0" });
  const away = text(f.auto_away_seconds, { type: "number", min: "0", max: "86400", inputmode: "numeric", placeholder: "600" });
  const fileMb = text(f.max_file_mb, { type: "number", min: "0", max: "4096", step: "1", inputmode: "numeric", placeholder: "server default" });
  const fileTypes = text(f.file_types, { placeholder: "server default, e.g. image/*,application/pdf", spellcheck: false });
  const requiredTag = h("input", { type: "checkbox", id: "dept-required-tag", checked: f.required_tag });
  const formErr = h("div", { class: "error", role: "alert" });
  const read = (): DepartmentForm => ({
    id: id.value, display_name: name.value, language: language.value, time_zone: zone.value, hours: hours.value,
    holidays: holidays.value, reassign_after_seconds: reassign.value, required_tag: requiredTag.checked,
    waiting_target_seconds: target.value, idle_prompt_minutes: prompt.value, idle_close_minutes: close.value,
    auto_away_seconds: away.value, max_file_mb: fileMb.value, file_types: fileTypes.value,
  });
  const save = h("button", { class: "btn primary", type: "submit", id: "save-department" }, isNew ? "Create" : "Save");
  dialog.append(h("form", {
    class: "account-form department-form",
    novalidate: true,
    onsubmit: async (e: Event) => {
      e.preventDefault();
      for (const el of errs.values()) el.textContent = "";
      formErr.textContent = "";
      forms.clearErrors();
      const form = read();
      const { body, errors } = d ? departmentChanges(d, form) : departmentBody(form);
      const extra = formsChanges(d, forms.draft());
      if (!body || !extra.body) {
        for (const [k, v] of Object.entries(errors)) errs.get(k as keyof DepartmentForm)!.textContent = v;
        if (!extra.body && !forms.showErrors(extra.errors)) formErr.textContent = Object.values(extra.errors).join(" ");
        return;
      }
      save.disabled = true;
      try {
        await host.session.call(`/api/departments/${encodeURIComponent(form.id.trim())}`, { method: "PUT", body: { ...body, ...extra.body } });
        dialog.close();
        host.say(`Department ${form.id.trim()} saved`);
        host.reload();
      } catch (err) {
        const message = err instanceof ApiError ? err.message || err.code : err instanceof Error ? err.message : String(err);
        const bad = err instanceof ApiError && err.status === 400;
        // The form, survey and rules first: their paths name an "id" the old fields' matcher would take.
        const path = bad ? pathOfMessage(message) : undefined;
        if (path && forms.showErrors({ [path]: message })) return;
        const at = bad ? fieldOfMessage(message) : undefined;
        (at ? errs.get(at)! : formErr).textContent = message;
        if (at) inputs.get(at)?.focus();
      } finally {
        save.disabled = false;
      }
    },
  },
    h("h2", { id: "dept-title" }, isNew ? "New department" : `Edit ${d.display_name || d.id}`),
    h("div", { class: "field-row" },
      field("id", "Id", id, isNew ? "a-z 0-9 . _ - (at most 32)" : undefined),
      field("display_name", "Name", name)),
    h("div", { class: "field-row" },
      field("language", "Language", language),
      field("time_zone", "Time zone", zone, "IANA name, e.g. Europe/Berlin")),
    field("hours", "Opening hours", hours, "Empty: always open. E.g. mon-fri 09:00-17:00; sat 10:00-14:00"),
    field("holidays", "Holidays (closed all day)", holidays, "Dates, e.g. 2026-12-25, 2026-12-26"),
    h("div", { class: "field-row" },
      field("waiting_target_seconds", "Waiting target (seconds)", target, "Longer waits are urgent; default 120"),
      field("reassign_after_seconds", "Reassign unanswered after (seconds)", reassign, "Empty: the server's default")),
    h("div", { class: "field-row" },
      field("idle_prompt_minutes", "Ask a silent visitor after (minutes)", prompt, "0 or empty: off"),
      field("idle_close_minutes", "Close for inactivity after (minutes)", close, "0 or empty: off")),
    field("auto_away_seconds", "Auto-away after (seconds without activity)", away,
      "An online agent whose console sees no mouse or keys this long is set Away (the strictest of their departments counts). 0: never; empty: 600 (10 minutes)"),
    h("div", { class: "field-row" },
      field("max_file_mb", "Largest file (MB)", fileMb, "Files visitors and agents may send here. 0: no files; empty: the server's default"),
      field("file_types", "File types", fileTypes, "Comma-separated media types, e.g. image/*,application/pdf; empty: the server's")),
    h("label", { class: "check" }, requiredTag, "Agents must tag a chat before closing it"),
    ...forms.sections,
    formErr,
    h("div", { class: "actions" },
      h("button", { class: "btn", type: "button", onclick: () => dialog.close() }, "Cancel"),
      save)));
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  (isNew ? id : name).focus();
}

/** Remove, after a confirm step. The server refuses (409) while visitors wait or chat in the
 * department, or when it is the last one: its words stay in the dialog. */
export function confirmRemove(host: DepartmentsHost, d: Department): void {
  const name = d.display_name || d.id;
  const dialog = h("dialog", { class: "dialog", "aria-labelledby": "remove-title", "aria-describedby": "remove-help" });
  const err = h("p", { class: "error", id: "remove-error", role: "alert" });
  const remove = h("button", { class: "btn danger", type: "submit", id: "confirm-remove" }, "Remove");
  dialog.append(h("form", {
    class: "account-form",
    onsubmit: async (e: Event) => {
      e.preventDefault();
      err.textContent = "";
      remove.disabled = true;
      try {
        await host.session.call(`/api/departments/${encodeURIComponent(d.id)}`, { method: "DELETE" });
        dialog.close();
        host.say(`Department ${d.id} removed`);
        host.reload();
      } catch (e2) {
        const message = e2 instanceof ApiError ? e2.message || e2.code : e2 instanceof Error ? e2.message : String(e2);
        err.textContent = `Not removed: ${message}`;
      } finally {
        remove.disabled = false;
      }
    },
  },
    h("h2", { id: "remove-title" }, `Remove ${name}?`),
    h("p", { id: "remove-help" }, `Visitors can no longer choose ${name} and its agents get no chats through it. Its history stays in the archive; creating it again with the same id restores it. Nobody may be waiting or chatting in it.`),
    err,
    h("div", { class: "actions" },
      h("button", { class: "btn", type: "button", id: "cancel-remove", onclick: () => dialog.close() }, "Cancel"),
      remove)));
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  dialog.querySelector<HTMLButtonElement>("#cancel-remove")?.focus();
}
