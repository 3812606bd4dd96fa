/** Reads a snapshot's code artifact and highlights it server-side with highlight.js. */
import type { SnapshotRecord } from '../data/store-snapshots.js';
import type { Storage } from '../storage/storage.js';
import { html, raw, type SafeHtml } from './html.js';

/** Larger code files are offered as a download only (highlighting is linear but not free). */
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

type Hljs = typeof import('highlight.js')['default'];
let hljs: Promise<Hljs> | undefined;
// Loaded on first use: most requests (API, uploads) never need ~190 grammars in memory.
const loadHljs = () => {
  hljs ??= import('highlight.js').then((m) => m.default);
  return hljs;
};

/** The code cells of a notebook joined with `# %%` markers (what a reader wants to see). */
export function notebookSource(text: string): string {
  try {
    const nb = JSON.parse(text) as { cells?: Array<{ cell_type?: string; source?: unknown }> };
    const cells = (nb.cells ?? []).filter((c) => c.cell_type === 'code');
    return cells
      .map((c) => (Array.isArray(c.source) ? c.source.join('') : String(c.source ?? '')))
      .map((src) => `# %%\n${src}`)
      .join('\n\n');
  } catch {
    return text;
  }
}

/** Highlighted markup for source text of a content type (highlight.js escapes its input). */
export async function highlight(text: string, contentType: string): Promise<SafeHtml> {
  const language = LANGUAGES[contentType] ?? 'plaintext';
  const h = await loadHljs();
  const out = h.highlight(text, { language, ignoreIllegals: true }).value;
  return raw(out);
}

/** The code panel's body: highlighted source, or a note when there is none or it is too big. */
export async function codePanel(storage: Storage, snap: SnapshotRecord): Promise<SafeHtml | null> {
  const file = snap.files.find((f) => f.kind === 'code');
  if (!file) return null;
  if (file.size > MAX_HIGHLIGHT_BYTES) {
    return html`<p class="note">The code is ${Math.round(file.size / 1024)} KiB: too large to show here, download it instead.</p>`;
  }
  const object = await storage.get(file.storage_key);
  if (!object) return html`<p class="note">The code file is missing from storage.</p>`;
  const chunks: Buffer[] = [];
  for await (const chunk of object.stream) chunks.push(chunk as Buffer);
  let text = Buffer.concat(chunks).toString('utf8');
  if (file.content_type === 'application/x-ipynb+json') text = notebookSource(text);
  const lang = LANGUAGES[file.content_type] ?? 'plaintext';
  return html`<pre class="code"><code class="hljs language-${lang}">${await highlight(text, file.content_type)}</code></pre>`;
}
