// The pushed board: a Board as the Waiting tab, the Live tab and the colleague pickers list it
// (clock offset included), the client's "board" event, who supervises, and the auto-away limit
// from the Welcome's departments with the localStorage override winning.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ChatClient } from "../../src/lib/client.js";
import { BoardSchema, PresenceStatus, Role, WelcomeSchema, create, type MessageInitShape } from "../../src/lib/proto.js";
import { autoAwaySeconds, boardView, DEFAULT_AUTO_AWAY_S, idleLimitMs, presenceName } from "../../src/agent/board.js";
import { canTake, colleaguesFor, colleaguesOf, supervises } from "../../src/agent/supervise.js";
import { FakeServer } from "./fake_socket.js";

const board = (o: MessageInitShape<typeof BoardSchema> = {}) => create(BoardSchema, {
  serverTimeMs: 1_000_000n,
  waiting: [
    { conversationId: "c2", department: "billing", position: 1, visitorName: "Vera", firstMessage: "my invoice", waitingSinceMs: 940_000n },
    { conversationId: "c3", department: "tech", position: 1, visitorName: "", firstMessage: "", waitingSinceMs: 990_000n },
  ],
  live: [{ conversationId: "c1", department: "billing", agentId: "alice", agentName: "Alice", visitorName: "Tom", assignedMs: 900_000n, lastSeq: 7n }],
  agents: [
    { agentId: "alice", displayName: "Alice", status: PresenceStatus.ONLINE, connected: true, active: 1, capacity: 2, departments: ["billing"] },
    { agentId: "bob", displayName: "Bob", status: PresenceStatus.AWAY, connected: true, active: 0, capacity: 3, departments: ["billing", "tech"] },
    { agentId: "sue", displayName: "Sue", status: PresenceStatus.ONLINE, connected: false, active: 0, capacity: 2, departments: ["billing"] },
  ],
  ...o,
});

describe("board view", () => {
  it("lists the waiting visitors in the server's order, with the server's clock as the skew", () => {
    const v = boardView(board(), 1_000_500);
    expect(v.skew).toBe(-500);
    expect(v.waiting).toEqual([
      { conversation_id: "c2", department: "billing", visitor_name: "Vera", first_message: "my invoice", waiting_since_ms: 940_000, position: 1 },
      { conversation_id: "c3", department: "tech", visitor_name: "", first_message: "", waiting_since_ms: 990_000, position: 1 },
    ]);
    // What the list shows a second later on the local clock: 61 s for Vera, not 61.5.
    const localLater = 1_000_500 + 1000;
    expect((localLater + v.skew - v.waiting[0]!.waiting_since_ms) / 1000).toBe(61);
  });
  it("lists live chats and the team; no clock ticks against the local one", () => {
    const v = boardView(board({ serverTimeMs: 0n }), 5);
    expect(v.skew).toBe(0);
    expect(v.live).toEqual([{ conversation_id: "c1", department: "billing", agent_id: "alice", agent_name: "Alice", visitor_name: "Tom", assigned_ms: 900_000, last_seq: 7 }]);
    expect(v.agents.map((a) => [a.id, a.status, a.connected, a.departments])).toEqual([
      ["alice", "online", true, ["billing"]], ["bob", "away", true, ["billing", "tech"]], ["sue", "online", false, ["billing"]],
    ]);
    expect(presenceName(PresenceStatus.OFFLINE)).toBe("offline");
    expect(presenceName(PresenceStatus.UNSPECIFIED)).toBe("offline");
  });
  it("an agent's board has no live chats; an empty board lists nothing", () => {
    const v = boardView(create(BoardSchema, { serverTimeMs: 10n }), 10);
    expect(v).toEqual({ waiting: [], live: [], agents: [], skew: 0 });
  });
  it("feeds the colleague pickers: me left out, free ones first", () => {
    expect(colleaguesOf(undefined)).toBeUndefined();
    const team = colleaguesOf(board())!;
    expect(colleaguesFor(team, "tech", "alice").map((a) => a.id)).toEqual(["bob"]);
    const billing = colleaguesFor(team, "billing", "bob");
    expect(billing.map((a) => a.id)).toEqual(["alice", "sue"]);
    expect(billing.filter(canTake).map((a) => a.id)).toEqual(["alice"]);
  });
});

