import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Collector } from '../../src/collector/collector.js';
import { parseConfig } from '../../src/config/load-config.js';
import { IpfixEncoder } from '../../src/core/flow/encoders/export-encoder.js';
import { syntheticFlows } from '../../src/demo/synthetic-flows.js';
import { createLogger } from '../../src/observability/logger.js';
import { SelectedFlowQueries } from '../../src/storage/selected-flow-store.js';
import { openSqlite } from '../../src/storage/sqlite/sqlite-database.js';
import { REPO_ROOT } from '../helpers/paths.js';

const EXAMPLES = join(REPO_ROOT, 'examples/approvals');

test('cyber-office collector refuses an altered approval at start: logs the code only, erases everything, counted', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-refusal-'));
  try {
    const approval = JSON.parse(readFileSync(join(EXAMPLES, 'approval-example.json'), 'utf8')) as { scope: { feeds: string[] } };
    approval.scope.feeds.push('192.0.2.99');
    writeFileSync(join(dir, 'altered.json'), JSON.stringify(approval));
    const lines: string[] = [];
    const logger = createLogger('debug', new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    const config = parseConfig({
      role: 'cyber-office',
      dataDir: join(dir, 'data'),
      collector: { listeners: [{ protocol: 'netflow', address: '127.0.0.1', port: 0 }], receiveBufferBytes: 1 << 20, queueBytes: 1 << 20 },
      selection: {
        commissionKeys: [{ keyId: 'example-commission-key-1', publicKeyFile: join(EXAMPLES, 'EXAMPLE-ONLY-commission-key-1.public.pem') }],
        approvals: [{ approvalFile: join(dir, 'altered.json'), criteriaFile: join(EXAMPLES, 'criteria-c2-example.json') }],
      },
    });
    const collector = new Collector(config, logger);
    const [listener] = await collector.start();
    try {
      const enc = new IpfixEncoder({ domain: 1 });
      const unix = Math.floor(Date.now() / 1000);
      const s = createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      for (const d of [enc.templateMessage(unix), ...enc.dataMessages(syntheticFlows(60, { seed: 3 }), unix)]) {
        await new Promise<void>((r) => s.send(d, listener.port, '127.0.0.1', () => r()));
      }
      s.close();
      const t0 = Date.now();
      while (collector.status().erased < 60 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await collector.stop();
    }
    assert.equal(collector.status().erased, 60);
    assert.equal(collector.status().stored, 0);
    assert.equal(collector.attestationCounts().received, 0);
    const refusal = lines.map((l) => JSON.parse(l) as { msg: string; code?: string }).find((l) => l.msg.startsWith('approval refused'));
    assert.equal(refusal?.code, 'SAKI_ERR_APPROVAL_ALTERED');
    // The log names the code and the file, never the approval's content.
    assert.ok(!lines.join('').includes('192.0.2.99') && !lines.join('').includes('example-approval-2026-001'));
    const db = openSqlite(join(dir, 'data'));
    assert.equal(await new SelectedFlowQueries(db.db).count(), 0);
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
