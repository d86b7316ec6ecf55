// Sneak peek, the staff side: with the operator's --sneak-peek on, a visitor's TypingUpdate
// carries the text in their box (draft). The console shows it live below the messages, marked as
// not sent, and never puts it in the transcript: it goes with typing:false, an empty draft, the
// visitor's next message, or the chat's end.
import { h } from "../lib/format.js";
import { EventKind, Role } from "../lib/proto.js";

/** The draft to show after a TypingUpdate ("" = none). Only the visitor's count. */
export function draftAfterTyping(prev: string, t: { role: Role; typing: boolean; draft: string }): string {
  if (t.role !== Role.VISITOR) return prev;
  return t.typing ? t.draft : "";
}

/** The draft to show after a ChatEvent: the visitor's message replaces it, a close ends it. */
export function draftAfterEvent(prev: string, ev: { kind: EventKind; senderRole: Role }): string {
  if (ev.kind === EventKind.CLOSED) return "";
  if (ev.kind === EventKind.MESSAGE && ev.senderRole === Role.VISITOR) return "";
  return prev;
}

/** Fills (or empties) the peek line under a transcript: "Vera is typing: <draft>" with the
 * draft in italics and a "not sent" mark. Not a live region: every keystroke would be read out. */
export function renderPeek(el: HTMLElement, name: string, draft: string): void {
  el.hidden = !draft;
  if (!draft) {
    el.replaceChildren();
    return;
  }
  const text = el.querySelector<HTMLElement>(".peek-text");
  if (text && el.dataset["name"] === name) {
    text.textContent = draft;
    return;
  }
  el.dataset["name"] = name;
  el.replaceChildren(
    h("span", { class: "peek-label" }, `${name} is typing: `),
    h("span", { class: "peek-text", dir: "auto" }, draft),
    h("span", { class: "peek-mark" }, "not sent"),
  );
}

/** An empty peek line, placed after the transcript's list inside its scroll area. */
export function peekLine(): HTMLElement {
  return h("div", { class: "peek", hidden: true, title: "What the visitor is typing; not sent yet" });
}
