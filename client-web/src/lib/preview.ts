// The small rendering of an image sent with it (SendMessage.preview), made in the browser: the
// other side shows it at once, before the file itself is fetched. The server refuses one over
// 8 KiB or 200 px a side, so the steps shrink until it fits, and give up (no preview) after.

export const PREVIEW_MAX_BYTES = 8192;

/** Longer side and JPEG quality of each try, best first. */
export const previewSteps: readonly { side: number; quality: number }[] = [
  { side: 160, quality: 0.7 },
  { side: 160, quality: 0.5 },
  { side: 128, quality: 0.5 },
  { side: 96, quality: 0.45 },
  { side: 64, quality: 0.4 },
];

/** `width`×`height` scaled so the longer side is at most `max`: never enlarged, never 0. */
export function fitWithin(width: number, height: number, max: number): { width: number; height: number } {
  if (width <= 0 || height <= 0) return { width: 0, height: 0 };
  const scale = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** The first encoding (in the order of `previewSteps`) of at most `maxBytes`; undefined when
 * none is (or the encoder fails): the message goes without a preview. */
export async function firstThatFits(
  encode: (side: number, quality: number) => Promise<Uint8Array | undefined>,
  maxBytes = PREVIEW_MAX_BYTES,
): Promise<Uint8Array | undefined> {
  for (const s of previewSteps) {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await encode(s.side, s.quality);
    } catch {
      return undefined;
    }
    if (bytes && bytes.length > 0 && bytes.length <= maxBytes) return bytes;
  }
  return undefined;
}

/** Raster images a browser decodes (SVG is never drawn: it is markup). */
export function canPreview(type: string): boolean {
  return /^image\/(png|jpeg|gif|webp|bmp|avif)$/i.test(type);
}

/** A JPEG preview of an image file, or undefined (not an image, undecodable, nothing small enough). */
export async function makePreview(file: Blob): Promise<Uint8Array | undefined> {
  if (!canPreview(file.type) || typeof createImageBitmap !== "function") return undefined;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return undefined;
  }
  try {
    return await firstThatFits(async (side, quality) => {
      const size = fitWithin(bitmap.width, bitmap.height, side);
      if (!size.width) return undefined;
      const canvas = document.createElement("canvas");
      canvas.width = size.width;
      canvas.height = size.height;
      const ctx = canvas.getContext("2d");
      if (!ctx) return undefined;
      // JPEG has no transparency: a transparent PNG would turn black without a white ground.
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, size.width, size.height);
      ctx.drawImage(bitmap, 0, 0, size.width, size.height);
      const blob = await new Promise<Blob | null>((ok) => canvas.toBlob(ok, "image/jpeg", quality));
      return blob ? new Uint8Array(await blob.arrayBuffer()) : undefined;
    });
  } finally {
    bitmap.close();
  }
}
