// Entry of dist/widget.js. One tag embeds the widget on any site:
//   <script src="https://chat.example.org/widget.js" data-department="billing" async></script>
// Options (all optional): data-server (default: where widget.js came from), data-department,
// data-departments="billing,tech", data-color, data-text-color, data-lang, data-position=left,
// data-open, data-strings='{"title":"Help"}', data-metadata='{"plan":"pro"}'.
// Pages may also call window.LiveChat.init({...}) themselves (with data-manual on the tag).
// Route changes through the History API are reported to staff by themselves; a page that changes
// what it shows otherwise (or sets its title later) calls window.LiveChat.pageView().
// window.LiveChat also has open(), close(), invite({text, agentName}), setContext({name, email,
// metadata, answers}) and on/off(event, handler) (api.ts); calls made before the widget exists
// are kept for it.
import { createApi, replayQueue, type LiveChatApi } from "./api.js";
import { Widget, type WidgetConfig } from "./widget.js";

function parseJson<T>(text: string | undefined): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    console.warn("livechat: ignoring invalid JSON option", text);
    return undefined;
  }
}

function configFromScript(script: HTMLScriptElement | null): WidgetConfig {
  const d = script?.dataset ?? {};
  const origin = script?.src ? new URL(script.src, location.href).origin : location.origin;
  const department = d["department"] || "support";
  return {
    server: d["server"] || origin,
    department,
    departments: (d["departments"] ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    color: d["color"],
    textColor: d["textColor"],
    lang: d["lang"] || document.documentElement.lang || navigator.language || "en",
    strings: parseJson(d["strings"]),
    metadata: parseJson(d["metadata"]),
    position: d["position"] === "left" ? "left" : "right",
    open: d["open"] !== undefined && d["open"] !== "false",
    pingIntervalMs: d["ping"] ? Number(d["ping"]) : undefined,
  };
}

const script = document.currentScript as HTMLScriptElement | null;

// Calls a page queued before this script arrived (window.LiveChat = { q: [...] }).
const queued = (window as { LiveChat?: { q?: unknown } }).LiveChat?.q;

const api = createApi<Partial<WidgetConfig>>((overrides, hub, context) => {
  const cfg = { ...configFromScript(script), ...overrides };
  const host = document.createElement("div");
  host.id = "livechat-widget";
  document.body.append(host);
  return new Widget(host, cfg, { events: hub, context });
});

declare global {
  interface Window {
    LiveChat?: LiveChatApi<Partial<WidgetConfig>>;
  }
}
window.LiveChat = api;
replayQueue(api, queued);

if (!script?.hasAttribute("data-manual")) {
  if (document.body) api.init();
  else document.addEventListener("DOMContentLoaded", () => api.init(), { once: true });
}
