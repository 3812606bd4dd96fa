/** Crash and shutdown behaviour of the built bin (run `pnpm build` first). */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SnapshotSchema } from '@snapshotplot/api-client';
import { startTestServer, type TestServer } from 'snapshotplot-server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG, sha256 } from './helpers.js';
import { SUITE_ON_S3 } from './s3-env.js';

let s: TestServer;
let project: string;
let token: string;
beforeAll(async () => {
  s = await startTestServer();
  project = (await s.createProject('crash')).id;
  token = await s.createToken(project);
});
afterAll(() => s.destroy());

const api = (path: string, body?: unknown) =>
  fetch(`${s.url}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });

/** A PUT whose body stops after the first chunk until `release()` is called. */
function slowUpload(url: string, first: Buffer, rest: Buffer) {
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let step = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      step++;
      if (step === 1) c.enqueue(new Uint8Array(first));
      else if (step === 2) {
        await gate;
        c.enqueue(new Uint8Array(rest));
      } else c.close();
    },
  });
  const response = fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'image/png', 'content-length': String(first.length + rest.length) },
    body,
    duplex: 'half',
  } as RequestInit);
  return { response, release };
}

async function waitForTempFile(): Promise<string[]> {
  for (let i = 0; i < 1000; i++) {
    const names = await readdir(join(s.dataDir, 'files', '.tmp')).catch(() => []);
    if (names.length) return names;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the upload never reached the temp file');
}

const bytes = Buffer.concat([PNG, Buffer.alloc(64 * 1024, 7)]);
const crashBody = () => ({
  project_id: project,
  title: 'crash test',
  commit_sha: 'c0ffee1',
  checksums: { plot: sha256(bytes) },
});

// Watches the temp file on disk; on S3 the contract suite (s3-storage.test.ts) covers it.
describe.skipIf(SUITE_ON_S3)('kill -9 and SIGTERM', () => {
  it('kill -9 mid-upload: nothing partial visible after restart; completable with fresh URLs', async () => {
    const publishBody = crashBody();
    const pub = (await (await api('/api/snapshots/publish', publishBody)).json()) as {
      snapshot_id: string;
      upload_urls: { plot: string };
    };
    const slow = slowUpload(pub.upload_urls.plot, bytes.subarray(0, 1000), bytes.subarray(1000));
    const caught = slow.response.catch((e: unknown) => e);
    expect((await waitForTempFile())[0]).toMatch(/\.part$/);
    await s.kill();
    expect(await caught).toBeInstanceOf(Error);
    await s.restart();
    expect(await readdir(join(s.dataDir, 'files', '.tmp'))).toEqual([]);
    expect(await readdir(join(s.dataDir, 'files', 'plots')).catch(() => [])).toEqual([]);
    const snap = SnapshotSchema.parse(
      await (await api(`/api/snapshots/${pub.snapshot_id}`)).json(),
    );
    expect(snap).toMatchObject({ status: 'pending', files: { plot: null } });
    const again = (await (await api('/api/snapshots/publish', publishBody)).json()) as {
      snapshot_id: string;
      upload_urls: { plot: string };
    };
    expect(again.snapshot_id).toBe(pub.snapshot_id);
    const put = await fetch(again.upload_urls.plot, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: bytes,
    });
    expect(put.status).toBe(200);
    const fin = await api('/api/snapshots/finalize', {
      project_id: project,
      snapshot_id: pub.snapshot_id,
    });
    expect(fin.status).toBe(200);
  });

  it('SIGTERM lets an in-flight upload finish, then exits and refuses new connections', async () => {
    const pub = (await (
      await api('/api/snapshots/publish', { project_id: project, title: 'sigterm' })
    ).json()) as { snapshot_id: string; upload_urls: { plot: string } };
    const slow = slowUpload(pub.upload_urls.plot, bytes.subarray(0, 1000), bytes.subarray(1000));
    await waitForTempFile();
    const url = s.url;
    const stopping = s.stop();
    // New connections are refused once the child handled SIGTERM (poll: the signal is async).
    let refused = false;
    for (let i = 0; i < 200 && !refused; i++) {
      refused = await fetch(`${url}/healthz`).then(
        () => false,
        () => true,
      );
      if (!refused) await new Promise((r) => setTimeout(r, 25));
    }
    expect(refused).toBe(true);
    slow.release();
    const res = await slow.response;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { sha256: string }).sha256).toBe(sha256(bytes));
    await stopping;
    await s.restart();
    const fin = await api('/api/snapshots/finalize', {
      project_id: project,
      snapshot_id: pub.snapshot_id,
    });
    expect(fin.status).toBe(200);
  });
});
