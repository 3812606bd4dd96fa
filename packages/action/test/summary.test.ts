import type { Snapshot } from '@snapshotplot/api-client';
import { describe, expect, it } from 'vitest';
import { mapContext } from '../src/context.js';
import { batchSummary, isBrowserLoadable, singleSummary } from '../src/summary.js';
import { contextFor, examplePayload } from './helpers.js';

describe('isBrowserLoadable', () => {
  it('accepts public http(s) URLs', () => {
    expect(isBrowserLoadable('https://plots.example.com/api/snapshots/snap_1/plot?sig=x')).toBe(
      true,
    );
    expect(isBrowserLoadable('http://203.0.113.7:8080/p.png')).toBe(true);
  });

  it('rejects runner-local, private and non-http URLs', () => {
    for (const url of [
      'http://127.0.0.1:8080/p.png',
      'http://localhost/p.png',
      'http://10.1.2.3/p.png',
      'http://192.168.0.9/p.png',
      'http://172.20.0.2/p.png',
      'http://[::1]:80/p.png',
      'http://plots.internal/p.png',
      'file:///tmp/p.png',
      'not a url',
      null,
      undefined,
    ]) {
      expect(isBrowserLoadable(url), String(url)).toBe(false);
    }
  });
});

describe('singleSummary and batchSummary', () => {
  const snapshot = (over: Partial<Snapshot> = {}): Snapshot => ({
    id: 'snap_1',
    project_id: 'proj_1',
    collection_id: null,
    collection: null,
    title: 'Loss <script>alert(1)</script>',
    author: null,
    description: null,
    tags: ['ml'],
    repo_owner: 'o',
    repo_name: 'r',
    commit_sha: 'a'.repeat(40),
    branch: 'main',
    pr_number: 7,
    ci: null,
    status: 'ready',
    artifacts: { plot: true, code: false },
    files: {
      plot: { kind: 'plot', content_type: 'image/png', size: 1, sha256: '0'.repeat(64) },
      code: null,
    },
    plot_url: 'https://plots.example.com/api/snapshots/snap_1/plot?sig=a&exp=1',
    code_url: null,
    supersedes: null,
    created_at: new Date(0).toISOString(),
    finalized_at: null,
    ...over,
  });
  const ctx = mapContext(contextFor('pull_request', examplePayload('pull_request')));

  it('shows a loadable image plot inline, escapes every value, links snapshot, commit and PR', () => {
    const html = singleSummary(
      { snapshot: snapshot(), url: 'https://plots.example.com/s/snap_1' },
      ctx,
    );
    expect(html).toContain(
      '<img src="https://plots.example.com/api/snapshots/snap_1/plot?sig=a&amp;exp=1"',
    );
    expect(html).not.toContain('<script>');
    expect(html).toContain('Loss &lt;script&gt;');
    expect(html).toContain('<a href="https://plots.example.com/s/snap_1">Open snapshot</a>');
    expect(html).toContain(`${ctx.links.prUrl}">#${ctx.git.pr_number}</a>`);
    expect(html).toContain(`${ctx.links.commitUrl}">`);
  });

  it('links instead of inlining a plot that is not an image (PDF, HTML)', () => {
    const pdf = snapshot({
      files: {
        plot: { kind: 'plot', content_type: 'application/pdf', size: 1, sha256: '0'.repeat(64) },
        code: null,
      },
    });
    const html = singleSummary({ snapshot: pdf, url: 'https://x.example.com/s' }, ctx);
    expect(html).not.toContain('<img');
    expect(html).toContain('>Plot</a>');
  });

  it('batch: one row per snapshot with a thumbnail, failures listed', () => {
    const html = batchSummary(
      [
        { snapshot: snapshot({ id: 'snap_a', title: 'a' }), url: 'https://x.example.com/a' },
        { snapshot: snapshot({ id: 'snap_b', title: 'b' }), url: 'https://x.example.com/b' },
      ],
      [{ title: 'c', message: 'File too large.' }],
      ctx,
    );
    expect(html).toContain('2 of 3 published');
    expect(html.match(/<img [^>]*width="240"/g)).toHaveLength(2);
    expect(html).toContain('failed: File too large.');
  });
});
