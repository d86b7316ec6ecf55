// The shared client of the widget, the agent console and tests: one WebSocket, one envelope per
// binary frame; Hello on every (re)connect with the resume points of every tracked conversation;
// requests matched to replies by request_id; retried requests re-sent after a reconnect (their
// client message ids make that safe); events deduplicated by seq in a ConversationLog; staff's
// pushed Board (after FollowBoard) kept as the newest and told as a "board" event.
import type { AttachmentInfo } from "./attachments.js";
import { ConversationLog } from "./conversation.js";
import { newId } from "./ids.js";
import {
  ClientEnvelopeSchema,
  ErrorCode,
  EventKind,
  Role,
  ServerEnvelopeSchema,
  create,
  fromBinary,
  toBinary,
  type Board,
  type HelloSchema,
  type MessageInitShape,
  type ServerEnvelope,
  type Welcome,
} from "./proto.js";

export type BodyInit = NonNullable<MessageInitShape<typeof ClientEnvelopeSchema>["body"]>;
export type HelloInit = Omit<MessageInitShape<typeof HelloSchema>, "resume" | "$typeName">;
export type ConnState = "connecting" | "ready" | "offline" | "stopped";

/** The subset of the browser WebSocket the client uses (tests pass a fake). */
export interface SocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export class ServerError extends Error {
  constructor(
    readonly code: ErrorCode,
    /** The server's own words (message adds the code in front). */
    readonly text: string,
  ) {
    super(`${ErrorCode[code] ?? code}: ${text}`);
    this.name = "ServerError";
  }
}

export class OfflineError extends Error {
  constructor(text = "not connected") {
    super(text);
    this.name = "OfflineError";
  }
}

export interface ClientOptions {
  /** ws:// or wss:// URL of the server's /ws endpoint. */
  url: string;
  /** Token part of the Hello, asked on every connect (resume points are added by the client). */
  hello: () => HelloInit;
  socketFactory?: (url: string) => SocketLike;
  /** First reconnect delay and the cap of the exponential backoff. */
  backoffMs?: { initial: number; max: number };
  /** A request without a reply after this long counts as lost (the socket is then recycled). */
  requestTimeoutMs?: number;
  /** Ping period while connected; a missing Pong drops the connection. 0 disables. */
  pingIntervalMs?: number;
  random?: () => number;
  clientVersion?: string;
}

export interface RequestOptions {
  /** Keep the request across disconnects and re-send it after the next Welcome. */
  retry?: boolean;
  timeoutMs?: number;
}

interface Pending {
  id: bigint;
  body: BodyInit;
  retry: boolean;
  timeoutMs: number;
  resolve: (env: ServerEnvelope) => void;
  reject: (err: Error) => void;
  timer?: ReturnType<typeof setTimeout>;
  sentOn?: SocketLike;
}

type Listener<T> = (value: T) => void;

interface Events {
  state: ConnState;
  welcome: Welcome;
  push: ServerEnvelope;
  /** A new Board (each one is whole: it replaces the last). */
  board: Board;
  fatal: ServerError;
}

const OPEN = 1;

export function wsUrl(base: string): string {
  const u = new URL(base, typeof location !== "undefined" ? location.href : "http://localhost/");
  if (u.protocol === "http:") u.protocol = "ws:";
  if (u.protocol === "https:") u.protocol = "wss:";
  if (!u.pathname.endsWith("/ws")) u.pathname = u.pathname.replace(/\/?$/, "/ws");
  return u.toString();
}

export class ChatClient {
  state: ConnState = "offline";
  welcome?: Welcome;
  /** The newest pushed Board (staff who follow it); kept across reconnects until the next. */
  board?: Board;
  private socket?: SocketLike;
  private nextId = 1n;
  private readonly pending = new Map<bigint, Pending>();
  private readonly logs = new Map<string, ConversationLog>();
  private readonly listeners: { [K in keyof Events]: Set<Listener<Events[K]>> } = {
    state: new Set(),
    welcome: new Set(),
    push: new Set(),
    board: new Set(),
    fatal: new Set(),
  };
  private attempt = 0;
  private reconnectTimer?: ReturnType<typeof setTimeout>;
  private pingTimer?: ReturnType<typeof setInterval>;
  private helloId = 0n;
  private readonly opts: Required<Omit<ClientOptions, "socketFactory">> & {
    socketFactory: (url: string) => SocketLike;
  };

  constructor(options: ClientOptions) {
    this.opts = {
      backoffMs: { initial: 300, max: 10_000 },
      requestTimeoutMs: 10_000,
      pingIntervalMs: 15_000,
      random: Math.random,
      clientVersion: "web/1",
      socketFactory: (url) => new WebSocket(url) as unknown as SocketLike,
      ...options,
    };
  }

  on<K extends keyof Events>(type: K, fn: Listener<Events[K]>): () => void {
    this.listeners[type].add(fn);
    return () => this.listeners[type].delete(fn);
  }

