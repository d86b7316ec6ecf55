// Files in chat against the real server (its system of record keeps the bytes): a visitor picks
// a photo, the agent sees its preview at once and then the image, fetched with the token; the
// agent drops a PDF, the visitor downloads the very bytes; a pasted text file; the supervisor's
// monitor pane and History show the files; a file over the limit or of a refused type is said
// by the composer and the typed text stays; with --max-file-mb 0 there is nothing to attach with.
import { readFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { humanSize } from "../../src/lib/attachments.js";
import {
  agentSignIn, browserSuite, joinChat, messages, openWidget, poll, screenshot, type Server,
} from "./harness.js";

const suite = browserSuite();

// ------------------------------------------------------------------ files made here

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A real PNG (8-bit RGB, a colour gradient): the browser decodes it, the server reads its size. */
function png(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    const at = y * (1 + width * 3);
    for (let x = 0; x < width; x++) rows.set([(x * 255) / width, (y * 255) / height, 160], at + 1 + x * 3);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

interface LocalFile { name: string; type: string; bytes: Buffer }

/** A DataTransfer holding `files`, made in the page (what a drag from the desktop carries). */
async function transfer(page: Page, files: LocalFile[]) {
  return page.evaluateHandle((fs) => {
    const dt = new DataTransfer();
    for (const f of fs) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type }));
    return dt;
  }, files.map((f) => ({ name: f.name, type: f.type, bytes: [...f.bytes] })));
}

/** Drags `files` over `selector` (the hint shows: `whileOver` runs then) and drops them. */
async function dropFiles(page: Page, selector: string, files: LocalFile[], whileOver?: () => Promise<void>): Promise<void> {
  const dt = await transfer(page, files);
  await page.dispatchEvent(selector, "dragenter", { dataTransfer: dt });
  await page.dispatchEvent(selector, "dragover", { dataTransfer: dt });
  await whileOver?.();
  await page.dispatchEvent(selector, "drop", { dataTransfer: dt });
}

/** Pastes `files` into the focused-or-not field `selector` (a screenshot tool's clipboard). */
async function pasteFiles(page: Page, selector: string, files: LocalFile[]): Promise<void> {
  const dt = await transfer(page, files);
  await page.locator(selector).evaluate((el, d) => el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: d, bubbles: true, cancelable: true })), dt);
}

/** A visitor in a chat with alice (both pages open on it). */
async function chatting(s: Server) {
  const a = await suite.open("agent");
  await agentSignIn(a.page, s.base, s.token("alice", { name: "Alice", departments: ["billing"] }));
  const v = await suite.open("visitor");
  await openWidget(v.page, s.base);
  await joinChat(v.page, { name: "Vera", department: "billing", question: "my screen shows an error" });
  const w = v.page.locator("#livechat-widget");
  await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("chat");
  await a.page.locator(".chat-item").first().click();
  await poll(() => messages(a.page.locator(".log"))).toEqual(["my screen shows an error"]);
  const conv = (await a.page.locator(".chat-item").first().getAttribute("data-conv"))!;
  return { a, v, w, conv };
}

