/**
 * The built-in extension table that replaced mime-db: every type the contract accepts is
 * reached by its own extension, the aliases mime-db knew still work, nothing else is guessed.
 * (Checked once against mime-types' lookup over all of mime-db's ~1,200 extensions: identical.)
 */
import {
  CODE_CONTENT_TYPES,
  contentTypeForFile,
  PLOT_CONTENT_TYPES,
} from '@snapshotplot/api-client/contract';
import { describe, expect, it } from 'vitest';
import { EXTENSION_TYPES, lookupExtension } from '../src/extension-types.js';

describe('lookupExtension', () => {
  it.each([
    ['plot', PLOT_CONTENT_TYPES],
    ['code', CODE_CONTENT_TYPES],
  ] as const)('gives every %s type the contract accepts for its own extension', (kind, table) => {
    for (const [type, ext] of Object.entries(table)) {
      expect([ext, contentTypeForFile(kind, `figure.${ext}`, lookupExtension)]).toEqual([
        ext,
        // `.vega.json` is plain JSON to the client, as it was with mime-db (the server sniffs).
        ext === 'vega.json' ? 'application/json' : type,
      ]);
    }
  });

  it('maps only accepted types, and the aliases mime-db gave them', () => {
    const accepted = new Set([
      ...Object.keys(PLOT_CONTENT_TYPES),
      ...Object.keys(CODE_CONTENT_TYPES),
    ]);
    for (const type of Object.values(EXTENSION_TYPES)) expect(accepted).toContain(type);
    expect(contentTypeForFile('plot', 'a.JPEG', lookupExtension)).toBe('image/jpeg');
    expect(contentTypeForFile('plot', 'a.jpe', lookupExtension)).toBe('image/jpeg');
    expect(contentTypeForFile('plot', 'page.htm', lookupExtension)).toBe('text/html');
    expect(contentTypeForFile('plot', 'a.svgz', lookupExtension)).toBe('image/svg+xml');
    expect(contentTypeForFile('code', 'run.log', lookupExtension)).toBe('text/plain');
    expect(contentTypeForFile('code', 'lib.mjs', lookupExtension)).toBe('text/javascript');
  });

  it('refuses what the kind does not accept or the table does not know', () => {
    expect(contentTypeForFile('plot', 'run.log', lookupExtension)).toBeUndefined();
    expect(contentTypeForFile('code', 'fig.png', lookupExtension)).toBeUndefined();
    expect(contentTypeForFile('plot', 'movie.mp4', lookupExtension)).toBeUndefined();
    expect(lookupExtension('archive.tar.gz')).toBe(false);
    expect(lookupExtension('constructor')).toBe(false);
    expect(lookupExtension('noext.')).toBe(false);
    // As mime-types did: a bare name is read as an extension.
    expect(lookupExtension('png')).toBe('image/png');
  });
});
