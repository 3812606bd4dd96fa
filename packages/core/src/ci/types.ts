/** Shapes shared by the CI providers and the git fallback. */
import type { CiMetadata } from '@snapshotplot/api-client/contract';

/** An environment as read: `process.env` in the bin, a recorded object in tests. */
export type Env = Readonly<Record<string, string | undefined>>;

/** What git or a CI provider can tell about the code a snapshot was made from. */
export interface SourceContext {
  repo_owner?: string;
  repo_name?: string;
  commit_sha?: string;
  branch?: string;
  pr_number?: number;
}

export interface CiContext extends SourceContext {
  ci: CiMetadata;
}

/** Reads files a provider needs (GitHub's event payload); injected so tests can record one. */
export interface CiIo {
  readFile(path: string): string;
}

export interface CiProvider {
  provider: CiMetadata['provider'];
  /** Whether the environment is this provider's. */
  detect(env: Env): boolean;
  read(env: Env, io: CiIo): CiContext;
}
