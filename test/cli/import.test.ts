import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readCapture } from '../../src/core/capture/capture-reader.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NETFLOW_CAPTURES, REPO_ROOT, SFLOW_CAPTURES } from '../helpers/paths.js';
import { openSqlite } from '../../src/storage/sqlite/sqlite-database.js';
import { FlowQueries } from '../../src/storage/flow-store.js';

const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');
const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: REPO_ROOT });

/** Count of NetFlow v5 records according to tshark, the independent decoder. */
function tsharkV5Count(file: string): number {
  const port = [...readCapture(readFileSync(file))][0].dstPort;
  const r = spawnSync('tshark', ['-r', file, '-d', `udp.port==${port},cflow`, '-T', 'fields', '-e', 'cflow.count'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `tshark failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').filter(Boolean).reduce((n, l) => n + Number(l), 0);
}

test('import --json prints one JSON line per record with the required fields, and a summary on stderr', () => {
  const file = join(NETFLOW_CAPTURES, 'nfv5.pcap');
  const r = run(['import', file, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, tsharkV5Count(file));
  for (const l of lines) {
    for (const k of ['start', 'end', 'exporter', 'src', 'dst', 'srcPort', 'dstPort', 'proto', 'packets', 'octets']) assert.ok(k in l, `missing ${k}`);
    assert.ok(!Number.isNaN(Date.parse(l.start as string)));
  }
  const summary = JSON.parse(/import summary (.*)/.exec(r.stderr)![1]) as { records: number; written: number; malformed: number };
  assert.equal(summary.records, lines.length);
  assert.equal(summary.written, lines.length);
  assert.equal(summary.malformed, 0);
});

test('import of a folder replays templates before data, across files; sflow too', () => {
  const r = run(['import', NETFLOW_CAPTURES, SFLOW_CAPTURES, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(/import summary (.*)/.exec(r.stderr)![1]) as { records: number; unknownTemplateExpired: number; files: number };
  assert.ok(summary.files >= 30);
  assert.ok(summary.records > 100);
  const sources = new Set(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { source: string }).source));
  for (const s of ['netflow-v5', 'netflow-v9', 'ipfix', 'sflow-v5']) assert.ok(sources.has(s), `no ${s} records`);
});

test('import without --json stores into the embedded database', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'saki-import-'));
  const file = join(NETFLOW_CAPTURES, 'nfv5.pcap');
  const r = run(['import', file, '--data-dir', dataDir]);
  assert.equal(r.status, 0, r.stderr);
  const db = openSqlite(dataDir);
  assert.equal(await new FlowQueries(db.db).count(), tsharkV5Count(file));
  await db.close();
});

test('bad input gets a clear coded error and changes nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-import-bad-'));
  let r = run(['import']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /SAKI_ERR_CLI_USAGE/);
  r = run(['import', join(dir, 'missing.pcap'), '--json']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /SAKI_ERR_CAPTURE_UNREADABLE/);
  writeFileSync(join(dir, 'trunc.pcap'), Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]));
  r = run(['import', join(dir, 'trunc.pcap'), '--json']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /SAKI_ERR_CAPTURE_TRUNCATED/);
  r = run(['import', '--bogus', 'x']);
  assert.equal(r.status, 2);
  r = run(['frobnicate']);
  assert.equal(r.status, 2);
});
