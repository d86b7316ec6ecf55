// The admin page's Webhooks and Mail sections, the parts apart from the DOM: request bodies (the
// events in the server's order, a PATCH only on a change), the masked secret, and how deliveries
// and mail read in the logs.
import { describe, expect, it } from "vitest";
import { deliveryRow, eventsPatch, mailRow, maskSecret, orderedEvents, prettyBody, stamp, WEBHOOK_EVENTS, webhookBody, type Delivery, type Mail, type Webhook } from "../../src/admin/outbound.js";

const hook: Webhook = {
  id: 1, url: "https://example.org/h", secret: "whsec_32c31ff5e7db1e06e506e35ce56549ce467df73304255e73",
  events: ["conversation.closed", "conversation.created"], enabled: true, created_by: "root", created_ms: 1, updated_ms: 1,
};
// 2 Dec 2026 14:05:30 UTC; the tests read local time the same way the code does.
const t0 = Date.UTC(2026, 11, 2, 14, 5, 30);
const local = (ms: number) => new Date(ms).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });

describe("webhook bodies", () => {
  it("knows the server's six events", () => {
    expect(WEBHOOK_EVENTS).toEqual([
      "conversation.created", "conversation.assigned", "conversation.message",
      "conversation.transferred", "conversation.closed", "conversation.rated",
    ]);
    expect(orderedEvents(["conversation.rated", "conversation.created", "nonsense", "conversation.created"])).toEqual(["conversation.created", "conversation.rated"]);
  });
  it("a new endpoint: the URL trimmed but not judged (the server's words are shown), one event at least", () => {
    expect(webhookBody("  https://example.org/h ", ["conversation.message", "conversation.created"], true)).toEqual({
      body: { url: "https://example.org/h", events: ["conversation.created", "conversation.message"], enabled: true },
    });
    expect(webhookBody("ftp://x", ["conversation.created"], false).body).toEqual({ url: "ftp://x", events: ["conversation.created"], enabled: false });
    expect(webhookBody("https://example.org/h", [], true)).toEqual({ error: "Choose at least one event." });
  });
  it("an events edit sends only a change, in order", () => {
    expect(eventsPatch(hook, ["conversation.created", "conversation.closed"])).toBeUndefined();
    expect(eventsPatch(hook, ["conversation.rated", "conversation.created"])).toEqual({ events: ["conversation.created", "conversation.rated"] });
    expect(eventsPatch(hook, [])).toBeUndefined();
  });
});

describe("secrets", () => {
  it("masked: the prefix and the last four only", () => {
    const m = maskSecret(hook.secret);
    expect(m).toBe("whsec_••••••••••••5e73");
    expect(m).not.toContain("32c31ff5");
    expect(maskSecret("whsec_050bd927f5021136955aa2d0852f0c3575ce7c024164a67f")).not.toBe(m);
    expect(maskSecret("")).toBe("");
    expect(maskSecret("abc")).toBe("•••");
  });
});

describe("delivery log", () => {
  const d: Delivery = {
    id: 7, event: "conversation.created", idempotency_key: "k1", state: "delivered", attempts: 1, last_status: 200,
    last_error: "", created_ms: t0 - 1000, next_attempt_ms: t0 + 60_000, done_ms: t0, body: '{"id":"k1","event":"conversation.created","data":{"a":1}}',
  };
  it("delivered: when it arrived, the receiver's status", () => {
    expect(deliveryRow(d, "en-GB")).toEqual({ state: "delivered", attempts: "1", status: "200", error: "", when: stamp(t0, "en-GB"), next: "" });
    expect(stamp(t0, "en-GB")).toBe(`2 Dec 2026 ${local(t0)}`);
    expect(stamp(0)).toBe("");
  });
  it("pending after a refusal: no status yet is a dash, the error and the next try are said", () => {
    const r = deliveryRow({ ...d, state: "pending", attempts: 3, last_status: 0, last_error: "connection refused", done_ms: 0 }, "en-GB");
    expect(r).toEqual({ state: "pending", attempts: "3", status: "—", error: "connection refused", when: stamp(t0 - 1000, "en-GB"), next: `next try ${local(t0 + 60_000)}` });
    expect(deliveryRow({ ...d, state: "failed", last_status: 503, last_error: "HTTP 503" }, "en-GB")).toMatchObject({ status: "503", error: "HTTP 503", next: "" });
  });
  it("the body indented when it is JSON, as it came otherwise", () => {
    expect(prettyBody(d.body)).toBe('{\n  "id": "k1",\n  "event": "conversation.created",\n  "data": {\n    "a": 1\n  }\n}');
    expect(prettyBody("not json")).toBe("not json");
  });
});

describe("mail log", () => {
  const m: Mail = {
    id: 3, kind: "transcript", conversation_id: "c_1", offline_id: "", to: "v@example.org", subject: "Your chat", requested_by: "visitor v_1",
    state: "sent", attempts: 1, last_error: "", created_ms: t0 - 5000, done_ms: t0,
  };
  it("a transcript names its conversation; a reply its offline message; pending says when it was asked", () => {
    expect(mailRow(m, "en-GB")).toEqual({ kind: "transcript", about: "conversation c_1 · by visitor v_1", to: "v@example.org", subject: "Your chat", state: "sent", attempts: "1", error: "", when: stamp(t0, "en-GB") });
    const r = mailRow({ ...m, kind: "reply", conversation_id: "", offline_id: "o12", requested_by: "alice", state: "pending", attempts: 2, last_error: "451 try later", done_ms: 0 }, "en-GB");
    expect(r).toMatchObject({ kind: "reply", about: "offline message o12 · by alice", state: "pending", attempts: "2", error: "451 try later", when: stamp(t0 - 5000, "en-GB") });
    expect(mailRow({ ...m, conversation_id: "", requested_by: "" }).about).toBe("");
  });
});
