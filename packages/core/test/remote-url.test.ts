import { parseRemoteUrl } from '@snapshotplot/core';
import { describe, expect, it } from 'vitest';

describe('parseRemoteUrl', () => {
  const cases: Array<[string, { host: string; owner: string; name: string } | undefined]> = [
    [
      'https://github.com/octo-org/plots.git',
      { host: 'github.com', owner: 'octo-org', name: 'plots' },
    ],
    ['https://github.com/octo-org/plots', { host: 'github.com', owner: 'octo-org', name: 'plots' }],
    [
      'https://x-access-token:ghs_secret@github.com/octo-org/plots.git/',
      { host: 'github.com', owner: 'octo-org', name: 'plots' },
    ],
    ['git@github.com:octo-org/plots.git', { host: 'github.com', owner: 'octo-org', name: 'plots' }],
    [
      'ssh://git@github.com/octo-org/plots.git',
      { host: 'github.com', owner: 'octo-org', name: 'plots' },
    ],
    [
      'ssh://git@gitlab.example.com:2222/team/plots.git',
      { host: 'gitlab.example.com', owner: 'team', name: 'plots' },
    ],
    [
      'https://gitlab.com/group/sub/deeper/plots.git',
      { host: 'gitlab.com', owner: 'group/sub/deeper', name: 'plots' },
    ],
    [
      'git@gitlab.com:group/sub/plots.git',
      { host: 'gitlab.com', owner: 'group/sub', name: 'plots' },
    ],
    [
      'https://me@bitbucket.org/workspace/plots.git',
      { host: 'bitbucket.org', owner: 'workspace', name: 'plots' },
    ],
    [
      'git@bitbucket.org:workspace/plots.git',
      { host: 'bitbucket.org', owner: 'workspace', name: 'plots' },
    ],
    [
      'https://git.example.com:8443/scm/PROJ/plots.git',
      { host: 'git.example.com', owner: 'PROJ', name: 'plots' },
    ],
    [
      'https://dev.azure.com/org/project/_git/plots',
      { host: 'dev.azure.com', owner: 'org/project', name: 'plots' },
    ],
    [
      'git@ssh.dev.azure.com:v3/org/project/plots',
      { host: 'ssh.dev.azure.com', owner: 'org/project', name: 'plots' },
    ],
    ['git.internal:team/plots.git', { host: 'git.internal', owner: 'team', name: 'plots' }],
    ['/srv/git/plots.git', undefined],
    ['../plots', undefined],
    ['file:///srv/git/team/plots.git', undefined],
    ['C:/repos/plots', undefined],
    ['https://github.com/plots', undefined],
    ['https://github.com/octo org/plots', undefined],
    ['', undefined],
  ];
  for (const [url, want] of cases) {
    it(`${url || '(empty)'} -> ${want ? `${want.owner}/${want.name}` : 'nothing'}`, () => {
      expect(parseRemoteUrl(url)).toEqual(want);
    });
  }
});
