// Syntax highlighting never blocks the event loop: crafted inputs that make highlight.js
// quadratic are shown plain (escaped, with a note) once their time budget runs out, /healthz
// answers while they render, the outcome is cached per sha256, and normal files still highlight.
import { EventEmitter, once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../src/storage/storage.js';
import { type Harness, PNG, publish, sha256, startHarness, upload } from './helpers.js';

const NOTE = 'Shown without highlighting: it took too long to highlight.';
/** Quadratic in highlight.js 11 (measured: 20 KB of R `a.` 0.8 s, 16 KB of TS `0x` 0.7 s). */
const CRAFTED_R = Buffer.from('a.'.repeat(40 * 1024));
const CRAFTED_TS = Buffer.from(`// <script>alert(1)</script>\n${'0x'.repeat(40 * 1024)}`);
const CRAFTED_SH = Buffer.from(`# <b>&amp;</b>\n${'0x'.repeat(40 * 1024)}`);
const PYTHON = Buffer.from('def area(r):\n    return 3.14 * r ** 2  # <b>not bold</b>\n');

// Fires 'read' each time a code artifact has been read to its end (the render starts then).
const codeReads = new EventEmitter();
let codeReadCount = 0;
// Identical bytes share one object (objects/{project}/{sha256[0:2]}/{sha256}): every object
// but the plot's PNG is code.
const isCode = (key: string) =>
  key.startsWith('code/') || (key.startsWith('objects/') && !key.endsWith(sha256(PNG)));
const watched = (inner: Storage): Storage => ({
  put: inner.put.bind(inner),
  move: inner.move.bind(inner),
  stat: inner.stat.bind(inner),
  delete: inner.delete.bind(inner),
  check: inner.check.bind(inner),
  async get(key, range) {
    const object = await inner.get(key, range);
    if (object && isCode(key)) {
      codeReadCount++;
      object.stream.once('end', () => codeReads.emit('read', key));
    }
    return object;
  },
});

let h: Harness;
let cookie: string;
beforeAll(async () => {
  // A budget well above a normal file's few milliseconds on a loaded CI box, far below the
  // crafted files' seconds.
  h = await startHarness({ config: { highlightTimeoutMs: 1000 }, wrapStorage: watched });
  const res = await fetch(`${h.url}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: await h.tokenFor(h.projectId, 'reader') }).toString(),
  });
  cookie = res.headers.get('set-cookie')!.split(';')[0]!;
});
afterAll(() => h.close());

/** A ready snapshot with a plot and the given code; returns its id. */
async function withCode(title: string, code: Buffer, contentType: string): Promise<string> {
  const pub = await publish(h, {
    title,
    artifacts: { plot: true, code: true },
    checksums: { plot: sha256(PNG), code: sha256(code) },
  });
  expect(pub.status).toBe(201);
  expect((await upload(pub.body.upload_urls.plot!, PNG)).status).toBe(200);
  expect((await upload(pub.body.upload_urls.code!, code, contentType)).status).toBe(200);
  const fin = await h.api('POST', '/api/snapshots/finalize', {
    json: { project_id: h.projectId, snapshot_id: pub.body.snapshot_id },
  });
  expect(fin.status).toBe(200);
  return pub.body.snapshot_id;
}

const view = async (id: string) => {
  const res = await fetch(`${h.url}/projects/${h.projectId}/snapshots/${id}`, {
    headers: { cookie },
    // Today's code froze the process for 12+ s on CRAFTED_R; the budget is 1 s.
    signal: AbortSignal.timeout(8000),
  });
  return { status: res.status, html: await res.text() };
};

/** The code panel's markup. */
const codePanel = (page: string) =>
  /<section class="code-panel">([\s\S]*?)<\/section>/.exec(page)![1]!;

const healthy = async () => (await fetch(`${h.url}/healthz`)).status;

/** The stored code still serves byte for byte (a fallback view loses nothing). */
async function codeIntact(id: string, bytes: Buffer) {
  const snap = (await (await h.api('GET', `/api/snapshots/${id}`)).json()) as { code_url: string };
  const res = await fetch(snap.code_url);
  expect(res.status).toBe(200);
  expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(bytes));
}

describe('code highlighting off the event loop', () => {
  it('still highlights a normal Python file (hljs classes, escaped)', async () => {
    const id = await withCode('python', PYTHON, 'text/x-python');
    const page = await view(id);
    expect(page.status).toBe(200);
    const panel = codePanel(page.html);
    expect(panel).toContain('<span class="hljs-keyword">def</span>');
    expect(panel).toContain('&lt;b&gt;not bold&lt;/b&gt;');
    expect(panel).not.toContain('Shown without highlighting');
  });

  it('shows 80 KB of crafted R plain with a note, and /healthz answers while it renders', async () => {
    const id = await withCode('crafted r', CRAFTED_R, 'text/x-r');
    const filesBefore = await h.files();
    const order: string[] = [];
    const rendering = once(codeReads, 'read');
    const pageDone = view(id).then((p) => {
      order.push('page');
      return p;
    });
    await rendering;
    const health = await healthy();
    order.push('healthz');
    const page = await pageDone;
    expect(health).toBe(200);
    expect(order).toEqual(['healthz', 'page']);
    expect(page.status).toBe(200);
    const panel = codePanel(page.html);
    expect(panel).toContain(NOTE);
    expect(panel).toContain('a.a.a.');
    expect(panel).not.toContain('<span class="hljs-');
    expect(await h.files()).toEqual(filesBefore);
    await codeIntact(id, CRAFTED_R);
    expect(await healthy()).toBe(200);
  });

  it('shows crafted TypeScript and bash plain and escaped, while a Python view beside them highlights', async () => {
    const ts = await withCode('crafted ts', CRAFTED_TS, 'text/x-typescript');
    const sh = await withCode('crafted sh', CRAFTED_SH, 'application/x-sh');
    const py = await withCode('python beside', Buffer.from('import os\n'), 'text/x-python');
    // Three renders on two threads: whichever waits gets a thread only once another is free,
    // and a crafted one frees its thread only by being terminated and exiting.
    const [tsPage, shPage, pyPage] = await Promise.all([view(ts), view(sh), view(py)]);
    for (const page of [tsPage, shPage]) {
      expect(page.status).toBe(200);
      expect(codePanel(page.html)).toContain(NOTE);
      expect(codePanel(page.html)).not.toContain('<span class="hljs-');
    }
    expect(codePanel(tsPage.html)).toContain('// &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(tsPage.html).not.toContain('<script>alert(1)');
    expect(codePanel(shPage.html)).toContain('# &lt;b&gt;&amp;amp;&lt;/b&gt;');
    expect(codePanel(pyPage.html)).toContain('<span class="hljs-keyword">import</span>');
    expect(h.server.context.highlighter.stats().threads).toBeLessThanOrEqual(2);
    await codeIntact(ts, CRAFTED_TS);
    expect(await healthy()).toBe(200);
  });

  it('serves a second view of a crafted file from the cache (one budget spent once)', async () => {
    const id = await withCode(
      'crafted r again',
      Buffer.from(`${'a.'.repeat(40 * 1024)}\n`),
      'text/x-r',
    );
    const first = await view(id);
    expect(codePanel(first.html)).toContain(NOTE);
    const runs = h.server.context.highlighter.stats().runs;
    const reads = codeReadCount;
    const [second, third] = await Promise.all([view(id), view(id)]);
    for (const page of [second, third]) {
      expect(page.status).toBe(200);
      expect(codePanel(page.html)).toContain(NOTE);
    }
    expect(h.server.context.highlighter.stats().runs).toBe(runs);
    expect(codeReadCount).toBe(reads);
    expect(await healthy()).toBe(200);
  });

  it('extracts a notebook’s code cells in the worker and highlights them', async () => {
    const nb = {
      cells: [
        { cell_type: 'markdown', source: ['# Title'] },
        { cell_type: 'code', source: ['import numpy as np\n', 'x = np.arange(3)'] },
      ],
    };
    const id = await withCode(
      'notebook',
      Buffer.from(JSON.stringify(nb)),
      'application/x-ipynb+json',
    );
    const runs = h.server.context.highlighter.stats().runs;
    const panel = codePanel((await view(id)).html);
    expect(panel).toContain('<span class="hljs-keyword">import</span> numpy');
    expect(panel).not.toContain('cell_type');
    expect(panel).not.toContain('# Title');
    expect(h.server.context.highlighter.stats().runs).toBe(runs + 1);
  });
});
