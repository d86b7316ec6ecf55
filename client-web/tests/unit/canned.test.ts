import { describe, expect, it } from "vitest";
import { builtInCanned, cannedFor, fillCanned, matchCanned, type Canned } from "../../src/agent/canned.js";

const list: Canned[] = [
  { id: 1, department: "", shortcut: "hi", text: "Hi {visitor}, how can I help?" },
  { id: 2, department: "billing", shortcut: "refund", text: "Your refund is on its way." },
  { id: 3, department: "tech", shortcut: "restart", text: "Please restart the router, {visitor}. — {agent}" },
];

describe("canned responses", () => {
  it("for a conversation: global ones and its department's", () => {
    expect(cannedFor(list, "billing").map((c) => c.id)).toEqual([1, 2]);
    expect(cannedFor(list, "tech").map((c) => c.id)).toEqual([1, 3]);
  });
  it("'/' search: shortcut prefix first, then text", () => {
    expect(matchCanned("re", list).map((c) => c.id)).toEqual([2, 3]);
    expect(matchCanned("router", list).map((c) => c.id)).toEqual([3]);
    expect(matchCanned("", list)).toHaveLength(3);
    expect(matchCanned("HELP", list).map((c) => c.id)).toEqual([1]);
  });
  it("fills {visitor} and {agent}", () => {
    expect(fillCanned(list[2]!.text, { visitor: "Vera Müller", agent: "Alice" })).toBe("Please restart the router, Vera Müller. — Alice");
    expect(fillCanned(list[0]!.text, { visitor: "" })).toBe("Hi there, how can I help?");
    expect(fillCanned(list[2]!.text, { visitor: "Tom" })).toBe("Please restart the router, Tom.");
  });
  it("the fallback list is the server's seed", () => {
    expect(builtInCanned[1]!.text).toBe("Let me check that for you — one moment please.");
    expect(builtInCanned.every((c) => !/\{name\}/.test(c.text))).toBe(true);
  });
});
