import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ChatClient, OfflineError, ServerError, wsUrl } from "../../src/lib/client.js";
import { ErrorCode, EventKind, ReceiptKind, Role } from "../../src/lib/proto.js";
import { FakeServer, type FakeSocket } from "./fake_socket.js";

const CONV = "c1";

function event(seq: number, text: string, role = Role.AGENT, clientMsgId = "") {
  return {
    body: {
      case: "event" as const,
      value: {
        conversationId: CONV,
        seq: BigInt(seq),
        kind: EventKind.MESSAGE,
        senderRole: role,
        senderId: role === Role.AGENT ? "alice" : "v1",
        text,
        clientMsgId,
      },
    },
  };
}

/** A server that stores messages once per client_msg_id, like the real one. */
function storingServer(server: FakeServer, firstSeq = 1) {
  const stored = new Map<string, number>();
  let seq = firstSeq - 1;
  server.handler = (sock: FakeSocket, env) => {
    if (env.body.case !== "send") return;
    const id = env.body.value.clientMsgId;
    const dup = stored.has(id);
    if (!dup) stored.set(id, ++seq);
    sock.push({
      requestId: env.requestId,
      body: { case: "ack", value: { conversationId: CONV, seq: BigInt(stored.get(id)!), clientMsgId: id, duplicate: dup } },
    });
  };
  return stored;
}