  private emit<K extends keyof Events>(type: K, value: Events[K]): void {
    for (const fn of [...this.listeners[type]]) {
      try {
        fn(value);
      } catch (err) {
        console.error(`livechat: ${type} listener failed`, err);
      }
    }
  }

  private setState(s: ConnState): void {
    if (this.state === s) return;
    this.state = s;
    this.emit("state", s);
  }

  start(): void {
    if (this.state === "connecting" || this.state === "ready") return;
    this.attempt = 0;
    this.connect();
  }

  /** Stops for good: no reconnect; every pending request fails. */
  stop(): void {
    this.setState("stopped");
    clearTimeout(this.reconnectTimer);
    this.stopPing();
    const s = this.socket;
    this.socket = undefined;
    if (s) this.detach(s).close(1000, "bye");
    for (const p of [...this.pending.values()]) this.fail(p, new OfflineError("client stopped"));
  }

  /** Reconnect at once if waiting for a backoff (e.g. the browser came back online). */
  reconnectNow(): void {
    if (this.state !== "offline") return;
    clearTimeout(this.reconnectTimer);
    this.attempt = 0;
    this.connect();
  }

  /** Drops the current socket (e.g. the browser went offline); reconnects with backoff. */
  dropConnection(): void {
    const s = this.socket;
    if (!s) return;
    this.detach(s);
    try {
      s.close(4000, "dropped by client");
    } catch {
      /* already closed */
    }
    this.lost();
  }

  /** The log of a conversation; tracked ones are resumed on every reconnect. */
  conversation(id: string): ConversationLog {
    let log = this.logs.get(id);
    if (!log) {
      const role = this.welcome?.role ?? Role.VISITOR;
      log = new ConversationLog(id, role === Role.ADMIN ? Role.AGENT : role, this.welcome?.userId ?? "");
      this.logs.set(id, log);
    }
    return log;
  }

  hasConversation(id: string): boolean {
    return this.logs.has(id);
  }

  forget(id: string): void {
    this.logs.delete(id);
  }

  /** Sends one request; resolves with its reply (Ack, Welcome, OfflineMessages, Pong). */
  request(body: BodyInit, options: RequestOptions = {}): Promise<ServerEnvelope> {
    const retry = options.retry ?? false;
    if (this.state === "stopped") return Promise.reject(new OfflineError("client stopped"));
    if (!retry && this.state !== "ready") return Promise.reject(new OfflineError());
    return new Promise<ServerEnvelope>((resolve, reject) => {
      const p: Pending = {
        id: this.nextId++,
        body,
        retry,
        timeoutMs: options.timeoutMs ?? this.opts.requestTimeoutMs,
        resolve,
        reject,
      };
      this.pending.set(p.id, p);
      if (this.state === "ready") this.transmit(p);
    });
  }

  /**
   * Sends a chat message, shown at once as pending in the log. The same client message id is
   * re-sent until acknowledged, so it is stored exactly once whatever the network does.
   */
  async sendMessage(conversationId: string, text: string, clientMsgId = newId("m"), opts: { note?: boolean; attachment?: AttachmentInfo } = {}): Promise<number> {
    const log = this.conversation(conversationId);
    const a = opts.attachment;
    log.addPending(clientMsgId, text, this.welcome?.displayName ?? "", Date.now(), opts.note ? EventKind.NOTE : EventKind.MESSAGE, a);
    // A file was uploaded first (POST /api/files); the message carries its id and the preview.
    const file = a ? { attachmentId: a.id, ...(a.preview ? { preview: a.preview } : {}) } : {};
    try {
      const reply = await this.request(
        { case: "send", value: { conversationId, clientMsgId, text, note: !!opts.note, ...file } },
        { retry: true },
      );
      const ack = reply.body.case === "ack" ? reply.body.value : undefined;
      const seq = Number(ack?.seq ?? 0);
      log.confirm(clientMsgId, seq, Number(ack?.atMs ?? 0));
      return seq;
    } catch (err) {
      log.markFailed(clientMsgId);
      throw err;
    }
  }

