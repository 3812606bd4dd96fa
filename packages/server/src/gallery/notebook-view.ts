/**
 * A Jupyter notebook (nbformat 4 JSON) shown as its cells: code cells highlighted by the
 * worker pool (one task for the whole notebook, cells split on CELL_BREAK), markdown cells
 * rendered by markdown-it with raw HTML off and links limited to http(s)/mailto, and outputs:
 * PNG/JPEG images as data: URLs (the gallery CSP allows img-src data:), text and streams and
 * errors as preformatted text, and never HTML or JavaScript (a note says it is not shown).
 */
import { createRequire } from 'node:module';
import type MarkdownItType from 'markdown-it';
import { html, raw, type SafeHtml } from './html.js';

/** Must match highlight-worker.mjs. */
export const CELL_BREAK = '<!--cell-->';

type Source = string | string[];

export interface NotebookOutput {
  output_type: string;
  name?: string;
  text?: Source;
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface NotebookCell {
  cell_type: 'code' | 'markdown' | 'raw';
  source: string;
  execution_count: number | null;
  outputs: NotebookOutput[];
}

export interface Notebook {
  cells: NotebookCell[];
  language: string | null;
}

const joinSource = (s: unknown): string | null =>
  typeof s === 'string'
    ? s
    : Array.isArray(s) && s.every((x) => typeof x === 'string')
      ? s.join('')
      : null;

/**
 * The notebook's cells, or why it cannot be read as one (shown to the reader as a note above
 * the raw JSON). Only the shape the view needs is checked; unknown fields are ignored.
 */
export function parseNotebook(text: string): Notebook | { error: string } {
  let nb: unknown;
  try {
    nb = JSON.parse(text);
  } catch {
    return { error: 'it is not valid JSON' };
  }
  if (!nb || typeof nb !== 'object' || Array.isArray(nb)) {
    return { error: 'it is not a JSON object' };
  }
  const o = nb as Record<string, unknown>;
  if (!Array.isArray(o.cells)) {
    return {
      error:
        typeof o.nbformat === 'number' && o.nbformat < 4
          ? `it is nbformat ${o.nbformat}; only nbformat 4 is shown as cells (save it again with a current Jupyter)`
          : 'it has no "cells" list',
    };
  }
  const cells: NotebookCell[] = [];
  for (const [i, c] of o.cells.entries()) {
    const cell = c as Record<string, unknown> | null;
    const type = cell?.cell_type;
    if (type !== 'code' && type !== 'markdown' && type !== 'raw') {
      return { error: `cell ${i + 1} has no known cell_type (code, markdown or raw)` };
    }
    const source = joinSource(cell!.source ?? '');
    if (source === null) return { error: `cell ${i + 1} has a source that is not text` };
    const outputs = Array.isArray(cell!.outputs)
      ? (cell!.outputs as unknown[]).filter(
          (x): x is NotebookOutput =>
            !!x && typeof x === 'object' && typeof (x as NotebookOutput).output_type === 'string',
        )
      : [];
    const count = cell!.execution_count;
    cells.push({
      cell_type: type,
      source,
      execution_count: typeof count === 'number' && Number.isInteger(count) ? count : null,
      outputs: type === 'code' ? outputs : [],
    });
  }
  const meta = o.metadata as Record<string, Record<string, unknown> | undefined> | undefined;
  const lang = meta?.language_info?.name ?? meta?.kernelspec?.language;
  return { cells, language: typeof lang === 'string' ? lang : null };
}

const LINK_PROTOCOLS = /^(https?:|mailto:)/i;
let md: InstanceType<typeof MarkdownItType> | undefined;
/**
 * markdown-it, made on the first notebook shown (not at start-up: it and its dependencies are
 * ~5 MiB of every server process, and most never show a notebook). Links and images: only
 * http(s) and mailto (this replaces markdown-it's own check, which lets data: images and
 * relative links through); a refused link is left as its text.
 */
function markdown(): InstanceType<typeof MarkdownItType> {
  if (md) return md;
  const MarkdownIt = createRequire(import.meta.url)('markdown-it') as typeof MarkdownItType;
  const m = new MarkdownIt({ html: false, linkify: true, typographer: false });
  m.validateLink = (url: string) => LINK_PROTOCOLS.test(url.trim());
  const defaultLinkOpen =
    m.renderer.rules.link_open ??
    ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  m.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    tokens[idx]!.attrSet('rel', 'noopener noreferrer nofollow');
    return defaultLinkOpen(tokens, idx, options, env, self);
  };
  md = m;
  return m;
}