describe("ChatClient", () => {
  let server: FakeServer;
  let client: ChatClient;

  beforeEach(() => {
    vi.useFakeTimers();
    server = new FakeServer();
    client = new ChatClient({
      url: "ws://test/ws",
      hello: () => ({ visitorToken: "tok" }),
      socketFactory: server.factory,
      backoffMs: { initial: 100, max: 1000 },
      requestTimeoutMs: 2000,
      pingIntervalMs: 0,
      random: () => 1,
    });
  });
  afterEach(() => {
    client.stop();
    vi.useRealTimers();
  });

  async function ready() {
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe("ready");
  }

  it("sends a message with a file: its id and preview on the wire, shown pending with it", async () => {
    storingServer(server);
    await ready();
    const preview = new Uint8Array([0xff, 0xd8, 0xff, 0xe0]);
    const a = { id: "f0123", name: "photo.jpg", type: "image/jpeg", size: 2048, width: 640, height: 480, preview };
    const sent = client.sendMessage(CONV, "caption", "m1", { attachment: a });
    expect(client.conversation(CONV).pendingItems()[0]!.attachment).toEqual(a);
    await vi.advanceTimersByTimeAsync(0);
    await expect(sent).resolves.toBe(1);
    const send = server.requests.find((r) => r.body.case === "send")!;
    expect(send.body.value).toMatchObject({ conversationId: CONV, clientMsgId: "m1", text: "caption", attachmentId: "f0123", preview });
    // The confirmed message keeps its file.
    expect(client.conversation(CONV).items()[0]!.attachment?.id).toBe("f0123");
    client.sendMessage(CONV, "plain", "m2");
    await vi.advanceTimersByTimeAsync(0);
    const plain = server.requests.filter((r) => r.body.case === "send").at(-1)!;
    expect(plain.body.value).toMatchObject({ attachmentId: "", preview: new Uint8Array() });
  });

  it("builds the WebSocket URL from a page URL", () => {
    expect(wsUrl("http://example.org:8080")).toBe("ws://example.org:8080/ws");
    expect(wsUrl("https://chat.example.org/")).toBe("wss://chat.example.org/ws");
    expect(wsUrl("ws://h:1/ws")).toBe("ws://h:1/ws");
  });

  it("sends Hello first and resumes every tracked conversation from its last contiguous seq", async () => {
    await ready();
    const log = client.conversation(CONV);
    server.current.push(event(1, "a"));
    server.current.push(event(2, "b"));
    server.current.push(event(4, "d")); // 3 is missing: the resume point must stay at 2
    expect(log.lastSeq).toBe(2);

    server.current.drop();
    expect(client.state).toBe("offline");
    await vi.advanceTimersByTimeAsync(100);
    const hello = server.requests.filter((r) => r.body.case === "hello").at(-1)!;
    expect(hello.body.case).toBe("hello");
    if (hello.body.case !== "hello") throw new Error();
    expect(hello.body.value.visitorToken).toBe("tok");
    expect(hello.body.value.resume.map((r) => [r.conversationId, Number(r.lastSeq)])).toEqual([[CONV, 2]]);
    expect(client.state).toBe("ready");
  });

  it("drops events whose seq it already has, so replays after a resume never duplicate", async () => {
    await ready();
    const pushes: number[] = [];
    client.on("push", (e) => e.body.case === "event" && pushes.push(Number(e.body.value.seq)));
    for (const s of [1, 2, 2, 3, 1, 3, 4]) server.current.push(event(s, `m${s}`));
    expect(pushes).toEqual([1, 2, 3, 4]);
    expect(client.conversation(CONV).items().map((i) => i.text)).toEqual(["m1", "m2", "m3", "m4"]);
  });

  it("re-sends an unacknowledged message after a reconnect with the same client message id", async () => {
    await ready();
    const stored = storingServer(server);
    let swallow = true;
    const real = server.handler;
    server.handler = (sock, env) => {
      // The first send reaches the server, but the Ack is lost with the connection.
      real(swallow ? ({ push: () => {} } as unknown as FakeSocket) : sock, env);
      if (swallow && env.body.case === "send") {
        swallow = false;
        sock.drop();
      }
    };
    const sent = client.sendMessage(CONV, "hello", "m-1");
    expect(client.conversation(CONV).pendingItems()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    await expect(sent).resolves.toBe(1);
    const sends = server.requests.filter((r) => r.body.case === "send");
    expect(sends).toHaveLength(2);
    expect(sends.map((s) => (s.body.case === "send" ? s.body.value.clientMsgId : ""))).toEqual(["m-1", "m-1"]);
    expect(stored.size).toBe(1);
    const log = client.conversation(CONV);
    expect(log.pendingItems()).toHaveLength(0);
    expect(log.items().map((i) => [i.seq, i.text, log.status(i)])).toEqual([[1, "hello", "sent"]]);
  });

  it("queues messages typed while offline and sends them in order on reconnect", async () => {
    await ready();
    storingServer(server);
    server.autoOpen = false;
    server.current.drop();
    const a = client.sendMessage(CONV, "one", "m-a");
    const b = client.sendMessage(CONV, "two", "m-b");
    const log = client.conversation(CONV);
    expect(log.items().map((i) => [i.text, log.status(i)])).toEqual([
      ["one", "queued"],
      ["two", "queued"],
    ]);
    await vi.advanceTimersByTimeAsync(100);
    server.current.open();
    await vi.advanceTimersByTimeAsync(0);
    await expect(a).resolves.toBe(1);
    await expect(b).resolves.toBe(2);
    expect(log.items().map((i) => i.text)).toEqual(["one", "two"]);
  });

  it("confirms a pending message when its replayed event arrives before the Ack", async () => {
    await ready();
    const log = client.conversation(CONV);
    log.addPending("m-x", "mine");
    server.current.push(event(5, "mine", Role.VISITOR, "m-x"));
    expect(log.pendingItems()).toHaveLength(0);
    log.confirm("m-x", 5);
    expect(log.items().map((i) => [i.seq, i.own])).toEqual([[5, true]]);
  });

  it("retries a transient UNAVAILABLE error and fails fast on others", async () => {
    await ready();
    let calls = 0;
    server.handler = (sock, env) => {
      calls++;
      if (calls === 1) {
        sock.push({ requestId: env.requestId, body: { case: "error", value: { code: ErrorCode.UNAVAILABLE, text: "redis" } } });
      } else if (env.body.case === "send") {
        sock.push({ requestId: env.requestId, body: { case: "ack", value: { conversationId: CONV, seq: 9n } } });
      } else {
        sock.push({ requestId: env.requestId, body: { case: "error", value: { code: ErrorCode.CONFLICT, text: "closed" } } });
      }
    };
    const p = client.sendMessage(CONV, "x");
    await vi.advanceTimersByTimeAsync(600);
    await expect(p).resolves.toBe(9);
    const err = await client.request({ case: "close", value: { conversationId: CONV } }, { retry: true }).catch((e) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).code).toBe(ErrorCode.CONFLICT);
  });

  it("rejects non-retried requests while offline and recycles a link whose reply is overdue", async () => {
    await ready();
    server.autoOpen = false;
    const first = server.current;
    server.handler = () => {}; // the server never answers
    const p = client.sendMessage(CONV, "stuck", "m-s");
    await vi.advanceTimersByTimeAsync(2000);
    expect(first.closed).toBe(true);
    expect(client.state).not.toBe("ready");
    await expect(client.request({ case: "typing", value: { conversationId: CONV, typing: true } })).rejects.toBeInstanceOf(OfflineError);
    storingServer(server);
    await vi.advanceTimersByTimeAsync(100);
    server.current.open();
    await vi.advanceTimersByTimeAsync(0);
    await expect(p).resolves.toBe(1);
  });

  it("backs off exponentially up to the cap and resets after a Welcome", async () => {
    await ready();
    server.autoOpen = false;
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const before = server.sockets.length;
      server.current.drop();
      let waited = 0;
      while (server.sockets.length === before) {
        await vi.advanceTimersByTimeAsync(50);
        waited += 50;
      }
      delays.push(waited);
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    server.current.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe("ready");
  });

  it("reconnects after a Reconnect push (server draining) and resumes", async () => {
    await ready();
    server.current.push(event(1, "a"));
    server.current.push({ body: { case: "reconnect", value: { afterMs: 250 } } });
    expect(client.state).toBe("offline");
    await vi.advanceTimersByTimeAsync(250);
    expect(client.state).toBe("ready");
    expect(server.sockets).toHaveLength(2);
  });

  it("tracks receipts of the other side for own message marks", async () => {
    await ready();
    storingServer(server);
    await client.sendMessage(CONV, "one");
    await client.sendMessage(CONV, "two");
    const log = client.conversation(CONV);
    server.current.push({ body: { case: "receipt", value: { conversationId: CONV, seq: 2n, kind: ReceiptKind.DELIVERED } } });
    server.current.push({ body: { case: "receipt", value: { conversationId: CONV, seq: 1n, kind: ReceiptKind.READ } } });
    expect(log.items().map((i) => log.status(i))).toEqual(["read", "delivered"]);
  });

  it("stops on a refused Hello and reports it", async () => {
    server.handler = () => {};
    const real = server.onRequest.bind(server);
    server.onRequest = (sock, env) => {
      if (env.body.case === "hello") {
        sock.push({ requestId: env.requestId, body: { case: "error", value: { code: ErrorCode.UNAUTHENTICATED, text: "bad token" } } });
        return;
      }
      real(sock, env);
    };
    const fatal = vi.fn();
    client.on("fatal", fatal);
    client.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(client.state).toBe("stopped");
    expect(fatal).toHaveBeenCalledOnce();
    expect(server.sockets).toHaveLength(1);
  });
});
