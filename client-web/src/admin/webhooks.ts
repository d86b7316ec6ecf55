// The admin page's Webhooks section: the endpoints (GET /api/webhooks) with their events and
// secret (masked until "Show", in a read-only field that selects itself for copying), a form to
// add one (POST), and per endpoint Enable / Disable, Edit events, Rotate secret and Remove (PATCH,
// DELETE; the last two after a confirm step), and its delivery log (GET …/deliveries), each body
// behind a disclosure. The server's error text is shown where the action was.
import { h } from "../lib/format.js";
import { ApiError, type Session } from "../lib/session.js";
import { deliveryRow, eventsPatch, maskSecret, orderedEvents, prettyBody, WEBHOOK_EVENTS, webhookBody, type Delivery, type Webhook } from "./outbound.js";

export interface WebhooksHost {
  session: Session;
  content: HTMLElement;
  say(text: string): void;
  /** Shows the section again (after an add or a removal). */
  reload(): void;
}

// Kept across the section's re-renders: a secret just made stays readable for copying, and an
// open delivery log stays open after another endpoint changed.
const revealed = new Set<number>();
const openLogs = new Set<number>();

function errText(err: unknown): string {
  if (err instanceof ApiError) return err.message || err.code;
  return err instanceof Error ? err.message : String(err);
}

/** One checkbox per event; `checked` ticks some. */
function eventBoxes(prefix: string, checked: Iterable<string> = []): { boxes: HTMLInputElement[]; el: HTMLFieldSetElement } {
  const on = new Set(checked);
  const boxes = WEBHOOK_EVENTS.map((e) => h("input", { type: "checkbox", value: e, id: `${prefix}-${e.replace(".", "-")}`, checked: on.has(e) }));
  return {
    boxes,
    el: h("fieldset", { class: "depts events" }, h("legend", {}, "Events"),
      ...boxes.map((b) => h("label", { class: "check mono", for: b.id }, b, b.value))),
  };
}

const chosen = (boxes: HTMLInputElement[]) => boxes.filter((b) => b.checked).map((b) => b.value);

export async function renderWebhooks(host: WebhooksHost): Promise<void> {
  const { webhooks = [] } = await host.session.call<{ webhooks?: Webhook[] }>("/api/webhooks");
  const url = h("input", { id: "webhook-url", type: "url", placeholder: "https://example.org/livechat-hook", autocomplete: "off", spellcheck: false, maxlength: "2048" });
  const events = eventBoxes("new-event", ["conversation.created"]);
  const enabled = h("input", { type: "checkbox", id: "webhook-enabled", checked: true });
  const err = h("p", { class: "error", id: "webhook-error", role: "alert" });
  const add = h("button", { class: "btn primary", type: "submit", id: "add-webhook" }, "Add webhook");
  host.content.replaceChildren(
    h("form", {
      class: "card canned-new webhook-new",
      // The server judges the URL (an ftp:// or a blank one gets its words below), not the browser.
      novalidate: true,
      onsubmit: async (e: Event) => {
        e.preventDefault();
        err.textContent = "";
        const r = webhookBody(url.value, chosen(events.boxes), enabled.checked);
        if (!r.body) {
          err.textContent = r.error;
          return;
        }
        add.disabled = true;
        try {
          const w = await host.session.call<Webhook>("/api/webhooks", { method: "POST", body: r.body });
          revealed.add(w.id);
          host.say(`Webhook ${w.url} added`);
          host.reload();
        } catch (e2) {
          err.textContent = errText(e2);
          url.focus();
        } finally {
          add.disabled = false;
        }
      },
    },
      h("h2", {}, "New webhook"),
      h("p", { class: "muted small" }, "Each event is POSTed as JSON, signed with the endpoint's secret (HMAC-SHA256 of timestamp and body), and retried with backoff until the receiver answers 2xx."),
      h("label", { for: "webhook-url" }, "URL"), url,
      events.el,
      h("label", { class: "check" }, enabled, "Enabled"),
      err,
      h("div", { class: "actions" }, add)),
    h("section", { class: "card" },
      h("div", { class: "card-head" }, h("h2", {}, `Webhooks (${webhooks.length})`),
        h("button", { class: "btn", type: "button", onclick: () => host.reload() }, "Refresh")),
      webhooks.length
        ? h("ul", { class: "webhook-list" }, ...webhooks.map((w) => webhookItem(host, w)))
        : h("p", { class: "muted" }, "None yet.")),
  );
}

