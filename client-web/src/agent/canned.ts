// Canned responses: the team's shared replies from GET /api/canned (global ones and those of the
// agent's departments; supervisors and admins edit them on the admin page). In the reply box "/"
// filters them by shortcut or text, Alt+1…9 inserts one. {visitor} becomes the visitor's name,
// {agent} the agent's.
export interface Canned {
  id: number;
  department: string;
  shortcut: string;
  text: string;
}

/** Only for a server without /api/canned (404): the same replies the server seeds its table with. */
export const builtInCanned: Canned[] = [
  { id: -1, department: "", shortcut: "hi", text: "Hi {visitor}, thanks for reaching out! How can I help you today?" },
  { id: -2, department: "", shortcut: "check", text: "Let me check that for you — one moment please." },
  { id: -3, department: "", shortcut: "order", text: "Could you share your order number so I can look it up?" },
  { id: -4, department: "", shortcut: "passed", text: "I have passed this on to the right team; you will hear from us by email within one business day." },
  { id: -5, department: "", shortcut: "else", text: "Is there anything else I can help you with?" },
  { id: -6, department: "", shortcut: "bye", text: "Thanks for chatting with us, {visitor}. Have a great day! — {agent}" },
];

/** The replies for a conversation of `department`: global ones and that department's. */
export function cannedFor(list: Canned[], department: string): Canned[] {
  return list.filter((c) => !c.department || c.department === department);
}

export function matchCanned(query: string, list: Canned[]): Canned[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...list];
  const byShortcut = list.filter((c) => c.shortcut.toLowerCase().startsWith(q));
  const byText = list.filter((c) => !byShortcut.includes(c) && (c.text.toLowerCase().includes(q) || c.shortcut.toLowerCase().includes(q)));
  return [...byShortcut, ...byText];
}

/** Fills {visitor} and {agent}; an unknown name leaves no placeholder behind. */
export function fillCanned(text: string, names: { visitor?: string; agent?: string }): string {
  return text
    .replace(/\{visitor\}/g, names.visitor?.trim() || "there")
    .replace(/\{agent\}/g, names.agent?.trim() || "")
    .replace(/\s+—\s*$/, "")
    .replace(/\s+([,.!?])/g, "$1");
}
