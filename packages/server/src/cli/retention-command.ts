/**
 * `snapshotplot-server retention set|list|remove|run`: per project (and optionally per
 * collection) policies, applied by `retention run` or by `serve --retention` in every sweep.
 */
import type { Command } from 'commander';
import type { RetentionPoliciesTable } from '../data/tables.js';
import { CliError } from '../errors.js';
import { resolveInstall } from '../settings/options.js';
import { type CliIo, output, withInstall, withStore } from './io.js';

/** `--keep-per-title` / `--pr-days`: a whole number from 1, or off (null). */
function parseCount(flag: string, text: string | undefined): number | null | undefined {
  if (text === undefined) return undefined;
  if (text.trim().toLowerCase() === 'off') return null;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new CliError(`${flag} "${text}" is not valid: give a whole number from 1, or off.`, 2);
  }
  return n;
}

/** The policy as commands print it: collection null for the whole project. */
const shown = (p: RetentionPoliciesTable & { default_branch?: string }) => ({
  project_id: p.project_id,
  collection: p.collection === '' ? null : p.collection,
  keep_per_title: p.keep_per_title,
  pr_days: p.pr_days,
  ...(p.default_branch === undefined ? {} : { default_branch: p.default_branch }),
});

const describe = (p: ReturnType<typeof shown>) =>
  `${p.project_id}${p.collection === null ? '' : `/${p.collection}`}: ${[
    p.keep_per_title === null ? null : `keep ${p.keep_per_title} per title off the default branch`,
    p.pr_days === null ? null : `delete PR snapshots ${p.pr_days} days after the PR's last publish`,
  ]
    .filter(Boolean)
    .join('; ')}`;

export function retentionCommand(program: Command, io: CliIo): void {
  const retention = program
    .command('retention')
    .description('retention policies: what old snapshots to delete off the default branch');
  retention
    .command('set')
    .description('add or change the policy of a project, or of one of its collections')
    .requiredOption('--project <id>', 'project id')
    .option('--collection <name>', "only this collection (replaces the project's policy there)")
    .option('--keep-per-title <n>', 'keep the newest N per title on each other branch, or off')
    .option('--pr-days <n>', "delete PR snapshots N days after the PR's last publish, or off")
    .option('--json', 'print the policy')
    .action(
      async (o: {
        project: string;
        collection?: string;
        keepPerTitle?: string;
        prDays?: string;
        json?: boolean;
      }) => {
        const keep = parseCount('--keep-per-title', o.keepPerTitle);
        const days = parseCount('--pr-days', o.prDays);
        if (keep === undefined && days === undefined) {
          throw new CliError('Give --keep-per-title and/or --pr-days (a number, or off).', 2);
        }
        const collection = o.collection?.trim() ?? '';
        const policy = await withStore(resolveInstall(o, io.env), async (store) => {
          if (!(await store.getProject(o.project))) {
            throw new CliError(
              `Project ${o.project} does not exist: see \`snapshotplot-server project list\`.`,
            );
          }
          const old = await store.getRetentionPolicy(o.project, collection);
          const row: RetentionPoliciesTable = {
            project_id: o.project,
            collection,
            keep_per_title: keep === undefined ? (old?.keep_per_title ?? null) : keep,
            pr_days: days === undefined ? (old?.pr_days ?? null) : days,
            created_at: old?.created_at ?? io.now().toISOString(),
          };
          await store.putRetentionPolicy(row);
          return shown(row);
        });
        output(io, o.json, policy, `Retention for ${describe(policy)}.`);
      },
    );
  retention
    .command('list')
    .description('list policies')
    .option('--project <id>', 'only this project')
    .option('--json', 'print a JSON array')
    .action(async (o: { project?: string; json?: boolean }) => {
      const rows = await withStore(resolveInstall(o, io.env), (s) =>
        s.listRetentionPolicies(o.project),
      );
      const list = rows.map(shown);
      output(io, o.json, list, list.map(describe).join('\n') || 'No retention policies.');
    });
  retention
    .command('remove')
    .description('remove the policy of a project, or of one of its collections')
    .requiredOption('--project <id>', 'project id')
    .option('--collection <name>', 'the collection policy to remove')
    .option('--json', 'print {"project_id","collection","removed"}')
    .action(async (o: { project: string; collection?: string; json?: boolean }) => {
      const collection = o.collection?.trim() ?? '';
      const ok = await withStore(resolveInstall(o, io.env), (s) =>
        s.removeRetentionPolicy(o.project, collection),
      );
      const what = `${o.project}${collection ? `/${collection}` : ''}`;
      if (!ok) {
        throw new CliError(
          `No retention policy for ${what}: see \`snapshotplot-server retention list\`.`,
        );
      }
      output(
        io,
        o.json,
        { project_id: o.project, collection: collection || null, removed: true },
        `Removed the retention policy of ${what}.`,
      );
    });
  retention
    .command('run')
    .description('apply the policies now: delete the snapshots they select, with their files')
    .option('--project <id>', 'only this project')
    .option('--dry-run', 'list what would be deleted, delete nothing')
    .option('--json', 'print {"dry_run","deleted":[…],"files_removed"}')
    .action(async (o: { project?: string; dryRun?: boolean; json?: boolean }) => {
      const { runRetention } = await import('../retention/run.js');
      const r = await withInstall(io, resolveInstall(o, io.env), (store, storage) =>
        runRetention({ store, storage, now: io.now }, { projectId: o.project, dryRun: o.dryRun }),
      );
      const lines = r.deleted.map(
        (d) => `${d.id}\t${d.reason}\t${d.branch ?? ''}\t${d.pr_number ?? ''}\t${d.title}`,
      );
      const verb = r.dry_run ? 'Would delete' : 'Deleted';
      const summary = `${verb} ${r.deleted.length} snapshot(s)${r.dry_run ? '' : ` and ${r.files_removed} file(s)`}.`;
      output(io, o.json, r, [...lines, summary].join('\n'));
    });
}
