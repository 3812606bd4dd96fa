/**
 * The snapshot page's code panel: the code artifact highlighted by highlight.js in a worker
 * thread (src/highlight/), or shown plain and escaped when that runs over its time budget.
 */
import { createHash } from 'node:crypto';
import type { SnapshotRecord } from '../data/records.js';
import type { CodeRender } from '../highlight/highlighter.js';
import type { AppContext } from '../http/context.js';
import { openArtifact } from '../snapshots/read.js';
import { html, raw, type SafeHtml } from './html.js';
import { codeBlock, notebookHtml, parseNotebook } from './notebook-view.js';

/** Larger code files are offered as a download only (the page would be too heavy anyway). */
export const MAX_HIGHLIGHT_BYTES = 256 * 1024;
/** The same bound for a notebook as a whole (its outputs' images count). */
export const MAX_NOTEBOOK_BYTES = MAX_HIGHLIGHT_BYTES;

const NOTEBOOK = 'application/x-ipynb+json';

const LANGUAGES: Record<string, string> = {
  'text/x-python': 'python',
  'text/x-r': 'r',
  'text/x-julia': 'julia',
  'text/x-matlab': 'matlab',
  'text/javascript': 'javascript',
  'text/x-typescript': 'typescript',
  'application/x-sh': 'bash',
  'text/plain': 'plaintext',
};

/** Why the code is shown plain, as the reader sees it. */
const PLAIN_NOTES: Record<Exclude<CodeRender['outcome'], 'highlighted'>, string> = {
  too_slow: 'Shown without highlighting: it took too long to highlight.',
  failed: 'Shown without highlighting: the highlighter failed on this file.',
  unavailable:
    'Shown without highlighting: the highlighter could not start; an admin finds why in the server log.',
  busy: 'Shown without highlighting: the server is busy highlighting other files; reload in a moment to see it highlighted.',
};

class MissingCode extends Error {}

type CodeFile = SnapshotRecord['files'][number];

