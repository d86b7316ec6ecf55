// window.LiveChat, the host page's handle on the widget: init, pageView, open, close, invite,
// setContext, on and off. It exists as soon as widget.js runs; what is asked before the widget is
// made (init with data-manual, or calls the page queued before widget.js loaded) is kept and
// applied once it is: handlers stay registered, setContext is merged, open/close/invite are
// replayed in order. A page that loads widget.js async may queue calls before it arrives:
//   window.LiveChat = window.LiveChat || { q: [] };  LiveChat.q.push(["on", "ready", fn]);
// "ready" fires once the widget is connected (the Welcome came); a handler added later is called
// at once.

export type LiveChatEvent = "ready" | "open" | "close" | "invitation" | "chat_started" | "message" | "chat_ended";

export const EVENTS: readonly LiveChatEvent[] = ["ready", "open", "close", "invitation", "chat_started", "message", "chat_ended"];

export interface EventPayloads {
  ready: Record<string, never>;
  open: Record<string, never>;
  close: Record<string, never>;
  /** `automatic`: not from an agent's hand (a rule, or the page's own invite()). */
  invitation: { agentName: string; text: string; automatic: boolean };
  chat_started: { conversationId: string };
  /** role: "visitor", "agent", "supervisor" or "system". */
  message: { conversationId: string; role: string; text: string };
  chat_ended: { conversationId: string };
}

export type Handler = (payload: never) => void;

/** What the page tells the widget about the visitor: prefills the pre-chat form (answers by field
 * id), and metadata goes with the Join (shown to the agent). */
export interface VisitorContextInput {
  name?: string;
  email?: string;
  metadata?: Record<string, string>;
  answers?: Record<string, string>;
}

export interface InviteInput {
  text?: string;
  agentName?: string;
}

/** What a widget does for the API. */
export interface WidgetControl {
  open(): void;
  close(): void;
  invite(o: InviteInput): void;
  setContext(c: VisitorContextInput): void;
  pageView(): void;
}

/** Handlers by event; "ready" is remembered, so a handler added after it still hears it. */
export class EventHub {
  private readonly handlers = new Map<string, Set<(p: unknown) => void>>();
  private ready = false;

  on(event: string, fn: unknown): void {
    if (typeof fn !== "function" || !EVENTS.includes(event as LiveChatEvent)) {
      console.warn("livechat: on() takes an event name and a function", event);
      return;
    }
    const f = fn as (p: unknown) => void;
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    if (set.has(f)) return;
    set.add(f);
    if (event === "ready" && this.ready) this.call(f, {}, event);
  }

  off(event: string, fn?: unknown): void {
    if (fn === undefined) this.handlers.delete(event);
    else this.handlers.get(event)?.delete(fn as (p: unknown) => void);
  }

  emit<K extends LiveChatEvent>(event: K, payload: EventPayloads[K]): void {
    if (event === "ready") {
      // Once per page: a reconnect is not news to the page.
      if (this.ready) return;
      this.ready = true;
    }
    for (const f of [...(this.handlers.get(event) ?? [])]) this.call(f, payload, event);
  }

  private call(f: (p: unknown) => void, payload: unknown, event: string): void {
    try {
      f(payload);
    } catch (err) {
      console.error(`livechat: ${event} handler failed`, err);
    }
  }
}

/** Merges context: metadata and answers add up, a later name or email replaces. */
export function mergeContext(a: VisitorContextInput, b: VisitorContextInput): VisitorContextInput {
  const out: VisitorContextInput = { ...a };
  if (typeof b.name === "string") out.name = b.name;
  if (typeof b.email === "string") out.email = b.email;
  if (b.metadata && typeof b.metadata === "object") out.metadata = { ...a.metadata, ...strings(b.metadata) };
  if (b.answers && typeof b.answers === "object") out.answers = { ...a.answers, ...strings(b.answers) };
  return out;
}

function strings(r: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}

export interface LiveChatApi<I = unknown> {
  init(overrides?: I): unknown;
  pageView(): void;
  open(): void;
  close(): void;
  invite(o?: InviteInput): void;
  setContext(c: VisitorContextInput): void;
  on<K extends LiveChatEvent>(event: K, handler: (payload: EventPayloads[K]) => void): void;
  off<K extends LiveChatEvent>(event: K, handler?: (payload: EventPayloads[K]) => void): void;
}

type Command = { kind: "open" } | { kind: "close" } | { kind: "invite"; o: InviteInput };

/** The API object. `make` builds the widget (once), given the hub it reports to and the context
 * set so far. */
export function createApi<I>(make: (overrides: I | undefined, hub: EventHub, context: VisitorContextInput) => WidgetControl): LiveChatApi<I> & { readonly hub: EventHub } {
  const hub = new EventHub();
  let widget: WidgetControl | undefined;
  let context: VisitorContextInput = {};
  const waiting: Command[] = [];
  const run = (c: Command) => {
    if (!widget) {
      waiting.push(c);
      return;
    }
    if (c.kind === "open") widget.open();
    else if (c.kind === "close") widget.close();
    else widget.invite(c.o);
  };
  const api = {
    hub,
    init(overrides?: I) {
      if (!widget) {
        widget = make(overrides, hub, context);
        for (const c of waiting.splice(0)) run(c);
      }
      return widget;
    },
    pageView() {
      widget?.pageView();
    },
    open() {
      run({ kind: "open" });
    },
    close() {
      run({ kind: "close" });
    },
    invite(o: InviteInput = {}) {
      run({ kind: "invite", o: { ...(typeof o?.text === "string" ? { text: o.text } : {}), ...(typeof o?.agentName === "string" ? { agentName: o.agentName } : {}) } });
    },
    setContext(c: VisitorContextInput) {
      if (!c || typeof c !== "object") return;
      context = mergeContext(context, c);
      widget?.setContext(c);
    },
    on(event: string, handler: unknown) {
      hub.on(event, handler);
    },
    off(event: string, handler?: unknown) {
      hub.off(event, handler);
    },
  };
  return api as unknown as LiveChatApi<I> & { readonly hub: EventHub };
}

/** Calls a page queued before widget.js loaded: `window.LiveChat.q`, a list of [method, ...args]. */
export function replayQueue(api: LiveChatApi<unknown>, queued: unknown): void {
  if (!Array.isArray(queued)) return;
  for (const entry of queued) {
    const [name, ...args] = Array.from(entry as ArrayLike<unknown>);
    const fn = (api as unknown as Record<string, unknown>)[String(name)];
    if (typeof fn !== "function" || name === "q") continue;
    try {
      (fn as (...a: unknown[]) => unknown).apply(api, args);
    } catch (err) {
      console.error(`livechat: queued ${String(name)} failed`, err);
    }
  }
}
