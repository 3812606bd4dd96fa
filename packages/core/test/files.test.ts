import { createHash } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { InputError } from '@snapshotplot/api-client';
import { tempFiles } from '@snapshotplot/api-client/testing';
import { assertUnchanged, inspectFile } from '@snapshotplot/core';
import { describe, expect, it } from 'vitest';

describe('inspectFile', () => {
  it('refuses a file rewritten while it is hashed, and assertUnchanged one rewritten after', async () => {
    const files = await tempFiles({ 'fig.png': Buffer.alloc(2048, 1), 'late.png': 'png' });
    try {
      const path = files.path('fig.png');
      // The plotting script writes the file again just as it is opened for hashing.
      const open = (p: string) => {
        writeFileSync(p, Buffer.alloc(4096, 2));
        return createReadStream(p);
      };
      await expect(inspectFile('plot', path, { open })).rejects.toMatchObject({
        code: 'file_changed',
        path,
        message: expect.stringMatching(/fig\.png changed while it was being hashed/),
      });
      const late = await inspectFile('plot', files.path('late.png'));
      expect(() => assertUnchanged(late)).not.toThrow();
      writeFileSync(files.path('late.png'), 'png!');
      expect(() => assertUnchanged(late)).toThrow(InputError);
      expect(() => assertUnchanged(late)).toThrow(
        /late\.png changed after it was checked \(3 bytes then, 4 bytes now\)/,
      );
    } finally {
      await files.cleanup();
    }
  });

  it('hashes a file and finds its content type by kind', async () => {
    const files = await tempFiles({
      'fig.vl.json': '{"mark":"bar"}',
      'nb.ipynb': '{}',
      'fig.JPEG': 'jpg',
    });
    try {
      await expect(inspectFile('plot', files.path('fig.vl.json'))).resolves.toEqual({
        path: files.path('fig.vl.json'),
        kind: 'plot',
        size: 14,
        sha256: createHash('sha256').update('{"mark":"bar"}').digest('hex'),
        contentType: 'application/vnd.vegalite.v5+json',
        mtimeMs: expect.any(Number),
      });
      expect((await inspectFile('code', files.path('nb.ipynb'))).contentType).toBe(
        'application/x-ipynb+json',
      );
      expect((await inspectFile('plot', files.path('fig.JPEG'))).contentType).toBe('image/jpeg');
    } finally {
      await files.cleanup();
    }
  });

  it('names the file and the fix in every InputError', async () => {
    const files = await tempFiles({ 'fig.png': Buffer.alloc(2048), 'fig.gif': 'GIF89a' });
    await mkdir(files.path('dir.png'));
    try {
      const cases = [
        [
          () => inspectFile('plot', files.path('nope.png')),
          'file_not_found',
          /does not exist; check the path/,
        ],
        [() => inspectFile('plot', files.path('dir.png')), 'file_unreadable', /not a regular file/],
        [
          () => inspectFile('plot', files.path('fig.gif')),
          'unsupported_file_type',
          /use one of: image\/png/,
        ],
        [
          () => inspectFile('plot', files.path('fig.png'), { maxBytes: 1024 }),
          'file_too_large',
          /2 KiB, over the 1 KiB limit/,
        ],
      ] as const;
      // Thunks, not promises: a promise created early and awaited later can reject first,
      // which Node reports as an unhandled rejection.
      for (const [inspect, code, message] of cases) {
        const error = await inspect().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InputError);
        expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
        expect((error as InputError).path).toBeDefined();
      }
    } finally {
      await files.cleanup();
    }
  });

  it.skipIf(process.getuid?.() === 0)('reports an unreadable file', async () => {
    const files = await tempFiles({ 'fig.png': 'x' });
    try {
      await chmod(files.path('fig.png'), 0);
      await expect(inspectFile('plot', files.path('fig.png'))).rejects.toMatchObject({
        code: 'file_unreadable',
      });
    } finally {
      await files.cleanup();
    }
  });
});
