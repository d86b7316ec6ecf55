// Staff sign-in shared by the agent console and the admin page: POST /api/login with email and
// password gives a short-lived token (kept in memory) and a refresh token (kept in localStorage);
// the token is renewed every 5 minutes and whenever the server says 401 / UNAUTHENTICATED.
// A pasted token ("Sign in with a token") is a session without a refresh token.

export interface Account {
  id: string;
  email: string;
  display_name: string;
  role: "agent" | "supervisor" | "admin" | string;
  departments: string[];
  capacity: number;
  enabled: boolean;
}

export interface SignedIn {
  token: string;
  expires_at_ms: number;
  refresh_token?: string;
  account: Account;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message || code || `HTTP ${status}`);
    this.name = "ApiError";
  }
}

export const REFRESH_KEY = "livechat:refresh";

type Fetch = typeof fetch;

interface StorageLike {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
  removeItem(k: string): void;
}

/** One JSON request; errors become ApiError with the server's code. */
export async function apiJson<T>(f: Fetch, path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  if (init.token) headers["Authorization"] = `Bearer ${init.token}`;
  const r = await f(path, { method: init.method ?? (init.body !== undefined ? "POST" : "GET"), headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await r.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = {};
  }
  if (!r.ok) {
    // {"error":{"code","message"}}, or the flat {"error":"invalid","message":"..."}.
    const b = body as { error?: string | { code?: string; message?: string }; message?: string };
    if (typeof b.error === "string") throw new ApiError(r.status, b.error, b.message ?? "");
    const e = b.error ?? {};
    throw new ApiError(r.status, e.code ?? "", e.message ?? b.message ?? "");
  }
  return body as T;
}

/** A human sentence for a sign-in error. */
export function signInMessage(err: unknown): string {
  if (err instanceof ApiError) {
    switch (err.code) {
      case "bad_credentials": return "Wrong email or password.";
      case "rate_limited": return "Too many attempts; wait a minute and try again.";
      case "disabled": return "This account is disabled; ask an admin.";
      case "session_expired": return "Your session has ended; sign in again.";
    }
    if (err.status === 404) return "This server does not offer sign-in with a password yet; sign in with a token.";
    return err.message;
  }
  return err instanceof Error ? `Could not reach the server: ${err.message}` : String(err);
}

export interface SessionOptions {
  fetch?: Fetch;
  storage?: StorageLike;
  renewEveryMs?: number;
  /** A new token (after sign-in or a renewal). */
  onToken?: (token: string, account?: Account) => void;
  /** The session is over (refresh refused): show the sign-in page. */
  onExpired?: (message: string) => void;
}

export class Session {
  token = "";
  account?: Account;
  private readonly f: Fetch;
  private readonly storage: StorageLike;
  private readonly renewEveryMs: number;
  private timer?: ReturnType<typeof setInterval>;
  private renewing?: Promise<boolean>;

  constructor(private readonly opts: SessionOptions = {}) {
    this.f = opts.fetch ?? ((...a) => fetch(...a));
    this.storage = opts.storage ?? localStorage;
    this.renewEveryMs = opts.renewEveryMs ?? 5 * 60_000;
  }

  get refreshToken(): string {
    return this.storage.getItem(REFRESH_KEY) ?? "";
  }

  /** Signed in with email and password (renewable), not with a pasted token. */
  get renewable(): boolean {
    return !!this.refreshToken;
  }

  async login(email: string, password: string): Promise<SignedIn> {
    const r = await apiJson<SignedIn>(this.f, "/api/login", { body: { email, password } });
    if (r.refresh_token) this.storage.setItem(REFRESH_KEY, r.refresh_token);
    this.set(r.token, r.account);
    this.schedule();
    return r;
  }

  /** A pasted token: no refresh, no renewal. */
  useToken(token: string): void {
    this.storage.removeItem(REFRESH_KEY);
    this.stopTimer();
    this.set(token, undefined);
  }

  /** Renews the token with the refresh token (one request at a time). False: the session is over
   * (the caller was told through onExpired) or there is nothing to renew with. */
  renew(): Promise<boolean> {
    this.renewing ??= this.doRenew().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  private async doRenew(): Promise<boolean> {
    const refresh = this.refreshToken;
    if (!refresh) return false;
    try {
      const r = await apiJson<SignedIn>(this.f, "/api/session/renew", { body: { refresh_token: refresh } });
      if (r.refresh_token) this.storage.setItem(REFRESH_KEY, r.refresh_token);
      this.set(r.token, r.account);
      this.schedule();
      return true;
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        this.storage.removeItem(REFRESH_KEY);
        this.token = "";
        this.stopTimer();
        this.opts.onExpired?.(signInMessage(err));
        return false;
      }
      throw err; // the network: the caller retries later, the session stands
    }
  }

  async logout(): Promise<void> {
    const refresh = this.refreshToken;
    this.storage.removeItem(REFRESH_KEY);
    this.stopTimer();
    this.token = "";
    this.account = undefined;
    if (refresh) await apiJson(this.f, "/api/logout", { body: { refresh_token: refresh } }).catch(() => {});
  }

  /** A REST call with the token; a 401 renews the token once and tries again. */
  async call<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    try {
      return await apiJson<T>(this.f, path, { ...init, token: this.token });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && this.renewable && (await this.renew())) {
        return apiJson<T>(this.f, path, { ...init, token: this.token });
      }
      throw err;
    }
  }

  stop(): void {
    this.stopTimer();
  }

  private set(token: string, account?: Account): void {
    this.token = token;
    this.account = account;
    this.opts.onToken?.(token, account);
  }

  private schedule(): void {
    this.stopTimer();
    if (!this.renewEveryMs) return;
    this.timer = setInterval(() => void this.renew().catch(() => {}), this.renewEveryMs);
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** The role a staff token ("lca1.<base64url payload>.<mac>", payload lines: id, name,
 * departments, capacity, role digit, …) was minted for; undefined when it is not one of those.
 * Only to choose what to show: the server checks every request itself. */
export function tokenRole(token: string): "agent" | "supervisor" | "admin" | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== "lca1") return undefined;
  try {
    const b64 = parts[1]!.replace(/-/g, "+").replace(/_/g, "/");
    const lines = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)).split("\n");
    return ({ "0": "agent", "1": "admin", "2": "supervisor" } as const)[lines[4] ?? ""];
  } catch {
    return undefined;
  }
}
