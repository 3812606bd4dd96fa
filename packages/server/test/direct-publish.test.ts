import { SnapshotSchema } from '@snapshotplot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, type Harness, PNG, PY, sha256, startHarness } from './helpers.js';

let h: Harness;
const MAX = 8192;
beforeAll(async () => {
  h = await startHarness({ config: { maxUploadBytes: MAX } });
});
afterAll(() => h.close());

function form(metadata: unknown, files: Array<[string, Buffer, string]>, metadataFirst = true) {
  const fd = new FormData();
  const meta = () =>
    fd.append('metadata', typeof metadata === 'string' ? metadata : JSON.stringify(metadata));
  if (metadataFirst) meta();
  for (const [name, bytes, type] of files)
    fd.append(name, new Blob([new Uint8Array(bytes)], { type }), `${name}.bin`);
  if (!metadataFirst) meta();
  return fd;
}
const post = (body: FormData | ReadableStream, headers: Record<string, string> = {}) =>
  fetch(`${h.url}/api/snapshots/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.token}`, ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
const stored = async () => (await h.files()).filter((f) => !f.startsWith('.tmp/')).length;
const rows = async () =>
  (await h.server.context.store.listSnapshots(h.projectId, {}, 100)).page.length;

describe('multipart direct publish', () => {
  it('publishes, stores and finalizes in one request (201, ready)', async () => {
    const res = await post(
      form({ project_id: h.projectId, title: 'direct', tags: ['x'] }, [
        ['plot', PNG, 'image/png'],
        ['code', PY, 'text/x-python'],
      ]),
    );
    expect(res.status).toBe(201);
    const snap = SnapshotSchema.parse(await res.json());
    expect(snap).toMatchObject({
      status: 'ready',
      artifacts: { plot: true, code: true },
      tags: ['x'],
    });
    expect(snap.files.plot!.sha256).toBe(sha256(PNG));
    expect(Buffer.from(await (await fetch(snap.plot_url!)).arrayBuffer()).equals(PNG)).toBe(true);
  });

  it('same natural key and same files again: 200 with the existing snapshot, nothing new kept', async () => {
    const meta = { project_id: h.projectId, title: 'direct nat', commit_sha: 'deadbeef' };
    const a = SnapshotSchema.parse(
      await (await post(form(meta, [['plot', PNG, 'image/png']]))).json(),
    );
    const before = await stored();
    const again = await post(form(meta, [['plot', PNG, 'image/png']]));
    expect(again.status).toBe(200);
    expect(SnapshotSchema.parse(await again.json()).id).toBe(a.id);
    expect(await stored()).toBe(before);
  });

  it('refuses bad parts with the right status and keeps nothing', async () => {
    const beforeFiles = await stored();
    const beforeRows = await rows();
    const meta = { project_id: h.projectId, title: 'bad' };
    const cases: Array<[FormData, number, string]> = [
      [form(meta, [['plot', PNG, 'application/zip']]), 415, 'unsupported_media_type'],
      [
        form(meta, [
          ['plot', PNG, 'image/png'],
          ['code', PNG, 'image/png'],
        ]),
        415,
        'unsupported_media_type',
      ],
      [form(meta, [['plot', Buffer.alloc(MAX + 1), 'image/png']]), 413, 'payload_too_large'],
      [form(meta, [['plot', PNG, 'image/png']], false), 400, 'validation_failed'],
      [form(meta, []), 400, 'validation_failed'],
      [form('{not json', [['plot', PNG, 'image/png']]), 400, 'invalid_json'],
      [form({ project_id: h.projectId }, [['plot', PNG, 'image/png']]), 400, 'validation_failed'],
      [form({ ...meta, project_id: 'proj_nope' }, [['plot', PNG, 'image/png']]), 403, 'forbidden'],
      [form(meta, [['figure', PNG, 'image/png']]), 400, 'validation_failed'],
    ];
    for (const [body, status, code] of cases) {
      expect(await errorOf(await post(body))).toMatchObject({ status, code });
    }
    expect(await stored()).toBe(beforeFiles);
    expect(await rows()).toBe(beforeRows);
  });

  it('409 idempotency_key_in_use while the same key is still streaming; then replays', async () => {
    const boundary = 'sp-boundary';
    const meta = JSON.stringify({ project_id: h.projectId, title: 'slow direct' });
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n${meta}\r\n--${boundary}\r\nContent-Disposition: form-data; name="plot"; filename="p.png"\r\nContent-Type: image/png\r\n\r\n`;
    const tail = `\r\n--${boundary}--\r\n`;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let step = 0;
    const slow = new ReadableStream<Uint8Array>({
      async pull(c) {
        step++;
        if (step === 1) c.enqueue(new TextEncoder().encode(head));
        else if (step === 2) {
          await gate;
          c.enqueue(new Uint8Array(PNG));
        } else if (step === 3) c.enqueue(new TextEncoder().encode(tail));
        else c.close();
      },
    });
    const headers = {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'idempotency-key': 'slow-1',
    };
    const first = post(slow, headers);
    // Wait until the server has claimed the key (the metadata part was processed).
    for (
      let i = 0;
      i < 500 &&
      !(await h.server.context.store.getIdempotency(
        `token:${(await h.server.context.store.listTokens(h.projectId))[0]!.id}`,
        'slow-1',
      ));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const second = await post(form(JSON.parse(meta), [['plot', PNG, 'image/png']]), {
      'idempotency-key': 'slow-1',
    });
    expect(await errorOf(second)).toMatchObject({ status: 409, code: 'idempotency_key_in_use' });
    release();
    const done = await first;
    expect(done.status).toBe(201);
    const id = SnapshotSchema.parse(await done.json()).id;
    const replay = await post(form(JSON.parse(meta), [['plot', PNG, 'image/png']]), {
      'idempotency-key': 'slow-1',
    });
    expect(replay.status).toBe(201);
    expect(SnapshotSchema.parse(await replay.json()).id).toBe(id);
    const reused = await post(
      form({ ...JSON.parse(meta), title: 'other' }, [['plot', PNG, 'image/png']]),
      { 'idempotency-key': 'slow-1' },
    );
    expect(await errorOf(reused)).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
  });
});
