// The admin page's Mail section: the mail outbox (GET /api/mail), newest first: transcripts
// visitors asked for and agents' replies to offline messages, with where each stands (pending
// mail is retried with backoff, so attempts and the last error say why it has not gone yet).
import { h } from "../lib/format.js";
import type { Session } from "../lib/session.js";
import { mailRow, type Mail } from "./outbound.js";

export interface MailHost {
  session: Session;
  content: HTMLElement;
  reload(): void;
}

export async function renderMail(host: MailHost): Promise<void> {
  const { mail = [] } = await host.session.call<{ mail?: Mail[] }>("/api/mail?limit=50");
  host.content.replaceChildren(h("div", { class: "card" },
    h("div", { class: "card-head" }, h("h2", {}, `Mail (${mail.length}, newest first)`),
      h("button", { class: "btn", type: "button", onclick: () => host.reload() }, "Refresh")),
    mail.length
      ? h("table", { class: "grid log mail" },
          h("thead", {}, h("tr", {}, ...["When", "Kind", "To", "Subject", "State", "Attempts", "Last error"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, ...mail.map((m) => {
            const r = mailRow(m);
            return h("tr", { "data-mail": String(m.id), "data-state": m.state },
              h("td", {}, r.when),
              h("td", { "data-col": "kind" }, r.kind, r.about ? h("div", { class: "muted small" }, r.about) : null),
              h("td", { "data-col": "to" }, r.to),
              h("td", { "data-col": "subject" }, r.subject),
              h("td", { "data-col": "state", class: `state-${m.state}` }, r.state),
              h("td", { "data-col": "attempts" }, r.attempts),
              h("td", { "data-col": "error", class: "detail" }, r.error));
          })))
      : h("p", { class: "muted" }, "No mail yet (the server sends mail only with --smtp-url).")));
}
