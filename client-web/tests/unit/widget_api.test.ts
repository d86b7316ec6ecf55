// @vitest-environment happy-dom
// @vitest-environment-options {"url": "https://shop.example/boots"}
// window.LiveChat (api.ts) against the real widget and a scripted server: calls made before the
// widget exists are kept (handlers, open, invite, setContext), and so are calls a page queued
// before widget.js loaded (LiveChat.q); the events ready (once, and at once for a late handler),
// open, close, invitation, chat_started, message (both ways), chat_ended; setContext prefills
// the pre-chat form (before and after init) and adds metadata to the Join; invite() shows the
// page's own card, whose Reply starts an ordinary join (no invitation id).
import { afterEach, describe, expect, it } from "vitest";
import { createApi, EventHub, mergeContext, replayQueue, type LiveChatApi } from "../../src/widget/api.js";
import { Widget, type WidgetConfig } from "../../src/widget/widget.js";
import { EventKind, FieldKind, Role } from "../../src/lib/proto.js";
import { FakeServer } from "./fake_socket.js";
import { billing, click, resetPage, type, until } from "./widget_harness.js";

/** The API as embed.ts makes it, its widget on a scripted server. */
function makeApi(departments = [billing]) {
  const server = new FakeServer();
  server.welcome = { protocolVersion: 9, serverTimeMs: BigInt(Date.now()), departmentStatus: departments };
  server.handler = (sock, env) => {
    const at = BigInt(Date.now());
    if (env.body.case === "join") {
      sock.push({ requestId: env.requestId, body: { case: "ack", value: { conversationId: "c1", seq: 1n, clientMsgId: env.body.value.clientMsgId, atMs: at } } });
    } else if (env.body.case === "send") {
      sock.push({ requestId: env.requestId, body: { case: "ack", value: { conversationId: "c1", seq: 5n, clientMsgId: env.body.value.clientMsgId, atMs: at } } });
    } else {
      sock.push({ requestId: env.requestId, body: { case: "ack", value: {} } });
    }
  };
  let widget: Widget | undefined;
  let host: HTMLElement | undefined;
  const api = createApi<Partial<WidgetConfig>>((overrides, hub, context) => {
    host = document.createElement("div");
    document.body.append(host);
    widget = new Widget(host, { server: "https://chat.example", department: "billing", departments: [], lang: "en", pingIntervalMs: 0, ...overrides }, { events: hub, context, socketFactory: server.factory });
    return widget;
  });
  const root = () => host!.shadowRoot!;
  return {
    api, server,
    widget: () => widget,
    $: <T extends Element = HTMLElement>(s: string) => root().querySelector<T>(s),
    phase: () => root().querySelector<HTMLElement>(".root")?.dataset["phase"],
  };
}

type Seen = [string, unknown][];

function record(api: LiveChatApi<unknown>, seen: Seen): void {
  for (const e of ["ready", "open", "close", "invitation", "chat_started", "message", "chat_ended"] as const) {
    api.on(e, (p: unknown) => seen.push([e, p]));
  }
}

afterEach(() => resetPage());

