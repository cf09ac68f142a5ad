import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSeedList } from '../../../src/core/detect/seed-list.js';
import { isSakimoriError } from '../../../src/core/errors.js';

test('seed list: addresses with optional source, comments, blank lines; IPv6 normalized as flow records spell it', () => {
  const seeds = parseSeedList('# from the darknet sensor\n192.0.2.1\n\n2001:DB8:0:0:0:0:0:1  nicter # trailing comment\n::ffff:198.51.100.7\r\n', 'file.txt');
  assert.deepEqual(seeds, [
    { ip: '192.0.2.1', source: 'file.txt' },
    { ip: '2001:db8::1', source: 'nicter' },
    { ip: '198.51.100.7', source: 'file.txt' },
  ]);
});

test('seed list: a bad line rejects the whole list with its line number', () => {
  for (const [text, line] of [['192.0.2.1\n192.0.2.300\n', 2], ['host.example\n', 1], ['192.0.2.1 a b\n', 1]] as const) {
    assert.throws(
      () => parseSeedList(text, 'x'),
      (e: unknown) => isSakimoriError(e) && e.code === 'SAKI_ERR_SEEDS_INVALID' && e.message.includes(`line ${line}`),
    );
  }
});

test('seed list: a JSON array (strings or objects with ip/source, extra fields ignored) as the generator and darknet exports write it', () => {
  const seeds = parseSeedList('[\n "192.0.2.1",\n {"ip": "2001:DB8::1", "port": 23, "proto": 6, "source": "darknet"},\n {"ip": "198.51.100.7", "firstSeen": 1}\n]\n', 'seeds.json');
  assert.deepEqual(seeds, [
    { ip: '192.0.2.1', source: 'seeds.json' },
    { ip: '2001:db8::1', source: 'darknet' },
    { ip: '198.51.100.7', source: 'seeds.json' },
  ]);
  for (const text of ['[1]', '[{"ip": "192.0.2.300"}]', '[{"ip": "192.0.2.1", "source": 5}]', '[ not json', '[{"addr": "192.0.2.1"}]']) {
    assert.throws(() => parseSeedList(text, 'x'), (e: unknown) => isSakimoriError(e) && e.code === 'SAKI_ERR_SEEDS_INVALID', text);
  }
});
