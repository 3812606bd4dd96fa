// Baseline for the upload benchmark: a bare node:http handler that pipes the request body
// into a file in the given directory (same disk as the server's data dir) and answers 200.
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

const dir = process.argv[2];
let n = 0;
const server = createServer(async (req, res) => {
  const file = join(dir, `baseline-${process.pid}-${n++}.bin`);
  try {
    await pipeline(req, createWriteStream(file));
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  } catch {
    res.writeHead(500).end();
  }
});
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
