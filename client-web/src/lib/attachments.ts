// Files in chat, shared by the widget and the console: what the server takes (Welcome), the
// browser's own check before an upload (the server sniffs the bytes and decides; this only
// spares the visitor a useless wait), the upload and download requests, and their errors in
// words. No DOM here: unit-tested in node.
import { ApiError } from "./session.js";
import type { Attachment, Welcome } from "./proto.js";

/** An attachment as the pages use it (sizes as numbers; the preview only when one came). */
export interface AttachmentInfo {
  id: string;
  name: string;
  type: string;
  size: number;
  width: number;
  height: number;
  /** The uploader's small rendering of an image (PNG, JPEG or WebP bytes). */
  preview?: Uint8Array;
}

/** What POST /api/files answers (201). */
export type UploadedFile = Omit<AttachmentInfo, "preview">;

/** What this server takes; undefined: attachments are off (show nothing to attach with). */
export interface FilePolicy {
  maxBytes: number;
  types: string[];
}

type Fetch = typeof fetch;

export function filePolicy(w: Pick<Welcome, "maxFileBytes" | "fileTypes"> | undefined): FilePolicy | undefined {
  const max = Number(w?.maxFileBytes ?? 0n);
  return max > 0 ? { maxBytes: max, types: [...(w?.fileTypes ?? [])] } : undefined;
}

/** The first protocol whose DepartmentStatus carries each department's own file limits. */
export const FILES_PROTOCOL = 7;

type FileFacts = Pick<Welcome, "maxFileBytes" | "fileTypes" | "departmentStatus" | "protocolVersion">;

/** What a conversation of `department` takes: that department's limit and types as the Welcome
 * lists them (an admin's setting, else the server's; 0: no files there), else the server's. */
export function departmentFilePolicy(w: FileFacts | undefined, department: string): FilePolicy | undefined {
  const d = department && (w?.protocolVersion ?? 0) >= FILES_PROTOCOL ? w?.departmentStatus.find((s) => s.department === department) : undefined;
  return d ? filePolicy(d) : filePolicy(w);
}

export function attachmentOf(a: Attachment | undefined): AttachmentInfo | undefined {
  if (!a?.id) return undefined;
  return {
    id: a.id, name: a.name, type: a.type, size: Number(a.size), width: a.width, height: a.height,
    ...(a.preview.length ? { preview: a.preview } : {}),
  };
}

// Types a browser runs or renders as a document: a wildcard never admits them, as on the server
// (core/file_type.cpp), so the browser refuses them up front instead of after the upload.
const activeTypes = new Set(["text/html", "image/svg+xml", "application/xml", "text/xml", "text/javascript", "application/xhtml+xml"]);

/** Whether `type` is one of `accepted` ("image/png", "image/*", "*\/*"), the server's rule. */
export function typeAllowed(type: string, accepted: readonly string[]): boolean {
  const t = type.toLowerCase();
  for (const raw of accepted) {
    const p = raw.trim().toLowerCase();
    if (p === t) return true;
    if (activeTypes.has(t)) continue;
    if (p === "*/*") return true;
    if (p.length > 2 && p.endsWith("/*") && t.startsWith(p.slice(0, -1))) return true;
  }
  return false;
}

export type FileRefusal = "too_large" | "unsupported_type";

/** The browser's check of a picked file. A file without a type (an unknown extension) goes to the
 * server, which sniffs its bytes: only a type the browser knows can be refused here. */
export function checkFile(file: { size: number; type: string }, policy: FilePolicy): FileRefusal | undefined {
  if (file.size > policy.maxBytes) return "too_large";
  if (file.type && policy.types.length && !typeAllowed(file.type, policy.types)) return "unsupported_type";
  return undefined;
}

/** The file picker's `accept` (undefined: anything, the server decides). */
export function acceptAttr(policy: FilePolicy): string | undefined {
  return !policy.types.length || policy.types.includes("*/*") ? undefined : policy.types.join(",");
}

/** "512 B", "1.5 KB", "25 MB" (powers of 1024, as file managers count). */
export function humanSize(bytes: number, locale?: string): string {
  const units = ["B", "KB", "MB", "GB"];
  let v = Math.max(0, bytes);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  // One decimal below 10 (1.5 MB), none above (25 MB); whole bytes.
  const digits = i === 0 || v >= 10 ? 0 : 1;
  const n = new Intl.NumberFormat(locale, { maximumFractionDigits: digits, useGrouping: false }).format(Number(v.toFixed(digits)));
  return `${n} ${units[i]}`;
}

/** The line a text transcript gives a file: "[file: report.pdf (1.2 MB)]". */
export function fileLabel(a: { name: string; size: number }, locale?: string): string {
  return `[file: ${a.name} (${humanSize(a.size, locale)})]`;
}

/** A message in one line (lists, notifications): its text, else the file's name. */
export function messageSummary(text: string, a: { name: string } | undefined): string {
  return text || (a ? `📎 ${a.name}` : "");
}

/** Images the server serves inline (the others are downloads only). */
export function isInlineImage(type: string): boolean {
  return ["image/png", "image/jpeg", "image/gif", "image/webp"].includes(type.toLowerCase());
}

