// Baseline for the publish-rate benchmark: a bare express app doing exactly one SQLite insert
// per request (WAL, synchronous=NORMAL like the server), no auth, no validation, no logs.
// It answers the same three requests the benchmark sends (publish, PUT a tiny plot, finalize).
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const express = require(process.env.BASELINE_EXPRESS);
const Database = require(process.env.BASELINE_SQLITE);

const db = new Database(join(process.argv[2], 'baseline.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec('CREATE TABLE IF NOT EXISTS rows (id TEXT PRIMARY KEY, kind TEXT, body TEXT)');
const insert = db.prepare('INSERT INTO rows (id, kind, body) VALUES (?, ?, ?)');

const app = express();
app.post('/api/snapshots/publish', express.json(), (req, res) => {
  const id = `snap_${randomUUID()}`;
  insert.run(id, 'publish', JSON.stringify(req.body));
  res.status(201).json({ snapshot_id: id, upload_urls: { plot: `/upload/plot/${id}?token=x` } });
});
app.put('/upload/plot/:id', express.raw({ type: '*/*' }), (req, res) => {
  insert.run(randomUUID(), 'upload', req.params.id);
  res.json({ snapshot_id: req.params.id, size: req.body.length });
});
app.post('/api/snapshots/finalize', express.json(), (req, res) => {
  insert.run(randomUUID(), 'finalize', req.body.snapshot_id);
  res.json({ status: 'ok' });
});
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
