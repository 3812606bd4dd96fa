/**
 * The projects the current request may touch, for PostgreSQL row-level security. A request
 * runs inside `runScoped` with an empty holder; once its principal is known, `restrict` fills
 * it and every later query of that request sets `app.principal_projects` to those ids. Outside
 * a request, or before a principal is resolved (token lookup, signed upload/delivery URLs, the
 * webhook worker, admin commands), the scope is `*`: those paths authorise by other means.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface Holder {
  projects: string[] | null;
}

/** Per-store request scope (one AsyncLocalStorage per store, no module state shared across). */
export interface Scope {
  /** Runs `fn` (typically express's `next`) with a fresh, unrestricted holder. */
  run<T>(fn: () => T): T;
  /** Restricts the current request to these projects (no-op outside `run`). */
  restrict(projects: string[]): void;
  /** The `app.principal_projects` value for the current context. */
  setting(): string;
}

/** A new scope tracker. */
export function createScope(): Scope {
  const als = new AsyncLocalStorage<Holder>();
  return {
    run: (fn) => als.run({ projects: null }, fn),
    restrict(projects) {
      const holder = als.getStore();
      if (holder) holder.projects = [...projects];
      // An empty grant list must see nothing, not everything: '' matches no project.
    },
    setting() {
      const projects = als.getStore()?.projects;
      return projects == null ? '*' : projects.join(',');
    },
  };
}

/**
 * The scope of a store without row-level security (SQLite): `run` only calls `fn`. An
 * AsyncLocalStorage that is entered turns on Node's promise hooks for every promise of the
 * process (~2 % of the server's CPU under the publish benchmark), for a setting nothing reads.
 */
export function inertScope(): Scope {
  return { run: (fn) => fn(), restrict() {}, setting: () => '*' };
}
