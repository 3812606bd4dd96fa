// The floor for the end-to-end benchmark: the four requests of `snapshotplot publish` (publish,
// PUT plot and PUT code side by side, finalize) with Node's fetch and nothing else: no
// validation, no retries, no hashing, no git. What a new Node process cannot go below. Usage:
//   node fetch-publish.mjs API_URL TOKEN PROJECT_ID TITLE PLOT.png CODE.py
import { readFile } from 'node:fs/promises';

const [api, token, project, title, plot, code] = process.argv.slice(2);
const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const post = async (path, body) => {
  const res = await fetch(`${api}${path}`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
};
const put = async (url, file, type) => {
  const res = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': type },
    body: await readFile(file),
  });
  if (!res.ok) throw new Error(`PUT: HTTP ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
};
const published = await post('/api/snapshots/publish', {
  project_id: project,
  title,
  artifacts: { plot: true, code: true },
});
await Promise.all([
  put(published.upload_urls.plot, plot, 'image/png'),
  put(published.upload_urls.code, code, 'text/x-python'),
]);
await post('/api/snapshots/finalize', { project_id: project, snapshot_id: published.snapshot_id });
console.log(published.snapshot_id);
