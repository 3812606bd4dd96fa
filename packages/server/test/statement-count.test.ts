/**
 * SQL statements per snapshot (issue 16): the built server with SNAPSHOTPLOT_COUNT_STATEMENTS=1
 * prints `statements <METHOD> <path> <n>` per request (src/data/statement-count.ts). The totals
 * below are what the code achieves today; a change that adds statements fails here with the
 * per-request breakdown. Lower them when you remove statements.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';
import { BACKEND, PNG, PY, sha256 } from './helpers.js';

/**
 * Publish (JSON) + plot PUT + code PUT + finalize. PostgreSQL counts kysely's statements the
 * same way; the set_config of row-level security is sent by the pool's transport
 * (data/pg-transport.ts) in the same round trip as a statement, so it is not counted.
 */
const MAX_UPLOAD_FLOW = 35;
/** One multipart publish with plot + code. */
const MAX_DIRECT = BACKEND === 'postgres' ? 14 : 13;

let s: TestServer;
let projectId: string;
let token: string;
beforeAll(async () => {
  s = await startTestServer({ env: { SNAPSHOTPLOT_COUNT_STATEMENTS: '1' } });
  projectId = (await s.createProject('Counted')).id;
  token = await s.createToken(projectId);
});
afterAll(() => s?.destroy());

const LINE = /^statements (\S+) (\S+) (\d+)$/gm;
let seen = 0;

/** The count lines printed since the last call, waiting until `expected` of them arrived. */
async function counted(expected: number): Promise<Array<{ request: string; n: number }>> {
  for (;;) {
    const lines = [...s.stderr().matchAll(LINE)].slice(seen);
    if (lines.length >= expected) {
      seen += lines.length;
      return lines.map((m) => ({
        request: `${m[1]} ${m[2]!.replace(/\/[^/]{20,}/g, '/…')}`,
        n: Number(m[3]),
      }));
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

function report(rows: Array<{ request: string; n: number }>): string {
  const total = rows.reduce((sum, r) => sum + r.n, 0);
  return [
    ...rows.map((r) => `${String(r.n).padStart(3)}  ${r.request}`),
    `${String(total).padStart(3)}  total`,
  ].join('\n');
}

const auth = () => ({ authorization: `Bearer ${token}` });

async function publishUploadFinalize(
  title: string,
): Promise<Array<{ request: string; n: number }>> {
  const pub = await fetch(`${s.url}/api/snapshots/publish`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: JSON.stringify({
      project_id: projectId,
      title,
      artifacts: { plot: true, code: true },
      checksums: { plot: sha256(PNG), code: sha256(PY) },
      tags: ['ml'],
      commit_sha: 'abcdef1234',
    }),
  });
  expect(pub.status).toBe(201);
  const body = (await pub.json()) as { snapshot_id: string; upload_urls: Record<string, string> };
  for (const [kind, bytes, type] of [
    ['plot', PNG, 'image/png'],
    ['code', PY, 'text/x-python'],
  ] as const) {
    const up = await fetch(body.upload_urls[kind]!, {
      method: 'PUT',
      headers: { 'content-type': type },
      body: bytes,
    });
    expect(up.status).toBe(200);
    await up.arrayBuffer();
  }
  const fin = await fetch(`${s.url}/api/snapshots/finalize`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ project_id: projectId, snapshot_id: body.snapshot_id }),
  });
  expect(fin.status).toBe(200);
  await fin.arrayBuffer();
  return counted(4);
}

describe('SQL statements per snapshot', () => {
  it(`publish -> upload plot + code -> finalize runs at most ${MAX_UPLOAD_FLOW}`, async () => {
    await counted(0);
    // The first snapshot of a project may pay one-time costs; count the second.
    await publishUploadFinalize('warm-up');
    const rows = await publishUploadFinalize('Counted curve');
    const total = rows.reduce((sum, r) => sum + r.n, 0);
    console.log(`statements per snapshot (publish, upload, finalize):\n${report(rows)}`);
    expect(rows.map((r) => r.request.split(' ')[0])).toEqual(['POST', 'PUT', 'PUT', 'POST']);
    expect(total, report(rows)).toBeLessThanOrEqual(MAX_UPLOAD_FLOW);
    expect(total).toBeGreaterThan(0);
  });

  it(`a multipart direct publish of plot + code runs at most ${MAX_DIRECT}`, async () => {
    await counted(0);
    const direct = async (title: string) => {
      const fd = new FormData();
      fd.append(
        'metadata',
        JSON.stringify({ project_id: projectId, title, commit_sha: 'abcdef1234' }),
      );
      fd.append('plot', new Blob([new Uint8Array(PNG)], { type: 'image/png' }), 'plot.png');
      fd.append('code', new Blob([new Uint8Array(PY)], { type: 'text/x-python' }), 'code.py');
      const res = await fetch(`${s.url}/api/snapshots/publish`, {
        method: 'POST',
        headers: auth(),
        body: fd,
      });
      expect(res.status).toBe(201);
      await res.arrayBuffer();
      return counted(1);
    };
    await direct('warm-up direct');
    const rows = await direct('Counted direct');
    console.log(`statements per direct publish:\n${report(rows)}`);
    const total = rows.reduce((sum, r) => sum + r.n, 0);
    expect(total, report(rows)).toBeLessThanOrEqual(MAX_DIRECT);
    expect(total).toBeGreaterThan(0);
  });
});
