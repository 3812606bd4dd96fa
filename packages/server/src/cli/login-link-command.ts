/** `snapshotplot-server login-link`: a one-click, 10-minute, single-use gallery sign-in link. */
import type { Command } from 'commander';
import { createServiceToken } from '../auth/service-tokens.js';
import { CliError } from '../errors.js';
import { LOGIN_LINK_TTL_SECONDS, mintLoginLink } from '../gallery/login-link.js';
import { commandSecret } from '../secret.js';
import { parseDuration } from '../settings/define.js';
import { helpOf, resolveInstall } from '../settings/options.js';
import { resolveSettings, SETTINGS } from '../settings/resolve.js';
import { type CliIo, output, withStore } from './io.js';

const DEFAULT_URL = 'http://127.0.0.1:8080';

/** Registers the command on the program. */
export function loginLinkCommand(program: Command, io: CliIo): void {
  program
    .command('login-link')
    .description('print a one-click gallery sign-in link (10 minutes, single use)')
    .requiredOption('--project <id>', 'project to open')
    .option('--token-id <id>', 'sign in as this existing token (default: a new reader token)')
    // The public URL setting under the flag name this command has always had.
    .option(
      '--url <url>',
      helpOf({ ...SETTINGS.publicUrl, help: 'the gallery base URL', shownDefault: DEFAULT_URL }),
    )
    .option('--expires-in <duration>', 'lifetime of a new reader token (default 30d)', '30d')
    .option('--json', 'print {"url","token_id","expires_at"}')
    .action(
      async (o: {
        project: string;
        tokenId?: string;
        url?: string;
        expiresIn: string;
        json?: boolean;
      }) => {
        const now = io.now();
        const { publicUrl } = resolveSettings(['publicUrl'], { publicUrl: o.url }, io.env, {
          publicUrl: '--url',
        });
        const baseUrl = publicUrl ?? DEFAULT_URL;
        const install = resolveInstall(o, io.env);
        // Before any token is made: without the server's secret the link could not work.
        const secret = commandSecret(install);
        const tokenId = await withStore(install, async (store) => {
          if (!(await store.getProject(o.project))) {
            throw new CliError(
              `Project ${o.project} does not exist: list them with \`snapshotplot-server project list\`.`,
            );
          }
          if (o.tokenId) {
            const row = await store.getToken(o.tokenId);
            if (!row || row.project_id !== o.project || row.revoked_at) {
              throw new CliError(
                `Token ${o.tokenId} is not a live token of project ${o.project}: see \`snapshotplot-server token list --project ${o.project}\`.`,
              );
            }
            return row.id;
          }
          const expiresAt = new Date(now.getTime() + parseDuration(o.expiresIn) * 1000);
          const { row } = await createServiceToken(store, {
            projectId: o.project,
            role: 'reader',
            name: 'login-link',
            expiresAt: expiresAt.toISOString(),
            now,
          });
          return row.id;
        });
        const link = mintLoginLink(secret, {
          baseUrl,
          tokenId,
          nowSeconds: Math.floor(now.getTime() / 1000),
          ttlSeconds: LOGIN_LINK_TTL_SECONDS,
        });
        output(
          io,
          o.json,
          { url: link.url, token_id: tokenId, expires_at: link.expiresAt },
          `${link.url}\nOpen it within 10 minutes; it works once and signs in as token ${tokenId} (revoke it with \`snapshotplot-server token revoke ${tokenId}\`).`,
        );
      },
    );
}
