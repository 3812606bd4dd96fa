/** `snapshotplot-server member add|remove`: user (JWT `sub`) access to a project. */
import { ROLES } from '@snapshotplot/api-client/contract';
import { type Command, Option } from 'commander';
import type { Role } from '../data/store.js';
import { CliError } from '../errors.js';
import { resolveInstall } from '../settings/options.js';
import { type CliIo, output, withStore } from './io.js';

export function memberCommand(program: Command, io: CliIo): void {
  const member = program.command('member').description('manage user access (JWT sub) to projects');
  member
    .command('add')
    .description('grant a user a role on a project (or change it)')
    .requiredOption('--project <id>', 'project id')
    .requiredOption('--user <sub>', 'user id: the JWT "sub" claim')
    .addOption(new Option('--role <role>', 'role').choices(ROLES).default('reader'))
    .option('--json', 'print {"project_id","user_id","role"}')
    .action(async (o: { project: string; user: string; role: Role; json?: boolean }) => {
      await withStore(resolveInstall(o, io.env), async (store) => {
        if (!(await store.getProject(o.project))) {
          throw new CliError(
            `Project ${o.project} does not exist: create it with \`snapshotplot-server project create\`.`,
          );
        }
        await store.upsertMember(o.project, o.user, o.role, io.now().toISOString());
      });
      output(
        io,
        o.json,
        { project_id: o.project, user_id: o.user, role: o.role },
        `User ${o.user} is now ${o.role} on ${o.project}.`,
      );
    });
  member
    .command('remove')
    .description("remove a user's access to a project")
    .requiredOption('--project <id>', 'project id')
    .requiredOption('--user <sub>', 'user id: the JWT "sub" claim')
    .option('--json', 'print {"project_id","user_id","removed"}')
    .action(async (o: { project: string; user: string; json?: boolean }) => {
      const ok = await withStore(resolveInstall(o, io.env), (s) =>
        s.removeMember(o.project, o.user),
      );
      if (!ok) throw new CliError(`User ${o.user} is not a member of ${o.project}.`);
      output(
        io,
        o.json,
        { project_id: o.project, user_id: o.user, removed: true },
        `Removed ${o.user} from ${o.project}.`,
      );
    });
}
