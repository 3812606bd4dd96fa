// The highlighting thread. Plain JavaScript on purpose: a worker thread is a bare Node module
// graph (no vitest transform, no .ts loader on Node 20), so this one file runs unchanged from
// src/ under the tests and from dist/ after `tsc` (allowJs copies it). It may be terminated
// mid-task by the pool when it runs over its time budget, so it keeps no state worth saving.
import { parentPort } from 'node:worker_threads';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import diff from 'highlight.js/lib/languages/diff';
import javascript from 'highlight.js/lib/languages/javascript';
import julia from 'highlight.js/lib/languages/julia';
import matlab from 'highlight.js/lib/languages/matlab';
import plaintext from 'highlight.js/lib/languages/plaintext';
import python from 'highlight.js/lib/languages/python';
import r from 'highlight.js/lib/languages/r';
import typescript from 'highlight.js/lib/languages/typescript';

// Only the grammars the code view maps content types to (and `diff`, the review page's code
// diff): a smaller heap and a faster start.
const GRAMMARS = { bash, diff, javascript, julia, matlab, plaintext, python, r, typescript };
for (const [name, grammar] of Object.entries(GRAMMARS)) hljs.registerLanguage(name, grammar);

/**
 * Between the highlighted code cells of a notebook in one result. highlight.js escapes `<`,
 * so this comment cannot occur in its output; gallery/notebook-view.ts splits on it.
 */
const CELL_BREAK = '<!--cell-->';

/** The sources of a notebook's code cells, in order; null when it is not notebook JSON. */
function notebookCells(text) {
  try {
    const nb = JSON.parse(text);
    const cells = (Array.isArray(nb?.cells) ? nb.cells : []).filter((c) => c?.cell_type === 'code');
    return cells.map((c) => (Array.isArray(c.source) ? c.source.join('') : String(c.source ?? '')));
  } catch {
    return null;
  }
}

parentPort.on('message', (task) => {
  try {
    const language = hljs.getLanguage(task.language) ? task.language : 'plaintext';
    const highlight = (code) => hljs.highlight(code, { language, ignoreIllegals: true }).value;
    const cells = task.notebook ? notebookCells(task.text) : null;
    if (cells) {
      // Sent first, so a task stopped over budget still shows the notebook's code cells
      // joined with `# %%` markers, not its JSON.
      const source = cells.map((src) => `# %%\n${src}`).join('\n\n');
      parentPort.postMessage({ type: 'progress', value: source });
      // Each cell on its own: a string left open in one cell does not run into the next.
      parentPort.postMessage({ type: 'done', value: cells.map(highlight).join(CELL_BREAK) });
      return;
    }
    parentPort.postMessage({ type: 'done', value: highlight(task.text) });
  } catch (err) {
    parentPort.postMessage({ type: 'failed', message: String(err?.message ?? err) });
  }
});
parentPort.postMessage({ type: 'ready' });
