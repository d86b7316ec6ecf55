import { describe, expect, it, vi } from "vitest";
import {
  acceptAttr, attachmentOf, checkFile, englishFileTexts, fetchFile, fileLabel, filePolicy, fromBase64, httpBase,
  humanSize, isInlineImage, messageSummary, previewType, previewUrl, toBase64, typeAllowed, uploadErrorText, uploadFile,
  uploadUrl, type FileServer,
} from "../../src/lib/attachments.js";
import { fileBadge } from "../../src/lib/attachment_view.js";
import { ConversationLog } from "../../src/lib/conversation.js";
import { AttachmentSchema, ChatEventSchema, EventKind, Role, WelcomeSchema, create } from "../../src/lib/proto.js";
import { ApiError } from "../../src/lib/session.js";
import { en, strings } from "../../src/widget/i18n.js";

const MB = 1024 * 1024;

describe("typeAllowed", () => {
  it("matches exact types and wildcards, ignoring case", () => {
    expect(typeAllowed("image/png", ["image/png"])).toBe(true);
    expect(typeAllowed("IMAGE/PNG", ["image/png"])).toBe(true);
    expect(typeAllowed("image/webp", ["application/pdf", "image/*"])).toBe(true);
    expect(typeAllowed("application/pdf", ["*/*"])).toBe(true);
    expect(typeAllowed("application/pdf", ["image/*", "text/plain"])).toBe(false);
    // "image/*" is a prefix with its slash: "imagex/…" is not an image.
    expect(typeAllowed("imagex/png", ["image/*"])).toBe(false);
    expect(typeAllowed("image/png", [])).toBe(false);
  });
  it("never lets a wildcard admit what a browser would run, as the server does", () => {
    expect(typeAllowed("image/svg+xml", ["image/*"])).toBe(false);
    expect(typeAllowed("text/html", ["text/*", "*/*"])).toBe(false);
    expect(typeAllowed("text/javascript", ["*/*"])).toBe(false);
    // Named, they are taken.
    expect(typeAllowed("image/svg+xml", ["image/*", "image/svg+xml"])).toBe(true);
  });
});

describe("checkFile", () => {
  const policy = { maxBytes: MB, types: ["image/*", "application/pdf"] };
  it("refuses what is over the limit, then what is of another type", () => {
    expect(checkFile({ size: MB + 1, type: "image/png" }, policy)).toBe("too_large");
    expect(checkFile({ size: MB, type: "image/png" }, policy)).toBeUndefined();
    expect(checkFile({ size: 10, type: "application/zip" }, policy)).toBe("unsupported_type");
    expect(checkFile({ size: 10, type: "application/pdf" }, policy)).toBeUndefined();
  });
  it("leaves a file the browser has no type for to the server, which sniffs it", () => {
    expect(checkFile({ size: 10, type: "" }, policy)).toBeUndefined();
    expect(checkFile({ size: 2 * MB, type: "" }, policy)).toBe("too_large");
  });
  it("takes any type when the server lists none", () => {
    expect(checkFile({ size: 10, type: "application/zip" }, { maxBytes: MB, types: [] })).toBeUndefined();
  });
});

describe("filePolicy and the picker's accept", () => {
  it("is off at 0 bytes (an older server says nothing: off too)", () => {
    expect(filePolicy(create(WelcomeSchema, {}))).toBeUndefined();
    expect(filePolicy(undefined)).toBeUndefined();
    expect(filePolicy(create(WelcomeSchema, { maxFileBytes: 5n * BigInt(MB), fileTypes: ["image/*"] }))).toEqual({ maxBytes: 5 * MB, types: ["image/*"] });
  });
  it("limits the picker to the server's types, unless it takes anything", () => {
    expect(acceptAttr({ maxBytes: 1, types: ["image/*", "application/pdf"] })).toBe("image/*,application/pdf");
    expect(acceptAttr({ maxBytes: 1, types: ["*/*"] })).toBeUndefined();
    expect(acceptAttr({ maxBytes: 1, types: [] })).toBeUndefined();
  });
});

