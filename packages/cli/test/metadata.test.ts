import { describe, expect, it } from 'vitest';
import { buildMetadata, publishBody } from '../src/publish/metadata.js';

const plot = {
  path: '/x/fig.png',
  kind: 'plot' as const,
  size: 70,
  sha256: 'a'.repeat(64),
  contentType: 'image/png',
};
const code = {
  path: '/x/fig.py',
  kind: 'code' as const,
  size: 9,
  sha256: 'b'.repeat(64),
  contentType: 'text/x-python',
};

describe('publish body', () => {
  it('carries settings, the detected source, artifacts and checksums', () => {
    const metadata = buildMetadata({
      project: 'proj_1',
      title: 'Loss',
      collection: 'nightly',
      tags: ['ml'],
      source: {
        repo_owner: 'octo',
        repo_name: 'plots',
        commit_sha: 'abcdef1',
        branch: 'main',
        ci: { provider: 'other' },
      },
    });
    expect(publishBody(metadata, { plot, code })).toEqual({
      project_id: 'proj_1',
      title: 'Loss',
      collection: 'nightly',
      tags: ['ml'],
      repo_owner: 'octo',
      repo_name: 'plots',
      commit_sha: 'abcdef1',
      branch: 'main',
      ci: { provider: 'other' },
      replace: false,
      artifacts: { plot: true, code: true },
      checksums: { plot: plot.sha256, code: code.sha256 },
    });
    expect(publishBody(metadata, { code }).artifacts).toEqual({ plot: false, code: true });
  });

  it('refuses what the server would refuse, naming the flag to change', () => {
    const base = { project: 'proj_1', title: 'Loss', tags: [] as string[], source: {} };
    expect(() => publishBody(buildMetadata({ ...base, tags: ['has space'] }), { plot })).toThrow(
      /Invalid tags .*Set it with --tag\./,
    );
    expect(() => publishBody(buildMetadata({ ...base, title: 'x'.repeat(201) }), { plot })).toThrow(
      /--title/,
    );
    expect(() =>
      publishBody(buildMetadata({ ...base, source: { commit_sha: 'not-hex' } }), { plot }),
    ).toThrow(/--commit/);
    const err = (() => {
      try {
        publishBody(buildMetadata({ ...base, tags: ['a,b'] }), { plot });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toMatchObject({ exitCode: 2 });
  });
});
