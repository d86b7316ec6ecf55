// The pages (demo site, agent console, on-call dashboard, admin) as a multi-page build into dist/.
// The widget script is built separately (vite.widget.config.ts) into dist/widget.js.
import { resolve } from "node:path";
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    rollupOptions: {
      input: {
        index: resolve(__dirname, "index.html"),
        agent: resolve(__dirname, "agent.html"),
        ops: resolve(__dirname, "ops.html"),
        admin: resolve(__dirname, "admin.html"),
      },
    },
  },
  server: {
    // `npm run dev` talks to a server on :8080 (./scripts/run.sh or livechat --static-dir).
    proxy: {
      "/ws": { target: "ws://127.0.0.1:8080", ws: true },
      "/api": "http://127.0.0.1:8080",
      "/metrics": "http://127.0.0.1:8080",
    },
  },
});
