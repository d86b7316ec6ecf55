// Attaching files in a composer, the same in the widget and the console: the paper-clip button
// (a file picker limited to the server's types), a camera button on touch screens, pasted files,
// dropped files (dropTarget, on a larger area with a visible hint). Files are checked here
// first (size, type) and staged; Send uploads each (POST /api/files), then sends its message.
// A failure says why next to the composer and keeps both the files and the typed text.
import {
  acceptAttr, checkFile, humanSize, refusalText, typeAllowed, uploadErrorText, uploadFile,
  type AttachmentInfo, type FilePolicy, type FileServer, type FileTexts,
} from "./attachments.js";
import { h } from "./format.js";
import { canPreview, makePreview } from "./preview.js";

export interface AttachBoxTexts extends FileTexts {
  attach: string;
  takePhoto: string;
  /** {name}: the staged file's name. */
  remove: string;
  /** {name}: the file being uploaded. */
  uploading: string;
}

export interface AttachBoxOptions {
  policy: FilePolicy;
  texts: AttachBoxTexts;
  locale?: string;
  /** Files pasted into it are staged. */
  pasteInto: HTMLTextAreaElement;
  /** The host disables its Send button meanwhile (one upload at a time, no double send). */
  onBusy?: (busy: boolean) => void;
}

const clipIcon = `<svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M21.4 11.1l-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5"/></svg>`;
const cameraIcon = `<svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M23 19a2 2 0 0 1-2 2H3a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h4l2-3h6l2 3h4a2 2 0 0 1 2 2z"/><circle cx="12" cy="13" r="4"/></svg>`;

/** A touch screen: the camera button is worth its room there. */
export function touchScreen(): boolean {
  return typeof matchMedia === "function" && matchMedia("(pointer: coarse)").matches;
}

export class AttachBox {
  /** The buttons (and their hidden inputs), for the composer's row. */
  readonly buttons: HTMLElement;
  /** The staged files, the upload's progress and its errors, above the composer. */
  readonly tray: HTMLElement;
  private staged: File[] = [];
  private busy = false;
  private enabled = true;
  private readonly list: HTMLUListElement;
  private readonly statusEl: HTMLElement;
  private readonly errorEl: HTMLElement;
  private readonly controls: HTMLButtonElement[] = [];

  constructor(private readonly o: AttachBoxOptions) {
    const picker = this.input({ multiple: true, accept: acceptAttr(o.policy) });
    const parts: Node[] = [this.button("att-attach", o.texts.attach, clipIcon, picker), picker];
    // Only where a photo could be sent at all (the operator may take no images).
    if (touchScreen() && typeAllowed("image/jpeg", o.policy.types)) {
      const camera = this.input({ accept: "image/*", capture: "environment" });
      parts.push(this.button("att-camera", o.texts.takePhoto, cameraIcon, camera), camera);
    }
    this.buttons = h("span", { class: "att-buttons" }, ...parts);
    this.list = h("ul", { class: "att-staged" });
    this.statusEl = h("p", { class: "att-status", role: "status" });
    this.errorEl = h("p", { class: "att-problem", role: "alert" });
    this.tray = h("div", { class: "att-tray" }, this.list, this.statusEl, this.errorEl);
    o.pasteInto.addEventListener("paste", (e) => {
      const dt = e.clipboardData;
      if (!dt?.files.length || !this.enabled || this.busy) return;
      // Text copied from an office document comes with a picture of itself: the text is meant.
      if ([...dt.types].includes("text/plain")) return;
      e.preventDefault();
      this.add([...dt.files]);
    });
    this.render();
  }

  get files(): readonly File[] {
    return this.staged;
  }

  get uploading(): boolean {
    return this.busy;
  }

  /** Whether files may be attached now (the console's notes take none). */
  get accepting(): boolean {
    return this.enabled && !this.busy;
  }

  setEnabled(on: boolean): void {
    this.enabled = on;
    this.buttons.hidden = !on;
    if (!on) this.clear();
  }

  /** Checks and stages files; a refused one is said, the others are staged anyway. */
  add(files: Iterable<File>): void {
    if (!this.accepting) return;
    const refused: string[] = [];
    for (const f of files) {
      const why = checkFile(f, this.o.policy);
      if (why) refused.push(`${f.name}: ${refusalText(why, this.o.policy, this.o.texts, this.o.locale)}`);
      else this.staged.push(f);
    }
    this.errorEl.textContent = refused.length === 1 ? refused[0]!.slice(refused[0]!.indexOf(": ") + 2) : refused.join(" · ");
    this.render();
  }

