// Fair baseline for the publish-rate benchmark: the same three requests, doing what any
// authenticated, durable publish must do and nothing more. Per request: a bearer token checked
// against its sha256 (a map lookup, like a verified-token cache), the JSON body parsed. Publish:
// one insert and an HMAC-signed upload URL. PUT: the signature checked, the body streamed
// through sha256 into a temp file, fsync, rename into place, fsync of the directory (the
// server's durability promise), one insert. Finalize: one transaction that updates the
// snapshot and inserts its event. WAL with synchronous=NORMAL, like the server. No logs, no
// validation beyond what is needed to answer, no content addressing, no quotas.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const require = createRequire(import.meta.url);
const express = require(process.env.BASELINE_EXPRESS);
const Database = require(process.env.BASELINE_SQLITE);

const dir = join(process.argv[2], 'fair-publish');
const tmpDir = join(dir, 'tmp');
const objects = join(dir, 'objects');
await mkdir(tmpDir, { recursive: true });
await mkdir(objects, { recursive: true });
const db = new Database(join(dir, 'fair.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`CREATE TABLE IF NOT EXISTS snapshots (id TEXT PRIMARY KEY, project TEXT, title TEXT, status TEXT);
  CREATE TABLE IF NOT EXISTS artifacts (snapshot TEXT, kind TEXT, sha256 TEXT, size INTEGER, PRIMARY KEY (snapshot, kind));
  CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, snapshot TEXT, type TEXT)`);
const insertSnapshot = db.prepare(
  "INSERT INTO snapshots (id, project, title, status) VALUES (?, ?, ?, 'pending')",
);
const insertArtifact = db.prepare(
  'INSERT INTO artifacts (snapshot, kind, sha256, size) VALUES (?, ?, ?, ?)',
);
const markReady = db.prepare(
  "UPDATE snapshots SET status = 'ready' WHERE id = ? AND status = 'pending'",
);
const insertEvent = db.prepare("INSERT INTO events (snapshot, type) VALUES (?, 'snapshot.ready')");
const finalize = db.transaction((id) => {
  if (markReady.run(id).changes !== 1) return false;
  insertEvent.run(id);
  return true;
});

// The benchmark sends `Bearer <token>`; any token is accepted once its hash is known.
const tokens = new Set();
const secret = randomBytes(32);
const sign = (id) => createHmac('sha256', secret).update(id).digest('base64url');
function authorised(req) {
  const header = req.get('authorization') ?? '';
  const hash = createHash('sha256').update(header.slice(7)).digest('hex');
  if (!tokens.has(hash)) tokens.add(hash);
  return header.startsWith('Bearer ');
}

async function syncPath(path, flags) {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const app = express();
app.post('/api/snapshots/publish', express.json(), (req, res) => {
  if (!authorised(req)) return res.status(401).end();
  const id = `snap_${randomBytes(12).toString('hex')}`;
  insertSnapshot.run(id, req.body.project_id, req.body.title);
  res
    .status(201)
    .json({ snapshot_id: id, upload_urls: { plot: `/upload/plot/${id}?t=${sign(id)}` } });
});
app.put('/upload/plot/:id', async (req, res) => {
  const given = Buffer.from(String(req.query.t ?? ''));
  const expected = Buffer.from(sign(req.params.id));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return res.status(403).end();
  }
  const tmp = join(tmpDir, randomBytes(12).toString('hex'));
  const hash = createHash('sha256');
  let size = 0;
  const hashing = new Transform({
    transform(chunk, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(req, hashing, createWriteStream(tmp, { flags: 'wx' }));
    await syncPath(tmp, 'r+');
    const sha256 = hash.digest('hex');
    await rename(tmp, join(objects, `${req.params.id}-plot`));
    await syncPath(objects, 'r');
    insertArtifact.run(req.params.id, 'plot', sha256, size);
    res.json({ snapshot_id: req.params.id, size, sha256 });
  } catch {
    res.status(500).end();
  }
});
app.post('/api/snapshots/finalize', express.json(), (req, res) => {
  if (!authorised(req)) return res.status(401).end();
  if (!finalize(req.body.snapshot_id)) return res.status(409).end();
  res.json({ status: 'ready' });
});
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
