import { describe, expect, it } from "vitest";
import { mmss, webAddress } from "../../src/lib/format.js";

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

describe("mmss", () => {
  it("formats waits as mm:ss", () => {
    expect(mmss(0)).toBe("00:00");
    expect(mmss(65.9)).toBe("01:05");
    expect(mmss(121)).toBe("02:01");
    expect(mmss(3725)).toBe("62:05");
    expect(mmss(-3)).toBe("00:00");
  });
});
