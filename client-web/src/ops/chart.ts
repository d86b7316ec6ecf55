// A small dependency-free SVG line chart for the dashboard's time series.
export interface Series {
  name: string;
  color: string;
  points: [number, number][];
}

const NS = "http://www.w3.org/2000/svg";

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export function lineChart(series: Series[], opts: { unit: string; threshold?: number; windowMs: number }): SVGSVGElement {
  const W = 320, H = 120, L = 34, R = 6, T = 8, B = 18;
  const now = Date.now();
  const t0 = now - opts.windowMs;
  const finite = series.flatMap((s) => s.points.map((p) => p[1]).filter(Number.isFinite));
  let max = Math.max(0, ...finite, opts.threshold !== undefined && finite.length ? Math.min(opts.threshold * 1.1, Math.max(...finite) * 2) : 0);
  if (!(max > 0)) max = 1;
  const mag = 10 ** Math.floor(Math.log10(max));
  max = Math.ceil(max / mag) * mag || 1;
  const x = (t: number) => L + ((t - t0) / opts.windowMs) * (W - L - R);
  const y = (v: number) => T + (1 - v / max) * (H - T - B);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", preserveAspectRatio: "none" });
  const last = series.map((s) => `${s.name} ${fmt(s.points.at(-1)?.[1], opts.unit)}`).join(", ");
  root.setAttribute("aria-label", `Last ${Math.round(opts.windowMs / 60_000)} minutes. Now: ${last}`);
  for (const f of [0, 0.5, 1]) {
    const v = max * f;
    root.append(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#e5e7eb", "stroke-width": 1 }));
    const label = svg("text", { x: L - 4, y: y(v) + 3, "text-anchor": "end", "font-size": 9, fill: "#6b7280" });
    label.textContent = fmt(v, opts.unit);
    root.append(label);
  }
  const mins = opts.windowMs / 60_000;
  const ago = (m: number) => (m >= 1 ? `-${Math.round(m)}m` : `-${Math.round(m * 60)}s`);
  for (const [i, txt] of [ago(mins), ago(mins / 2), "now"].entries()) {
    const lbl = svg("text", { x: L + (i / 2) * (W - L - R), y: H - 4, "text-anchor": i === 0 ? "start" : i === 2 ? "end" : "middle", "font-size": 9, fill: "#6b7280" });
    lbl.textContent = txt;
    root.append(lbl);
  }
  if (opts.threshold !== undefined && opts.threshold <= max) {
    root.append(svg("line", { x1: L, x2: W - R, y1: y(opts.threshold), y2: y(opts.threshold), stroke: "#dc2626", "stroke-dasharray": "4 3", "stroke-width": 1 }));
  }
  for (const s of series) {
    let d = "";
    let pen = false;
    for (const [t, v] of s.points) {
      if (!Number.isFinite(v) || t < t0) { pen = false; continue; }
      d += `${pen ? "L" : "M"}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    }
    if (d) root.append(svg("path", { d, fill: "none", stroke: s.color, "stroke-width": 1.8, "vector-effect": "non-scaling-stroke", "stroke-linejoin": "round" }));
  }
  return root;
}

function fmt(v: number | undefined, unit: string): string {
  if (v === undefined || !Number.isFinite(v)) return "–";
  const s = Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1).replace(/\.0$/, "") : v.toFixed(2).replace(/\.?0+$/, "");
  return s + unit;
}