describe("files in chat", () => {
  it("a photo from the visitor's picker, a PDF dropped by the agent, a pasted text file; the monitor pane and History show them", async () => {
    const s = await suite.server();
    const { a, v, w, conv } = await chatting(s);
    const image = png(64, 48);

    // The agent's page holds the image itself back for a while: its preview shows first.
    let release!: () => void;
    const held = new Promise<void>((ok) => (release = ok));
    await a.page.route(/\/api\/files\/f[0-9a-f]+$/, async (route) => {
      await held;
      await route.continue();
    });

    // 1. The visitor picks a photo with the paper clip and writes a caption.
    const attach = w.getByRole("button", { name: "Attach a file" });
    const [chooser] = await Promise.all([v.page.waitForEvent("filechooser"), attach.click()]);
    expect(chooser.isMultiple()).toBe(true);
    await chooser.setFiles({ name: "screenshot.png", mimeType: "image/png", buffer: image });
    await poll(() => w.locator(".att-chip .att-name").allTextContents()).toEqual(["screenshot.png"]);
    await w.getByLabel("Type your message").fill("Here is what I see");
    await w.getByRole("button", { name: "Send" }).click();
    const own = w.locator("li.msg.own .att-image");
    await poll(() => own.getAttribute("data-state")).toBe("full");
    await poll(() => w.locator(".att-chip").count()).toBe(0);
    await expect(w.getByLabel("Type your message").inputValue()).resolves.toBe("");
    await screenshot(v.page, "widget-attachment-image");

    // The agent: the preview (the visitor's own small JPEG, from the event) before the image.
    const fig = a.page.locator(".log li.msg .att-image");
    await poll(() => fig.getAttribute("data-state")).toBe("preview");
    const img = fig.locator("img");
    await expect(img.getAttribute("src")).resolves.toMatch(/^data:image\/jpeg;base64,/);
    await poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth)).toBe(64);
    await expect(fig.locator(".att-name").textContent()).resolves.toBe("screenshot.png");
    await poll(() => messages(a.page.locator(".log"))).toEqual(["my screen shows an error", "Here is what I see"]);
    await screenshot(a.page, "agent-attachment-preview");
    release();
    await poll(() => fig.getAttribute("data-state")).toBe("full");
    await expect(img.getAttribute("src")).resolves.toMatch(/^blob:/);
    await poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalHeight)).toBe(48);
    // The server keeps the very bytes, for staff of the conversation.
    const fileId = (await fig.getAttribute("data-file"))!;
    expect(fileId).toMatch(/^f[0-9a-f]{24}$/);
    const got = await fetch(`${s.base}/api/files/${fileId}`, { headers: { Authorization: `Bearer ${s.token("alice", { departments: ["billing"] })}` } });
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer())).toEqual(image);
    // A click opens it full size in a new tab.
    const [popup] = await Promise.all([a.page.waitForEvent("popup"), fig.locator("a.att-open").click()]);
    await popup.waitForLoadState();
    expect(popup.url()).toMatch(/^blob:/);
    await popup.close();

    // 2. The agent drops a PDF on the chat: the hint shows while it is over it.
    await dropFiles(a.page, ".main", [{ name: "invoice 2024 (final).pdf", type: "application/pdf", bytes: PDF }], async () => {
      await poll(() => a.page.locator(".drop-hint").isVisible()).toBe(true);
      await screenshot(a.page, "agent-drop-hint");
    });
    await poll(() => a.page.locator(".drop-hint").isVisible()).toBe(false);
    await poll(() => a.page.locator(".att-chip .att-name").allTextContents()).toEqual(["invoice 2024 (final).pdf"]);
    // Notes take no files: the Note toggle puts the paper clip and the staged file away.
    await a.page.locator("#note-toggle").click();
    await expect(a.page.getByRole("button", { name: "Attach a file" }).isVisible()).resolves.toBe(false);
    expect(await a.page.locator(".att-chip").count()).toBe(0);
    await a.page.locator("#note-toggle").click();
    await dropFiles(a.page, ".main", [{ name: "invoice 2024 (final).pdf", type: "application/pdf", bytes: PDF }]);
    await poll(() => a.page.locator(".att-chip .att-name").allTextContents()).toEqual(["invoice 2024 (final).pdf"]);
    await a.page.locator("#send").click();
    await poll(() => a.page.locator(".log li.msg.own .att-file .att-name").textContent()).toBe("invoice 2024 (final).pdf");
    // The visitor: a chip with the name, the size and Download, which saves the bytes.
    const chip = w.locator("li.msg.other .att-file");
    await poll(() => chip.locator(".att-name").textContent()).toBe("invoice 2024 (final).pdf");
    await expect(chip.locator(".att-size").textContent()).resolves.toBe(humanSize(PDF.length));
    await screenshot(v.page, "widget-file-chip");
    const download = v.page.waitForEvent("download");
    await chip.getByRole("button", { name: /^Download/ }).click();
    const saved = await download;
    expect(saved.suggestedFilename()).toBe("invoice 2024 (final).pdf");
    expect(readFileSync((await saved.path())!)).toEqual(PDF);

    // 3. The visitor pastes a text file into the composer.
    await pasteFiles(v.page, "#livechat-widget textarea", [{ name: "error-log.txt", type: "text/plain", bytes: Buffer.from("E42 at 10:31\n") }]);
    await poll(() => w.locator(".att-chip .att-name").allTextContents()).toEqual(["error-log.txt"]);
    await w.getByLabel("Type your message").press("Enter");
    await poll(() => a.page.locator(".log li.msg .att-file .att-name").allTextContents()).toEqual(["invoice 2024 (final).pdf", "error-log.txt"]);
    // The list shows a message without words by its file.
    await poll(() => a.page.locator(".chat-item .preview").textContent()).toBe("📎 error-log.txt");

    // 4. A supervisor monitoring the chat sees the files too.
    const sup = await suite.open("supervisor");
    await sup.page.goto(`${s.base}/agent`);
    await sup.page.evaluate(() => localStorage.setItem("livechat:agent-prefs", JSON.stringify({ presence: 2 })));
    await agentSignIn(sup.page, s.base, s.token("sue", { name: "Sue", departments: ["billing"], supervisor: true }));
    await sup.page.locator("#tab-live").click();
    await sup.page.locator(".live-item").first().getByRole("button", { name: /Monitor/ }).click();
    const pane = sup.page.locator(".monitor-pane");
    await poll(() => pane.locator(".att-image").getAttribute("data-state")).toBe("full");
    await poll(() => pane.locator(".att-file .att-name").allTextContents()).toEqual(["invoice 2024 (final).pdf", "error-log.txt"]);
    await screenshot(sup.page, "supervisor-monitor-attachments");

    // 5. The visitor's transcript lists the files; History shows them after the close.
    const transcript = v.page.waitForEvent("download");
    await w.getByRole("button", { name: "Download transcript" }).click();
    const text = readFileSync((await (await transcript).path())!, "utf8");
    expect(text).toContain(`Vera: Here is what I see [file: screenshot.png (${humanSize(image.length)})]`);
    expect(text).toContain(`Alice: [file: invoice 2024 (final).pdf (${humanSize(PDF.length)})]`);
    expect(text).toContain("[file: error-log.txt (13 B)]");
    await a.page.locator("#close-chat").click();
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("closed");
    // Closed conversations reach the archive a moment after the close.
    const staff = s.token("alice", { name: "Alice", departments: ["billing"] });
    await poll(async () => (await s.get("/api/conversations?limit=100", staff)).body.includes(conv)).toBe(true);
    await a.page.getByRole("tab", { name: "History" }).click();
    await poll(() => a.page.locator(`.hist-item[data-conv="${conv}"]`).count()).toBe(1);
    await a.page.locator(`.hist-item[data-conv="${conv}"]`).click();
    const hist = a.page.locator(".hist-conv");
    await poll(() => hist.locator(".att-image").getAttribute("data-state")).toBe("full");
    await poll(() => hist.locator(".att-file .att-name").allTextContents()).toEqual(["invoice 2024 (final).pdf", "error-log.txt"]);
    await screenshot(a.page, "history-attachments");
  });

  it("a file over the limit is refused in the browser, one the server refuses says why; the typed text stays", async () => {
    const { a, v, w } = await chatting(await suite.server({ args: ["--max-file-mb", "1"] }));
    const requests: string[] = [];
    v.page.on("request", (r) => { if (r.url().includes("/api/files")) requests.push(r.url()); });
    await w.getByLabel("Type your message").fill("see attached");
    const [chooser] = await Promise.all([v.page.waitForEvent("filechooser"), w.getByRole("button", { name: "Attach a file" }).click()]);
    await chooser.setFiles({ name: "holiday.png", mimeType: "image/png", buffer: Buffer.alloc(1.5 * 1024 * 1024, 1) });
    await poll(() => w.locator(".att-problem").textContent()).toBe("That file is over 1 MB");
    expect(await w.locator(".att-chip").count()).toBe(0);
    expect(requests).toEqual([]);
    await expect(w.getByLabel("Type your message").inputValue()).resolves.toBe("see attached");
    await screenshot(v.page, "widget-file-too-large");

    // Named .png by the browser, HTML by its bytes: the server refuses it (415).
    await dropFiles(a.page, ".main", [{ name: "page.png", type: "image/png", bytes: Buffer.from("<!doctype html><script>alert(1)</script>") }]);
    await a.page.getByLabel("Reply", { exact: true }).fill("a caption that must stay");
    await a.page.locator("#send").click();
    await poll(() => a.page.locator(".att-problem").textContent()).toBe("That type of file can't be sent");
    await expect(a.page.getByLabel("Reply", { exact: true }).inputValue()).resolves.toBe("a caption that must stay");
    await expect(a.page.locator(".att-chip .att-name").allTextContents()).resolves.toEqual(["page.png"]);
    await expect(a.page.locator("#send").isEnabled()).resolves.toBe(true);
    // The browser logs the refused request itself.
    expect(suite.errors).toEqual(["agent: Failed to load resource: the server responded with a status of 415 (Unsupported Media Type)"]);
    suite.errors.length = 0;
    await screenshot(a.page, "agent-file-refused");
    expect(await messages(w)).toEqual(["my screen shows an error"]);
  });

  it("with --max-file-mb 0 nothing offers to attach a file", async () => {
    const { a, v, w } = await chatting(await suite.server({ args: ["--max-file-mb", "0"] }));
    await expect(w.getByLabel("Type your message").isVisible()).resolves.toBe(true);
    expect(await w.getByRole("button", { name: "Attach a file" }).count()).toBe(0);
    expect(await a.page.getByRole("button", { name: "Attach a file" }).count()).toBe(0);
    // A drop is not taken either (no hint).
    await dropFiles(a.page, ".main", [{ name: "x.pdf", type: "application/pdf", bytes: PDF }]);
    expect(await a.page.locator(".att-chip").count()).toBe(0);
    await screenshot(v.page, "widget-no-attachments");
  });
});
