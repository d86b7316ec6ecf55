// "Ban visitor" in a chat (the agent holding it) or in the monitor pane (supervisors and admins):
// a small dialog with the reason, the duration and what to ban, then POST /api/bans. The server
// closes the chat (a CLOSED event from the system follows); the caller says what was banned.
import { h } from "../lib/format.js";
import { ApiError, type Session } from "../lib/session.js";
import { BAN_DURATIONS, banBody, banForm, banNotice, MAX_REASON_BYTES, type BanForm, type BanKind, type BanReply } from "./bans.js";

export interface BanDialogOptions {
  session: Session;
  conversationId: string;
  visitorName: string;
  visitorId?: string;
  /** The visitor's email; undefined when the console cannot tell (no visitor context). */
  email?: string;
  /** Banned: the notice text and the server's reply. */
  onBanned(notice: string, reply: BanReply): void;
}

// One dialog for the page, made on first use.
let dialog: HTMLDialogElement | undefined;

const errText = (e: unknown) => (e instanceof ApiError ? e.message : e instanceof Error ? e.message : String(e));

export function openBanDialog(o: BanDialogOptions): void {
  dialog ??= h("dialog", { class: "dialog", "aria-labelledby": "ban-title" });
  const dlg = dialog;
  const emailState: BanForm["email"] = o.email === undefined ? "unknown" : o.email ? "yes" : "no";
  const f = banForm(o.conversationId, emailState);
  const reason = h("textarea", { id: "ban-reason", rows: "3", required: true, maxlength: String(MAX_REASON_BYTES), "aria-describedby": "ban-help" });
  const duration = h("select", { id: "ban-duration" },
    ...BAN_DURATIONS.map((d) => h("option", { value: String(d.seconds), selected: d.seconds === f.durationSeconds }, d.label)));
  duration.value = String(f.durationSeconds);
  const box = (kind: BanKind, label: string) => {
    const input = h("input", { type: "checkbox", id: `ban-kind-${kind}`, checked: f.kinds[kind] });
    return { input, label: h("label", { class: "check", for: `ban-kind-${kind}` }, input, label) };
  };
  const visitor = box("visitor", `This visitor${o.visitorId ? ` (${o.visitorId})` : ""}`);
  const address = box("address", "Their address (IP)");
  const email = emailState === "no" ? undefined : box("email", emailState === "yes" ? `Their email (${o.email})` : "Their email, if they gave one");
  const err = h("p", { class: "error", role: "alert" });
  const submit = h("button", { class: "btn danger", type: "submit", id: "do-ban" }, "Ban");
  // A complaint about the form goes once the agent acts on it.
  for (const el of [reason, duration, visitor.input, address.input, email?.input]) el?.addEventListener("input", () => (err.textContent = ""));
  dlg.replaceChildren(
    h("form", {
      method: "dialog",
      class: "transfer ban-form",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        f.reason = reason.value;
        f.durationSeconds = Number(duration.value);
        f.kinds = { visitor: visitor.input.checked, address: address.input.checked, email: !!email?.input.checked };
        const { body, error } = banBody(f);
        if (!body) {
          err.textContent = error ?? "";
          return;
        }
        err.textContent = "";
        submit.disabled = true;
        try {
          const reply = await o.session.call<BanReply>("/api/bans", { body });
          dlg.close();
          o.onBanned(banNotice(reply), reply);
        } catch (e2) {
          err.textContent = `Not banned: ${errText(e2)}`;
          submit.disabled = false;
        }
      },
    },
      h("h2", { id: "ban-title" }, `Ban ${o.visitorName || "visitor"}`),
      h("p", { id: "ban-help", class: "muted small" }, "The chat ends, and while the ban lasts they can neither start a chat nor leave a message. They are only told that chat is not available."),
      h("label", { for: "ban-reason" }, "Reason (required, for your colleagues)"), reason,
      h("label", { for: "ban-duration" }, "Duration"), duration,
      h("fieldset", { class: "ban-kinds" }, h("legend", {}, "Ban"), visitor.label, address.label, email?.label),
      err,
      h("div", { class: "actions" },
        h("button", { class: "btn", type: "button", onclick: () => dlg.close() }, "Cancel"),
        submit)),
  );
  if (!dlg.isConnected) document.body.append(dlg);
  dlg.showModal();
  reason.focus();
}