/** One endpoint; a change answered with the new endpoint redraws only this item. */
function webhookItem(host: WebhooksHost, w: Webhook): HTMLLIElement {
  const err = h("p", { class: "error small field-error", role: "alert" });
  const shown = revealed.has(w.id);
  const secret = h("input", {
    class: "mono secret", readonly: true, value: shown ? w.secret : maskSecret(w.secret),
    "aria-label": `Secret of ${w.url}`, spellcheck: false, autocomplete: "off",
    onfocus: (e: Event) => (e.target as HTMLInputElement).select(),
  });
  const item: HTMLLIElement = h("li", { class: `webhook-item ${w.enabled ? "" : "disabled"}`, "data-webhook": String(w.id) });
  const redraw = (next: Webhook) => {
    const fresh = webhookItem(host, next);
    item.replaceWith(fresh);
    return fresh;
  };
  const patch = async (body: Record<string, unknown>, done: string): Promise<boolean> => {
    err.textContent = "";
    try {
      const next = await host.session.call<Webhook>(`/api/webhooks/${w.id}`, { method: "PATCH", body });
      redraw(next);
      host.say(done);
      return true;
    } catch (e) {
      err.textContent = errText(e);
      return false;
    }
  };
  const log = h("div", { class: "deliveries", hidden: !openLogs.has(w.id) });
  const logButton = h("button", {
    class: "btn", type: "button", "aria-expanded": String(openLogs.has(w.id)), "aria-label": `Deliveries of ${w.url}`,
    onclick: () => {
      const open = log.hidden;
      log.hidden = !open;
      logButton.setAttribute("aria-expanded", String(open));
      if (open) {
        openLogs.add(w.id);
        void loadDeliveries(host, w, log);
      } else openLogs.delete(w.id);
    },
  }, "Deliveries");
  if (!log.hidden) void loadDeliveries(host, w, log);
  item.append(
    h("div", { class: "row webhook-head" },
      h("code", { class: "webhook-url" }, w.url),
      h("span", { class: `badge ${w.enabled ? "on" : "off"}`, "data-col": "enabled" }, w.enabled ? "enabled" : "disabled")),
    h("div", { class: "muted small", "data-col": "events" }, orderedEvents(w.events).join(", ")),
    h("div", { class: "row secret-row" },
      h("span", { class: "small" }, "Secret"), secret,
      h("button", {
        class: "btn", type: "button", "aria-label": `${shown ? "Hide" : "Show"} the secret of ${w.url}`,
        onclick: () => {
          if (shown) revealed.delete(w.id);
          else revealed.add(w.id);
          redraw(w).querySelector<HTMLButtonElement>(".secret-row button")?.focus();
        },
      }, shown ? "Hide" : "Show")),
    h("div", { class: "actions row-actions" },
      h("button", { class: "btn", type: "button", "data-action": "toggle", onclick: () => patch({ enabled: !w.enabled }, `Webhook ${w.url} ${w.enabled ? "disabled" : "enabled"}`) }, w.enabled ? "Disable" : "Enable"),
      h("button", { class: "btn", type: "button", "data-action": "events", onclick: () => editEvents(w, patch) }, "Edit events"),
      h("button", { class: "btn", type: "button", "data-action": "rotate", onclick: () => confirmStep({
        title: `Rotate the secret of ${w.url}?`,
        help: "A new secret is made and the old one stops working at once: deliveries from now on are signed with the new one, so the receiver must be given it.",
        action: "Rotate secret",
        run: async () => {
          const next = await host.session.call<Webhook>(`/api/webhooks/${w.id}`, { method: "PATCH", body: { rotate_secret: true } });
          // The new secret is what the admin came for: shown, to be copied.
          revealed.add(w.id);
          redraw(next);
          host.say(`New secret for ${w.url}`);
        },
      }) }, "Rotate secret"),
      logButton,
      h("button", { class: "btn danger", type: "button", "data-action": "remove", onclick: () => confirmStep({
        title: `Remove ${w.url}?`,
        help: "It gets no more events; deliveries still pending are not sent.",
        action: "Remove",
        run: async () => {
          await host.session.call(`/api/webhooks/${w.id}`, { method: "DELETE" });
          revealed.delete(w.id);
          openLogs.delete(w.id);
          host.say(`Webhook ${w.url} removed`);
          host.reload();
        },
      }) }, "Remove")),
    err,
    log,
  );
  return item;
}

