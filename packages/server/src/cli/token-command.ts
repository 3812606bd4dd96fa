/** `snapshotplot-server token create|list|revoke`. */
import { ROLES } from '@snapshotplot/api-client/contract';
import { type Command, Option } from 'commander';
import { createServiceToken } from '../auth/service-tokens.js';
import { parseDuration } from '../config.js';
import type { Role } from '../data/store.js';
import { CliError } from '../errors.js';
import { resolveInstall } from '../settings/options.js';
import { type CliIo, output, withStore } from './io.js';

export function tokenCommand(program: Command, io: CliIo): void {
  const token = program.command('token').description('manage service tokens');
  token
    .command('create')
    .description('create a service token (printed once; only its hash is stored)')
    .requiredOption('--project <id>', 'project the token is scoped to')
    .addOption(new Option('--role <role>', 'what it may do').choices(ROLES).default('publisher'))
    .option('--name <name>', 'a label, e.g. "github-actions"')
    .option('--expires-in <duration>', 'lifetime like 30d, 12h (default: never)')
    .option('--json', 'print {"token","id","project_id","role"}')
    .action(
      async (o: {
        project: string;
        role: Role;
        name?: string;
        expiresIn?: string;
        json?: boolean;
      }) => {
        const now = io.now();
        const expiresAt = o.expiresIn
          ? new Date(now.getTime() + parseDuration(o.expiresIn) * 1000).toISOString()
          : null;
        const { token: secret, row } = await withStore(resolveInstall(o, io.env), async (store) => {
          if (!(await store.getProject(o.project))) {
            throw new CliError(
              `Project ${o.project} does not exist: create it with \`snapshotplot-server project create --name NAME\`.`,
            );
          }
          return createServiceToken(store, {
            projectId: o.project,
            role: o.role,
            name: o.name ?? null,
            expiresAt,
            now,
          });
        });
        output(
          io,
          o.json,
          { token: secret, id: row.id, project_id: row.project_id, role: row.role },
          `${secret}\nCreated ${row.role} token ${row.id} for project ${row.project_id}${expiresAt ? `, expires ${expiresAt}` : ''}. It is shown only once: store it as a secret (e.g. SNAPSHOTPLOT_TOKEN).`,
        );
      },
    );
  token
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--project <id>', 'only this project')
    .option('--json', 'print a JSON array')
    .action(async (o: { project?: string; json?: boolean }) => {
      const rows = await withStore(resolveInstall(o, io.env), (s) => s.listTokens(o.project));
      const list = rows.map(({ token_hash: _hash, ...r }) => r);
      const human = list
        .map(
          (t) =>
            `${t.id}\t${t.project_id}\t${t.role}\t${t.prefix}…\t${t.revoked_at ? 'revoked' : t.expires_at && t.expires_at < io.now().toISOString() ? 'expired' : 'active'}\t${t.name ?? ''}`,
        )
        .join('\n');
      output(io, o.json, list, human || 'No tokens.');
    });
  token
    .command('revoke')
    .description('revoke a token by id')
    .argument('<id>', 'token id (tok_…)')
    .option('--json', 'print {"id","revoked"}')
    .action(async (id: string, o: { json?: boolean }) => {
      const ok = await withStore(resolveInstall(o, io.env), (s) =>
        s.revokeToken(id, io.now().toISOString()),
      );
      if (!ok) throw new CliError(`No active token ${id}: see \`snapshotplot-server token list\`.`);
      output(io, o.json, { id, revoked: true }, `Revoked token ${id}.`);
    });
}
