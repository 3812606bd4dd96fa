/**
 * The snapshot page's code panel: the code artifact highlighted by highlight.js in a worker
 * thread (src/highlight/), or shown plain and escaped when that runs over its time budget.
 */
import type { SnapshotRecord } from '../data/records.js';
import type { CodeRender } from '../highlight/highlighter.js';
import type { AppContext } from '../http/context.js';
import { openArtifact } from '../snapshots/read.js';
import { html, raw, type SafeHtml } from './html.js';

/** Larger code files are offered as a download only (the page would be too heavy anyway). */
export const MAX_HIGHLIGHT_BYTES = 256 * 1024;

const LANGUAGES: Record<string, string> = {
  'text/x-python': 'python',
  'application/x-ipynb+json': 'python',
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

/** The code panel's body: highlighted source, or a note when there is none or it is too big. */
export async function codePanel(ctx: AppContext, snap: SnapshotRecord): Promise<SafeHtml | null> {
  const file = snap.files.find((f) => f.kind === 'code');
  if (!file) return null;
  if (file.size > MAX_HIGHLIGHT_BYTES) {
    return html`<p class="note">The code is ${Math.round(file.size / 1024)} KiB: too large to show here, download it instead.</p>`;
  }
  const lang = LANGUAGES[file.content_type] ?? 'plaintext';
  // Read only on a cache miss; a missing object is not cached (it may be restored).
  const r = await ctx.highlighter
    .render({
      sha256: file.sha256,
      language: lang,
      notebook: file.content_type === 'application/x-ipynb+json',
      read: async () => {
        const object = await openArtifact(ctx, file);
        if (!object) throw new MissingCode();
        const chunks: Buffer[] = [];
        for await (const chunk of object.stream) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks).toString('utf8');
      },
    })
    .catch((err: unknown) => {
      if (err instanceof MissingCode) return null;
      throw err;
    });
  if (!r) return html`<p class="note">The code file is missing from storage.</p>`;
  if (r.outcome === 'highlighted') {
    return html`<pre class="code"><code class="hljs language-${lang}">${raw(r.html)}</code></pre>`;
  }
  if (r.outcome === 'unavailable') {
    ctx.logger.error({ err: r.message }, 'the highlight worker could not start');
  } else if (!r.cached && r.outcome !== 'busy') {
    ctx.logger.warn(
      { snapshot: snap.id, sha256: file.sha256, outcome: r.outcome },
      'code shown without highlighting',
    );
  }
  return html`<p class="note">${PLAIN_NOTES[r.outcome]}</p><pre class="code"><code class="hljs language-plaintext">${r.source}</code></pre>`;
}
