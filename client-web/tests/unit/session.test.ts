import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, REFRESH_KEY, Session, signInMessage } from "../../src/lib/session.js";

class MemStorage {
  m = new Map<string, string>();
  getItem(k: string) { return this.m.get(k) ?? null; }
  setItem(k: string, v: string) { this.m.set(k, v); }
  removeItem(k: string) { this.m.delete(k); }
}

const account = { id: "ada", email: "ada@example.org", display_name: "Ada", role: "agent", departments: ["billing"], capacity: 3, enabled: true };

function server(routes: Record<string, (body: unknown, auth: string) => [number, unknown]>) {
  const calls: { path: string; body: unknown; auth: string }[] = [];
  const f = vi.fn(async (path: string, init?: RequestInit) => {
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    const auth = (init?.headers as Record<string, string> | undefined)?.["Authorization"] ?? "";
    calls.push({ path, body, auth });
    const route = routes[path];
    const [status, out] = route ? route(body, auth) : [404, { error: { code: "not_found" } }];
    return new Response(JSON.stringify(out), { status });
  });
  return { f: f as unknown as typeof fetch, calls };
}

afterEach(() => vi.useRealTimers());

describe("Session", () => {
  it("signs in, keeps the refresh token, renews every 5 minutes", async () => {
    vi.useFakeTimers();
    let n = 0;
    const s = server({
      "/api/login": (b) => ((b as { password: string }).password === "pw" ? [200, { token: "t0", expires_at_ms: 1, refresh_token: "r1", account }] : [401, { error: { code: "bad_credentials" } }]),
      "/api/session/renew": (b) => ((b as { refresh_token: string }).refresh_token === "r1" ? [200, { token: `t${++n}`, expires_at_ms: 2, account }] : [401, { error: { code: "session_expired" } }]),
    });
    const storage = new MemStorage();
    const tokens: string[] = [];
    const session = new Session({ fetch: s.f, storage, onToken: (t) => tokens.push(t) });
    await expect(session.login("ada@example.org", "nope")).rejects.toMatchObject({ status: 401, code: "bad_credentials" });
    await session.login("ada@example.org", "pw");
    expect(storage.getItem(REFRESH_KEY)).toBe("r1");
    expect(session.token).toBe("t0");
    expect(session.account?.display_name).toBe("Ada");
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(session.token).toBe("t1");
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(tokens).toEqual(["t0", "t1", "t2"]);
    session.stop();
  });

  it("a 401 renews once and retries; a refused refresh ends the session", async () => {
    let valid = "old";
    let refreshOk = true;
    const s = server({
      "/api/canned": (_b, auth) => (auth === `Bearer ${valid}` ? [200, { canned: [] }] : [401, { error: { code: "unauthenticated" } }]),
      "/api/session/renew": () => (refreshOk ? [200, { token: (valid = "new"), expires_at_ms: 1, account }] : [401, { error: { code: "session_expired" } }]),
    });
    const storage = new MemStorage();
    storage.setItem(REFRESH_KEY, "r");
    const expired: string[] = [];
    const session = new Session({ fetch: s.f, storage, renewEveryMs: 0, onExpired: (m) => expired.push(m) });
    session.token = "stale";
    await expect(session.call("/api/canned")).resolves.toEqual({ canned: [] });
    expect(session.token).toBe("new");
    valid = "other";
    refreshOk = false;
    await expect(session.call("/api/canned")).rejects.toBeInstanceOf(ApiError);
    expect(expired).toEqual(["Your session has ended; sign in again."]);
    expect(storage.getItem(REFRESH_KEY)).toBeNull();
  });

  it("concurrent renewals are one request; logout forgets the refresh token", async () => {
    const s = server({
      "/api/session/renew": () => [200, { token: "n", expires_at_ms: 1, account }],
      "/api/logout": () => [200, { signed_out: true }],
    });
    const storage = new MemStorage();
    storage.setItem(REFRESH_KEY, "r");
    const session = new Session({ fetch: s.f, storage, renewEveryMs: 0 });
    await Promise.all([session.renew(), session.renew(), session.renew()]);
    expect(s.calls.filter((c) => c.path === "/api/session/renew")).toHaveLength(1);
    await session.logout();
    expect(s.calls.at(-1)).toMatchObject({ path: "/api/logout", body: { refresh_token: "r" } });
    expect(storage.getItem(REFRESH_KEY)).toBeNull();
    expect(session.renewable).toBe(false);
  });

  it("messages", () => {
    expect(signInMessage(new ApiError(429, "rate_limited", ""))).toMatch(/wait a minute/);
    expect(signInMessage(new ApiError(403, "disabled", ""))).toMatch(/disabled/);
    expect(signInMessage(new ApiError(404, "", ""))).toMatch(/with a token/);
  });
});
