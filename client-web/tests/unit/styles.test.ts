// Accessibility of the style sheets, checked from their text:
// - muted (secondary) text has a contrast ratio of at least 4.5:1 (WCAG AA) against every light
//   background of the same sheet it may sit on;
// - form fields are at least 16px (iOS zooms into smaller ones on focus).
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { widgetCss } from "../../src/widget/styles.js";

const src = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");
const read = (p: string) => readFileSync(resolve(src, p), "utf8");

interface Rule { selector: string; decls: Map<string, string> }

function parse(css: string): Rule[] {
  const out: Rule[] = [];
  const text = css.replace(/\/\*[\s\S]*?\*\//g, "");
  // Flat rules, and the rules inside @media blocks (one level).
  const re = /([^{}]+)\{([^{}]*)\}/g;
  for (const m of text.matchAll(re)) {
    const selector = m[1]!.replace(/@media[^{]*$/, "").trim().replace(/^.*\{/, "").trim();
    const decls = new Map<string, string>();
    for (const d of m[2]!.split(";")) {
      const i = d.indexOf(":");
      if (i > 0) decls.set(d.slice(0, i).trim().toLowerCase(), d.slice(i + 1).trim());
    }
    out.push({ selector, decls });
  }
  return out;
}

function hexToRgb(hex: string): [number, number, number] | undefined {
  let m = /^#([0-9a-f]{3})$/i.exec(hex);
  if (m) return [...m[1]!].map((c) => parseInt(c + c, 16)) as [number, number, number];
  m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (m) return [0, 2, 4].map((i) => parseInt(m![1]!.slice(i, i + 2), 16)) as [number, number, number];
  return undefined;
}

function luminance([r, g, b]: [number, number, number]): number {
  const f = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}

export function contrast(a: string, b: string): number {
  const la = luminance(hexToRgb(a)!);
  const lb = luminance(hexToRgb(b)!);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** Variables of the sheet, and a resolver of var(--x) / #hex values to #hex (else undefined). */
function resolver(rules: Rule[]): (v: string | undefined) => string | undefined {
  const vars = new Map<string, string>();
  for (const r of rules) for (const [k, v] of r.decls) if (k.startsWith("--")) vars.set(k, v);
  const res = (v: string | undefined, depth = 0): string | undefined => {
    if (!v || depth > 5) return undefined;
    const m = /^var\((--[\w-]+)\)$/.exec(v.trim());
    if (m) return res(vars.get(m[1]!), depth + 1);
    const hex = /^(#[0-9a-f]{3}|#[0-9a-f]{6})\b/i.exec(v.trim());
    return hex ? hex[1]!.toLowerCase() : undefined;
  };
  return res;
}

interface Pair { selector: string; fg: string; bg: string; ratio: number }

/** Muted text (the --muted colour, or any rule of class .muted) against its backgrounds: the
 * rule's own background when it has one, else every light background (relative luminance > 0.6: panels, not the status dots) in the sheet. */
function mutedPairs(css: string): Pair[] {
  const rules = parse(css);
  const res = resolver(rules);
  const muted = res("var(--muted)");
  expect(muted, "the sheet defines --muted").toBeDefined();
  const backgrounds = new Set<string>();
  for (const name of ["--bg", "--panel", "--soft", "--accent-soft"]) {
    const v = res(`var(${name})`);
    if (v) backgrounds.add(v);
  }
  for (const r of rules) {
    const bg = res(r.decls.get("background") ?? r.decls.get("background-color"));
    if (bg && luminance(hexToRgb(bg)!) > 0.6) backgrounds.add(bg);
  }
  const pairs: Pair[] = [];
  for (const r of rules) {
    const fg = res(r.decls.get("color"));
    const isMuted = fg === muted || (/\.muted\b/.test(r.selector) && fg);
    if (!isMuted || !fg) continue;
    const own = res(r.decls.get("background") ?? r.decls.get("background-color"));
    for (const bg of own ? [own] : backgrounds) pairs.push({ selector: r.selector, fg, bg, ratio: contrast(fg, bg) });
  }
  return pairs;
}

const sheets: Record<string, string> = {
  console: read("styles/base.css") + read("agent/agent.css"),
  ops: read("styles/base.css") + read("ops/ops.css"),
  admin: read("styles/base.css") + read("admin/admin.css"),
  widget: widgetCss,
};

describe("contrast of muted text", () => {
  it("computes WCAG ratios", () => {
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrast("#6b7280", "#f3f4f6")).toBeLessThan(4.5); // the old muted grey on the soft grey (4.39)
  });
  for (const [name, css] of Object.entries(sheets)) {
    it(`${name}: every muted text is at least 4.5:1 against its backgrounds`, () => {
      const pairs = mutedPairs(css);
      expect(pairs.length).toBeGreaterThan(3);
      const low = pairs.filter((p) => p.ratio < 4.5).map((p) => `${p.selector}: ${p.fg} on ${p.bg} = ${p.ratio.toFixed(2)}`);
      expect(low).toEqual([]);
    });
  }
});

describe("form fields are at least 16px", () => {
  for (const [name, css] of Object.entries(sheets)) {
    it(name, () => {
      const rules = parse(css);
      const field = /(^|[\s,>+~])(input|select|textarea)\b/;
      // The generic field rule sets 16px ...
      const generic = rules.filter((r) => /^input, (select, textarea|textarea, select)$/.test(r.selector) && r.decls.has("font-size"));
      expect(generic.map((r) => r.decls.get("font-size"))).toContain("16px");
      // ... and no rule for fields sets less.
      const small = rules
        .filter((r) => field.test(r.selector) && r.decls.has("font-size"))
        .filter((r) => {
          const v = r.decls.get("font-size")!;
          const px = /^([\d.]+)px$/.exec(v);
          const rem = /^([\d.]+)rem$/.exec(v);
          const size = px ? Number(px[1]) : rem ? Number(rem[1]) * 16 : 16;
          return size < 16 && !/\.stars input/.test(r.selector); // the rating's radio buttons are invisible
        })
        .map((r) => `${r.selector} { font-size: ${r.decls.get("font-size")} }`);
      expect(small).toEqual([]);
    });
  }
});