/** Markdown as HTML: markdown-it escapes raw HTML (html: false) and drops unsafe links. */
export function renderMarkdown(text: string): SafeHtml {
  return raw(markdown().render(text));
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes in tracebacks
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const IMAGE_TYPES = ['image/png', 'image/jpeg'] as const;
/** Outputs that would run in the gallery's origin: named, never shown. */
const ACTIVE_TYPES: Record<string, string> = {
  'text/html': 'HTML',
  'application/javascript': 'JavaScript',
  'text/javascript': 'JavaScript',
  'image/svg+xml': 'SVG',
  'application/vnd.jupyter.widget-view+json': 'widget',
};

const text = (s: unknown): string => (typeof s === 'string' ? s : (joinSource(s) ?? ''));

function outputHtml(out: NotebookOutput): SafeHtml {
  if (out.output_type === 'stream') {
    const cls = out.name === 'stderr' ? 'out-text stderr' : 'out-text';
    return html`<pre class="${cls}">${text(out.text).replace(ANSI, '')}</pre>`;
  }
  if (out.output_type === 'error') {
    const tb = Array.isArray(out.traceback) ? out.traceback.map(text).join('\n') : '';
    const body = tb || `${text(out.ename)}: ${text(out.evalue)}`;
    return html`<pre class="out-text error">${body.replace(ANSI, '')}</pre>`;
  }
  const data = out.data && typeof out.data === 'object' ? out.data : {};
  for (const type of IMAGE_TYPES) {
    const b64 = text(data[type]).replace(/\s+/g, '');
    if (b64 && BASE64.test(b64)) {
      const alt = text(data['text/plain']).slice(0, 200) || 'notebook output image';
      return html`<img class="out-image" src="data:${type};base64,${b64}" alt="${alt}">`;
    }
  }
  const plain = text(data['text/plain']);
  if (plain) return html`<pre class="out-text">${plain.replace(ANSI, '')}</pre>`;
  const active = Object.keys(data)
    .map((k) => ACTIVE_TYPES[k])
    .find(Boolean);
  if (active) return html`<p class="out-note">output not shown (${active})</p>`;
  const kinds = Object.keys(data).join(', ');
  return kinds ? html`<p class="out-note">output not shown (${kinds})</p>` : html``;
}

/** A code cell's lines, each in a span the CSS numbers (the numbers are not copied). */
export function numberLines(markup: string): SafeHtml {
  // highlight.js spans may cross line ends: close them at each end and reopen on the next line.
  const open: string[] = [];
  let out = '<span class="line">';
  for (const part of markup.split(/(<span[^>]*>|<\/span>|\n)/)) {
    if (part === '\n') {
      out += `${'</span>'.repeat(open.length)}</span>\n<span class="line">${open.join('')}`;
    } else if (part.startsWith('<span')) {
      open.push(part);
      out += part;
    } else if (part === '</span>') {
      open.pop();
      out += part;
    } else {
      out += part;
    }
  }
  // A trailing newline stays (it is copied) but makes no extra, empty numbered line.
  out += '</span>';
  return raw(out.replace(/\n<span class="line"><\/span>$/, '\n'));
}

/**
 * One code block with line numbers and a copy button (gallery-js.ts wires it up; without
 * script the code is still selectable). `markup` is highlight.js output or escaped text.
 */
export function codeBlock(markup: SafeHtml, o: { lang: string; cls?: string }): SafeHtml {
  return html`<div class="code-block"><button type="button" class="copy" title="Copy the code" hidden>Copy</button><pre class="code numbered${o.cls ? ` ${o.cls}` : ''}"><code class="hljs language-${o.lang}">${numberLines(markup.value)}</code></pre></div>`;
}

/**
 * The notebook's cells. `highlighted` is the worker's result (cells joined by CELL_BREAK) or
 * null when the code is shown plain (then `note` says why).
 */
export function notebookHtml(
  nb: Notebook,
  o: { lang: string; highlighted: string | null; note?: string },
): SafeHtml {
  const codeCells = nb.cells.filter((c) => c.cell_type === 'code');
  let parts = o.highlighted === null ? null : o.highlighted.split(CELL_BREAK);
  if (parts && parts.length !== codeCells.length) parts = null;
  let k = 0;
  const cells = nb.cells.map((c) => {
    if (c.cell_type === 'markdown') {
      return html`<div class="cell markdown"><div class="md">${renderMarkdown(c.source)}</div></div>`;
    }
    if (c.cell_type === 'raw') {
      return html`<div class="cell raw"><pre class="out-text">${c.source}</pre></div>`;
    }
    const markup = parts ? raw(parts[k]!) : html`${c.source}`;
    k++;
    const prompt = c.execution_count === null ? ' ' : String(c.execution_count);
    return html`<div class="cell code"><div class="prompt">[${prompt}]</div><div class="cell-body">${codeBlock(markup, { lang: parts ? o.lang : 'plaintext' })}${
      c.outputs.length
        ? html`<div class="outputs">${c.outputs.map((out) => outputHtml(out))}</div>`
        : ''
    }</div></div>`;
  });
  return html`${o.note ? html`<p class="note">${o.note}</p>` : ''}<div class="notebook">${cells.length ? cells : html`<p class="note">This notebook has no cells.</p>`}</div>`;
}