  private connect(): void {
    clearTimeout(this.reconnectTimer);
    this.setState("connecting");
    let s: SocketLike;
    try {
      s = this.opts.socketFactory(this.opts.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = s;
    s.binaryType = "arraybuffer";
    s.onopen = () => this.sendHello(s);
    s.onmessage = (ev) => this.receive(s, ev.data);
    s.onerror = () => {
      /* onclose follows */
    };
    s.onclose = () => {
      if (this.socket !== s) return;
      this.detach(s);
      this.lost();
    };
  }

  private detach(s: SocketLike): SocketLike {
    s.onopen = s.onmessage = s.onerror = s.onclose = null;
    if (this.socket === s) this.socket = undefined;
    return s;
  }

  private lost(): void {
    this.stopPing();
    this.socket = undefined;
    for (const p of [...this.pending.values()]) {
      clearTimeout(p.timer);
      p.timer = undefined;
      p.sentOn = undefined;
      if (!p.retry) this.fail(p, new OfflineError("connection lost"));
    }
    if (this.state === "stopped") return;
    this.scheduleReconnect();
  }

  private scheduleReconnect(delayMs?: number): void {
    this.setState("offline");
    const { initial, max } = this.opts.backoffMs;
    const base = Math.min(max, initial * 2 ** Math.min(this.attempt, 16));
    const delay = delayMs ?? Math.round(base * (0.5 + 0.5 * this.opts.random()));
    this.attempt++;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private sendHello(s: SocketLike): void {
    const resume = [...this.logs.values()].map((l) => ({
      conversationId: l.id,
      lastSeq: BigInt(l.lastSeq),
    }));
    this.helloId = this.nextId++;
    const env = create(ClientEnvelopeSchema, {
      requestId: this.helloId,
      body: {
        case: "hello",
        value: { ...this.opts.hello(), resume, clientVersion: this.opts.clientVersion },
      },
    });
    s.send(toBinary(ClientEnvelopeSchema, env));
  }

  private transmit(p: Pending): void {
    const s = this.socket;
    if (!s || s.readyState !== OPEN) return;
    const env = create(ClientEnvelopeSchema, { requestId: p.id, body: p.body });
    p.sentOn = s;
    clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      if (!this.pending.has(p.id)) return;
      if (p.retry) {
        // The reply is overdue: the link is probably dead. A new one re-sends the request.
        if (this.socket === p.sentOn) this.dropConnection();
      } else {
        this.fail(p, new OfflineError("request timed out"));
      }
    }, p.timeoutMs);
    s.send(toBinary(ClientEnvelopeSchema, env));
  }

  private fail(p: Pending, err: Error): void {
    clearTimeout(p.timer);
    this.pending.delete(p.id);
    p.reject(err);
  }

  private receive(s: SocketLike, data: unknown): void {
    let env: ServerEnvelope;
    try {
      const bytes =
        data instanceof ArrayBuffer ? new Uint8Array(data) : (data as Uint8Array);
      env = fromBinary(ServerEnvelopeSchema, bytes);
    } catch {
      console.warn("livechat: undecodable frame dropped");
      return;
    }
    const body = env.body;
    if (env.requestId !== 0n && env.requestId === this.helloId) {
      this.onHelloReply(s, env);
      return;
    }
    if (env.requestId !== 0n) {
      const p = this.pending.get(env.requestId);
      if (!p) return;
      if (body.case === "error") {
        const err = new ServerError(body.value.code, body.value.text);
        if (p.retry && body.value.code === ErrorCode.UNAVAILABLE) {
          // Transient (Redis): the same request again after a pause is safe.
          clearTimeout(p.timer);
          p.timer = setTimeout(() => this.state === "ready" && this.transmit(p), 500);
          return;
        }
        this.fail(p, err);
      } else {
        clearTimeout(p.timer);
        this.pending.delete(p.id);
        p.resolve(env);
      }
      return;
    }
    // Pushes.
    switch (body.case) {
      case "event":
        if (!this.conversation(body.value.conversationId).add(body.value)) return;
        break;
      case "assigned": {
        const log = this.conversation(body.value.conversationId);
        for (const ev of body.value.history) log.add(ev);
        break;
      }
      case "receipt":
        this.conversation(body.value.conversationId).applyReceipt(
          body.value.kind,
          Number(body.value.seq),
        );
        break;
      case "reconnect": {
        // The node drains: leave now and come back after the hinted delay.
        this.detach(s);
        s.close(1000, "reconnecting");
        this.lost();
        this.scheduleReconnect(body.value.afterMs);
        break;
      }
      case "board":
        this.board = body.value;
        this.emit("board", body.value);
        break;
      case "error":
        this.emit("fatal", new ServerError(body.value.code, body.value.text));
        break;
    }
    this.emit("push", env);
  }

  private onHelloReply(s: SocketLike, env: ServerEnvelope): void {
    if (env.body.case === "error") {
      const err = new ServerError(env.body.value.code, env.body.value.text);
      this.detach(s);
      s.close(1000, "hello refused");
      this.socket = undefined;
      this.stopPing();
      this.setState("stopped");
      for (const p of [...this.pending.values()]) if (!p.retry) this.fail(p, err);
      this.emit("fatal", err);
      return;
    }
    if (env.body.case !== "welcome") return;
    const w = env.body.value;
    this.welcome = w;
    this.attempt = 0;
    this.setState("ready");
    this.emit("welcome", w);
    this.startPing();
    const queued = [...this.pending.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const p of queued) this.transmit(p);
  }

  private startPing(): void {
    this.stopPing();
    if (!this.opts.pingIntervalMs) return;
    this.pingTimer = setInterval(() => {
      this.request({ case: "ping", value: {} }, { timeoutMs: this.opts.pingIntervalMs }).catch(
        () => {
          if (this.state === "ready") this.dropConnection();
        },
      );
    }, this.opts.pingIntervalMs);
  }

  private stopPing(): void {
    clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }
}
