// Prometheus text format (the server's /metrics) parsed into samples, and quantiles of
// cumulative histograms (the same interpolation as PromQL's histogram_quantile).
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split("\n")) {
    const l = raw.trim();
    if (!l || l.startsWith("#")) continue;
    const m = line.exec(l);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const lm of (m[2] ?? "").matchAll(label)) {
      labels[lm[1]!] = lm[2]!.replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    }
    const v = m[3]!;
    out.push({ name: m[1]!, labels, value: v === "+Inf" ? Infinity : v === "-Inf" ? -Infinity : Number(v) });
  }
  return out;
}

export class Metrics {
  constructor(readonly samples: Sample[]) {}

  static parse(text: string): Metrics {
    return new Metrics(parseMetrics(text));
  }

  all(name: string, match: Record<string, string> = {}): Sample[] {
    return this.samples.filter(
      (s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v),
    );
  }

  /** Sum of every series of a metric (optionally filtered by labels). */
  sum(name: string, match: Record<string, string> = {}): number {
    return this.all(name, match).reduce((a, s) => a + s.value, 0);
  }

  values(name: string, by: string): Map<string, number> {
    const m = new Map<string, number>();
    for (const s of this.all(name)) m.set(s.labels[by] ?? "", (m.get(s.labels[by] ?? "") ?? 0) + s.value);
    return m;
  }

  /** Cumulative buckets of a histogram, summed over series matching the labels. */
  buckets(name: string, match: Record<string, string> = {}): Bucket[] {
    const byLe = new Map<number, number>();
    for (const s of this.all(`${name}_bucket`, match)) {
      const le = s.labels["le"] === "+Inf" ? Infinity : Number(s.labels["le"]);
      byLe.set(le, (byLe.get(le) ?? 0) + s.value);
    }
    return [...byLe.entries()].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
  }
}

export interface Bucket {
  le: number;
  count: number;
}

/** Buckets of a − b (observations made between two scrapes). */
export function subtractBuckets(a: Bucket[], b: Bucket[]): Bucket[] {
  const prev = new Map(b.map((x) => [x.le, x.count]));
  return a.map((x) => ({ le: x.le, count: Math.max(0, x.count - (prev.get(x.le) ?? 0)) }));
}

/** q-quantile (0..1) of a cumulative histogram; NaN when it holds no observation. */
export function histogramQuantile(q: number, buckets: Bucket[]): number {
  if (!buckets.length) return NaN;
  const total = buckets[buckets.length - 1]!.count;
  if (total <= 0) return NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe; // beyond the last finite bound: report that bound
      const inBucket = b.count - prevCount;
      if (inBucket <= 0) return b.le;
      return prevLe + ((b.le - prevLe) * (rank - prevCount)) / inBucket;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}
