// The visitor widget in a DOM (happy-dom, per test file: `// @vitest-environment happy-dom`)
// against the scripted server of fake_socket.ts: a Welcome of protocol 9 with departments, Acks
// for everything (a join gets a conversation), and helpers to find things in its shadow root.
import type { EventHub, VisitorContextInput } from "../../src/widget/api.js";
import { Widget, type WidgetConfig } from "../../src/widget/widget.js";
import type { ClientEnvelope, MessageInitShape } from "../../src/lib/proto.js";
import { DepartmentStatusSchema } from "../../src/lib/proto.js";
import { FakeServer, type FakeSocket, type WelcomeInit } from "./fake_socket.js";

export type DeptInit = Omit<MessageInitShape<typeof DepartmentStatusSchema>, "$typeName">;

export interface Mounted {
  server: FakeServer;
  widget: Widget;
  host: HTMLElement;
  root: ShadowRoot;
  $<T extends Element = HTMLElement>(selector: string): T | null;
  $$<T extends Element = HTMLElement>(selector: string): T[];
  phase(): string | undefined;
  /** The requests of one kind the widget sent. */
  sent(kind: NonNullable<ClientEnvelope["body"]["case"]>): ClientEnvelope[];
  push(init: Parameters<FakeSocket["push"]>[0]): void;
}

/** Waits until `fn` is true (polled every few ms), or fails after `ms`. */
export async function until(fn: () => unknown, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (fn()) return;
    if (Date.now() > end) throw new Error(`not so within ${ms} ms: ${fn.toString()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const billing: DeptInit = { department: "billing", displayName: "Billing", agentsOnline: 1 };

export async function mountWidget(o: {
  departments?: DeptInit[];
  welcome?: Omit<WelcomeInit, "$typeName">;
  cfg?: Partial<WidgetConfig>;
  events?: EventHub;
  context?: VisitorContextInput;
  /** Answers a request other than hello (return true when handled); the default acks. */
  handler?: (sock: FakeSocket, env: ClientEnvelope) => boolean | void;
} = {}): Promise<Mounted> {
  const server = new FakeServer();
  server.welcome = {
    protocolVersion: 9,
    serverTimeMs: BigInt(Date.now()),
    departmentStatus: o.departments ?? [billing],
    ...o.welcome,
  };
  let conv = 0;
  server.handler = (sock, env) => {
    if (o.handler?.(sock, env)) return;
    const at = BigInt(Date.now());
    if (env.body.case === "join") {
      conv++;
      sock.push({ requestId: env.requestId, body: { case: "ack", value: { conversationId: `c${conv}`, seq: 1n, clientMsgId: env.body.value.clientMsgId, atMs: at } } });
      return;
    }
    if (env.body.case === "send") {
      sock.push({ requestId: env.requestId, body: { case: "ack", value: { conversationId: env.body.value.conversationId, seq: 2n, clientMsgId: env.body.value.clientMsgId, atMs: at } } });
      return;
    }
    sock.push({ requestId: env.requestId, body: { case: "ack", value: {} } });
  };
  const host = document.createElement("div");
  document.body.append(host);
  const widget = new Widget(host, {
    server: "https://chat.example", department: "billing", departments: [], lang: "en", pingIntervalMs: 0, ...o.cfg,
  }, { socketFactory: server.factory, ...(o.events ? { events: o.events } : {}), ...(o.context ? { context: o.context } : {}) });
  const root = host.shadowRoot!;
  const m: Mounted = {
    server, widget, host, root,
    $: <T extends Element>(s: string) => root.querySelector<T>(s),
    $$: <T extends Element>(s: string) => [...root.querySelectorAll<T>(s)],
    phase: () => root.querySelector<HTMLElement>(".root")?.dataset["phase"],
    sent: (kind) => server.requests.filter((r) => r.body.case === kind),
    push: (init) => server.current.push(init),
  };
  await until(() => m.phase() !== "connecting");
  return m;
}

/** A fresh page for the next test: no widget, nothing stored. */
export function resetPage(): void {
  document.body.replaceChildren();
  localStorage.clear();
}

/** Types into an input or textarea as a person does (the value, then an input event). */
export function type(el: HTMLInputElement | HTMLTextAreaElement | null, text: string): void {
  if (!el) throw new Error("no such field");
  el.value = text;
  el.dispatchEvent(new Event("input", { bubbles: true }));
}

export function click(el: Element | null): void {
  if (!el) throw new Error("nothing to click");
  (el as HTMLElement).click();
}
