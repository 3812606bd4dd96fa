/** `snapshotplot-server thumbnails backfill [--project ID]`: make the missing plot thumbnails. */
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { resolveInstall } from '../settings/options.js';
import { type CliIo, output, withInstall } from './io.js';

export function thumbnailsCommand(program: Command, io: CliIo): void {
  const thumbnails = program
    .command('thumbnails')
    .description('plot thumbnails for the gallery grid (made on first view, or here)');
  thumbnails
    .command('backfill')
    .description('make the thumbnails that are missing, for every ready snapshot with a plot')
    .option('--project <id>', 'only this project')
    .option(
      '--redraw',
      'draw Vega, Vega-Lite, JSON and PDF plots again over their stored thumbnails (once after upgrading: older versions stored placeholders for them)',
    )
    .option('--json', 'print {"checked","made","placeholders","existing","missing","deferred"}')
    .action(async (o: { project?: string; redraw?: boolean; json?: boolean }) => {
      const { backfillThumbnails } = await import('../thumbnails/backfill.js');
      const r = await withInstall(io, resolveInstall(o, io.env), async (store, storage) => {
        if (o.project !== undefined && !(await store.getProject(o.project))) {
          throw new CliError(
            `Project ${o.project} does not exist: see \`snapshotplot-server project list\`.`,
          );
        }
        return backfillThumbnails(
          { store, storage },
          {
            projectId: o.project,
            redraw: o.redraw,
            // Progress goes to stderr, so --json output stays one parseable line.
            onProgress: (d, projectId) =>
              io.stderr(
                `${projectId}: ${d.checked} plot(s) checked, ${d.made} thumbnail(s) made\n`,
              ),
          },
        );
      });
      const extra = [
        r.placeholders ? `${r.placeholders} as placeholder (not decodable)` : '',
        r.missing ? `${r.missing} plot file(s) missing from storage` : '',
        r.deferred ? `${r.deferred} not drawn now (drawing threads unavailable: run again)` : '',
      ].filter(Boolean);
      output(
        io,
        o.json,
        r,
        `Made ${r.made} thumbnail(s); ${r.existing} already there (${r.checked} plot(s) checked)${extra.length ? `; ${extra.join('; ')}` : ''}.`,
      );
    });
}
