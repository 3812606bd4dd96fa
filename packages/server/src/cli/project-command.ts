/** `snapshotplot-server project create|list|quota|default-branch|review`. */
import { IdSchema } from '@snapshotplot/api-client/contract';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { newId } from '../ids.js';
import { resolveInstall } from '../settings/options.js';
import { type CliIo, output, withStore } from './io.js';

const UNITS: Record<string, number> = {
  '': 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** A quota flag: a whole number (bytes may carry KiB, MiB, GiB or TiB), or `off` for null. */
function parseLimit(flag: string, text: string | undefined, units: boolean) {
  if (text === undefined) return undefined;
  if (text.trim().toLowerCase() === 'off') return null;
  const m = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m && (units || m[2] === '') ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined || !Number.isSafeInteger(Number(m[1]) * unit)) {
    throw new CliError(
      `${flag} "${text}" is not valid: give a whole number${units ? ' of bytes (or with KiB, MiB, GiB, TiB)' : ''}, or off.`,
      2,
    );
  }
  return Number(m[1]) * unit;
}

const noProject = (id: string) =>
  new CliError(`Project ${id} does not exist: see \`snapshotplot-server project list\`.`);

export function projectCommand(program: Command, io: CliIo): void {
  const project = program.command('project').description('manage projects');
  project
    .command('create')
    .description('create a project')
    .requiredOption('--name <name>', 'display name')
    .option('--id <id>', 'project id (default: generated proj_…)')
    .option('--json', 'print {"id","name"}')
    .action(async (o: { name: string; id?: string; json?: boolean }) => {
      const name = o.name.trim();
      if (!name || name.length > 200) throw new CliError('--name must be 1-200 characters.', 2);
      if (o.id !== undefined && !IdSchema.safeParse(o.id).success) {
        throw new CliError(
          `--id "${o.id}" is not valid: use 1-64 characters of A-Z, a-z, 0-9, "_" or "-".`,
          2,
        );
      }
      const now = io.now();
      const id = o.id ?? newId('proj', now.getTime());
      await withStore(resolveInstall(o, io.env), async (store) => {
        const created = await store.createProject({
          id,
          name,
          owner_id: null,
          created_at: now.toISOString(),
        });
        if (!created)
          throw new CliError(`A project with id ${id} already exists: choose another --id.`);
      });
      output(io, o.json, { id, name }, `Created project ${name} (${id}).`);
    });
  project
    .command('quota')
    .description('show or set the quotas of a project (both off by default)')
    .requiredOption('--project <id>', 'project id')
    .option('--max-bytes <n>', 'stored artifact bytes, e.g. 10GiB, or off')
    .option('--max-snapshots <n>', 'snapshots, pending ones included, or off')
    .option('--json', 'print {"project_id","max_bytes","max_snapshots","bytes","snapshots"}')
    .action(
      async (o: { project: string; maxBytes?: string; maxSnapshots?: string; json?: boolean }) => {
        const limits = {
          max_bytes: parseLimit('--max-bytes', o.maxBytes, true),
          max_snapshots: parseLimit('--max-snapshots', o.maxSnapshots, false),
        };
        const usage = await withStore(resolveInstall(o, io.env), async (store) => {
          if (!(await store.setQuota(o.project, limits))) throw noProject(o.project);
          return (await store.projectUsage(o.project))!;
        });
        const { default_branch: _branch, ...shown } = usage;
        const of = (max: number | null) => (max === null ? 'no limit' : `limit ${max}`);
        output(
          io,
          o.json,
          shown,
          `${o.project}: ${usage.snapshots} snapshots (${of(usage.max_snapshots)}), ${usage.bytes} bytes (${of(usage.max_bytes)}).`,
        );
      },
    );
  project
    .command('default-branch')
    .description('set the branch retention never deletes from (default main)')
    .requiredOption('--project <id>', 'project id')
    .requiredOption('--branch <name>', 'branch name, e.g. main')
    .option('--json', 'print {"project_id","default_branch"}')
    .action(async (o: { project: string; branch: string; json?: boolean }) => {
      const branch = o.branch.trim();
      if (!branch || branch.length > 255)
        throw new CliError('--branch must be 1-255 characters.', 2);
      await withStore(resolveInstall(o, io.env), async (store) => {
        if (!(await store.setDefaultBranch(o.project, branch))) throw noProject(o.project);
      });
      output(
        io,
        o.json,
        { project_id: o.project, default_branch: branch },
        `The default branch of ${o.project} is now ${branch}.`,
      );
    });
  project
    .command('review')
    .description(
      'set what a plot change needing review does to the commit status, and the share of changed pixels allowed',
    )
    .requiredOption('--project <id>', 'project id')
    .option('--on-change <state>', 'pending (default) or failure')
    .option('--tolerance <share>', 'changed pixels allowed, 0..1 (e.g. 0.001); default 0')
    .option('--collection <name>', 'set --tolerance for one collection (off removes its own)')
    .option('--json', 'print {"project_id","on_change","tolerance","collection_tolerances"}')
    .action(
      async (o: {
        project: string;
        onChange?: string;
        tolerance?: string;
        collection?: string;
        json?: boolean;
      }) => {
        if (o.onChange !== undefined && o.onChange !== 'pending' && o.onChange !== 'failure')
          throw new CliError(
            `--on-change "${o.onChange}" is not valid: give pending or failure.`,
            2,
          );
        let tolerance: number | null | undefined;
        if (o.tolerance !== undefined) {
          const t = o.tolerance.trim();
          tolerance = o.collection && t.toLowerCase() === 'off' ? null : Number(t);
          if (
            tolerance !== null &&
            (t === '' || !Number.isFinite(tolerance) || tolerance < 0 || tolerance > 1)
          )
            throw new CliError(
              `--tolerance "${o.tolerance}" is not valid: give a share between 0 and 1, e.g. 0.001${o.collection ? ', or off' : ''}.`,
              2,
            );
        }
        if (o.collection !== undefined && tolerance === undefined)
          throw new CliError('--collection goes with --tolerance: give both.', 2);
        const settings = await withStore(resolveInstall(o, io.env), async (store) => {
          if (!(await store.reviewSettings(o.project))) throw noProject(o.project);
          if (o.onChange) await store.setOnChange(o.project, o.onChange as 'pending' | 'failure');
          if (tolerance !== undefined && o.collection !== undefined)
            await store.setCollectionTolerance({
              project_id: o.project,
              collection: o.collection,
              tolerance,
              created_at: new Date().toISOString(),
            });
          else if (tolerance !== undefined && tolerance !== null)
            await store.setProjectTolerance(o.project, tolerance);
          return (await store.reviewSettings(o.project))!;
        });
        const own = Object.fromEntries(settings.collection_tolerances);
        output(
          io,
          o.json,
          {
            project_id: o.project,
            on_change: settings.on_change,
            tolerance: settings.tolerance,
            collection_tolerances: own,
          },
          [
            `Plot review of ${o.project}: a change needing review is ${settings.on_change}; tolerance ${settings.tolerance}.`,
            ...Object.entries(own).map(([c, t]) => `  collection ${c}: tolerance ${t}`),
          ].join('\n'),
        );
      },
    );
  project
    .command('list')
    .description('list projects')
    .option('--json', 'print a JSON array')
    .action(async (o: { json?: boolean }) => {
      const rows = await withStore(resolveInstall(o, io.env), (s) => s.listProjects());
      const list = rows.map((r) => ({ id: r.id, name: r.name, created_at: r.created_at }));
      output(io, o.json, list, list.map((p) => `${p.id}\t${p.name}`).join('\n') || 'No projects.');
    });
}