describe("who supervises", () => {
  it("is the signed-in role; a Welcome's SUPERVISOR or ADMIN counts too", () => {
    expect(supervises("supervisor")).toBe(true);
    expect(supervises("admin", Role.AGENT)).toBe(true);
    expect(supervises("agent", Role.AGENT)).toBe(false);
    expect(supervises(undefined, Role.AGENT)).toBe(false);
    expect(supervises(undefined, Role.SUPERVISOR)).toBe(true);
    expect(supervises(undefined, Role.ADMIN)).toBe(true);
  });
});

describe("auto-away limit", () => {
  const welcome = (o: MessageInitShape<typeof WelcomeSchema>) => create(WelcomeSchema, { protocolVersion: 4, ...o });
  const status = (department: string, autoAwaySeconds: number) => ({ department, autoAwaySeconds });
  it("is the smallest non-zero setting of the agent's own departments", () => {
    const w = welcome({ departments: ["billing", "tech"], departmentStatus: [status("billing", 600), status("tech", 120), status("sales", 5)] });
    expect(autoAwaySeconds(w)).toBe(120);
    expect(autoAwaySeconds(welcome({ departments: ["billing", "tech"], departmentStatus: [status("billing", 0), status("tech", 300)] }))).toBe(300);
  });
  it("is never (0) when every department says 0", () => {
    expect(autoAwaySeconds(welcome({ departments: ["billing"], departmentStatus: [status("billing", 0)] }))).toBe(0);
    expect(idleLimitMs(null, welcome({ departments: ["billing"], departmentStatus: [status("billing", 0)] }))).toBe(0);
  });
  it("counts every listed department for an admin (no departments of their own)", () => {
    expect(autoAwaySeconds(welcome({ departmentStatus: [status("billing", 900), status("tech", 60)] }))).toBe(60);
  });
  it("stays the old 10 minutes against a server before protocol 4", () => {
    expect(autoAwaySeconds(welcome({ protocolVersion: 3, departments: ["billing"], departmentStatus: [status("billing", 0)] }))).toBe(DEFAULT_AUTO_AWAY_S);
  });
  it("lets the localStorage minutes win when they are a positive number", () => {
    const w = welcome({ departments: ["billing"], departmentStatus: [status("billing", 2)] });
    expect(idleLimitMs(null, w)).toBe(2000);
    expect(idleLimitMs("0.05", w)).toBe(3000);
    expect(idleLimitMs("", w)).toBe(2000);
    expect(idleLimitMs("0", w)).toBe(2000);
    expect(idleLimitMs("nonsense", w)).toBe(2000);
    expect(idleLimitMs("5", undefined)).toBe(300_000);
    expect(idleLimitMs(null, undefined)).toBe(0);
  });
});

describe("ChatClient and the board", () => {
  let server: FakeServer;
  let client: ChatClient;
  beforeEach(() => {
    vi.useFakeTimers();
    server = new FakeServer();
    client = new ChatClient({ url: "ws://test/ws", hello: () => ({ agentToken: "t" }), socketFactory: server.factory, pingIntervalMs: 0, random: () => 1 });
  });
  afterEach(() => {
    client.stop();
    vi.useRealTimers();
  });
  it("tells every pushed Board as a board event and keeps the newest", async () => {
    const seen: number[] = [];
    client.on("board", (b) => seen.push(b.waiting.length));
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    server.current.push({ body: { case: "board", value: board() } });
    server.current.push({ body: { case: "board", value: { serverTimeMs: 2n } } });
    expect(seen).toEqual([2, 0]);
    expect(client.board?.serverTimeMs).toBe(2n);
  });
});
