/**
 * An export folder is untrusted input (copied between machines, unpacked from an archive): a
 * symlink inside it would make `import` read, hash-verify and store a file from anywhere the
 * importing user can read (secret.key, another install's artifacts). Every entry is checked
 * before anything is written, and every file import opens is checked again on its way in.
 */
import { lstat, readdir, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { TransferError } from '../errors.js';

const refuse = (dir: string, entry: string, problem: string) =>
  new TransferError(
    `${join(dir, entry)} ${problem}: an export holds only plain files and folders; nothing was imported, export again (or copy the folder without links).`,
  );

/**
 * Walks the whole folder with lstat (links are not followed) and refuses any symlink or
 * special file (a FIFO would hang the import); returns the folder's real path.
 */
export async function checkExportFolder(dir: string): Promise<string> {
  const root = await realpath(dir).catch(() => {
    throw new TransferError(`${dir} does not exist: give the directory written by export.`);
  });
  const pending = [''];
  while (pending.length > 0) {
    const rel = pending.pop()!;
    for (const name of await readdir(join(root, rel))) {
      const entry = join(rel, name);
      const info = await lstat(join(root, entry));
      if (info.isSymbolicLink()) throw refuse(dir, entry, 'is a symbolic link');
      if (info.isDirectory()) pending.push(entry);
      else if (!info.isFile()) throw refuse(dir, entry, 'is not a regular file');
    }
  }
  return root;
}

/**
 * The path of `entry` under `root` after resolving every link; refused when it leaves the
 * folder (a link planted after checkExportFolder ran) or is not there.
 */
export async function insideExport(root: string, dir: string, entry: string): Promise<string> {
  const real = await realpath(join(root, entry)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      throw new TransferError(
        `${join(dir, entry)} is missing: the export is incomplete; nothing was imported, export again.`,
      );
    }
    throw error;
  });
  const rel = relative(root, real);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || rel.startsWith(sep)) {
    throw refuse(dir, entry, 'is a symbolic link or resolves outside the export folder');
  }
  return real;
}
