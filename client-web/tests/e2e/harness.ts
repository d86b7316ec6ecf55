// End-to-end harness: the real server binary (embedded Redis and PostgreSQL) on loopback port 0, serving
// client-web/dist, and Debian's Chromium driven by playwright-core. Nothing is downloaded.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
export const clientDir = resolve(here, "../..");
export const artifacts = join(clientDir, "test-artifacts");
const bin = process.env["LIVECHAT_BIN"] ?? resolve(clientDir, "../build/release/server/app/livechat");
const chromiumPath = process.env["CHROMIUM"] ?? "/usr/bin/chromium";
const SECRET = "e2e-secret-not-for-production-0123456789";

export interface Server {
  base: string;
  token(agent: string, opts?: { name?: string; departments?: string[]; capacity?: number; admin?: boolean; supervisor?: boolean }): string;
  get(path: string, token?: string): Promise<{ status: number; body: string }>;
  /** A JSON request (POST unless told), e.g. to create accounts with an admin token. */
  send(path: string, body: unknown, token?: string, method?: string): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
}

export async function startServer(opts: { agentGraceSeconds?: number; args?: string[] } = {}): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), "livechat-e2e-"));
  // Port 0, read back from the file the server writes once listening: a port picked here and
  // passed on could be taken meanwhile by the server of a test file running alongside, whose
  // /readyz would then answer for ours.
  const portFile = join(dataDir, "port");
  // The embedded PostgreSQL runs as an unprivileged user when we are root: let it through.
  chmodSync(dataDir, 0o711);
  const args = [
    "--port", "0", "--port-file", portFile, "--data-dir", dataDir, "--secret", SECRET,
    "--agent-grace-seconds", String(opts.agentGraceSeconds ?? 5),
    "--static-dir", join(clientDir, "dist"), "--match-interval-ms", "200", "--log-level", "warn",
    ...(opts.args ?? []),
  ];
  const child: ChildProcess = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  if (child.pid && process.env["LIVECHAT_TEST_PIDFILE"]) appendFileSync(process.env["LIVECHAT_TEST_PIDFILE"], `${child.pid}\n`);
  const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
  let base = "";
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
    try {
      if (!base) {
        const port = Number(readFileSync(portFile, "utf8").trim());
        if (port > 0) base = `http://127.0.0.1:${port}`;
      }
      if (base && (await fetch(`${base}/readyz`)).status === 200) break;
    } catch {
      /* not listening yet (no port file yet, or not ready) */
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server not ready in 20 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    token(agent, o = {}) {
      const a = ["token", "--agent", agent, "--secret", SECRET, "--name", o.name ?? agent];
      if (o.admin) a.push("--admin");
      else if (o.supervisor) a.push("--supervisor", "--departments", (o.departments ?? ["billing"]).join(","), "--capacity", String(o.capacity ?? 4));
      else a.push("--departments", (o.departments ?? ["billing"]).join(","), "--capacity", String(o.capacity ?? 4));
      return execFileSync(bin, a).toString().trim();
    },
    async get(path, token) {
      const r = await fetch(base + path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
      return { status: r.status, body: await r.text() };
    },
    async send(path, body, token, method = "POST") {
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      if (token) headers["Authorization"] = `Bearer ${token}`;
      const r = await fetch(base + path, { method, headers, body: JSON.stringify(body) });
      return { status: r.status, body: await r.text() };
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------ mail

/** One message the SMTP receiver accepted (tests/support/smtp_receiver.py: one JSON line each). */
export interface Mail {
  mail_from: string;
  rcpt_tos: string[];
  from: string;
  to: string;
  subject: string;
  reply_to: string;
  message_id: string;
  content_type: string;
  /** The text part, decoded from its transfer encoding. */
  body: string;
  raw: string;
}

export interface MailReceiver {
  port: number;
  /** The server flags that send this server's mail here. */
  flags: string[];
  /** What it accepted so far, in order. */
  mails(): Mail[];
  stop(): Promise<void>;
}

/** A test server written as a Python script (tests/support/*.py): it listens on loopback port 0,
 * writes the port to --port-file once it does, and appends one JSON line per thing it got to
 * --log. `failFirst` is passed as --fail-first. Its pid goes to the test run's pid file. */
async function startScriptServer<T>(name: string, script: string, failFirst = 0): Promise<{ port: number; entries(): T[]; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `livechat-${name.replace(/ /g, "-")}-`));
  const portFile = join(dir, "port");
  const log = join(dir, "log.jsonl");
  const args = [resolve(clientDir, "../tests/support", script), "--port-file", portFile, "--log", log, ...(failFirst ? ["--fail-first", String(failFirst)] : [])];
  // The system Python: Debian's python3-aiosmtpd is installed for it, whatever is first on PATH.
  const child: ChildProcess = spawn("/usr/bin/python3", args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  if (child.pid && process.env["LIVECHAT_TEST_PIDFILE"]) appendFileSync(process.env["LIVECHAT_TEST_PIDFILE"], `${child.pid}\n`);
  const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
  let port = 0;
  const deadline = Date.now() + 10_000;
  while (!port) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${stderr}`);
    try {
      port = Number(readFileSync(portFile, "utf8").trim());
    } catch {
      /* not listening yet (the script renames the file into place once it is) */
    }
    if (!port && Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${name} not listening in 10 s: ${stderr}`);
    }
    if (!port) await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    entries() {
      let text = "";
      try {
        text = readFileSync(log, "utf8");
      } catch {
        return []; // nothing came yet
      }
      // A line being appended right now is not whole yet: only complete lines count.
      return text.split("\n").slice(0, -1).filter(Boolean).map((l) => JSON.parse(l) as T);
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A real SMTP server on loopback (Debian's python3-aiosmtpd, tests/support/smtp_receiver.py);
 * `failFirst` messages are answered 451 (a mail server in trouble that recovers). */
export async function startMailReceiver(opts: { failFirst?: number } = {}): Promise<MailReceiver> {
  const server = await startScriptServer<Mail>("smtp receiver", "smtp_receiver.py", opts.failFirst);
  return {
    port: server.port,
    flags: ["--smtp-url", `smtp://127.0.0.1:${server.port}`, "--smtp-from", "support@example.test", "--smtp-tls", "none"],
    mails: () => server.entries(),
    stop: () => server.stop(),
  };
}

// ------------------------------------------------------------------ webhooks

/** One request the webhook receiver answered (tests/support/webhook_receiver.py: one JSON line each). */
export interface HookRequest {
  path: string;
  /** What it answered: 503 for the first `failFirst`, 200 after. */
  status: number;
  body: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
}

export interface WebhookReceiver {
  port: number;
  url(path?: string): string;
  /** What it got so far, in order. */
  requests(): HookRequest[];
  stop(): Promise<void>;
}

/** A real HTTP endpoint on loopback (python3's http.server, tests/support/webhook_receiver.py);
 * the first `failFirst` requests are answered 503 (a receiver that is down, then up). */
export async function startWebhookReceiver(opts: { failFirst?: number } = {}): Promise<WebhookReceiver> {
  const server = await startScriptServer<HookRequest>("webhook receiver", "webhook_receiver.py", opts.failFirst);
  return {
    port: server.port,
    url: (path = "/hook") => `http://127.0.0.1:${server.port}${path}`,
    requests: () => server.entries(),
    stop: () => server.stop(),
  };
}

export const launchArgs = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync",
];

/** Chromium from Debian; playwright-core gives every launch a fresh temporary --user-data-dir. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: launchArgs, timeout: 30_000 });
}

/** Console errors and uncaught exceptions of a page; expected network noise is left out. */
export function watchErrors(page: Page, errors: string[], label: string): void {
  const expected = /ERR_INTERNET_DISCONNECTED|ERR_NETWORK_CHANGED|WebSocket connection to .* failed|net::ERR_/;
  page.on("console", (m: ConsoleMessage) => {
    if (m.type() === "error" && !expected.test(m.text())) errors.push(`${label}: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`${label}: ${e.message}`));
}

export async function newPage(browser: Browser, errors: string[], label: string, viewport = { width: 1280, height: 800 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, locale: "en-US" });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  watchErrors(page, errors, label);
  return { context, page };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, `${name}.png`) });
}

// ------------------------------------------------------------------ page helpers

export async function openWidget(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByRole("button", { name: "Chat with us" }).click();
  await expect.poll(() => page.locator("#livechat-widget .root").getAttribute("data-phase")).not.toBe("connecting");
}

export async function joinChat(page: Page, o: { name: string; email?: string; department?: string; question: string }): Promise<void> {
  const w = page.locator("#livechat-widget");
  if ((await w.locator(".root").getAttribute("data-phase")) === "offline") {
    await w.getByRole("button", { name: "Wait in the queue instead" }).click();
  }
  await w.getByLabel("Your name").fill(o.name);
  if (o.email) await w.getByLabel("Email (optional)").fill(o.email);
  if (o.department) await w.getByLabel("Department").selectOption(o.department);
  await w.getByLabel("How can we help?").fill(o.question);
  await w.getByRole("button", { name: "Start chat" }).click();
  await w.locator('.root[data-phase="queued"], .root[data-phase="chat"]').waitFor();
}

/** The console's second way in: a pasted `livechat token` (what operators' scripts use). */
export async function tokenSignIn(page: Page, token: string): Promise<void> {
  await page.getByText("Sign in with a token").click();
  await page.getByLabel("Agent token").fill(token);
  await page.getByRole("button", { name: "Use this token" }).click();
}

/** The admin page, signed in with a pasted admin token, on one of its tabs. */
export async function adminSignIn(page: Page, base: string, token: string, tab: string): Promise<void> {
  await page.goto(`${base}/admin`);
  await page.getByText("Sign in with a token").click();
  await page.getByLabel("Admin token").fill(token);
  await page.getByRole("button", { name: "Use this token" }).click();
  await page.getByRole("button", { name: tab }).click();
}

export async function agentSignIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/agent`);
  await tokenSignIn(page, token);
  await page.getByText("Connected", { exact: true }).waitFor();
}

/** Texts of the messages in a transcript, in display order. */
export async function messages(scope: ReturnType<Page["locator"]>): Promise<string[]> {
  return scope.locator("li.msg .bubble").allTextContents();
}

export async function widgetSend(page: Page, text: string): Promise<void> {
  const box = page.locator("#livechat-widget").getByLabel("Type your message");
  await box.fill(text);
  await box.press("Enter");
}

export async function agentSend(page: Page, text: string): Promise<void> {
  const box = page.getByLabel("Reply", { exact: true });
  await box.fill(text);
  await box.press("Enter");
}

// ------------------------------------------------------------------ a test file's set-up

export const poll = (fn: () => Promise<unknown>, timeout = 15_000) => expect.poll(fn, { timeout, interval: 100 });

export interface BrowserSuite {
  /** One Chromium for the file. */
  readonly browser: Browser;
  /** The pages' console errors of the running test (checked empty after it). */
  readonly errors: string[];
  /** A server for this test (stopped after it). */
  server(opts?: Parameters<typeof startServer>[0]): Promise<Server>;
  /** A page of this test, its console errors collected. */
  page(label: string, viewport?: { width: number; height: number }): Promise<Page>;
  /** The same, with its own browser context (what newPage gives). */
  open(label: string, viewport?: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }>;
}

/** The usual life of a browser test file, registered with Vitest: Chromium launched once, a
 * server and fresh errors per test, the server stopped and the errors checked after each. */
export function browserSuite(): BrowserSuite {
  let browser: Browser | undefined;
  let server: Server | undefined;
  let errors: string[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    const seen = errors;
    errors = [];
    expect(seen, "console errors in the pages").toEqual([]);
  });
  return {
    get browser() {
      return browser!;
    },
    get errors() {
      return errors;
    },
    async server(opts) {
      server = await startServer(opts);
      return server;
    },
    async page(label, viewport) {
      return (await newPage(browser!, errors, label, viewport)).page;
    },
    open(label, viewport) {
      return newPage(browser!, errors, label, viewport);
    },
  };
}

/** The browser logs refused requests (400, 404, 409) itself; expected where a test provokes them. */
export function dropRefused(errors: string[]): void {
  for (let i = errors.length - 1; i >= 0; i--) if (/status of 40[0-9]/.test(errors[i]!)) errors.splice(i, 1);
}

/** PUT /api/departments/{id} with an admin token; it must be taken. */
export async function putDepartment(s: Server, adminToken: string, id: string, body: Record<string, unknown>): Promise<void> {
  const r = await s.send(`/api/departments/${id}`, body, adminToken, "PUT");
  expect(r.status, r.body).toBe(200);
}

/** The widget's phase (data-phase of its root). */
export function widgetPhase(page: Page): Promise<string | null> {
  return page.locator("#livechat-widget .root").getAttribute("data-phase");
}
