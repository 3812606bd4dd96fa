import { createHash } from 'node:crypto';
import { contract, createClient, InputError, type Snapshot } from '@snapshotplot/api-client';
import {
  BASE,
  errorBody,
  handle,
  recordingSleep,
  snapshot,
  tempFiles,
} from '@snapshotplot/api-client/testing';
import { publishDirect } from '@snapshotplot/core';
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const SVG = '<svg xmlns="http://www.w3.org/2000/svg"><title>t</title></svg>';
const CODE = 'print("hi")\n';

interface Seen {
  metadata: unknown;
  parts: Record<string, { name: string; type: string; sha256: string }>;
  headers: Headers;
}

/** The direct-publish endpoint: parses the multipart body as a server would. */
function directPublish(answers: Array<() => Response | undefined> = []) {
  const seen: Seen[] = [];
  server.use(
    handle<never, never, Snapshot>(contract.publishDirect, async ({ request }) => {
      const form = await request.formData();
      const parts: Seen['parts'] = {};
      for (const kind of ['plot', 'code']) {
        const file = form.get(kind);
        if (file instanceof File) {
          const bytes = Buffer.from(await file.arrayBuffer());
          parts[kind] = {
            name: file.name,
            type: file.type,
            sha256: createHash('sha256').update(bytes).digest('hex'),
          };
        }
      }
      seen.push({
        metadata: JSON.parse(String(form.get('metadata'))),
        parts,
        headers: request.headers,
      });
      const answer = answers[seen.length - 1]?.();
      return (answer ?? HttpResponse.json(snapshot(), { status: 201 })) as HttpResponse<Snapshot>;
    }),
  );
  return seen;
}

describe('publishDirect', () => {
  it('sends metadata and file parts in one multipart request, retrying with the same key', async () => {
    const files = await tempFiles({ 'fig.svg': SVG, 'make.py': CODE });
    try {
      const seen = directPublish([() => errorBody(503, 'storage_unavailable', 'Down.')]);
      const client = createClient({ baseUrl: BASE, token: 'spt_x', sleep: recordingSleep().sleep });
      const result = await publishDirect(
        client,
        { project_id: 'proj_1', title: 'Direct', tags: ['a'] },
        { plot: files.path('fig.svg'), code: files.path('make.py') },
      );
      expect(result.id).toBe('snap_1');
      expect(seen).toHaveLength(2);
      expect(seen[1]!.metadata).toMatchObject({
        project_id: 'proj_1',
        title: 'Direct',
        tags: ['a'],
      });
      expect(seen[1]!.parts).toEqual({
        plot: {
          name: 'fig.svg',
          type: 'image/svg+xml',
          sha256: createHash('sha256').update(SVG).digest('hex'),
        },
        code: {
          name: 'make.py',
          type: 'text/x-python',
          sha256: createHash('sha256').update(CODE).digest('hex'),
        },
      });
      const keys = seen.map((s) => s.headers.get('idempotency-key'));
      expect(keys[0]).toMatch(/^spd1_[0-9a-f]{64}$/);
      expect(keys[1]).toBe(keys[0]);
      expect(seen[0]!.headers.get('content-type')).toMatch(/^multipart\/form-data; boundary=/);
    } finally {
      await files.cleanup();
    }
  });

  it('checks files and metadata before any request', async () => {
    const files = await tempFiles({ 'notes.docx': 'x' });
    try {
      const seen = directPublish();
      const client = createClient({ baseUrl: BASE });
      await expect(
        publishDirect(
          client,
          { project_id: 'proj_1', title: 'T' },
          { plot: files.path('notes.docx') },
        ),
      ).rejects.toMatchObject({ code: 'unsupported_file_type', path: files.path('notes.docx') });
      await expect(
        publishDirect(
          client,
          { project_id: 'bad id!', title: 'T' },
          { plot: files.path('notes.docx') },
        ),
      ).rejects.toBeInstanceOf(InputError);
      await expect(
        publishDirect(client, { project_id: 'proj_1', title: 'T' }, {}),
      ).rejects.toMatchObject({
        code: 'invalid_metadata',
      });
      expect(seen).toHaveLength(0);
    } finally {
      await files.cleanup();
    }
  });
});
