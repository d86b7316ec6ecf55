// Admin page (/admin): sign in like the console (email + password, or a pasted admin token);
// accounts (create, edit role/departments/capacity/enabled, password reset), canned responses
// per department, tags, webhooks, the mail log and the audit log. Everything goes through the
// REST API (issue 12, webhooks and mail of issue 13).
import "../styles/base.css";
import "./admin.css";
import { formatTime, h } from "../lib/format.js";
import { ApiError, Session, signInMessage, type Account } from "../lib/session.js";
import { renderDepartments } from "./departments.js";
import { renderMail } from "./mail.js";
import { accountProblems, auditDetail, changes, createBody, ROLES, type AccountForm, type AuditEntry } from "./model.js";
import { renderWebhooks } from "./webhooks.js";

const TOKEN_KEY = "livechat:admin-token";
const app = document.getElementById("app")!;

const session = new Session({
  onExpired: (message) => {
    localStorage.removeItem(TOKEN_KEY);
    showSignIn(message);
  },
});

type Section = "accounts" | "departments" | "canned" | "tags" | "webhooks" | "mail" | "audit";
let section: Section = "accounts";
let departments: { id: string; display_name: string }[] = [];
const live = h("div", { class: "sr", "aria-live": "polite" });
const content = h("main", { class: "content admin", id: "admin-main" });
const nav = h("nav", { class: "admin-nav", "aria-label": "Sections" });

function say(text: string): void {
  live.textContent = text;
}

function errText(err: unknown): string {
  if (err instanceof ApiError) return err.message || err.code;
  return err instanceof Error ? err.message : String(err);
}

// ------------------------------------------------------------------ sign in

function showSignIn(error = ""): void {
  session.stop();
  const email = h("input", { id: "email", type: "email", required: true, autocomplete: "username" });
  const password = h("input", { id: "password", type: "password", required: true, autocomplete: "current-password" });
  const token = h("textarea", { id: "token", spellcheck: false, autocomplete: "off" });
  const err = h("p", { class: "error", role: "alert" }, error);
  app.replaceChildren(
    h("div", { class: "signin" },
      h("h1", {}, "Admin"),
      h("form", {
        class: "signin-form",
        onsubmit: async (e: Event) => {
          e.preventDefault();
          err.textContent = "";
          try {
            const r = await session.login(email.value.trim(), password.value);
            if (r.account.role !== "admin") {
              await session.logout();
              err.textContent = `This page is for admins; ${r.account.display_name || r.account.email} is signed up as ${r.account.role}. Use the agent console instead.`;
              return;
            }
            localStorage.removeItem(TOKEN_KEY);
            void open();
          } catch (e2) {
            err.textContent = signInMessage(e2);
          }
        },
      },
        h("label", { for: "email" }, "Email"), email,
        h("label", { for: "password" }, "Password"), password,
        err,
        h("button", { class: "btn primary", type: "submit" }, "Sign in")),
      h("details", { class: "token-signin" },
        h("summary", {}, "Sign in with a token"),
        h("form", {
          class: "signin-form",
          onsubmit: (e: Event) => {
            e.preventDefault();
            const t = token.value.trim();
            if (!t) return;
            session.useToken(t);
            localStorage.setItem(TOKEN_KEY, t);
            void open();
          },
        },
          h("label", { for: "token" }, "Admin token"), token,
          h("p", { class: "muted small" }, "livechat token --agent ID --name NAME --admin"),
          h("button", { class: "btn", type: "submit" }, "Use this token")))),
  );
  email.focus();
}

/** Signed in: checks the admin role with the accounts list (403 → a clear message). */
async function open(): Promise<void> {
  try {
    await session.call("/api/accounts");
  } catch (err) {
    const msg = err instanceof ApiError && err.status === 403
      ? "This page is for admins; your account has no admin role. Use the agent console instead."
      : err instanceof ApiError && err.status === 401 ? "That sign-in was refused." : `Could not open the admin page: ${errText(err)}`;
    localStorage.removeItem(TOKEN_KEY);
    await session.logout();
    showSignIn(msg);
    return;
  }
  try {
    departments = (await session.call<{ departments?: { id: string; display_name: string }[] }>("/api/departments")).departments ?? [];
  } catch {
    departments = [];
  }
  layout();
}

