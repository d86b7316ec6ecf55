// A file in a transcript (widget, console chats, monitor pane, History). An image shows its
// preview at once (the sender's small rendering, from the event) and then itself, fetched with
// the token; it opens full size in a new tab. Any other file is a chip: name, size, Download.
// Names are whatever the sender's file was called: text nodes only, never markup.
import { humanSize, isInlineImage, previewUrl, type AttachmentInfo } from "./attachments.js";
import type { FileCache } from "./file_cache.js";
import { h } from "./format.js";
import { fitWithin } from "./preview.js";

export interface AttachmentTexts {
  download: string;
  /** The image link's label; {name} is the file's name. */
  open: string;
  /** The file could not be fetched. */
  failed: string;
  locale?: string;
}

export const englishAttachmentTexts: AttachmentTexts = {
  download: "Download",
  open: "Open {name} full size",
  failed: "Could not load the file",
};

/** The largest box an image is shown in, in CSS pixels. */
const SHOWN = 240;

/** The badge of a file chip: its extension ("PDF"), else "FILE" (letters, not an emoji: every
 * system has the font). */
export function fileBadge(name: string): string {
  const ext = /\.([a-z0-9]{1,4})$/i.exec(name)?.[1];
  return ext ? ext.toUpperCase() : "FILE";
}

export function attachmentView(a: AttachmentInfo, files: FileCache, t: AttachmentTexts): HTMLElement {
  const size = humanSize(a.size, t.locale);
  const status = h("span", { class: "att-error", role: "alert" });
  const download = h("button", {
    type: "button", class: "att-download", "data-action": "download", "aria-label": `${t.download} ${a.name} (${size})`,
    onclick: () => {
      download.disabled = true;
      status.textContent = "";
      files.save(a).catch(() => (status.textContent = t.failed)).finally(() => (download.disabled = false));
    },
  }, t.download);
  const meta = (tag: "span" | "figcaption") => h(tag, { class: "att-meta" },
    h("span", { class: "att-name", dir: "auto" }, a.name), h("span", { class: "att-size" }, size), download, status);
  if (!isInlineImage(a.type)) {
    return h("div", { class: "att att-file", "data-file": a.id, "data-type": a.type },
      h("span", { class: "att-icon", "aria-hidden": "true" }, fileBadge(a.name)), meta("span"));
  }
  // The box has the image's proportions from the start: the transcript does not jump when the
  // preview, then the image, arrive.
  const box = a.width && a.height ? fitWithin(a.width, a.height, SHOWN) : { width: SHOWN, height: Math.round(SHOWN * 0.75) };
  const src = previewUrl(a.preview);
  const img = h("img", { alt: a.name, width: String(box.width), height: String(box.height), decoding: "async", src });
  const link = h("a", { class: "att-open", target: "_blank", rel: "noopener", "aria-label": t.open.replace("{name}", a.name) }, img);
  const fig = h("figure", { class: "att att-image", "data-file": a.id, "data-type": a.type, "data-state": src ? "preview" : "loading" }, link, meta("figcaption"));
  const failed = () => {
    fig.dataset["state"] = "error";
    status.textContent = t.failed;
  };
  files.url(a.id).then((url) => {
    link.href = url;
    // Shown once it has loaded: an image the page may not show (a host page's CSP without blob:)
    // leaves the preview in place instead of a broken image.
    const full = new Image();
    full.onload = () => {
      img.src = url;
      fig.dataset["state"] = "full";
    };
    full.onerror = failed;
    full.src = url;
  }, failed);
  return fig;
}