describe("humanSize", () => {
  it("counts in powers of 1024, one decimal below 10", () => {
    expect(humanSize(0)).toBe("0 B");
    expect(humanSize(512)).toBe("512 B");
    expect(humanSize(1023)).toBe("1023 B");
    expect(humanSize(1024)).toBe("1 KB");
    expect(humanSize(1536)).toBe("1.5 KB");
    expect(humanSize(MB)).toBe("1 MB");
    expect(humanSize(2.5 * MB)).toBe("2.5 MB");
    expect(humanSize(25 * MB)).toBe("25 MB");
    expect(humanSize(3 * 1024 * MB)).toBe("3 GB");
  });
  it("writes the number the visitor's way", () => {
    expect(humanSize(1536, "fr")).toBe("1,5 KB");
    expect(humanSize(1536, "de")).toBe("1,5 KB");
  });
  it("names files in text transcripts and one-line summaries", () => {
    expect(fileLabel({ name: "invoice.pdf", size: 2.5 * MB })).toBe("[file: invoice.pdf (2.5 MB)]");
    expect(messageSummary("", { name: "photo.png" })).toBe("📎 photo.png");
    expect(messageSummary("look", { name: "photo.png" })).toBe("look");
    expect(messageSummary("plain", undefined)).toBe("plain");
  });
});

describe("attachments from events", () => {
  it("come into the log with their numbers and preview", () => {
    const log = new ConversationLog("c1", Role.VISITOR);
    const preview = new Uint8Array([0xff, 0xd8, 0xff, 0xe0]);
    log.add(create(ChatEventSchema, {
      conversationId: "c1", seq: 1n, kind: EventKind.MESSAGE, senderRole: Role.AGENT, senderId: "alice", text: "",
      attachment: create(AttachmentSchema, { id: "f" + "0".repeat(24), name: "a.jpg", type: "image/jpeg", size: 1234n, width: 640, height: 480, preview }),
    }));
    log.add(create(ChatEventSchema, { conversationId: "c1", seq: 2n, kind: EventKind.MESSAGE, senderRole: Role.AGENT, text: "no file" }));
    const [withFile, without] = log.items();
    expect(withFile!.attachment).toEqual({ id: "f" + "0".repeat(24), name: "a.jpg", type: "image/jpeg", size: 1234, width: 640, height: 480, preview });
    expect(without!.attachment).toBeUndefined();
  });
  it("an attachment without a preview has none, and one without an id is none", () => {
    expect(attachmentOf(create(AttachmentSchema, { id: "f1", name: "x.pdf", type: "application/pdf", size: 9n }))).toEqual({ id: "f1", name: "x.pdf", type: "application/pdf", size: 9, width: 0, height: 0 });
    expect(attachmentOf(create(AttachmentSchema, {}))).toBeUndefined();
    expect(attachmentOf(undefined)).toBeUndefined();
  });
  it("an own message waiting for its Ack shows its file", () => {
    const log = new ConversationLog("c1", Role.VISITOR);
    const a = { id: "f1", name: "x.pdf", type: "application/pdf", size: 9, width: 0, height: 0 };
    log.addPending("m1", "", "Vera", 1, EventKind.MESSAGE, a);
    expect(log.pendingItems()[0]!.attachment).toEqual(a);
  });
  it("a file chip's badge is its extension", () => {
    expect(fileBadge("invoice 2024 (final).pdf")).toBe("PDF");
    expect(fileBadge("backup.tar.gz")).toBe("GZ");
    expect(fileBadge("photo.jpeg")).toBe("JPEG");
    expect(fileBadge("README")).toBe("FILE");
    expect(fileBadge("notes.markdown")).toBe("FILE");
  });
  it("only raster images are shown inline", () => {
    for (const t of ["image/png", "image/jpeg", "image/gif", "image/webp"]) expect(isInlineImage(t)).toBe(true);
    for (const t of ["image/svg+xml", "image/bmp", "application/pdf", ""]) expect(isInlineImage(t)).toBe(false);
  });
});