/** The media type of preview bytes from their first bytes (for a data: URL). */
export function previewType(b: Uint8Array): string | undefined {
  if (b[0] === 0xff && b[1] === 0xd8) return "image/jpeg";
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return "image/png";
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (b.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "image/webp";
  return undefined;
}

export function toBase64(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A preview as an <img> source: a data: URL needs no revoking. */
export function previewUrl(b: Uint8Array | undefined): string | undefined {
  const type = b?.length ? previewType(b) : undefined;
  return b && type ? `data:${type};base64,${toBase64(b)}` : undefined;
}

/** The http(s) origin of a server given as http(s):// or ws(s):// (the widget's data-server). */
export function httpBase(server: string): string {
  if (!server) return "";
  const u = new URL(server, typeof location !== "undefined" ? location.href : "http://localhost/");
  if (u.protocol === "ws:") u.protocol = "http:";
  if (u.protocol === "wss:") u.protocol = "https:";
  return u.origin;
}

export function uploadUrl(base: string, conversationId: string, name: string): string {
  return `${base}/api/files?conversation=${encodeURIComponent(conversationId)}&name=${encodeURIComponent(name)}`;
}

export function fileUrl(base: string, id: string, download = false): string {
  return `${base}/api/files/${encodeURIComponent(id)}${download ? "?download=1" : ""}`;
}

/** Where files go and with which token; `renew` gets a new token after a 401 (staff sessions). */
export interface FileServer {
  base: string;
  token(): string;
  renew?: () => Promise<boolean>;
  fetch?: Fetch;
}

async function errorOf(r: Response): Promise<ApiError> {
  let code = "";
  let message = "";
  try {
    const b = (await r.json()) as { error?: { code?: string; message?: string } };
    code = b.error?.code ?? "";
    message = b.error?.message ?? "";
  } catch {
    /* not JSON (a proxy's page): the status says enough */
  }
  return new ApiError(r.status, code, message || `HTTP ${r.status}`);
}

/** One request with the bearer token; a 401 renews once (when it can) and tries again. */
async function authed(srv: FileServer, url: string, init: RequestInit = {}): Promise<Response> {
  const f = srv.fetch ?? ((...a) => fetch(...a));
  const go = () => f(url, { ...init, headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${srv.token()}` } });
  let r: Response;
  try {
    r = await go();
    if (r.status === 401 && srv.renew && (await srv.renew())) r = await go();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(0, "network", "could not reach the server");
  }
  if (!r.ok) throw await errorOf(r);
  return r;
}

/** POST /api/files: the raw bytes, typed as the browser knows them (the server sniffs its own). */
export async function uploadFile(srv: FileServer, conversationId: string, file: Blob, name: string): Promise<UploadedFile> {
  const r = await authed(srv, uploadUrl(srv.base, conversationId, name), {
    method: "POST",
    headers: { "Content-Type": file.type || "application/octet-stream" },
    body: file,
  });
  const u = (await r.json()) as Partial<UploadedFile>;
  if (!u.id) throw new ApiError(r.status, "bad_reply", "the server did not say which file it stored");
  return { id: u.id, name: u.name ?? name, type: u.type ?? "", size: u.size ?? file.size, width: u.width ?? 0, height: u.height ?? 0 };
}

/** GET /api/files/{id}: the bytes (the token goes in a header, so no plain <img src>). */
export async function fetchFile(srv: FileServer, id: string, download = false): Promise<Blob> {
  return (await authed(srv, fileUrl(srv.base, id, download), { cache: "no-store" })).blob();
}

/** The words of a refused or failed upload (the caller's language; {size} is the limit). */
export interface FileTexts {
  tooLarge: string;
  badType: string;
  network: string;
  rateLimited: string;
  uploadFailed: string;
}

export const englishFileTexts: FileTexts = {
  tooLarge: "That file is over {size}",
  badType: "That type of file can't be sent",
  network: "Could not reach the server to send the file. Check the connection and try again.",
  rateLimited: "Too many files at once. Wait a moment and try again.",
  uploadFailed: "The file could not be sent. Try again.",
};

export function refusalText(r: FileRefusal, policy: FilePolicy | undefined, t: FileTexts, locale?: string): string {
  return r === "too_large" ? t.tooLarge.replace("{size}", humanSize(policy?.maxBytes ?? 0, locale)) : t.badType;
}

/** An upload error in words: the two refusals the browser also knows in the caller's language,
 * anything else as the server put it. */
export function uploadErrorText(err: unknown, policy: FilePolicy | undefined, t: FileTexts, locale?: string): string {
  if (!(err instanceof ApiError)) return t.uploadFailed;
  if (err.status === 413 || err.code === "too_large") return refusalText("too_large", policy, t, locale);
  if (err.status === 415 || err.code === "unsupported_type") return refusalText("unsupported_type", policy, t, locale);
  if (err.status === 0) return t.network;
  if (err.status === 429) return t.rateLimited;
  const m = err.message;
  if (!m || /^HTTP \d+$/.test(m)) return t.uploadFailed;
  return m.charAt(0).toUpperCase() + m.slice(1) + (/[.!?]$/.test(m) ? "" : ".");
}
