import { describe, expect, it } from "vitest";
import { canPreview, firstThatFits, fitWithin, PREVIEW_MAX_BYTES, previewSteps } from "../../src/lib/preview.js";

describe("fitWithin", () => {
  it("scales the longer side down to the limit, keeping the proportions", () => {
    expect(fitWithin(640, 480, 160)).toEqual({ width: 160, height: 120 });
    expect(fitWithin(480, 640, 160)).toEqual({ width: 120, height: 160 });
    expect(fitWithin(4000, 10, 160)).toEqual({ width: 160, height: 1 });
  });
  it("never enlarges a small image, and has nothing for no size", () => {
    expect(fitWithin(100, 50, 160)).toEqual({ width: 100, height: 50 });
    expect(fitWithin(0, 50, 160)).toEqual({ width: 0, height: 0 });
  });
  it("every step stays inside what the server takes (200 px a side)", () => {
    for (const s of previewSteps) expect(s.side).toBeLessThanOrEqual(200);
    expect(previewSteps[0]).toEqual({ side: 160, quality: 0.7 });
  });
});

describe("firstThatFits", () => {
  it("takes the first encoding of at most 8 KiB, trying smaller and rougher ones in order", async () => {
    const tried: string[] = [];
    const sizes = [20_000, 9_000, PREVIEW_MAX_BYTES, 100];
    const out = await firstThatFits(async (side, quality) => {
      tried.push(`${side}@${quality}`);
      return new Uint8Array(sizes[tried.length - 1]!);
    });
    expect(out?.length).toBe(PREVIEW_MAX_BYTES);
    expect(tried).toEqual(["160@0.7", "160@0.5", "128@0.5"]);
  });
  it("gives up without a preview when nothing is small enough", async () => {
    let n = 0;
    await expect(firstThatFits(async () => (n++, new Uint8Array(PREVIEW_MAX_BYTES + 1)))).resolves.toBeUndefined();
    expect(n).toBe(previewSteps.length);
  });
  it("gives up when the encoder fails or makes nothing", async () => {
    await expect(firstThatFits(async () => { throw new Error("tainted canvas"); })).resolves.toBeUndefined();
    await expect(firstThatFits(async () => undefined)).resolves.toBeUndefined();
    await expect(firstThatFits(async () => new Uint8Array(0))).resolves.toBeUndefined();
  });
});

describe("canPreview", () => {
  it("draws raster images only, never SVG", () => {
    for (const t of ["image/png", "image/jpeg", "image/gif", "image/webp", "IMAGE/PNG"]) expect(canPreview(t)).toBe(true);
    for (const t of ["image/svg+xml", "application/pdf", ""]) expect(canPreview(t)).toBe(false);
  });
});
