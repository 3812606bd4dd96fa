import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestLogLevel, SLOW_REQUEST_MS } from '../src/http/app.js';
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

  it('a successful fast GET logs at debug (absent at info); a failed GET logs at warn', async () => {
    const id = 'req-log-get';
    const ok = await fetch(`${h.url}/api/projects/${h.projectId}/snapshots`, {
      headers: { authorization: `Bearer ${h.token}`, 'x-request-id': id },
    });
    expect(ok.status).toBe(200);
    const bad = await fetch(`${h.url}/api/projects/${h.projectId}/snapshots?limit=0`, {
      headers: { authorization: `Bearer ${h.token}`, 'x-request-id': `${id}-bad` },
    });
    expect(bad.status).toBe(400);
    await new Promise((r) => setTimeout(r, 20));
    expect(lines.find((l) => (l.req as { id?: string })?.id === id)).toBeUndefined();
    expect(lines.find((l) => (l.req as { id?: string })?.id === `${id}-bad`)).toMatchObject({
      level: 40,
      res: { status: 400 },
    });
  });

  it('levels: errors, client errors, writes and slow reads stay visible at info', () => {
    const now = performance.now();
    expect(requestLogLevel({ method: 'GET', startedAt: now }, { statusCode: 200 })).toBe('debug');
    expect(requestLogLevel({ method: 'HEAD', startedAt: now }, { statusCode: 304 })).toBe('debug');
    const slow = now - SLOW_REQUEST_MS - 1;
    expect(requestLogLevel({ method: 'GET', startedAt: slow }, { statusCode: 200 })).toBe('info');
    expect(requestLogLevel({ method: 'POST', startedAt: now }, { statusCode: 201 })).toBe('info');
    expect(requestLogLevel({ method: 'GET', startedAt: now }, { statusCode: 404 })).toBe('warn');
    expect(requestLogLevel({ method: 'GET', startedAt: now }, { statusCode: 503 })).toBe('error');
    expect(
      requestLogLevel({ method: 'GET', startedAt: now }, { statusCode: 200 }, new Error('x')),
    ).toBe('error');
  });
});
