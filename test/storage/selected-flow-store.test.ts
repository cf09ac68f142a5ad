import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SakimoriError } from '../../src/core/errors.js';
import { MAX_BLOCK_RECORDS } from '../../src/core/selection/selected-block.js';
import type { SelectedRecord } from '../../src/core/selection/selector.js';
import { encodeBlocks, PostingSelectedFlowSink, SelectedFlowQueries, SqliteSelectedBlockWriter, SqliteSelectedFlowSink, type EncodedBlock } from '../../src/storage/selected-flow-store.js';
import { MessageChannel } from 'node:worker_threads';
import { openSqlite } from '../../src/storage/sqlite/sqlite-database.js';

function open() {
  const dir = mkdtempSync(join(tmpdir(), 'saki-selected-store-'));
  const db = openSqlite(dir);
  return {
    db,
    close: async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const rec = (n: number, criteria: string[] = ['telnet']): SelectedRecord => ({ criteria, fields: { start: n, end: n + 1, src: `198.51.100.${n % 256}`, dstPort: 23 } });

test('selected store: batches become blocks; recent() is newest first across blocks with unique, growing ids', async () => {
  const { db, close } = open();
  try {
    let clock = 1_000;
    const sink = new SqliteSelectedFlowSink(db.raw, () => clock);
    sink.write('a1', [rec(1), rec(2), rec(3)]);
    clock = 2_000;
    sink.write('a2', [rec(4, ['c2', 'telnet']), rec(5)]);
    sink.write('a1', []);
    const q = new SelectedFlowQueries(db.db);
    assert.equal(await q.count(), 5);
    assert.equal((db.raw.prepare('SELECT count(*) AS n FROM selected_blocks').get() as { n: number }).n, 2);
    const all = await q.recent(10);
    assert.deepEqual(all.map((r) => r.fields.start), [5, 4, 3, 2, 1]);
    assert.deepEqual(all.map((r) => r.approvalId), ['a2', 'a2', 'a1', 'a1', 'a1']);
    assert.deepEqual(all[1].criteria, ['c2', 'telnet']);
    assert.equal(all[0].storedAt, new Date(2_000).toISOString());
    const ids = all.map((r) => r.id);
    assert.deepEqual([...ids].sort((x, y) => y - x), ids);
    assert.equal(new Set(ids).size, 5);
    // A limit inside a block reads only the newest records of it.
    assert.deepEqual((await q.recent(3)).map((r) => r.fields.start), [5, 4, 3]);
    assert.deepEqual((await q.recent(1)).map((r) => r.fields), [{ start: 5, end: 6, src: '198.51.100.5', dstPort: 23 }]);
  } finally {
    await close();
  }
});

test('selected store: after the upgrade, rows stored before it are still read, after the blocks, with ids that do not collide', async () => {
  const { db, close } = open();
  try {
    const legacy = db.raw.prepare('INSERT INTO selected_flows (id, approval_id, criteria_ids, stored_ms, start_ms, src, dst_port) VALUES (?, ?, ?, ?, ?, ?, ?)');
    legacy.run(1, 'old', 'telnet', 500, 10, '192.0.2.10', 23);
    legacy.run(70_000, 'old', 'smb,telnet', 600, 11, 'p1:aaaabbbbccccdddd', 445);
    const sink = new SqliteSelectedFlowSink(db.raw, () => 900);
    sink.write('new', [rec(20), rec(21)]);
    const q = new SelectedFlowQueries(db.db);
    assert.equal(await q.count(), 4);
    const all = await q.recent(10);
    assert.deepEqual(all.map((r) => r.approvalId), ['new', 'new', 'old', 'old']);
    assert.deepEqual(all[2].criteria, ['smb', 'telnet']);
    assert.equal(all[2].fields.src, 'p1:aaaabbbbccccdddd');
    assert.ok(all[1].id > 70_000, `block record id ${all[1].id} must be above the legacy ids`);
    assert.deepEqual((await q.recent(3)).map((r) => r.fields.start), [21, 20, 11]);
  } finally {
    await close();
  }
});

test('selected store: a batch larger than a block is split, stored whole, and read back in order', async () => {
  const { db, close } = open();
  try {
    const n = MAX_BLOCK_RECORDS + 5;
    new SqliteSelectedFlowSink(db.raw).write('big', Array.from({ length: n }, (_, i) => rec(i)));
    const q = new SelectedFlowQueries(db.db);
    assert.equal(await q.count(), n);
    assert.equal((db.raw.prepare('SELECT count(*) AS n FROM selected_blocks').get() as { n: number }).n, 2);
    assert.deepEqual((await q.recent(8)).map((r) => r.fields.start), [n - 1, n - 2, n - 3, n - 4, n - 5, n - 6, n - 7, n - 8]);
  } finally {
    await close();
  }
});

test('selected store: a damaged block is refused with a coded error, not served in part', async () => {
  const { db, close } = open();
  try {
    new SqliteSelectedFlowSink(db.raw).write('a', [rec(1), rec(2)]);
    db.raw.prepare('UPDATE selected_blocks SET body = substr(body, 1, 30)').run();
    await assert.rejects(new SelectedFlowQueries(db.db).recent(5), (e: unknown) => e instanceof SakimoriError && e.code === 'SAKI_ERR_SELECTED_BLOCK_CORRUPT');
  } finally {
    await close();
  }
});


test('posting sink: blocks of several batches go out together, per approval, once the oldest has waited or enough are held', () => {
  let now = 1_000;
  const posted: { approvalId: string; counts: number[]; storedMs: number }[] = [];
  const sink = new PostingSelectedFlowSink((approvalId, blocks, storedMs) => posted.push({ approvalId, counts: blocks.map((b) => b.count), storedMs }), () => now, 100, 1_000);
  sink.write('a1', [rec(1), rec(2)]);
  now += 40;
  sink.write('a2', [rec(3)]);
  sink.write('a1', [rec(4)]);
  sink.flush(false);
  assert.equal(posted.length, 0, 'held while the oldest block is younger than the delay');
  now += 60;
  sink.flush(false);
  assert.deepEqual(posted, [
    { approvalId: 'a1', counts: [2, 1], storedMs: 1_100 },
    { approvalId: 'a2', counts: [1], storedMs: 1_100 },
  ]);
  // Enough records held: handed on at once, whatever their age.
  sink.write('a1', Array.from({ length: 999 }, (_, i) => rec(i)));
  assert.equal(posted.length, 2);
  sink.write('a1', [rec(5)]);
  assert.deepEqual(posted[2], { approvalId: 'a1', counts: [999, 1], storedMs: 1_100 });
  // flush(true) hands on everything; an empty sink posts nothing.
  sink.write('a3', [rec(6)]);
  sink.flush(true);
  sink.flush(true);
  assert.deepEqual(posted.slice(3), [{ approvalId: 'a3', counts: [1], storedMs: 1_100 }]);
});

test('selected store: blocks encoded in one thread and transferred to another are stored as the direct sink stores them', async () => {
  const { db, close } = open();
  try {
    const { port1, port2 } = new MessageChannel();
    const received: { approvalId: string; blocks: EncodedBlock[]; storedMs: number }[] = [];
    port2.on('message', (m: { approvalId: string; blocks: EncodedBlock[]; storedMs: number }) => received.push(m));
    const posting = new PostingSelectedFlowSink((approvalId, blocks, storedMs) => port1.postMessage({ approvalId, blocks, storedMs }, blocks.map((b) => b.body.buffer as ArrayBuffer)), () => 5_000);
    const batch = Array.from({ length: MAX_BLOCK_RECORDS + 10 }, (_, i) => rec(i));
    posting.write('a1', batch);
    posting.write('a1', []);
    posting.flush(true);
    // Delivery of a 65k-record block takes a moment on a busy machine: wait for it, not for a fixed time.
    for (let waited = 0; received.length === 0 && waited < 10_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    port1.close();
    assert.equal(received.length, 1, 'one message per non-empty batch');
    assert.deepEqual(received[0].blocks.map((b) => b.count), [MAX_BLOCK_RECORDS, 10]);
    const writer = new SqliteSelectedBlockWriter(db.raw);
    writer.insert(received[0].approvalId, received[0].blocks, received[0].storedMs);
    const q = new SelectedFlowQueries(db.db);
    assert.equal(await q.count(), MAX_BLOCK_RECORDS + 10);
    const newest = await q.recent(3);
    assert.deepEqual(newest.map((r) => r.fields.start), [MAX_BLOCK_RECORDS + 9, MAX_BLOCK_RECORDS + 8, MAX_BLOCK_RECORDS + 7]);
    assert.equal(newest[0].storedAt, new Date(5_000).toISOString());
    // A block whose count is not a valid record count is refused, and the whole call with it.
    const good = encodeBlocks([rec(1)]);
    assert.throws(() => writer.insert('a2', [...good, { count: 0, body: good[0].body }], 6_000), RangeError);
    assert.equal(await q.count(), MAX_BLOCK_RECORDS + 10);
  } finally {
    await close();
  }
});