/** The stored text of a code artifact; MissingCode when storage no longer has it. */
async function readCode(ctx: AppContext, file: CodeFile): Promise<string> {
  const object = await openArtifact(ctx, file);
  if (!object) throw new MissingCode();
  const chunks: Buffer[] = [];
  for await (const chunk of object.stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Logs why code is shown plain (once per file: cached outcomes are not logged again). */
function logPlain(ctx: AppContext, r: CodeRender, o: { snapshot: string; sha256: string }) {
  if (r.outcome === 'unavailable') {
    ctx.logger.error({ err: r.message }, 'the highlight worker could not start');
  } else if (!r.cached && r.outcome !== 'busy' && r.outcome !== 'highlighted') {
    ctx.logger.warn({ ...o, outcome: r.outcome }, 'code shown without highlighting');
  }
}

/** The code panel's body: highlighted source, or a note when there is none or it is too big. */
export async function codePanel(ctx: AppContext, snap: SnapshotRecord): Promise<SafeHtml | null> {
  const file = snap.files.find((f) => f.kind === 'code');
  if (!file) return null;
  if (file.size > MAX_HIGHLIGHT_BYTES) {
    return html`<p class="note">The ${file.content_type === NOTEBOOK ? 'notebook' : 'code'} is ${Math.round(file.size / 1024)} KiB: too large to show here, download it instead.</p>`;
  }
  try {
    if (file.content_type === NOTEBOOK) return await notebookPanel(ctx, snap, file);
    return await sourcePanel(ctx, snap, file, LANGUAGES[file.content_type] ?? 'plaintext');
  } catch (err) {
    // A missing object is not cached (it may be restored).
    if (err instanceof MissingCode)
      return html`<p class="note">The code file is missing from storage.</p>`;
    throw err;
  }
}

/** A source file, highlighted (read only on a cache miss), with line numbers and Copy. */
async function sourcePanel(
  ctx: AppContext,
  snap: SnapshotRecord,
  file: CodeFile,
  lang: string,
  read: () => Promise<string> = () => readCode(ctx, file),
  note = '',
): Promise<SafeHtml> {
  const r = await ctx.highlighter.render({
    sha256: file.sha256,
    language: lang,
    notebook: false,
    read,
  });
  const prefix = note ? html`<p class="note">${note}</p>` : '';
  if (r.outcome === 'highlighted') {
    return html`${prefix}${codeBlock(raw(r.html), { lang })}`;
  }
  logPlain(ctx, r, { snapshot: snap.id, sha256: file.sha256 });
  return html`${prefix}<p class="note">${PLAIN_NOTES[r.outcome]}</p>${codeBlock(html`${r.source}`, { lang: 'plaintext' })}`;
}

/**
 * A notebook as cells (gallery/notebook-view.ts): read every time (its markdown and outputs
 * are rendered here), its code cells highlighted in one worker task. One that cannot be read
 * as nbformat 4 is shown as the stored JSON with a note saying why.
 */
async function notebookPanel(
  ctx: AppContext,
  snap: SnapshotRecord,
  file: CodeFile,
): Promise<SafeHtml> {
  const text = await readCode(ctx, file);
  const nb = parseNotebook(text);
  if ('error' in nb) {
    ctx.logger.warn(
      { snapshot: snap.id, sha256: file.sha256, reason: nb.error },
      'notebook shown raw',
    );
    return sourcePanel(
      ctx,
      snap,
      file,
      'plaintext',
      async () => text,
      `This notebook is shown as stored: ${nb.error}.`,
    );
  }
  const lang =
    LANGUAGES[`text/x-${nb.language}`] ?? (nb.language === null ? 'python' : 'plaintext');
  const r = await ctx.highlighter.render({
    sha256: file.sha256,
    language: lang,
    notebook: true,
    read: async () => text,
  });
  if (r.outcome !== 'highlighted') logPlain(ctx, r, { snapshot: snap.id, sha256: file.sha256 });
  try {
    return r.outcome === 'highlighted'
      ? notebookHtml(nb, { lang, highlighted: r.html })
      : notebookHtml(nb, { lang, highlighted: null, note: PLAIN_NOTES[r.outcome] });
  } catch (err) {
    // Whatever a cell holds, the page is not a 500: the stored JSON instead.
    ctx.logger.warn({ err, snapshot: snap.id, sha256: file.sha256 }, 'notebook shown raw');
    return sourcePanel(ctx, snap, file, 'plaintext', async () => text, RAW_NOTE);
  }
}

const RAW_NOTE = 'This notebook is shown as stored: its cells could not be rendered.';

const codeFile = (snap: SnapshotRecord | null) =>
  snap?.files.find((f) => f.kind === 'code') ?? null;

/**
 * The review page's code change: the unified diff (jsdiff, 3 lines of context) from the
 * baseline's code to the head's, highlighted as `diff` by the same worker pool, budget and
 * cache as the snapshot page (keyed by the pair of sha256s). Null when neither side has code.
 */
export async function codeDiffPanel(
  ctx: AppContext,
  base: SnapshotRecord | null,
  head: SnapshotRecord | null,
): Promise<SafeHtml | null> {
  const a = codeFile(base);
  const b = codeFile(head);
  if (!a && !b) return null;
  if (a && b && a.sha256 === b.sha256) {
    return html`<p class="note">The code is the same in both snapshots.</p>`;
  }
  const big = [a, b].find((f) => f && f.size > MAX_HIGHLIGHT_BYTES);
  if (big) {
    return html`<p class="note">The code is ${Math.round(big.size / 1024)} KiB: too large to diff here, open both snapshots to download it.</p>`;
  }
  const key = createHash('sha256')
    .update(`${a?.sha256 ?? '-'}..${b?.sha256 ?? '-'}`)
    .digest('hex');
  const r = await ctx.highlighter
    .render({
      sha256: key,
      language: 'diff',
      notebook: false,
      read: async () => {
        const [before, after] = await Promise.all([
          a ? readCode(ctx, a) : '',
          b ? readCode(ctx, b) : '',
        ]);
        // jsdiff is loaded by the first code diff, not at start-up.
        const { createTwoFilesPatch } = await import('diff');
        return createTwoFilesPatch(
          'baseline',
          'head',
          before,
          after,
          base?.commit_sha?.slice(0, 7) ?? (a ? '' : 'no code'),
          head?.commit_sha?.slice(0, 7) ?? (b ? '' : 'no code'),
          { context: 3 },
        ).replace(/^=+\n/, '');
      },
    })
    .catch((err: unknown) => {
      if (err instanceof MissingCode) return null;
      throw err;
    });
  if (!r) return html`<p class="note">A code file is missing from storage.</p>`;
  if (r.outcome === 'highlighted') {
    return html`<pre class="code diff"><code class="hljs language-diff">${raw(r.html)}</code></pre>`;
  }
  logPlain(ctx, r, { snapshot: head?.id ?? base?.id ?? '', sha256: key });
  return html`<p class="note">${PLAIN_NOTES[r.outcome]}</p><pre class="code diff"><code class="hljs language-plaintext">${r.source}</code></pre>`;
}
