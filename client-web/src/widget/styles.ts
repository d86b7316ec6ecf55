// The widget's CSS, inside its shadow root so the host page's styles neither leak in nor out.
export const widgetCss = `
:host { all: initial; }
* { box-sizing: border-box; }
.root {
  --accent: #4f46e5; --accent-text: #fff; --bg: #fff; --fg: #111827; --muted: #525a67;
  --line: #e5e7eb; --soft: #f3f4f6; --radius: 16px;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue",
    Arial, "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji", sans-serif;
  color: var(--fg); position: fixed; z-index: 2147483000; bottom: 20px; right: 20px;
}
.root.left { right: auto; left: 20px; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
button, input, textarea, select { font: inherit; color: inherit; }
:focus-visible { outline: 3px solid color-mix(in srgb, var(--accent) 55%, white); outline-offset: 2px; }
.launcher {
  width: 60px; height: 60px; border-radius: 50%; border: 0; cursor: pointer; margin-left: auto;
  background: var(--accent); color: var(--accent-text); display: grid; place-items: center;
  box-shadow: 0 8px 24px rgba(17,24,39,.25); transition: transform .15s; position: relative;
}
.launcher:hover { transform: scale(1.05); }
.launcher svg { width: 28px; height: 28px; }
.launcher .badge {
  position: absolute; top: -2px; right: -2px; min-width: 20px; height: 20px; border-radius: 10px;
  background: #dc2626; color: #fff; font-size: 12px; font-weight: 700; display: grid; place-items: center; padding: 0 5px;
}
.preview {
  position: absolute; bottom: 70px; right: 0; width: max-content; max-width: min(300px, calc(100vw - 40px));
  background: var(--bg); color: var(--fg); border-radius: 14px; box-shadow: 0 10px 30px rgba(17,24,39,.25);
  display: flex; align-items: flex-start; gap: 4px; padding: 4px;
}
.root.left .preview { right: auto; left: 0; }
.preview[hidden] { display: none; }
.preview-open { background: none; border: 0; text-align: left; cursor: pointer; padding: 8px 10px; display: flex; flex-direction: column; gap: 2px; }
.preview-open strong { font-size: 12.5px; color: var(--muted); font-weight: 600; }
.preview-text { overflow-wrap: anywhere; display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden; }
.preview-close { background: none; border: 0; color: var(--muted); cursor: pointer; font-size: 18px; line-height: 1; padding: 4px 8px; border-radius: 8px; }
.preview-close:hover { background: var(--soft); }
.panel {
  position: absolute; bottom: 76px; right: 0; width: 380px; height: min(620px, calc(100vh - 110px));
  background: var(--bg); border-radius: var(--radius); box-shadow: 0 16px 48px rgba(17,24,39,.28);
  display: flex; flex-direction: column; overflow: hidden;
}
.root.left .panel { right: auto; left: 0; }
.panel[hidden] { display: none; }
header {
  background: var(--accent); color: var(--accent-text); padding: 14px 14px 14px 18px;
  display: flex; align-items: center; gap: 10px;
}
header .who { flex: 1; min-width: 0; }
header h2 { margin: 0; font-size: 16px; font-weight: 650; }
header p { margin: 2px 0 0; font-size: 12.5px; opacity: .9; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.avatar { width: 36px; height: 36px; border-radius: 50%; background: rgba(255,255,255,.22);
  display: grid; place-items: center; font-weight: 700; flex: none; }
.icon-btn { background: transparent; border: 0; color: inherit; width: 34px; height: 34px; border-radius: 8px; cursor: pointer; display: grid; place-items: center; }
.icon-btn:hover { background: rgba(255,255,255,.18); }
.dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; background: #22c55e; margin-right: 6px; vertical-align: 1px; }
.dot.off { background: #f59e0b; }
.banner { padding: 8px 14px; font-size: 13px; background: #fef3c7; color: #78350f; border-bottom: 1px solid #fde68a; }
.banner.info { background: #eef2ff; color: #3730a3; border-color: #e0e7ff; }
.body { flex: 1; overflow-y: auto; padding: 16px; display: flex; flex-direction: column; gap: 12px; }
form.card, .card { display: flex; flex-direction: column; gap: 12px; }
label { display: flex; flex-direction: column; gap: 4px; font-size: 13px; font-weight: 550; color: #374151; }
input, textarea, select {
  border: 1px solid #d1d5db; border-radius: 10px; padding: 9px 11px; background: #fff; font-weight: 400; width: 100%;
  font-size: 16px; /* iOS zooms into smaller fields on focus */
}
textarea { resize: vertical; min-height: 70px; }
input:focus, textarea:focus, select:focus { border-color: var(--accent); outline: 2px solid color-mix(in srgb, var(--accent) 30%, transparent); }
.primary {
  background: var(--accent); color: var(--accent-text); border: 0; border-radius: 10px; padding: 10px 14px;
  font-weight: 600; cursor: pointer;
}
.primary:disabled { opacity: .55; cursor: default; }
.link { background: none; border: 0; color: var(--accent); cursor: pointer; padding: 4px 0; text-decoration: underline; align-self: flex-start; }
.muted { color: var(--muted); font-size: 12.5px; }
.notice { background: var(--soft); border-radius: 12px; padding: 12px 14px; font-size: 13.5px; }
.queue { text-align: center; background: color-mix(in srgb, var(--accent) 8%, white); border: 1px solid color-mix(in srgb, var(--accent) 20%, white); border-radius: 14px; padding: 14px; }
.queue .pos { font-size: 28px; font-weight: 750; color: var(--accent); }
.log { display: flex; flex-direction: column; gap: 6px; margin: 0; padding: 0; list-style: none; }
.msg { max-width: 82%; align-self: flex-start; display: flex; flex-direction: column; }
.msg.own { align-self: flex-end; align-items: flex-end; }
.bubble { padding: 8px 12px; border-radius: 16px 16px 16px 4px; background: var(--soft); white-space: pre-wrap; overflow-wrap: anywhere; unicode-bidi: plaintext; }
.msg.own .bubble { background: var(--accent); color: var(--accent-text); border-radius: 16px 16px 4px 16px; }
.msg.pending .bubble { opacity: .7; }
.meta { font-size: 11.5px; color: var(--muted); margin: 2px 4px 0; display: flex; gap: 6px; align-items: center; }
.mark { font-weight: 700; letter-spacing: -2px; }
.mark.read { color: #2563eb; }
.mark.failed { color: #dc2626; letter-spacing: 0; }
.sys { align-self: center; font-size: 12px; color: var(--muted); background: var(--soft); border-radius: 999px; padding: 3px 10px; text-align: center; }
.typing { font-size: 12.5px; color: var(--muted); min-height: 18px; padding: 0 16px 4px; }
.typing[hidden] { display: block; visibility: hidden; }
.composer { border-top: 1px solid var(--line); display: flex; gap: 8px; padding: 10px; align-items: flex-end; }
.composer textarea { min-height: 42px; max-height: 140px; resize: none; border-radius: 12px; }
.composer .primary { height: 42px; }
.idle-box { margin: 0 10px 8px; padding: 10px 12px; border-radius: 12px; background: #fef3c7; color: #78350f; display: flex; flex-direction: column; gap: 8px; }
.idle-box[hidden] { display: none; }
.idle-box p { margin: 0; font-size: 13.5px; }
.link[hidden] { display: none; }
.footer-actions { display: flex; justify-content: space-between; padding: 0 12px 8px; }
.transcript-form .notice:empty { display: none; }
.transcript-form.inline { padding: 0 12px 10px; gap: 8px; }
.small { background: none; border: 0; color: var(--muted); cursor: pointer; font-size: 12.5px; padding: 4px; text-decoration: underline; }
.stars { display: flex; gap: 4px; border: 0; padding: 0; margin: 0; justify-content: center; }
.stars legend { font-size: 13px; font-weight: 550; margin-bottom: 6px; text-align: center; width: 100%; }
.stars input { position: absolute; opacity: 0; width: 1px; height: 1px; }
.stars label { font-size: 30px; cursor: pointer; color: #d1d5db; line-height: 1; padding: 2px; border-radius: 6px; }
.stars label.on { color: #f59e0b; }
.stars input:focus-visible + label { outline: 3px solid color-mix(in srgb, var(--accent) 55%, white); }
/* Files: the composer's buttons, the staged files, the drop hint, files in the transcript. */
.att-buttons { display: flex; gap: 2px; align-self: flex-end; }
.att-buttons[hidden], .att-input { display: none; }
.att-btn { width: 42px; height: 42px; border: 0; border-radius: 12px; background: none; color: var(--muted); cursor: pointer; display: grid; place-items: center; flex: none; }
.att-btn:hover { background: var(--soft); color: var(--fg); }
.att-btn:disabled { opacity: .5; cursor: default; }
.att-tray { border-top: 1px solid var(--line); padding: 8px 12px 0; display: flex; flex-direction: column; gap: 4px; }
.att-tray[hidden] { display: none; }
.att-staged { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 6px; }
.att-chip { display: inline-flex; align-items: center; gap: 6px; max-width: 100%; background: var(--soft); border-radius: 999px; padding: 2px 4px 2px 12px; font-size: 13px; }
.att-chip .att-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 200px; }
.att-size { color: var(--muted); font-size: 12px; white-space: nowrap; }
.att-remove { background: none; border: 0; color: var(--muted); cursor: pointer; font-size: 16px; line-height: 1; padding: 2px 7px; border-radius: 999px; }
.att-remove:hover { background: #e5e7eb; }
.att-status, .att-problem { margin: 0; font-size: 12.5px; }
.att-status:empty, .att-problem:empty, .att-error:empty { display: none; }
.att-status { color: var(--muted); }
.att-tray.busy .att-status::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 6px; border: 2px solid var(--accent); border-right-color: transparent; border-radius: 50%; vertical-align: -1px; animation: lc-spin .8s linear infinite; }
@keyframes lc-spin { to { transform: rotate(360deg); } }
.att-problem, .att-error { color: #b91c1c; }
.drop-hint { position: absolute; inset: 0; z-index: 5; display: grid; place-items: center; padding: 24px; background: color-mix(in srgb, var(--accent) 12%, rgba(255,255,255,.92)); border: 3px dashed var(--accent); border-radius: var(--radius); pointer-events: none; }
.drop-hint[hidden] { display: none; }
.drop-hint span { background: var(--bg); color: var(--fg); font-weight: 650; padding: 10px 16px; border-radius: 12px; box-shadow: 0 4px 14px rgba(17,24,39,.15); }
.msg.has-file .bubble { margin-top: 4px; }
.att { margin: 0; max-width: 100%; }
.att-image img { display: block; max-width: 100%; height: auto; border-radius: 12px; background: var(--soft); object-fit: cover; }
.att-open { display: block; border-radius: 12px; }
.att-meta { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; font-size: 12px; margin-top: 3px; }
.att-image .att-meta .att-name { color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 160px; }
.att-file { display: flex; align-items: center; gap: 10px; background: var(--soft); border: 1px solid var(--line); border-radius: 14px; padding: 8px 12px; }
.att-file .att-meta { margin: 0; }
.att-file .att-name { font-weight: 600; font-size: 13.5px; overflow-wrap: anywhere; }
.att-icon { flex: none; width: 36px; height: 42px; border-radius: 6px; background: var(--accent); color: var(--accent-text); font-size: 10.5px; font-weight: 750; letter-spacing: .02em; display: grid; place-items: center; }
.att-download { background: none; border: 0; color: var(--accent); cursor: pointer; font-size: 12.5px; padding: 2px 0; text-decoration: underline; }
.att-download:disabled { opacity: .6; cursor: default; }
/* Invitations: a card by the launcher (collapsed), at the top of the panel (open). */
.invite {
  position: absolute; bottom: 72px; right: 0; width: min(300px, calc(100vw - 40px));
  background: var(--bg); color: var(--fg); border-radius: 14px; box-shadow: 0 10px 30px rgba(17,24,39,.28);
  padding: 12px 14px; display: flex; flex-direction: column; gap: 8px; animation: lc-pop .18s ease-out;
}
.root.left .invite { right: auto; left: 0; }
.invite.inline { position: relative; bottom: auto; right: auto; left: auto; width: auto; box-shadow: none; border: 1px solid var(--line); margin: 12px 16px 0; animation: none; }
.invite-slot[hidden] { display: none; }
.invite-head { display: flex; align-items: center; gap: 8px; padding-right: 22px; }
.invite-head strong { font-size: 13.5px; }
.invite-avatar { width: 30px; height: 30px; border-radius: 50%; background: var(--accent); color: var(--accent-text); display: grid; place-items: center; font-weight: 700; flex: none; }
.invite-text { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; unicode-bidi: plaintext; }
.invite-actions { display: flex; align-items: center; gap: 12px; }
.invite-actions .link { align-self: center; }
.invite-close { position: absolute; top: 6px; right: 6px; background: none; border: 0; color: var(--muted); cursor: pointer; font-size: 18px; line-height: 1; padding: 4px 8px; border-radius: 8px; }
.invite-close:hover { background: var(--soft); }
@keyframes lc-pop { from { transform: translateY(8px); opacity: 0; } to { transform: none; opacity: 1; } }
.lead-log { margin-bottom: 4px; }
.msg .sender { font-weight: 600; }
/* The department's own pre-chat fields and survey questions. */
.form-fields { display: flex; flex-direction: column; gap: 12px; }
.form-fields[hidden] { display: none; }
.form-field { display: flex; flex-direction: column; gap: 4px; }
.form-field > label { font-size: 13px; font-weight: 550; color: #374151; }
label.check { flex-direction: row; align-items: flex-start; gap: 8px; font-weight: 500; cursor: pointer; }
label.check input { width: 18px; height: 18px; flex: none; margin: 1px 0 0; padding: 0; accent-color: var(--accent); }
.consent label.check { font-weight: 400; font-size: 13px; }
.req { color: #b91c1c; }
.field-error, .form-error { margin: 0; color: #b91c1c; font-size: 12.5px; }
.field-error:empty, .form-error:empty { display: none; }
.form-field.invalid input, .form-field.invalid select { border-color: #b91c1c; }
/* Survey scales: thumbs, faces, stars, 1..10. */
.scale { flex-wrap: wrap; }
.scale-2 label, .scale-3 label { display: flex; flex-direction: column; align-items: center; gap: 2px; min-width: 76px; color: #374151; padding: 6px 8px; border: 1px solid #d1d5db; border-radius: 12px; }
.scale-glyph { font-size: 26px; line-height: 1.1; }
.scale-2 label .scale-glyph, .scale-3 label .scale-glyph { filter: grayscale(1); opacity: .7; }
.scale-words { font-size: 12px; font-weight: 600; }
.scale-2 label.on, .scale-3 label.on { color: var(--fg); border-color: var(--accent); background: color-mix(in srgb, var(--accent) 10%, white); }
.scale-2 label.on .scale-glyph, .scale-3 label.on .scale-glyph { filter: none; opacity: 1; }
.scale-10 { gap: 4px; }
.scale-10 label { font-size: 14px; font-weight: 650; color: #374151; min-width: 30px; text-align: center; padding: 6px 0; border: 1px solid #d1d5db; border-radius: 8px; }
.scale-10 label.on { background: var(--accent); color: var(--accent-text); border-color: var(--accent); }
@media (max-width: 480px) {
  .root { bottom: 12px; right: 12px; }
  .root.left { left: 12px; }
  .root.open { inset: 0; }
  .root.open .launcher { display: none; }
  .panel { position: fixed; inset: 0; width: 100vw; height: 100dvh; border-radius: 0; }
}
`;
