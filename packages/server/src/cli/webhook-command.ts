/** `snapshotplot-server webhook add|list|remove|deliveries`: signed event deliveries. */

import { EVENT_TYPES } from '@snapshotplot/api-client/contract';
import type { Command } from 'commander';
import { sealWebhookSecret, webhookSecretKey } from '../data/webhook-secrets.js';
import { CliError } from '../errors.js';
import { newId } from '../ids.js';
import { commandSecret } from '../secret.js';
import { resolveInstall } from '../settings/options.js';
import { resolveSettings } from '../settings/resolve.js';
import { newWebhookSecret } from '../webhooks/signing.js';
import {
  ALLOW_FLAG,
  checkResolvedTarget,
  PrivateTargetError,
  urlProblem,
} from '../webhooks/url-policy.js';
import { type CliIo, output, withStore } from './io.js';

/** The event types of the contract (snapshot.ready, snapshot.deleted, comparison.ready). */
export { EVENT_TYPES };

/** The --events list, validated. */
function parseEvents(text: string): string[] {
  const list = [...new Set(text.split(',').map((e) => e.trim()))].filter(Boolean);
  const bad = list.find((e) => !(EVENT_TYPES as readonly string[]).includes(e));
  if (bad || list.length === 0) {
    throw new CliError(
      `--events "${text}" is not valid: give a comma-separated list of ${EVENT_TYPES.join(', ')}.`,
      2,
    );
  }
  return list;
}

/** Refuses loopback/private targets at add time unless allowed (the worker checks again). */
async function checkTarget(url: URL, allow: boolean, io: CliIo): Promise<void> {
  if (allow) return;
  try {
    await checkResolvedTarget(url);
  } catch (error) {
    if (error instanceof PrivateTargetError) {
      throw new CliError(
        `${error.message.replace(/ \(start the server.*\)\.$/, '.')} To use it anyway (e.g. for local testing), pass ${ALLOW_FLAG} here and start \`snapshotplot-server serve ${ALLOW_FLAG}\`.`,
      );
    }
    // Not resolvable now (a name added before its DNS record): the worker checks on each send.
    io.stderr(`warning: could not resolve ${url.hostname} (${(error as Error).message}).\n`);
  }
}

export function webhookCommand(program: Command, io: CliIo): void {
  const webhook = program
    .command('webhook')
    .description('manage webhook endpoints (Standard Webhooks signatures)');
  webhook
    .command('add')
    .description('add an endpoint; prints its signing secret once')
    .requiredOption('--project <id>', 'project whose events are sent')
    .requiredOption('--url <url>', 'where to POST events')
    .option('--events <list>', `comma-separated event types (default: ${EVENT_TYPES.join(',')})`)
    .option(
      ALLOW_FLAG,
      'allow a loopback or private target (env SNAPSHOTPLOT_ALLOW_PRIVATE_WEBHOOKS)',
    )
    .option('--json', 'print {"id","project_id","url","events","secret"}')
    .action(
      async (o: {
        project: string;
        url: string;
        events?: string;
        allowPrivateWebhooks?: boolean;
        json?: boolean;
      }) => {
        const problem = urlProblem(o.url);
        if (problem) throw new CliError(problem, 2);
        const events = o.events ? parseEvents(o.events) : [...EVENT_TYPES];
        const { allowPrivateWebhooks } = resolveSettings(['allowPrivateWebhooks'], o, io.env);
        await checkTarget(new URL(o.url), allowPrivateWebhooks, io);
        const now = io.now();
        const id = newId('wh', now.getTime());
        const secret = newWebhookSecret();
        // Stored sealed under the server secret: the database alone cannot forge deliveries.
        const install = resolveInstall(o, io.env);
        const key = webhookSecretKey(commandSecret(install));
        const row = {
          id,
          project_id: o.project,
          url: o.url,
          events: JSON.stringify(events),
          secret: sealWebhookSecret(key, id, secret),
          created_at: now.toISOString(),
          disabled_at: null,
          disabled_reason: null,
        };
        await withStore(install, async (store) => {
          if (!(await store.getProject(o.project))) {
            throw new CliError(
              `Project ${o.project} does not exist: create it with \`snapshotplot-server project create --name NAME\`.`,
            );
          }
          await store.insertWebhook(row);
        });
        const { project_id, url } = row;
        output(
          io,
          o.json,
          { id, project_id, url, events, secret },
          `${secret}\nAdded webhook ${id} for ${project_id}: ${events.join(', ')} -> ${url}. The secret is shown only once: give it to the receiver to verify the webhook-signature header.`,
        );
      },
    );
  webhook
    .command('list')
    .description('list endpoints (never their secrets)')
    .option('--project <id>', 'only this project')
    .option('--json', 'print a JSON array')
    .action(async (o: { project?: string; json?: boolean }) => {
      const rows = await withStore(resolveInstall(o, io.env), (s) => s.listWebhooks(o.project));
      const list = rows.map(({ secret: _secret, ...r }) => ({
        ...r,
        events: JSON.parse(r.events) as string[],
      }));
      const human = list
        .map(
          (w) =>
            `${w.id}\t${w.project_id}\t${w.disabled_at ? `disabled (${w.disabled_reason})` : 'active'}\t${w.events.join(',')}\t${w.url}`,
        )
        .join('\n');
      output(io, o.json, list, human || 'No webhooks.');
    });
  webhook
    .command('remove')
    .description('remove an endpoint and its delivery history')
    .argument('<id>', 'webhook id (wh_…)')
    .option('--json', 'print {"id","removed"}')
    .action(async (id: string, o: { json?: boolean }) => {
      const ok = await withStore(resolveInstall(o, io.env), (s) => s.deleteWebhook(id));
      if (!ok) throw new CliError(`No webhook ${id}: see \`snapshotplot-server webhook list\`.`);
      output(io, o.json, { id, removed: true }, `Removed webhook ${id}.`);
    });
  webhook
    .command('deliveries')
    .description('recent deliveries of a project, newest first, with every attempt')
    .requiredOption('--project <id>', 'project id')
    .option('--limit <n>', 'how many (default 50)', '50')
    .option('--json', 'print a JSON array')
    .action(async (o: { project: string; limit: string; json?: boolean }) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw new CliError(`--limit "${o.limit}" must be a whole number from 1 to 1000.`, 2);
      }
      const rows = await withStore(resolveInstall(o, io.env), (s) =>
        s.listDeliveries(o.project, limit),
      );
      const list = rows.map(({ payload: _payload, attempt_log, ...d }) => ({
        ...d,
        attempt_log: attempt_log.map(({ id: _id, delivery_id: _d, ...a }) => a),
      }));
      const human = list
        .map(
          (d) =>
            `${d.id}\t${d.webhook_id}\t${d.event_type}\t${d.state}\t${d.attempts} attempt(s)\t${d.last_status ?? d.last_error ?? ''}`,
        )
        .join('\n');
      output(io, o.json, list, human || 'No deliveries.');
    });
}
