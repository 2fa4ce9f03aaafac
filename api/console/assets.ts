/**
 * The console's only static files: one stylesheet and one small script (the token dialog and its copy button).
 * Every page works without the script; with it the dialog is modal and the copy button copies.
 */

export const consoleCss = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fff; --muted: #57606a; --line: #d0d7de; --accent: #0b5cad;
  --ok: #116329; --bad: #a40e26; --panel: #f6f8fa; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9da7b3; --line: #30363d;
  --accent: #4493f8; --ok: #3fb950; --bad: #f85149; --panel: #161b22; } }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); line-height: 1.5; font-size: 1rem; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--bg); padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .75rem 1rem;
  border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; font-size: 1.15rem; text-decoration: none; color: var(--fg); }
nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
nav a { text-decoration: none; padding: .25rem 0; }
nav a[aria-current="page"] { font-weight: 700; border-bottom: 2px solid var(--accent); }
.crumb { color: var(--muted); font-size: .85em; }
.sign-out { margin-left: auto; }
main { max-width: 76rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin: 0 0 1rem; background: var(--panel); }
.card h2 { margin-top: 0; }
.status { display: inline-block; font-weight: 700; padding: .1rem .6rem; border-radius: 999px; border: 2px solid; }
.status-connected { color: var(--ok); }
.status-disconnected { color: var(--bad); }
.flash { padding: .75rem 1rem; border-radius: 6px; margin: 0 0 1rem; border: 1px solid var(--line); }
.flash-error { border-color: var(--bad); }
.flash-info { border-color: var(--ok); }
.error-text { color: var(--bad); }
.muted { color: var(--muted); }
label { display: block; font-weight: 600; margin: .5rem 0 .25rem; }
input[type=text], input[type=password], input[type=search], select, textarea { font: inherit; width: 100%;
  max-width: 32rem; padding: .45rem .6rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg);
  color: var(--fg); }
textarea { min-height: 4rem; }
button, .button { font: inherit; padding: .45rem 1rem; border-radius: 6px; border: 1px solid var(--accent);
  background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: transparent; color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
button.link { background: none; border: none; color: var(--accent); padding: 0; text-decoration: underline; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: 1rem; align-items: center; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; margin-bottom: 1rem; }
.filters > div { flex: 1 1 14rem; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; padding: .5rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); white-space: nowrap; }
tbody tr:last-child td { border-bottom: none; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9em; overflow-wrap: anywhere; }
dl.facts { display: grid; grid-template-columns: minmax(9rem, max-content) 1fr; gap: .35rem 1rem; margin: 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.pager { display: flex; gap: 1rem; align-items: center; margin-top: 1rem; flex-wrap: wrap; }
dialog { border: 1px solid var(--line); border-radius: 10px; max-width: min(40rem, 95vw); padding: 1.25rem;
  color: var(--fg); background: var(--bg); }
dialog::backdrop { background: rgb(0 0 0 / .45); }
.token-box { display: flex; gap: .5rem; flex-wrap: wrap; }
.token-box input { flex: 1 1 16rem; font-family: ui-monospace, monospace; }
ol.timeline { list-style: none; padding: 0; margin: 0; border-left: 2px solid var(--line); }
ol.timeline li { padding: 0 0 .75rem 1rem; position: relative; }
ol.timeline li::before { content: ""; position: absolute; left: -6px; top: .45rem; width: 10px; height: 10px;
  border-radius: 50%; background: var(--accent); }
@media (max-width: 40rem) { dl.facts { grid-template-columns: 1fr; } dl.facts dd { margin-bottom: .5rem; }
  .sign-out { margin-left: 0; } }
`;

export const consoleJs = `
document.addEventListener('DOMContentLoaded', () => {
  for (const dialog of document.querySelectorAll('dialog[data-open]')) {
    if (typeof dialog.showModal === 'function') { dialog.close(); dialog.showModal(); }
  }
  for (const button of document.querySelectorAll('button[data-copy]')) {
    button.addEventListener('click', async () => {
      const field = document.getElementById(button.dataset.copy);
      const status = document.getElementById(button.dataset.copy + '-status');
      field.select();
      try { await navigator.clipboard.writeText(field.value); }
      catch { document.execCommand('copy'); }
      if (status) status.textContent = 'Copied to the clipboard.';
    });
  }
  for (const button of document.querySelectorAll('button[data-close]')) {
    button.addEventListener('click', () => button.closest('dialog').close());
  }
});
`;