async function loadDeliveries(host: WebhooksHost, w: Webhook, el: HTMLElement): Promise<void> {
  el.replaceChildren(h("p", { class: "muted small" }, "Loading…"));
  let deliveries: Delivery[];
  try {
    deliveries = (await host.session.call<{ deliveries?: Delivery[] }>(`/api/webhooks/${w.id}/deliveries?limit=50`)).deliveries ?? [];
  } catch (e) {
    el.replaceChildren(h("p", { class: "error small", role: "alert" }, errText(e)));
    return;
  }
  el.replaceChildren(
    h("div", { class: "card-head" }, h("h3", {}, `Deliveries (${deliveries.length}, newest first)`),
      h("button", { class: "btn", type: "button", onclick: () => void loadDeliveries(host, w, el) }, "Refresh")),
    deliveries.length
      ? h("table", { class: "grid log" },
          h("thead", {}, h("tr", {}, ...["When", "Event", "State", "Attempts", "Last status", "Last error", "Body"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, ...deliveries.map((d) => {
            const r = deliveryRow(d);
            return h("tr", { "data-delivery": String(d.id), "data-state": d.state },
              h("td", {}, r.when, r.next ? h("div", { class: "muted small" }, r.next) : null),
              h("td", { class: "mono" }, d.event),
              h("td", { "data-col": "state", class: `state-${d.state}` }, r.state),
              h("td", { "data-col": "attempts" }, r.attempts),
              h("td", { "data-col": "status" }, r.status),
              h("td", { "data-col": "error", class: "detail" }, r.error),
              h("td", {}, h("details", {}, h("summary", {}, "Body"),
                h("pre", { class: "mono body" }, prettyBody(d.body)),
                h("p", { class: "muted small mono" }, `Idempotency-Key: ${d.idempotency_key}`))));
          })))
      : h("p", { class: "muted small" }, "No deliveries yet."),
  );
}

/** The events dialog; Save sends only a change. */
function editEvents(w: Webhook, patch: (body: Record<string, unknown>, done: string) => Promise<boolean>): void {
  const dialog = h("dialog", { class: "dialog", "aria-labelledby": "events-title" });
  const events = eventBoxes("edit-event", w.events);
  const err = h("p", { class: "error", role: "alert" });
  const save = h("button", { class: "btn primary", type: "submit", id: "save-events" }, "Save");
  dialog.append(h("form", {
    class: "account-form",
    onsubmit: async (e: Event) => {
      e.preventDefault();
      err.textContent = "";
      const list = chosen(events.boxes);
      if (!list.length) {
        err.textContent = "Choose at least one event.";
        return;
      }
      const body = eventsPatch(w, list);
      if (!body) {
        dialog.close();
        return;
      }
      save.disabled = true;
      // The item shows the server's refusal; the dialog closes either way.
      await patch(body, `Events of ${w.url} saved`);
      dialog.close();
    },
  },
    h("h2", { id: "events-title" }, `Events of ${w.url}`),
    events.el,
    err,
    h("div", { class: "actions" },
      h("button", { class: "btn", type: "button", onclick: () => dialog.close() }, "Cancel"),
      save)));
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

/** A confirm dialog for what cannot be undone; a refusal stays in it, in the server's words. */
function confirmStep(o: { title: string; help: string; action: string; run: () => Promise<void> }): void {
  const dialog = h("dialog", { class: "dialog", "aria-labelledby": "confirm-title", "aria-describedby": "confirm-help" });
  const err = h("p", { class: "error", id: "confirm-error", role: "alert" });
  const go = h("button", { class: "btn danger", type: "submit", id: "confirm-action" }, o.action);
  dialog.append(h("form", {
    class: "account-form",
    onsubmit: async (e: Event) => {
      e.preventDefault();
      err.textContent = "";
      go.disabled = true;
      try {
        await o.run();
        dialog.close();
      } catch (e2) {
        err.textContent = errText(e2);
      } finally {
        go.disabled = false;
      }
    },
  },
    h("h2", { id: "confirm-title" }, o.title),
    h("p", { id: "confirm-help" }, o.help),
    err,
    h("div", { class: "actions" },
      h("button", { class: "btn", type: "button", id: "confirm-cancel", onclick: () => dialog.close() }, "Cancel"),
      go)));
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  dialog.querySelector<HTMLButtonElement>("#confirm-cancel")?.focus();
}
