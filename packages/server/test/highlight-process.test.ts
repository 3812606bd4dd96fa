// The built bin (run `pnpm build` first) highlights from dist/: the worker file ships in the
// build, --highlight-timeout-ms is honoured, and a crafted file is shown plain.
import { startTestServer, type TestServer } from 'snapshotplot-server/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PNG, sha256 } from './helpers.js';

let s: TestServer;
let project: string;
let token: string;
beforeAll(async () => {
  s = await startTestServer({ args: ['--highlight-timeout-ms', '500'] });
  project = (await s.createProject('highlight')).id;
  token = await s.createToken(project, 'publisher');
});
afterAll(() => s.destroy());

const auth = () => ({ authorization: `Bearer ${token}` });

async function withCode(title: string, code: Buffer, contentType: string): Promise<string> {
  const pub = await fetch(`${s.url}/api/snapshots/publish`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: JSON.stringify({
      project_id: project,
      title,
      artifacts: { plot: true, code: true },
      checksums: { plot: sha256(PNG), code: sha256(code) },
    }),
  });
  expect(pub.status).toBe(201);
  const body = (await pub.json()) as { snapshot_id: string; upload_urls: Record<string, string> };
  for (const [kind, bytes, type] of [
    ['plot', PNG, 'image/png'],
    ['code', code, contentType],
  ] as const) {
    const up = await fetch(body.upload_urls[kind]!, {
      method: 'PUT',
      headers: { 'content-type': type },
      body: bytes,
    });
    expect(up.status).toBe(200);
  }
  const fin = await fetch(`${s.url}/api/snapshots/finalize`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ project_id: project, snapshot_id: body.snapshot_id }),
  });
  expect(fin.status).toBe(200);
  return body.snapshot_id;
}

async function view(id: string): Promise<string> {
  const signin = await fetch(`${s.url}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  const cookie = signin.headers.get('set-cookie')!.split(';')[0]!;
  const res = await fetch(`${s.url}/projects/${project}/snapshots/${id}`, {
    headers: { cookie },
    signal: AbortSignal.timeout(8000),
  });
  expect(res.status).toBe(200);
  return res.text();
}

it('highlights in a worker from dist/ and shows a crafted file plain', async () => {
  const py = await withCode('py', Buffer.from('def f():\n    pass\n'), 'text/x-python');
  expect(await view(py)).toContain('<span class="hljs-keyword">def</span>');
  const r = await withCode('crafted', Buffer.from('a.'.repeat(40 * 1024)), 'text/x-r');
  expect(await view(r)).toContain('Shown without highlighting: it took too long to highlight.');
  expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
});
