// dist/widget.js: the embeddable visitor widget as one classic script (IIFE), no imports.
import { resolve } from "node:path";
import { defineConfig } from "vite";

export default defineConfig({
  publicDir: false,
  build: {
    outDir: "dist",
    emptyOutDir: false,
    target: "es2020",
    lib: {
      entry: resolve(__dirname, "src/widget/embed.ts"),
      name: "LiveChatWidget",
      formats: ["iife"],
      fileName: () => "widget.js",
    },
  },
});
