import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, PNG, publish, startHarness, upload } from './helpers.js';

const lines: Array<Record<string, unknown>> = [];
const raw: string[] = [];
const sink = new Writable({
  write(chunk, _enc, cb) {
    raw.push(String(chunk));
    for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
    cb();
  },
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ logger: pino({ level: 'info' }, sink) });
});
afterAll(() => h.close());

describe('structured logs', () => {
  it('one JSON line per request with request id, principal, status and duration; never a secret', async () => {
    const p = await publish(h, { title: 'logged' }, { 'x-request-id': 'req-log-1' });
    const up = await upload(p.body.upload_urls.plot!, PNG);
    expect(up.status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    const line = lines.find((l) => (l.req as { id?: string })?.id === 'req-log-1');
    expect(line).toMatchObject({
      msg: 'request completed',
      res: { status: 201 },
      req: { method: 'POST', path: '/api/snapshots/publish' },
    });
    expect(line!.principal).toMatch(/^token:tok_/);
    expect(typeof line!.responseTime).toBe('number');
    const uploadLine = lines.find((l) =>
      (l.req as { path?: string })?.path?.startsWith('/upload/'),
    );
    expect(uploadLine).toMatchObject({
      principal: `upload:${p.body.snapshot_id}/plot`,
      res: { status: 200 },
    });
    const all = raw.join('');
    expect(all).not.toContain(h.token);
    const uploadToken = new URL(p.body.upload_urls.plot!).searchParams.get('token')!;
    expect(all).not.toContain(uploadToken);
    expect(all).not.toMatch(/authorization/i);
  });
});