describe("window.LiveChat", () => {
  it("keeps handlers, open() and setContext() made before the widget, and reports every event", async () => {
    const t = makeApi();
    const seen: Seen = [];
    record(t.api, seen);
    t.api.setContext({ name: "Vera", email: "vera@example.org", metadata: { plan: "pro" } });
    t.api.open();
    expect(t.widget()).toBeUndefined();
    t.api.init();
    await until(() => t.phase() === "prechat");
    expect(t.$(".panel")!.hidden).toBe(false);
    expect(seen.map((s) => s[0])).toEqual(["open", "ready"]);
    // The pre-chat form is prefilled from the context.
    expect(t.$<HTMLInputElement>("input[name=name]")!.value).toBe("Vera");
    expect(t.$<HTMLInputElement>("input[name=email]")!.value).toBe("vera@example.org");

    // A handler for ready added now hears it at once; a second ready (reconnect) is not news.
    const late: string[] = [];
    t.api.on("ready", () => late.push("ready"));
    expect(late).toEqual(["ready"]);

    type(t.$("textarea[name=question]"), "Do you ship to Norway?");
    t.$<HTMLFormElement>("form.prechat-form")!.requestSubmit();
    await until(() => t.phase() === "queued");
    const join = t.server.requests.find((r) => r.body.case === "join")!.body.value as { metadata: Record<string, string>; displayName: string; email: string };
    expect(join.metadata["plan"]).toBe("pro");
    expect(join.displayName).toBe("Vera");
    expect(seen.slice(2)).toEqual([
      ["chat_started", { conversationId: "c1" }],
      ["message", { conversationId: "c1", role: "visitor", text: "Do you ship to Norway?" }],
    ]);

    // The agent writes; the visitor answers; the agent closes.
    const sock = t.server.current;
    const at = BigInt(Date.now());
    sock.push({ body: { case: "event", value: { conversationId: "c1", seq: 2n, kind: EventKind.ASSIGNED, senderRole: Role.AGENT, senderName: "Alice", agentId: "alice", atMs: at } } });
    sock.push({ body: { case: "event", value: { conversationId: "c1", seq: 3n, kind: EventKind.MESSAGE, senderRole: Role.AGENT, senderName: "Alice", text: "Yes, we do", atMs: at } } });
    // An old event (a replay after a reload) is no news.
    sock.push({ body: { case: "event", value: { conversationId: "c1", seq: 4n, kind: EventKind.MESSAGE, senderRole: Role.AGENT, senderName: "Alice", text: "old", atMs: at - 3_600_000n } } });
    expect(t.phase()).toBe("chat");
    const box = t.$<HTMLTextAreaElement>(".composer textarea")!;
    type(box, "Great, thanks");
    t.$<HTMLFormElement>("form.composer")!.requestSubmit();
    await until(() => seen.length === 6);
    sock.push({ body: { case: "event", value: { conversationId: "c1", seq: 6n, kind: EventKind.CLOSED, senderRole: Role.AGENT, senderId: "alice", atMs: at } } });
    t.api.close();
    expect(seen.slice(4)).toEqual([
      ["message", { conversationId: "c1", role: "agent", text: "Yes, we do" }],
      ["message", { conversationId: "c1", role: "visitor", text: "Great, thanks" }],
      ["chat_ended", { conversationId: "c1" }],
      ["close", {}],
    ]);
    // open() twice is one open; off() stops a handler.
    const opens: number[] = [];
    const h = () => opens.push(1);
    t.api.on("open", h);
    t.api.open();
    t.api.open();
    t.api.off("open", h);
    t.api.close();
    t.api.open();
    expect(opens).toEqual([1]);
  });

  it("invite() shows the page's own card; Reply starts an ordinary join; the invitation event says so", async () => {
    const t = makeApi();
    const seen: Seen = [];
    record(t.api, seen);
    // Before init: kept and shown once the widget is there.
    t.api.invite({ text: "Free shipping today — questions?", agentName: "Sam" });
    t.api.setContext({ name: "Tom" });
    t.api.init();
    await until(() => t.phase() === "prechat");
    expect(t.$(".invite")).not.toBeNull();
    expect(t.$("#lc-invite-from")!.textContent).toBe("Sam");
    expect(seen.find((s) => s[0] === "invitation")).toEqual(["invitation", { agentName: "Sam", text: "Free shipping today — questions?", automatic: true }]);
    click(t.$('.invite [data-action="accept"]'));
    expect(t.phase()).toBe("invited");
    type(t.$(".composer textarea"), "What does shipping cost?");
    t.$<HTMLFormElement>("form.composer")!.requestSubmit();
    await until(() => t.phase() === "queued");
    const join = t.server.requests.find((r) => r.body.case === "join")!.body.value as { invitationId: string; displayName: string; firstMessage: string };
    expect(join).toMatchObject({ invitationId: "", displayName: "Tom", firstMessage: "What does shipping cost?" });
    expect(t.server.requests.some((r) => r.body.case === "declineInvitation")).toBe(false);
  });

  it("an agent's invitation event; the default greeting when it has no text", async () => {
    const t = makeApi();
    const seen: Seen = [];
    record(t.api, seen);
    t.api.init();
    await until(() => t.phase() === "prechat");
    t.server.current.push({ body: { case: "invitation", value: { invitationId: "i1", agentName: "Alice", department: "billing", text: "", automatic: false } } });
    t.server.current.push({ body: { case: "invitation", value: { invitationId: "i1", agentName: "Alice", department: "billing", text: "", automatic: false } } });
    expect(seen.filter((s) => s[0] === "invitation")).toEqual([["invitation", { agentName: "Alice", text: "Hi! Can I help you with anything?", automatic: false }]]);
  });

  it("setContext after init fills what is still empty, answers by field id too", async () => {
    const t = makeApi([{ ...billing, preChatForm: [{ id: "company", label: "Company", kind: FieldKind.TEXT }, { id: "plan", label: "Plan", kind: FieldKind.SELECT, options: ["Free", "Pro"] }] }]);
    t.api.init();
    t.api.open();
    await until(() => t.phase() === "prechat");
    type(t.$("input[name=name]"), "Typed by the visitor");
    t.api.setContext({ name: "Vera", email: "vera@example.org", answers: { company: "Acme", plan: "Pro" } });
    expect(t.$<HTMLInputElement>("input[name=name]")!.value).toBe("Typed by the visitor");
    expect(t.$<HTMLInputElement>("input[name=email]")!.value).toBe("vera@example.org");
    expect(t.$<HTMLInputElement>('input[data-field="company"]')!.value).toBe("Acme");
    expect(t.$<HTMLSelectElement>('select[data-field="plan"]')!.value).toBe("Pro");
  });

  it("replays the calls a page queued before widget.js loaded", async () => {
    const t = makeApi();
    const seen: string[] = [];
    const q = [
      ["on", "ready", () => seen.push("ready")],
      ["setContext", { name: "Queued" }],
      ["open"],
      ["nonsense", 1],
      ["init"],
    ];
    replayQueue(t.api as LiveChatApi<unknown>, q);
    await until(() => t.phase() === "prechat");
    expect(seen).toEqual(["ready"]);
    expect(t.$(".panel")!.hidden).toBe(false);
    expect(t.$<HTMLInputElement>("input[name=name]")!.value).toBe("Queued");
  });
});

describe("the event hub and the context", () => {
  it("ignores unknown events and handlers that are not functions; a failing handler hurts no other", () => {
    const hub = new EventHub();
    const got: string[] = [];
    const warn = console.warn;
    const error = console.error;
    console.warn = () => {};
    console.error = () => {};
    try {
      hub.on("nope", () => got.push("nope"));
      hub.on("open", "not a function");
      hub.on("open", () => { throw new Error("boom"); });
      hub.on("open", () => got.push("open"));
      hub.emit("open", {});
    } finally {
      console.warn = warn;
      console.error = error;
    }
    expect(got).toEqual(["open"]);
  });

  it("merges: a later name replaces, metadata and answers add up, values become strings", () => {
    const a = mergeContext({}, { name: "A", metadata: { plan: "pro" } });
    const b = mergeContext(a, { name: "B", metadata: { cart: 3 as unknown as string }, answers: { company: "Acme" } });
    expect(b).toEqual({ name: "B", metadata: { plan: "pro", cart: "3" }, answers: { company: "Acme" } });
  });
});