  clear(): void {
    this.staged = [];
    this.errorEl.textContent = "";
    this.render();
  }

  /** Uploads and sends the staged files one by one, the caption with the first. `step` does one
   * (upload, then send); a failure stops there, says why and keeps that file and the rest. */
  async sendAll(caption: string, step: (file: File, caption: string) => Promise<void>): Promise<boolean> {
    if (this.busy || !this.staged.length) return false;
    this.setBusy(true);
    this.errorEl.textContent = "";
    let first = true;
    try {
      while (this.staged.length) {
        const file = this.staged[0]!;
        this.statusEl.textContent = this.o.texts.uploading.replace("{name}", file.name);
        await step(file, first ? caption : "");
        first = false;
        this.staged.shift();
        this.render();
      }
      return true;
    } catch (err) {
      this.errorEl.textContent = uploadErrorText(err, this.o.policy, this.o.texts, this.o.locale);
      return false;
    } finally {
      this.statusEl.textContent = "";
      this.setBusy(false);
    }
  }

  private setBusy(on: boolean): void {
    this.busy = on;
    this.tray.classList.toggle("busy", on);
    for (const b of this.controls) b.disabled = on;
    this.render();
    this.o.onBusy?.(on);
  }

  private input(attrs: Record<string, unknown>): HTMLInputElement {
    const input = h("input", { type: "file", class: "att-input", hidden: true, tabindex: "-1", "aria-hidden": "true", ...attrs });
    input.addEventListener("change", () => {
      this.add([...(input.files ?? [])]);
      // The same file picked again must fire a change again.
      input.value = "";
    });
    return input;
  }

  private button(cls: string, label: string, icon: string, input: HTMLInputElement): HTMLButtonElement {
    const b = h("button", { type: "button", class: `att-btn ${cls}`, "aria-label": label, title: label, onclick: () => input.click() });
    b.innerHTML = icon;
    this.controls.push(b);
    return b;
  }

  private render(): void {
    this.tray.hidden = !this.staged.length && !this.statusEl.textContent && !this.errorEl.textContent;
    this.list.replaceChildren(...this.staged.map((f, i) =>
      h("li", { class: "att-chip", "data-name": f.name },
        h("span", { class: "att-name", dir: "auto" }, f.name),
        h("span", { class: "att-size" }, humanSize(f.size, this.o.locale)),
        h("button", {
          type: "button", class: "att-remove", "aria-label": this.o.texts.remove.replace("{name}", f.name), disabled: this.busy,
          onclick: () => {
            this.staged.splice(i, 1);
            this.render();
            this.o.pasteInto.focus();
          },
        }, "×"))));
  }
}

/** Files dropped on `zone` are handed over while `accepts()`; a hint covers the zone meanwhile. */
export function dropTarget(zone: HTMLElement, o: { hint: string; accepts(): boolean; onFiles(files: File[]): void }): void {
  const hint = h("div", { class: "drop-hint", hidden: true, "aria-hidden": "true" }, h("span", {}, o.hint));
  const hasFiles = (e: DragEvent) => !!e.dataTransfer && [...e.dataTransfer.types].includes("Files");
  zone.addEventListener("dragover", (e) => {
    if (!hasFiles(e) || !o.accepts()) return;
    e.preventDefault();
    e.dataTransfer!.dropEffect = "copy";
    // The zone's content may have been rebuilt since (the console's main area is).
    if (hint.parentNode !== zone) zone.append(hint);
    hint.hidden = false;
  });
  zone.addEventListener("dragleave", (e) => {
    if (!zone.contains(e.relatedTarget as Node | null)) hint.hidden = true;
  });
  zone.addEventListener("drop", (e) => {
    hint.hidden = true;
    if (!hasFiles(e) || !o.accepts()) return;
    e.preventDefault();
    o.onFiles([...e.dataTransfer!.files]);
  });
}

/** Uploads a file and makes its preview meanwhile (images only): what SendMessage carries. */
export async function uploadWithPreview(srv: FileServer, conversationId: string, file: File): Promise<AttachmentInfo> {
  const name = file.name || "file";
  const [up, preview] = await Promise.all([
    uploadFile(srv, conversationId, file, name),
    canPreview(file.type) ? makePreview(file).catch(() => undefined) : Promise.resolve(undefined),
  ]);
  // The server's type is from the bytes: a preview goes only with what it found to be an image.
  return up.type.startsWith("image/") && preview ? { ...up, preview } : up;
}
