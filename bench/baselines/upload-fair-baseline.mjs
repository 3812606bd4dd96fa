// Fair baseline for the upload benchmark: what any durable upload must do and nothing more.
// A bare node:http handler pipes the body into a temp file through sha256 (fs.WriteStream,
// the hash updated per chunk on the main thread), fsyncs the file, renames it into place and
// fsyncs the directory, then answers 200 with the digest. No size cap, no database, no auth.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const dir = process.argv[2];
const tmpDir = join(dir, 'fair-tmp');
await mkdir(tmpDir, { recursive: true });
let n = 0;

async function syncPath(path, flags) {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const server = createServer(async (req, res) => {
  const name = `baseline-fair-${process.pid}-${n++}.bin`;
  const tmp = join(tmpDir, name);
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(req, hashing, createWriteStream(tmp, { flags: 'wx' }));
    await syncPath(tmp, 'r+');
    await rename(tmp, join(dir, name));
    await syncPath(dir, 'r');
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ sha256: hash.digest('hex') }));
  } catch {
    res.writeHead(500).end();
  }
});
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