function layout(): void {
  const who = session.account ? `${session.account.display_name} · admin` : "admin token";
  app.replaceChildren(
    h("div", { class: "topbar" },
      h("div", { class: "brand" }, "Live chat", h("small", {}, "Admin")),
      h("span", {}, who),
      h("button", { class: "btn", type: "button", id: "sign-out", onclick: async () => { localStorage.removeItem(TOKEN_KEY); await session.logout(); showSignIn(); } }, "Sign out")),
    nav,
    content,
    live,
  );
  show(section);
}

function show(s: Section): void {
  section = s;
  const labels: Record<Section, string> = { accounts: "Accounts", departments: "Departments", canned: "Canned responses", tags: "Tags", webhooks: "Webhooks", mail: "Mail", audit: "Audit log" };
  nav.replaceChildren(...(Object.keys(labels) as Section[]).map((k) =>
    h("button", { type: "button", class: `tab ${k === s ? "on" : ""}`, "aria-current": k === s ? "page" : undefined, id: `nav-${k}`, onclick: () => show(k) }, labels[k])));
  content.replaceChildren(h("p", { class: "muted" }, "Loading…"));
  const load = {
    accounts: renderAccounts,
    departments: () => renderDepartments({ session, content, say, reload: () => show("departments"), changed: (list) => (departments = list) }),
    webhooks: () => renderWebhooks({ session, content, say, reload: () => show("webhooks") }),
    mail: () => renderMail({ session, content, reload: () => show("mail") }),
    canned: renderCanned, tags: renderTags, audit: renderAudit,
  }[s];
  load().catch((err: unknown) => content.replaceChildren(h("p", { class: "error", role: "alert" }, errText(err))));
}

// ------------------------------------------------------------------ accounts

