import { describe, expect, it } from "vitest";
import { webAddress } from "../../src/lib/format.js";

describe("webAddress", () => {
  it("accepts http and https addresses", () => {
    expect(webAddress("https://shop.example/cart")).toBe(true);
    expect(webAddress("HTTP://shop.example/")).toBe(true);
  });
  it("refuses scripts, data and everything else", () => {
    for (const bad of ["javascript:alert(1)", " javascript:alert(1)", "data:text/html,x", "//evil.example", "", undefined]) {
      expect(webAddress(bad)).toBe(false);
    }
  });
});