describe("preview bytes", () => {
  const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xdb, 1, 2, 3]);
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const webp = new TextEncoder().encode("RIFF\x10\x00\x00\x00WEBPVP8 ");
  it("are typed from their first bytes", () => {
    expect(previewType(jpeg)).toBe("image/jpeg");
    expect(previewType(png)).toBe("image/png");
    expect(previewType(webp)).toBe("image/webp");
    expect(previewType(new TextEncoder().encode("<svg>"))).toBeUndefined();
  });
  it("become data: URLs (nothing to revoke); unknown bytes none", () => {
    expect(previewUrl(jpeg)).toBe(`data:image/jpeg;base64,${Buffer.from(jpeg).toString("base64")}`);
    expect(previewUrl(new Uint8Array([1, 2, 3]))).toBeUndefined();
    expect(previewUrl(undefined)).toBeUndefined();
  });
  it("go through base64 unchanged (the widget's outbox keeps them so)", () => {
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 7) % 256);
    expect(fromBase64(toBase64(bytes))).toEqual(bytes);
    expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString("base64"));
  });
});

describe("httpBase", () => {
  it("turns the widget's server into an http(s) origin", () => {
    expect(httpBase("wss://chat.example.org/ws")).toBe("https://chat.example.org");
    expect(httpBase("ws://127.0.0.1:8080")).toBe("http://127.0.0.1:8080");
    expect(httpBase("https://chat.example.org/widget/")).toBe("https://chat.example.org");
    expect(httpBase("")).toBe("");
  });
});