async function renderAccounts(): Promise<void> {
  const { accounts = [] } = await session.call<{ accounts?: Account[] }>("/api/accounts");
  content.replaceChildren(
    h("div", { class: "card" },
      h("div", { class: "card-head" }, h("h2", {}, `Accounts (${accounts.length})`),
        h("button", { class: "btn primary", type: "button", id: "new-account", onclick: () => editAccount() }, "New account")),
      h("table", { class: "grid accounts" },
        h("thead", {}, h("tr", {}, ...["Name", "Email", "Role", "Departments", "Capacity", "Status", ""].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, ...accounts.map((a) =>
          h("tr", { "data-account": a.id, class: a.enabled ? "" : "disabled" },
            h("td", {}, h("strong", {}, a.display_name), h("div", { class: "muted small mono" }, a.id)),
            h("td", {}, a.email),
            h("td", { "data-col": "role" }, a.role),
            h("td", { "data-col": "departments" }, a.departments.join(", ") || "—"),
            h("td", { "data-col": "capacity" }, a.role === "admin" ? "—" : String(a.capacity)),
            h("td", { "data-col": "enabled" }, a.enabled ? "enabled" : "disabled"),
            h("td", {}, h("button", { class: "btn", type: "button", "aria-label": `Edit ${a.display_name}`, onclick: () => editAccount(a) }, "Edit"))))))),
  );
}

function editAccount(a?: Account): void {
  const isNew = !a;
  const dialog = h("dialog", { class: "dialog", "aria-labelledby": "acc-title" });
  const id = h("input", { id: "acc-id", value: a?.id ?? "", disabled: !isNew, autocomplete: "off" });
  const email = h("input", { id: "acc-email", type: "email", value: a?.email ?? "", autocomplete: "off" });
  const name = h("input", { id: "acc-name", value: a?.display_name ?? "", autocomplete: "off" });
  const role = h("select", { id: "acc-role" }, ...ROLES.map((r) => h("option", { value: r }, r)));
  role.value = a?.role ?? "agent";
  const depts = departments.map((d) => {
    const box = h("input", { type: "checkbox", value: d.id, checked: a?.departments.includes(d.id) ?? false });
    return { box, label: h("label", { class: "check" }, box, d.display_name || d.id) };
  });
  const capacity = h("input", { id: "acc-capacity", type: "number", min: "1", max: "50", value: String(a?.capacity ?? 4) });
  const enabled = h("input", { id: "acc-enabled", type: "checkbox", checked: a?.enabled ?? true });
  const password = h("input", { id: "acc-password", type: "password", autocomplete: "new-password" });
  const err = h("div", { class: "error", role: "alert" });
  const form = (): AccountForm => ({
    id: id.value.trim(), email: email.value, display_name: name.value, role: role.value,
    departments: depts.filter((d) => d.box.checked).map((d) => d.box.value),
    capacity: Number(capacity.value), enabled: enabled.checked, password: password.value,
  });
  dialog.append(h("form", {
    class: "account-form",
    onsubmit: async (e: Event) => {
      e.preventDefault();
      const f = form();
      const problems = accountProblems(f, isNew);
      if (problems.length) {
        err.replaceChildren(...problems.map((p) => h("p", {}, p)));
        return;
      }
      try {
        if (isNew) await session.call("/api/accounts", { method: "POST", body: createBody(f) });
        else {
          const body = changes(a, f);
          if (Object.keys(body).length) await session.call(`/api/accounts/${encodeURIComponent(a.id)}`, { method: "PATCH", body });
        }
        dialog.close();
        say(isNew ? `Account ${f.id} created` : `Account ${a.id} saved`);
        show("accounts");
      } catch (e2) {
        err.replaceChildren(h("p", {}, errText(e2)));
      }
    },
  },
    h("h2", { id: "acc-title" }, isNew ? "New account" : `Edit ${a.display_name}`),
    h("label", { for: "acc-id" }, "Id"), id,
    h("label", { for: "acc-email" }, "Email"), email,
    h("label", { for: "acc-name" }, "Name"), name,
    h("label", { for: "acc-role" }, "Role"), role,
    h("fieldset", { class: "depts" }, h("legend", {}, "Departments"), ...(depts.length ? depts.map((d) => d.label) : [h("p", { class: "muted" }, "No departments configured.")])),
    h("label", { for: "acc-capacity" }, "Capacity (chats at once)"), capacity,
    isNew ? null : h("label", { class: "check" }, enabled, "Enabled (disabling signs the account out everywhere)"),
    h("label", { for: "acc-password" }, isNew ? "Password" : "New password (leave empty to keep)"), password,
    err,
    h("div", { class: "actions" },
      h("button", { class: "btn", type: "button", onclick: () => dialog.close() }, "Cancel"),
      h("button", { class: "btn primary", type: "submit", id: "save-account" }, isNew ? "Create" : "Save"))));
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  (isNew ? id : email).focus();
}

// ------------------------------------------------------------------ canned responses

interface Canned { id: number; department: string; shortcut: string; text: string }

async function renderCanned(): Promise<void> {
  const { canned = [] } = await session.call<{ canned?: Canned[] }>("/api/canned");
  const deptLabel = (d: string) => (d ? departments.find((x) => x.id === d)?.display_name || d : "All departments");
  const groups = ["", ...departments.map((d) => d.id)];
  const dept = h("select", { id: "canned-dept" }, ...groups.map((d) => h("option", { value: d }, deptLabel(d))));
  const shortcut = h("input", { id: "canned-shortcut", placeholder: "thanks", autocomplete: "off", maxlength: "32" });
  const text = h("textarea", { id: "canned-text", rows: "2", placeholder: "Thanks {visitor}, …" });
  const err = h("p", { class: "error", role: "alert" });
  const row = (c: Canned) => {
    const t = h("textarea", { rows: "2", "aria-label": `Text of /${c.shortcut}` });
    t.value = c.text;
    return h("li", { class: "canned-item", "data-canned": String(c.id) },
      h("div", { class: "row" }, h("code", {}, `/${c.shortcut}`), h("span", { class: "muted small" }, deptLabel(c.department))),
      t,
      h("div", { class: "actions" },
        h("button", { class: "btn", type: "button", onclick: async () => {
          try {
            await session.call(`/api/canned/${c.id}`, { method: "PUT", body: { department: c.department, shortcut: c.shortcut, text: t.value } });
            say(`/${c.shortcut} saved`);
          } catch (e) { err.textContent = errText(e); }
        } }, "Save"),
        h("button", { class: "btn danger", type: "button", onclick: async () => {
          try {
            await session.call(`/api/canned/${c.id}`, { method: "DELETE" });
            show("canned");
          } catch (e) { err.textContent = errText(e); }
        } }, "Delete")));
  };
  content.replaceChildren(
    h("form", {
      class: "card canned-new",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          await session.call("/api/canned", { method: "POST", body: { department: dept.value, shortcut: shortcut.value.trim(), text: text.value } });
          show("canned");
        } catch (e2) { err.textContent = errText(e2); }
      },
    },
      h("h2", {}, "New canned response"),
      h("p", { class: "muted small" }, "{visitor} and {agent} are replaced by the names when an agent inserts it."),
      h("div", { class: "field-row" },
        h("label", { for: "canned-dept" }, "Department", dept),
        h("label", { for: "canned-shortcut" }, "Shortcut", shortcut)),
      h("label", { for: "canned-text" }, "Text"), text,
      err,
      h("div", { class: "actions" }, h("button", { class: "btn primary", type: "submit" }, "Add"))),
    ...groups.map((g) => {
      const items = canned.filter((c) => c.department === g);
      return h("section", { class: "card", "data-dept": g || "global" },
        h("h2", {}, `${deptLabel(g)} (${items.length})`),
        items.length ? h("ul", { class: "canned-list" }, ...items.map(row)) : h("p", { class: "muted" }, "None."));
    }),
  );
}

