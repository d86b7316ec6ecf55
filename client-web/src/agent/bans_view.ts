// The Bans tab (supervisors and admins): the bans in force (GET /api/bans), with "Show lifted and
// expired" (?all=1), and Lift after a confirm step (DELETE /api/bans/{id}). Loaded when the tab
// opens and after every change; nothing polls. What the server sends reaches the page as text
// (h() and textContent): a reason is whatever a colleague typed.
import { h } from "../lib/format.js";
import { ApiError, type Session } from "../lib/session.js";
import { banRows, bansPath, subjectText, type Ban, type BanRow } from "./bans.js";

export interface BansHost {
  readonly session: Session;
  announce(text: string): void;
}

const errText = (e: unknown) => {
  if (e instanceof ApiError) {
    if (e.status === 404 && !e.code) return "This server keeps no bans; it needs an update.";
    if (e.status === 403) return "Only supervisors and admins see the bans.";
    return e.message;
  }
  return e instanceof Error ? `Could not reach the server: ${e.message}` : String(e);
};

export class BansView {
  /** The main area while the Bans tab is on (kept, not rebuilt by pushes). */
  readonly pane: HTMLElement = h("section", { class: "bans-pane", "aria-label": "Bans" });
  private readonly all = h("input", { type: "checkbox", id: "bans-all" });
  private readonly status = h("p", { class: "bans-status muted", role: "status" });
  private readonly body = h("tbody", {});
  private readonly table = h("table", { class: "bans-table" });
  private readonly dialog = h("dialog", { class: "dialog", "aria-labelledby": "lift-title" });
  private bans: Ban[] = [];
  private loads = 0;

  constructor(private readonly host: BansHost) {
    this.all.addEventListener("change", () => void this.refresh());
    this.pane.append(
      h("header", { class: "conv-head" },
        h("h2", {}, "Bans"),
        h("div", { class: "actions" },
          h("label", { class: "check", for: "bans-all" }, this.all, "Show lifted and expired"),
          h("button", { class: "btn", type: "button", id: "bans-refresh", onclick: () => void this.refresh() }, "Refresh"))),
      h("div", { class: "scroll" }, this.status, this.table),
    );
    this.table.hidden = true;
  }

  /** The tab was opened: the list as the server has it now. */
  activate(): void {
    void this.refresh();
  }

  async refresh(): Promise<void> {
    const n = ++this.loads;
    if (!this.bans.length) this.status.textContent = "Loading…";
    try {
      const r = await this.host.session.call<{ bans?: Ban[] }>(bansPath(this.all.checked));
      if (n !== this.loads) return; // a newer load (the toggle changed meanwhile)
      this.bans = r.bans ?? [];
      this.render();
    } catch (err) {
      if (n !== this.loads) return;
      this.status.className = "bans-status error";
      this.status.textContent = errText(err);
    }
  }

  private render(): void {
    const rows = banRows(this.bans, Date.now());
    const all = this.all.checked;
    this.status.className = "bans-status muted";
    this.status.textContent = rows.length ? (all ? `${rows.length} bans, the newest first.` : `${rows.length} active ${rows.length === 1 ? "ban" : "bans"}, the newest first.`)
      : all ? "No bans yet." : "No active bans.";
    this.table.hidden = !rows.length;
    this.table.replaceChildren(
      h("thead", {}, h("tr", {}, ...["Kind", "Value", "Reason", "By", "Since", "Until", ...(all ? ["State"] : []), ""].map((t) => h("th", { scope: "col" }, t)))),
      this.body,
    );
    this.body.replaceChildren(...rows.map((r) => this.row(r, all)));
  }

  private row(r: BanRow, all: boolean): HTMLTableRowElement {
    const ban = this.bans.find((b) => b.id === r.id)!;
    return h("tr", { "data-ban": String(r.id), "data-kind": r.kind, class: r.liftable ? "" : "inactive" },
      h("td", { "data-col": "kind" }, r.kind),
      h("td", { "data-col": "value", class: "mono" }, r.value),
      h("td", { "data-col": "reason", dir: "auto" }, r.reason),
      h("td", { "data-col": "by" }, r.by),
      h("td", { "data-col": "since" }, r.since),
      h("td", { "data-col": "until" }, r.until),
      all ? h("td", { "data-col": "state" }, r.state) : null,
      h("td", {}, r.liftable
        ? h("button", { class: "btn small-btn", type: "button", "data-action": "lift", "aria-label": `Lift the ban on ${subjectText(ban)}`, onclick: () => this.confirmLift(ban) }, "Lift")
        : null));
  }

  /** Lift, after a confirm step; a ban lifted or expired meanwhile (409) or gone (404) is said
   * in the dialog, and the list is loaded again either way. */
  private confirmLift(ban: Ban): void {
    const err = h("p", { class: "error", role: "alert" });
    const lift = h("button", { class: "btn danger", type: "submit", id: "confirm-lift" }, "Lift");
    this.dialog.replaceChildren(
      h("form", {
        method: "dialog",
        class: "transfer",
        onsubmit: async (e: Event) => {
          e.preventDefault();
          lift.disabled = true;
          try {
            await this.host.session.call<Ban>(`/api/bans/${ban.id}`, { method: "DELETE" });
            this.dialog.close();
            this.host.announce(`Lifted the ban on ${subjectText(ban)}`);
          } catch (e2) {
            err.textContent = errText(e2);
          }
          void this.refresh();
        },
      },
        h("h2", { id: "lift-title" }, "Lift this ban?"),
        h("p", {}, `${subjectText(ban).replace(/^./, (c) => c.toUpperCase())} may chat again at once.`),
        h("p", { class: "muted small", dir: "auto" }, `Reason: ${ban.reason}`),
        err,
        h("div", { class: "actions" },
          h("button", { class: "btn", type: "button", onclick: () => this.dialog.close() }, "Cancel"),
          lift)),
    );
    if (!this.dialog.isConnected) document.body.append(this.dialog);
    this.dialog.showModal();
    lift.focus();
  }
}