/** A fake fetch answering from a list of responses, recording every request. */
function fakeFetch(...answers: (Response | Error)[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const f = vi.fn(async (url: string, init: RequestInit = {}) => {
    calls.push({ url, init });
    const a = answers.shift();
    if (!a) throw new Error("no more answers");
    if (a instanceof Error) throw a;
    return a;
  });
  return { f: f as unknown as typeof fetch, calls };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const stored = { id: "f0123456789abcdef01234567", name: "résumé & co?.pdf", type: "application/pdf", size: 5, width: 0, height: 0 };

describe("uploadFile", () => {
  it("posts the raw bytes to /api/files with the conversation, the encoded name, the token and the type", async () => {
    const { f, calls } = fakeFetch(json(201, stored));
    const srv: FileServer = { base: "https://chat.example.org", token: () => "tok", fetch: f };
    const file = new Blob(["%PDF-"], { type: "application/pdf" });
    await expect(uploadFile(srv, "c0123", file, "résumé & co?.pdf")).resolves.toEqual(stored);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe("https://chat.example.org/api/files?conversation=c0123&name=r%C3%A9sum%C3%A9%20%26%20co%3F.pdf");
    expect(calls[0]!.init.method).toBe("POST");
    expect(calls[0]!.init.headers).toEqual({ "Content-Type": "application/pdf", Authorization: "Bearer tok" });
    expect(calls[0]!.init.body).toBe(file);
    expect(uploadUrl("", "c1", "a/b#c.txt")).toBe("/api/files?conversation=c1&name=a%2Fb%23c.txt");
  });

  it("sends a file the browser cannot type as application/octet-stream", async () => {
    const { f, calls } = fakeFetch(json(201, { ...stored, type: "image/png", width: 2, height: 3 }));
    const up = await uploadFile({ base: "", token: () => "t", fetch: f }, "c1", new Blob(["x"]), "noext");
    expect((calls[0]!.init.headers as Record<string, string>)["Content-Type"]).toBe("application/octet-stream");
    expect(up).toMatchObject({ type: "image/png", width: 2, height: 3 });
  });

  it("renews a refused token once and tries again with the new one", async () => {
    const { f, calls } = fakeFetch(json(401, { error: { code: "unauthenticated", message: "token expired" } }), json(201, stored));
    let token = "old";
    const renew = vi.fn(async () => ((token = "new"), true));
    await uploadFile({ base: "", token: () => token, renew, fetch: f }, "c1", new Blob(["x"]), "x.pdf");
    expect(renew).toHaveBeenCalledTimes(1);
    expect(calls.map((c) => (c.init.headers as Record<string, string>)["Authorization"])).toEqual(["Bearer old", "Bearer new"]);
  });

  it("turns the server's refusals into ApiError with its code and words", async () => {
    const { f } = fakeFetch(json(413, { error: { code: "too_large", message: "file is over 1 MB" } }));
    const err = await uploadFile({ base: "", token: () => "t", fetch: f }, "c1", new Blob(["x"]), "x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 413, code: "too_large", message: "file is over 1 MB" });
  });

  it("a network failure is status 0, a page that is not JSON keeps its status", async () => {
    const { f } = fakeFetch(new TypeError("Failed to fetch"), new Response("<html>bad gateway</html>", { status: 502 }));
    const srv = { base: "", token: () => "t", fetch: f };
    await expect(uploadFile(srv, "c1", new Blob(["x"]), "x")).rejects.toMatchObject({ status: 0, code: "network" });
    await expect(uploadFile(srv, "c1", new Blob(["x"]), "x")).rejects.toMatchObject({ status: 502, message: "HTTP 502" });
  });
});

describe("fetchFile", () => {
  it("gets the bytes with the token, as a download when asked", async () => {
    const { f, calls } = fakeFetch(new Response("abc"), new Response("abc"));
    const srv = { base: "http://h:1", token: () => "tok", fetch: f };
    expect(await (await fetchFile(srv, "f1")).text()).toBe("abc");
    await fetchFile(srv, "f1", true);
    expect(calls.map((c) => c.url)).toEqual(["http://h:1/api/files/f1", "http://h:1/api/files/f1?download=1"]);
    expect(calls[0]!.init.headers).toEqual({ Authorization: "Bearer tok" });
  });
  it("a 404 is an ApiError", async () => {
    const { f } = fakeFetch(json(404, { error: { code: "not_found", message: "no such file" } }));
    await expect(fetchFile({ base: "", token: () => "t", fetch: f }, "f1")).rejects.toMatchObject({ status: 404, code: "not_found" });
  });
});

describe("uploadErrorText", () => {
  const policy = { maxBytes: 10 * MB, types: ["image/*"] };
  const text = (status: number, code: string, message = "") => uploadErrorText(new ApiError(status, code, message), policy, englishFileTexts);
  it("says the two refusals the browser knows in the page's words, with the limit", () => {
    expect(text(413, "too_large", "upload over the limit")).toBe("That file is over 10 MB");
    expect(text(415, "unsupported_type", "application/zip is not accepted")).toBe("That type of file can't be sent");
    const fr = strings("fr");
    expect(uploadErrorText(new ApiError(413, "too_large", ""), policy, { ...englishFileTexts, tooLarge: fr.fileTooLarge }, "fr")).toBe("Ce fichier dépasse 10 MB");
  });
  it("the network, a rate limit and unknown failures in the page's words", () => {
    expect(text(0, "network")).toBe(englishFileTexts.network);
    expect(text(429, "rate_limited", "slow down")).toBe(englishFileTexts.rateLimited);
    expect(text(500, "", "HTTP 500")).toBe(englishFileTexts.uploadFailed);
    expect(uploadErrorText(new Error("boom"), policy, englishFileTexts)).toBe(englishFileTexts.uploadFailed);
  });
  it("anything else as the server says it, as a sentence", () => {
    expect(text(409, "conflict", "conversation is closed")).toBe("Conversation is closed.");
    expect(text(404, "not_found", "No such conversation.")).toBe("No such conversation.");
    expect(text(503, "unavailable", "file storage is unavailable")).toBe("File storage is unavailable.");
  });
});

describe("widget strings", () => {
  it("every built-in language has its own words for files", () => {
    const keys = ["attach", "takePhoto", "removeFile", "dropHint", "uploading", "fileTooLarge", "fileType", "uploadNetwork", "uploadBusy", "uploadFailed", "downloadFile", "openImage", "fileFailed"] as const;
    for (const lang of ["fr", "de", "es"]) {
      const t = strings(lang);
      for (const k of keys) expect(t[k], `${lang}.${k}`).not.toBe(en[k]);
    }
    expect(en.fileTooLarge).toContain("{size}");
  });
});