// ------------------------------------------------------------------ tags

async function renderTags(): Promise<void> {
  const { tags = [] } = await session.call<{ tags?: { name: string }[] }>("/api/tags");
  const name = h("input", { id: "tag-name", placeholder: "billing-error", autocomplete: "off", maxlength: "32" });
  const err = h("p", { class: "error", role: "alert" });
  content.replaceChildren(h("div", { class: "card" },
    h("h2", {}, `Tags (${tags.length})`),
    h("ul", { class: "chips" }, ...tags.map((t) => h("li", { class: "chip", "data-tag": t.name }, t.name,
      h("button", { type: "button", class: "chip-x", "aria-label": `Delete tag ${t.name}`, onclick: async () => {
        try {
          await session.call(`/api/tags/${encodeURIComponent(t.name)}`, { method: "DELETE" });
          show("tags");
        } catch (e) { err.textContent = errText(e); }
      } }, "×")))),
    h("form", {
      class: "inline-form",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          await session.call("/api/tags", { method: "POST", body: { name: name.value.trim().toLowerCase() } });
          show("tags");
        } catch (e2) { err.textContent = errText(e2); }
      },
    }, h("label", { for: "tag-name" }, "New tag"), name, h("button", { class: "btn primary", type: "submit" }, "Add tag")),
    err));
}

// ------------------------------------------------------------------ audit log

async function renderAudit(): Promise<void> {
  const { entries = [] } = await session.call<{ entries?: AuditEntry[] }>("/api/audit?limit=200");
  content.replaceChildren(h("div", { class: "card" },
    h("div", { class: "card-head" }, h("h2", {}, "Audit log"), h("button", { class: "btn", type: "button", onclick: () => show("audit") }, "Refresh")),
    entries.length
      ? h("table", { class: "grid audit" },
          h("thead", {}, h("tr", {}, ...["When", "Who", "What", "Subject", "Detail"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, ...entries.map((e) => h("tr", { "data-action": e.action },
            h("td", {}, `${new Date(e.at_ms).toLocaleDateString()} ${formatTime(e.at_ms)}`),
            h("td", {}, e.actor), h("td", {}, e.action), h("td", {}, e.subject),
            h("td", { class: "detail" }, auditDetail(e.detail))))))
      : h("p", { class: "muted" }, "Nothing yet.")));
}

// ------------------------------------------------------------------ start

async function resume(): Promise<void> {
  const saved = localStorage.getItem(TOKEN_KEY);
  if (session.renewable) {
    try {
      if (await session.renew()) {
        if (session.account && session.account.role !== "admin") {
          await session.logout();
          showSignIn("This page is for admins. Use the agent console instead.");
          return;
        }
        void open();
      }
    } catch (err) {
      showSignIn(signInMessage(err));
    }
  } else if (saved) {
    session.useToken(saved);
    void open();
  } else showSignIn();
}
void resume();
