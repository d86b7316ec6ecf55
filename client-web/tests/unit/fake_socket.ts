// An in-memory WebSocket and a scripted server for the client library's unit tests.
import {
  ClientEnvelopeSchema,
  ServerEnvelopeSchema,
  WelcomeSchema,
  create,
  fromBinary,
  toBinary,
  type ClientEnvelope,
  type MessageInitShape,
} from "../../src/lib/proto.js";
import type { SocketLike } from "../../src/lib/client.js";

export type ServerInit = MessageInitShape<typeof ServerEnvelopeSchema>;
export type WelcomeInit = MessageInitShape<typeof WelcomeSchema>;

export class FakeSocket implements SocketLike {
  binaryType = "blob";
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  readonly sent: ClientEnvelope[] = [];
  closed = false;

  constructor(private readonly server: FakeServer) {}

  send(data: Uint8Array): void {
    if (this.readyState !== 1) throw new Error("send on a socket that is not open");
    const env = fromBinary(ClientEnvelopeSchema, data);
    this.sent.push(env);
    this.server.onRequest(this, env);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.readyState = 3;
    this.onclose?.({ code: 1000 });
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  push(init: ServerInit): void {
    const bytes = toBinary(ServerEnvelopeSchema, create(ServerEnvelopeSchema, init));
    this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  }

  /** The network died: the peer is gone, no close frame. */
  drop(): void {
    this.closed = true;
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }
}

/** Answers Hello with Welcome and lets each test script the rest. */
export class FakeServer {
  readonly sockets: FakeSocket[] = [];
  readonly requests: ClientEnvelope[] = [];
  autoOpen = true;
  /** What the Welcome says besides role, user id and token. */
  welcome: Omit<WelcomeInit, "$typeName"> = {};
  handler: (sock: FakeSocket, env: ClientEnvelope) => void = () => {};

  factory = (): FakeSocket => {
    const s = new FakeSocket(this);
    this.sockets.push(s);
    if (this.autoOpen) queueMicrotask(() => s.open());
    return s;
  };

  get current(): FakeSocket {
    return this.sockets[this.sockets.length - 1]!;
  }

  onRequest(sock: FakeSocket, env: ClientEnvelope): void {
    this.requests.push(env);
    if (env.body.case === "hello") {
      sock.push({
        requestId: env.requestId,
        body: { case: "welcome", value: { role: 1, userId: "v1", visitorToken: "tok", ...this.welcome } },
      });
      return;
    }
    this.handler(sock, env);
  }
}
