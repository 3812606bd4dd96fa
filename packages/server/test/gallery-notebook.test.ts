// The snapshot page shows a notebook as cells: code highlighted per cell, markdown rendered
// with raw HTML escaped and only http(s)/mailto links, images as <img>, HTML/JS outputs named
// and never emitted; a malformed notebook is shown as stored with a note, a big one as a note.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_NOTEBOOK_BYTES } from '../src/gallery/code-view.js';
import { numberLines, parseNotebook } from '../src/gallery/notebook-view.js';
import { type Harness, PNG, publish, sha256, startHarness, upload } from './helpers.js';

const IMG_B64 = Buffer.from('not really a png, only its base64 matters here').toString('base64');

/** A notebook with every kind of cell and output the view handles. */
export const NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { language_info: { name: 'python' } },
  cells: [
    {
      cell_type: 'markdown',
      source: [
        '# Sales by region\n',
        '\n',
        'Some **bold** text and a [good link](https://example.org/docs).\n',
        '\n',
        '<script>window.__pwned = 1</script>\n',
        '\n',
        '<img src=x onerror="window.__pwned = 2">\n',
        '\n',
        '[bad link](javascript:alert(1)) and [relative](/api/projects)\n',
      ],
    },
    {
      cell_type: 'code',
      execution_count: 1,
      source: ['import numpy as np\n', 's = """open string'],
      outputs: [{ output_type: 'stream', name: 'stdout', text: ['hello <b>stdout</b>\n'] }],
    },
    {
      cell_type: 'code',
      execution_count: 2,
      source: 'def area(r):\n    return 3.14 * r ** 2',
      outputs: [
        {
          output_type: 'display_data',
          data: { 'image/png': `${IMG_B64}\n`, 'text/plain': ['<Figure size 640x480>'] },
          metadata: {},
        },
        {
          output_type: 'display_data',
          data: { 'text/html': ['<div id="evil-html"><script>window.__pwned = 3</script></div>'] },
          metadata: {},
        },
        {
          output_type: 'display_data',
          data: { 'application/javascript': 'window.__pwned = 4' },
          metadata: {},
        },
        {
          output_type: 'execute_result',
          execution_count: 2,
          data: { 'text/plain': ['   a  b\n0  1  2'], 'text/html': ['<table id="df"></table>'] },
          metadata: {},
        },
        {
          output_type: 'error',
          ename: 'ZeroDivisionError',
          evalue: 'division by zero',
          traceback: ['\u001b[0;31mZeroDivisionError\u001b[0m: division by zero'],
        },
      ],
    },
  ],
};

