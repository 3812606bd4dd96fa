// Baseline for the list benchmark: bare node:http answering GET /api/projects/:id/snapshots
// with one SELECT of the newest 50 rows (and their artifact rows) from the server's own
// database file, opened read-only, serialised as JSON. No auth, no validation, no signing, no logs.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Database = require(process.env.BASELINE_SQLITE);

const db = new Database(process.argv[2], { readonly: true });
const page = db.prepare(
  `select s.*, (select json_group_array(json_object('kind', a.kind, 'size', a.size,
     'sha256', a.sha256, 'content_type', a.content_type)) from artifacts a
     where a.snapshot_id = s.id) as files
   from snapshots s where s.project_id = ? order by s.id desc limit ?`,
);

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const m = /^\/api\/projects\/([^/]+)\/snapshots$/.exec(url.pathname);
  if (!m) {
    res.writeHead(404).end();
    return;
  }
  const rows = page.all(m[1], Number(url.searchParams.get('limit') ?? 20));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ data: rows, next_cursor: null }));
});
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
