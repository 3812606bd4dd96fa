// Forge links for the snapshot page: GitHub (default), GitLab and Bitbucket URL shapes.
import type { Snapshot } from '@snapshotplot/api-client';
import { describe, expect, it } from 'vitest';
import { forgeLinks } from '../src/gallery/forge.js';

const snap = {
  repo_owner: 'acme',
  repo_name: 'plots',
  commit_sha: 'abc1234def',
  branch: 'feature/new axis',
  pr_number: 12,
  ci: { provider: 'github_actions', job_url: 'https://ci.example.com/run/1' },
} as unknown as Snapshot;

describe('forgeLinks', () => {
  it('builds GitHub links by default, encoding branch segments', () => {
    expect(forgeLinks(snap, 'https://github.com')).toEqual({
      repo: 'https://github.com/acme/plots',
      commit: 'https://github.com/acme/plots/commit/abc1234def',
      branch: 'https://github.com/acme/plots/tree/feature/new%20axis',
      pr: 'https://github.com/acme/plots/pull/12',
      ci: 'https://ci.example.com/run/1',
    });
  });

  it('uses GitLab and Bitbucket shapes when the forge URL names them', () => {
    const gl = forgeLinks(snap, 'https://gitlab.example.org/');
    expect(gl.commit).toBe('https://gitlab.example.org/acme/plots/-/commit/abc1234def');
    expect(gl.pr).toBe('https://gitlab.example.org/acme/plots/-/merge_requests/12');
    const bb = forgeLinks(snap, 'https://bitbucket.org');
    expect(bb.branch).toBe('https://bitbucket.org/acme/plots/branch/feature/new%20axis');
    expect(bb.pr).toBe('https://bitbucket.org/acme/plots/pull-requests/12');
  });

  it('links nothing on the forge without a repository, and never a non-http CI URL', () => {
    const bare = {
      ...snap,
      repo_owner: null,
      ci: { job_url: 'javascript:alert(1)' },
    } as unknown as Snapshot;
    expect(forgeLinks(bare, 'https://github.com')).toEqual({});
  });
});
