import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig } from '../../src/config/load-config.js';
import { SakimoriError } from '../../src/core/errors.js';

test('embedded defaults validate and are frozen', () => {
  const c = parseConfig({});
  assert.equal(c.role, 'carrier');
  assert.equal(c.http.port, 8080);
  assert.ok(c.collector.listeners.length >= 2);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.collector) && Object.isFrozen(c.collector.listeners[0]));
});

test('unknown keys and wrong types are refused with SAKI_ERR_CONFIG_INVALID naming the path', () => {
  assert.throws(() => parseConfig({ rol: 'carrier' }), (e: unknown) => e instanceof SakimoriError && e.code === 'SAKI_ERR_CONFIG_INVALID');
  assert.throws(
    () => parseConfig({ collector: { listeners: [{ protocol: 'netflow', address: '0.0.0.0', port: 70000 }] } }),
    (e: unknown) => e instanceof SakimoriError && e.code === 'SAKI_ERR_CONFIG_INVALID' && e.message.includes('collector.listeners.0.port'),
  );
  assert.throws(() => parseConfig({ role: 'police' }), (e: unknown) => e instanceof SakimoriError && e.code === 'SAKI_ERR_CONFIG_INVALID');
});

test('config file: unreadable and invalid JSON are distinct coded errors; overrides apply before validation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-config-'));
  assert.throws(() => loadConfig(join(dir, 'missing.json')), (e: unknown) => e instanceof SakimoriError && e.code === 'SAKI_ERR_CONFIG_UNREADABLE');
  writeFileSync(join(dir, 'bad.json'), '{ not json');
  assert.throws(() => loadConfig(join(dir, 'bad.json')), (e: unknown) => e instanceof SakimoriError && e.code === 'SAKI_ERR_CONFIG_INVALID');
  writeFileSync(join(dir, 'ok.json'), JSON.stringify({ role: 'cyber-office', http: { port: 9000 } }));
  const c = loadConfig(join(dir, 'ok.json'), (raw) => {
    (raw.http as Record<string, unknown>).port = 9001;
  });
  assert.equal(c.role, 'cyber-office');
  assert.equal(c.http.port, 9001);
  assert.equal(c.http.host, '127.0.0.1');
});
