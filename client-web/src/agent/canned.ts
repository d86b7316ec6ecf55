// Canned responses: "/" in the reply box filters them, Alt+1…9 inserts one. {name} becomes the
// visitor's first name. A team edits this list (or overrides it in localStorage "livechat:canned",
// a JSON array of strings).
const defaults = [
  "Hi {name}, thanks for reaching out! How can I help you today?",
  "Let me check that for you — one moment please.",
  "Could you share your order number so I can look it up?",
  "I have passed this on to the right team; you will hear from us by email within one business day.",
  "Is there anything else I can help you with?",
  "Thanks for chatting with us, {name}. Have a great day!",
];

function load(): string[] {
  try {
    const custom = JSON.parse(localStorage.getItem("livechat:canned") ?? "null") as unknown;
    if (Array.isArray(custom) && custom.every((x) => typeof x === "string")) return custom as string[];
  } catch {
    /* fall back to the defaults */
  }
  return defaults;
}

export const cannedResponses = typeof localStorage === "undefined" ? defaults : load();

export function matchCanned(query: string, list = cannedResponses): string[] {
  const q = query.trim().toLowerCase();
  return q ? list.filter((c) => c.toLowerCase().includes(q)) : [...list];
}
