import { describe, expect, it } from "vitest";
import { Metrics, histogramQuantile, subtractBuckets } from "../../src/ops/prom.js";

const text = `# HELP livechat_queue_depth Conversations waiting.
# TYPE livechat_queue_depth gauge
livechat_queue_depth{department="billing"} 3
livechat_queue_depth{department="tech"} 1
livechat_connected_visitors 7
livechat_queue_wait_seconds_bucket{department="billing",le="1"} 2
livechat_queue_wait_seconds_bucket{department="billing",le="5"} 6
livechat_queue_wait_seconds_bucket{department="billing",le="10"} 10
livechat_queue_wait_seconds_bucket{department="billing",le="+Inf"} 10
livechat_queue_wait_seconds_bucket{department="tech",le="1"} 0
livechat_queue_wait_seconds_bucket{department="tech",le="5"} 0
livechat_queue_wait_seconds_bucket{department="tech",le="10"} 10
livechat_queue_wait_seconds_bucket{department="tech",le="+Inf"} 10
livechat_errors_total{code="a \\"quoted\\" one"} 2
`;

describe("prometheus parsing", () => {
  it("reads gauges with and without labels", () => {
    const m = Metrics.parse(text);
    expect(m.sum("livechat_queue_depth")).toBe(4);
    expect(m.values("livechat_queue_depth", "department")).toEqual(new Map([["billing", 3], ["tech", 1]]));
    expect(m.sum("livechat_connected_visitors")).toBe(7);
    expect(m.all("livechat_errors_total")[0]!.labels["code"]).toBe('a "quoted" one');
  });

  it("computes histogram quantiles like histogram_quantile", () => {
    const m = Metrics.parse(text);
    const billing = m.buckets("livechat_queue_wait_seconds", { department: "billing" });
    expect(histogramQuantile(0.5, billing)).toBeCloseTo(1 + (4 * (5 - 2)) / 4); // 4
    expect(histogramQuantile(0.9, billing)).toBeCloseTo(5 + (5 * (9 - 6)) / 4); // 8.75
    const all = m.buckets("livechat_queue_wait_seconds");
    expect(all.map((b) => b.count)).toEqual([2, 6, 20, 20]);
    expect(histogramQuantile(0.99, all)).toBeCloseTo(5 + (5 * (19.8 - 6)) / 14);
    expect(histogramQuantile(0.5, [])).toBeNaN();
    expect(histogramQuantile(0.5, [{ le: 1, count: 0 }, { le: Infinity, count: 0 }])).toBeNaN();
  });

  it("subtracts two scrapes to get a window", () => {
    const before = [{ le: 1, count: 2 }, { le: 5, count: 6 }, { le: Infinity, count: 6 }];
    const after = [{ le: 1, count: 2 }, { le: 5, count: 9 }, { le: Infinity, count: 10 }];
    expect(subtractBuckets(after, before)).toEqual([{ le: 1, count: 0 }, { le: 5, count: 3 }, { le: Infinity, count: 4 }]);
    expect(histogramQuantile(0.5, subtractBuckets(after, before))).toBeCloseTo(1 + (4 * 2) / 3);
    expect(histogramQuantile(0.99, subtractBuckets(after, before))).toBe(5);
  });
});
