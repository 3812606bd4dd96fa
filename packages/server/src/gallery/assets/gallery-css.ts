/** The gallery's stylesheet (a string module: no build step, shipped inside dist). */
export const GALLERY_CSS = `
:root { --bg:#f6f7f9; --fg:#1f2937; --muted:#6b7280; --line:#e5e7eb; --card:#fff; --accent:#2563eb; --accent-fg:#fff; --new:#16a34a; --err:#b91c1c; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 13px; }
h1 { font-size: 1.6rem; margin: .2rem 0 1rem; line-height: 1.25; overflow-wrap: anywhere; }
h1 small, h2 small { color: var(--muted); font-weight: 400; font-size: .8rem; }
h2 { font-size: 1.05rem; margin: 0 0 .6rem; }
.top { display: flex; align-items: center; justify-content: space-between; gap: 1rem; padding: .7rem 1.25rem; background: #111827; color: #e5e7eb; }
.top .brand { color: #fff; font-weight: 700; letter-spacing: .01em; }
.who { display: flex; align-items: center; gap: .75rem; font-size: .85rem; color: #9ca3af; min-width: 0; }
.who span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.who form { margin: 0; }
button.link { background: none; border: 0; color: #93c5fd; padding: 0; font: inherit; cursor: pointer; white-space: nowrap; }
main { max-width: 1280px; margin: 0 auto; padding: 1.25rem; }
.button, button[type=submit]:not(.link) { display: inline-block; padding: .45rem .9rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-fg); font: inherit; font-size: .9rem; cursor: pointer; }
.button { background: var(--card); color: var(--accent); }
.button small { color: var(--muted); }
.filters { display: flex; flex-wrap: wrap; gap: .6rem .8rem; align-items: flex-end; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: .8rem; margin-bottom: 1.1rem; }
.filters label { display: flex; flex-direction: column; font-size: .75rem; color: var(--muted); gap: .2rem; flex: 1 1 7.5rem; }
.filters label.grow { flex: 3 1 14rem; }
.filters input, .filters select, .signin input { font: inherit; font-size: .9rem; line-height: 1.25; height: 2.2rem; box-sizing: border-box; margin: 0; padding: .4rem .5rem; border: 1px solid #d1d5db; border-radius: 6px; background: #fff; color: var(--fg); min-width: 0; }
.filter-box > summary { display: none; }
.filters .actions { display: flex; gap: .8rem; align-items: center; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 1rem; }
.card { display: flex; flex-direction: column; background: var(--card); border: 1px solid var(--line); border-radius: 10px; overflow: hidden; color: inherit; transition: box-shadow .15s; }
.card:hover { text-decoration: none; box-shadow: 0 4px 14px rgba(0,0,0,.08); }
.card.new { border-color: var(--new); box-shadow: 0 0 0 2px rgba(22,163,74,.25); }
.thumb { position: relative; aspect-ratio: 16 / 10; background: #fff; display: flex; align-items: center; justify-content: center; border-bottom: 1px solid var(--line); overflow: hidden; }
.thumb img { width: 100%; height: 100%; object-fit: scale-down; }
.kind-badge { position: absolute; top: .4rem; right: .4rem; padding: .1rem .5rem; border-radius: 999px; background: rgba(17,24,39,.78); color: #fff; font-size: .72rem; font-weight: 600; line-height: 1.4; white-space: nowrap; }
.tile { display: flex; flex-direction: column; align-items: center; justify-content: center; width: 100%; height: 100%; min-height: 8rem; background: repeating-linear-gradient(45deg,#f3f4f6,#f3f4f6 10px,#eef0f3 10px,#eef0f3 20px); color: var(--muted); }
.tile span { font-size: 1.4rem; font-weight: 700; color: #4b5563; }
.meta { padding: .6rem .75rem .75rem; display: flex; flex-direction: column; gap: .1rem; min-width: 0; }
.meta strong { overflow-wrap: anywhere; }
.sub { color: var(--muted); font-size: .8rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.sub.refs { display: flex; min-width: 0; }
.sub.refs .place { overflow: hidden; text-overflow: ellipsis; min-width: 0; }
.sub.refs .sep, .sub.refs .ref { flex: none; white-space: pre; }
.view-switch { display: flex; gap: .3rem; margin: 0 0 1rem; font-size: .9rem; }
.view-switch a { padding: .25rem .7rem; border: 1px solid var(--line); border-radius: 999px; color: var(--muted); background: var(--card); }
.view-switch a.on { color: var(--fg); border-color: var(--fg); font-weight: 600; }
.view-switch a:hover { text-decoration: none; }
.badge { align-self: flex-start; background: var(--new); color: #fff; font-size: .7rem; font-weight: 700; text-transform: uppercase; border-radius: 999px; padding: 0 .5rem; }
.pager { display: flex; justify-content: center; gap: 1rem; margin: 1.5rem 0; }
.empty, .note { color: var(--muted); }
.error { color: var(--err); background: #fef2f2; border: 1px solid #fecaca; border-radius: 8px; padding: .6rem .8rem; }
.notice { background: #eff6ff; border: 1px solid #bfdbfe; border-radius: 8px; padding: .6rem .8rem; }
.signin { max-width: 30rem; margin: 3rem auto; background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 1.5rem; }
.signin form { display: flex; flex-direction: column; gap: .6rem; }
.signin label { font-weight: 600; }
.crumbs { margin: 0 0 .3rem; font-size: .9rem; }
.description { color: #374151; margin-top: -.5rem; }
.snapshot { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1.25rem; align-items: start; }
.plot-panel, .code-panel, .history-panel, .side, .overlay-panel { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1rem; min-width: 0; }
.plot { display: flex; justify-content: center; background: #fff; }
.plot img { max-width: 100%; height: auto; }
.plot.live { display: block; }
.live-plot { margin: 0; }
.plot-frame { display: block; width: 100%; height: 560px; border: 0; background: #fff; }
.live-plot figcaption { padding: .4rem .6rem; font-size: .85rem; color: var(--muted); border-top: 1px solid var(--line); }
.downloads { display: flex; flex-wrap: wrap; gap: .5rem; margin: .9rem 0; }
.metadata { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; font-size: .9rem; }
.metadata dt { color: var(--muted); }
.metadata dd { margin: 0; overflow-wrap: anywhere; }
.tag { display: inline-block; background: #eef2ff; color: #3730a3; border-radius: 999px; padding: 0 .55rem; font-size: .8rem; }
pre.code { margin: 0; max-height: 75vh; overflow: auto; border: 1px solid var(--line); border-radius: 8px; }
pre.code code.hljs { display: block; padding: .8rem; }
pre.code { white-space: pre; scrollbar-width: thin; scrollbar-color: #9ca3af #f3f4f6; }
pre.code::-webkit-scrollbar { width: 10px; height: 10px; }
pre.code::-webkit-scrollbar-track { background: #f3f4f6; }
pre.code::-webkit-scrollbar-thumb { background: #9ca3af; border-radius: 5px; border: 2px solid #f3f4f6; }
pre.code.numbered code.hljs { counter-reset: line; width: max-content; min-width: 100%; padding-left: 0; }
pre.code.numbered .line::before { counter-increment: line; content: counter(line); display: inline-block; width: 3.2em; padding-right: .9em; margin-right: .6em; text-align: right; color: #9ca3af; border-right: 1px solid var(--line); user-select: none; -webkit-user-select: none; }
.code-block { position: relative; }
.code-block .copy { position: absolute; top: .4rem; right: 1.1rem; z-index: 1; padding: .15rem .6rem; font-size: .8rem; background: var(--card); color: var(--fg); border: 1px solid var(--line); border-radius: 6px; cursor: pointer; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
.code-block .copy:hover, .code-block .copy:focus { border-color: var(--accent); }
.code-block .copy.done { color: var(--new); border-color: #86efac; }
.copy-buffer { position: fixed; top: 0; left: 0; width: 1px; height: 1px; opacity: 0; }
.notebook { display: flex; flex-direction: column; gap: .8rem; }
.cell { display: grid; grid-template-columns: 3.2rem minmax(0, 1fr); gap: .4rem; min-width: 0; }
.cell.markdown, .cell.raw { grid-template-columns: minmax(0, 1fr); padding-left: 3.6rem; }
.cell .prompt { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; color: #6366f1; text-align: right; padding-top: .8rem; }
.cell-body { min-width: 0; }
.cell pre.code { max-height: 50vh; }
.md { overflow-wrap: anywhere; }
.md > :first-child { margin-top: 0; }
.md > :last-child { margin-bottom: 0; }
.md h1 { font-size: 1.35rem; } .md h2 { font-size: 1.15rem; } .md h3 { font-size: 1rem; }
.md pre { background: #f3f4f6; padding: .6rem; border-radius: 6px; overflow: auto; }
.md img { max-width: 100%; }
.md table { border-collapse: collapse; } .md th, .md td { border: 1px solid var(--line); padding: .2rem .5rem; }
.outputs { margin-top: .4rem; display: flex; flex-direction: column; gap: .4rem; min-width: 0; }
.out-text { margin: 0; padding: .5rem .8rem; max-height: 40vh; overflow: auto; background: #fafafa; border-left: 3px solid var(--line); white-space: pre; }
.out-text.stderr { background: #fff7ed; border-left-color: #fdba74; }
.out-text.error { background: #fef2f2; border-left-color: #fca5a5; color: var(--err); }
.out-image { max-width: 100%; height: auto; align-self: flex-start; background: #fff; }
.out-note { margin: 0; font-size: .85rem; color: var(--muted); font-style: italic; }
.history-panel { margin-top: 1.25rem; }
.timeline { list-style: none; margin: 0 0 .8rem; padding: 0; display: flex; flex-direction: column; gap: .4rem; }
.timeline li { display: flex; align-items: center; gap: .6rem; padding: .35rem .5rem; border-radius: 8px; border: 1px solid transparent; }
.timeline li.current { border-color: #bfdbfe; background: #eff6ff; }
.timeline a { display: flex; align-items: center; gap: .7rem; color: inherit; min-width: 0; }
.thumb-mini { width: 72px; height: 45px; flex: none; display: flex; align-items: center; justify-content: center; background: #fff; border: 1px solid var(--line); border-radius: 4px; overflow: hidden; }
.thumb-mini img { max-width: 100%; max-height: 100%; }
.thumb-mini .tile { min-height: 0; }
.thumb-mini .tile span { font-size: .7rem; }
.thumb-mini .tile small { display: none; }
.pick { font-size: .8rem; color: var(--muted); white-space: nowrap; }
.compare { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.ab { display: inline-block; width: 1.6rem; height: 1.6rem; line-height: 1.6rem; text-align: center; border-radius: 50%; background: #111827; color: #fff; font-size: .85rem; }
.side details { margin-top: .8rem; }
.overlay-panel { margin-top: 1rem; }
.mode { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; margin-bottom: .6rem; font-size: .9rem; }
.overlay { display: inline-grid; max-width: 100%; background: #000; }
.overlay img { grid-area: 1 / 1; display: block; max-width: 100%; height: auto; }
.overlay[data-mode=difference] img.layer-b { mix-blend-mode: difference; }
.review-head { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1rem; margin-bottom: 1.25rem; display: flex; flex-wrap: wrap; gap: .8rem 2rem; align-items: flex-start; justify-content: space-between; }
.review-head .notice { flex-basis: 100%; margin: 0; }
.review-item { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1rem; margin-bottom: 1.25rem; min-width: 0; }
.review-item > header { display: flex; flex-wrap: wrap; align-items: center; gap: .3rem 1rem; margin-bottom: .8rem; }
.review-item > header h2 { margin: 0; overflow-wrap: anywhere; }
.review-item > header .score, .review-item > header .review-state { margin: 0; font-size: .9rem; }
.review-item .score { color: #374151; font-variant-numeric: tabular-nums; }
.review-item .side { border: 0; padding: 0; }
.review-item .ab { width: auto; padding: 0 .6rem; border-radius: 999px; }
.badge.state { align-self: center; }
.state-changed .badge.state { background: #d97706; }
.state-removed .badge.state { background: var(--err); }
.state-new .badge.state { background: var(--new); }
.state-unchanged .badge.state { background: var(--muted); }
.badge.status { font-size: .75rem; padding: .1rem .6rem; }
.status-success { background: var(--new); }
.status-pending { background: #d97706; }
.status-failure { background: var(--err); }
.decision.approved { color: var(--new); }
.decision.changes_requested { color: var(--err); }
.decision.none { color: var(--muted); }
.review-buttons { display: flex; flex-wrap: wrap; gap: .5rem; margin: 0 0 0 auto; }
.review-buttons button.reject { background: var(--card); color: var(--err); border-color: #fca5a5; }
.review-buttons button[disabled] { opacity: .45; cursor: default; }
.diff-image { margin: 1rem 0 0; display: flex; flex-direction: column; align-items: center; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .6rem; }
.diff-image img { max-width: 100%; height: auto; }
.diff-stack { display: inline-grid; max-width: 100%; }
.diff-stack img { grid-area: 1 / 1; display: block; }
.diff-stack .diff-under { opacity: .25; filter: grayscale(1); }
.diff-image figcaption { color: var(--muted); font-size: .8rem; margin-top: .3rem; }
.code-diff { margin-top: 1rem; min-width: 0; }
.code-diff h3 { font-size: .95rem; margin: 0 0 .4rem; }
.code-diff h3 small { color: var(--muted); font-weight: 400; }
pre.code.diff { max-height: 60vh; }
details.unchanged { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: .7rem 1rem; }
details.unchanged summary { cursor: pointer; font-weight: 600; }
details.unchanged ul { margin: .5rem 0 0; padding-left: 1.2rem; }
.projects { list-style: none; padding: 0; display: grid; gap: .5rem; }
.projects li { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .7rem 1rem; }
@media (max-width: 800px) {
  main { padding: .8rem; }
  .snapshot, .compare { grid-template-columns: 1fr; }
  .cell, .cell.markdown, .cell.raw { grid-template-columns: minmax(0, 1fr); gap: .15rem; padding-left: 0; }
  .cell .prompt { text-align: left; padding-top: 0; }
  .review-buttons { margin-left: 0; }
  .grid { grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: .7rem; }
  .filters label { flex: 1 1 40%; }
  .filter-box > summary { display: list-item; cursor: pointer; color: var(--muted); font-size: .9rem; margin-bottom: .6rem; }
  h1 { font-size: 1.3rem; }
  .who span { display: none; }
  .top { padding: .6rem .8rem; }
}
`;