let h: Harness;
let cookie: string;
beforeAll(async () => {
  h = await startHarness();
  const res = await fetch(`${h.url}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: await h.tokenFor(h.projectId, 'reader') }).toString(),
  });
  cookie = res.headers.get('set-cookie')!.split(';')[0]!;
});
afterAll(() => h.close());

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

async function panelOf(id: string) {
  const res = await fetch(`${h.url}/projects/${h.projectId}/snapshots/${id}`, {
    headers: { cookie },
  });
  const page = await res.text();
  expect(res.status).toBe(200);
  return /<section class="code-panel">([\s\S]*?)<\/section>/.exec(page)![1]!;
}

const nbType = 'application/x-ipynb+json';

describe('notebooks on the snapshot page', () => {
  it('shows the cells: markdown rendered safely, code highlighted, outputs', async () => {
    const id = await withCode('nb', Buffer.from(JSON.stringify(NOTEBOOK)), nbType);
    const panel = await panelOf(id);
    expect(panel).toContain('<div class="notebook">');
    expect(panel.match(/<div class="cell markdown">/g)).toHaveLength(1);
    expect(panel.match(/<div class="cell code">/g)).toHaveLength(2);
    // Markdown rendered.
    expect(panel).toContain('<h1>Sales by region</h1>');
    expect(panel).toContain('<strong>bold</strong>');
    expect(panel).toContain(
      '<a href="https://example.org/docs" rel="noopener noreferrer nofollow">good link</a>',
    );
    // Raw HTML in markdown is text, not markup; unsafe and relative links are not links.
    expect(panel).not.toMatch(/<script/i);
    expect(panel).toContain('&lt;script&gt;window.__pwned = 1&lt;/script&gt;');
    expect(panel).not.toMatch(/<img src=x/i);
    expect(panel).not.toContain('href="javascript:');
    expect(panel).not.toContain('href="/api/projects"');
    expect(panel).toContain('[bad link](javascript:alert(1))');
    // Code highlighted, each cell on its own (the open string of cell 1 stops there).
    expect(panel).toContain('<span class="hljs-keyword">import</span> numpy');
    expect(panel).toContain('<span class="hljs-keyword">def</span>');
    const [cell1, cell2] = panel.split('<div class="cell code">').slice(1);
    expect(cell2).toContain('<span class="hljs-keyword">def</span>');
    expect(cell1).toContain('[1]');
    expect(cell2).toContain('[2]');
    // Line numbers are spans the CSS counts, one per line.
    expect(cell2!.match(/<span class="line">/g)).toHaveLength(2);
    // Outputs: stream text escaped, image as <img> data:, HTML and JS named not emitted,
    // text/plain beside text/html shown as text, the error without its ANSI codes.
    expect(panel).toContain('hello &lt;b&gt;stdout&lt;/b&gt;');
    expect(panel).toContain(
      `<img class="out-image" src="data:image/png;base64,${IMG_B64}" alt="&lt;Figure size 640x480&gt;">`,
    );
    expect(panel).toContain('output not shown (HTML)');
    expect(panel).toContain('output not shown (JavaScript)');
    expect(panel).not.toContain('evil-html');
    expect(panel).not.toContain('__pwned = 3');
    expect(panel).not.toContain('__pwned = 4');
    expect(panel).not.toContain('<table id="df">');
    expect(panel).toContain('   a  b\n0  1  2');
    expect(panel).toContain('ZeroDivisionError: division by zero');
    expect(panel).not.toContain('\u001b');
    expect(panel).not.toContain('cell_type');
  });

  it('shows a malformed notebook as stored, with a note saying why, never a 500', async () => {
    // Each carries a marker `<b>i</b>`, shown escaped in the raw view.
    const cases: Array<[string, string]> = [
      ['{"cells": [ "<b>0</b>"', 'it is not valid JSON'],
      ['[1, "<b>1</b>"]', 'it is not a JSON object'],
      ['{"nbformat": 3, "worksheets": [], "x": "<b>2</b>"}', 'it is nbformat 3'],
      ['{"cells": [{"cell_type": "code", "source": 7, "x": "<b>3</b>"}]}', 'cell 1 has a source'],
      ['{"cells": [{"source": "<b>4</b>"}]}', 'cell 1 has no known cell_type'],
    ];
    for (const [i, [text, reason]] of cases.entries()) {
      const id = await withCode(`bad-nb-${i}`, Buffer.from(text), nbType);
      const panel = await panelOf(id);
      expect(panel).toContain('This notebook is shown as stored: ');
      expect(panel).toContain(reason);
      expect(panel).not.toContain('<div class="notebook">');
      expect(panel).toContain(`&lt;b&gt;${i}&lt;/b&gt;`);
    }
  });

  it('shows a notebook over the code-view limit as a note, not cells', async () => {
    const big = {
      ...NOTEBOOK,
      cells: [{ cell_type: 'markdown', source: 'x'.repeat(MAX_NOTEBOOK_BYTES + 10) }],
    };
    const id = await withCode('big-nb', Buffer.from(JSON.stringify(big)), nbType);
    const panel = await panelOf(id);
    expect(panel).toContain(
      'The notebook is 256 KiB: too large to show here, download it instead.',
    );
    expect(panel).not.toContain('<div class="notebook">');
  });

  it('gives a source file line numbers and a Copy button', async () => {
    const id = await withCode('py', Buffer.from('a = 1\nb = "<x>"\nc = 3\n'), 'text/x-python');
    const panel = await panelOf(id);
    expect(panel).toContain('<button type="button" class="copy" title="Copy the code" hidden>');
    expect(panel.match(/<span class="line">/g)).toHaveLength(3);
    expect(panel).toContain('&lt;x&gt;');
  });
});

describe('notebook-view units', () => {
  it('numberLines closes spans at line ends and reopens them on the next line', () => {
    const out = numberLines('<span class="s">"a\nb"</span> x\n').value;
    expect(out).toBe(
      '<span class="line"><span class="s">"a</span></span>\n<span class="line"><span class="s">b"</span> x</span>\n',
    );
  });

  it('parseNotebook reads the kernel language and execution counts', () => {
    const nb = parseNotebook(JSON.stringify(NOTEBOOK));
    expect('error' in nb).toBe(false);
    if ('error' in nb) return;
    expect(nb.language).toBe('python');
    expect(nb.cells.map((c) => c.execution_count)).toEqual([null, 1, 2]);
  });
});
