import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openNote, parseVerifierKey } from '../../src/core/transparency/checkpoint.js';
import { openTransparencyLog } from '../../src/transparency/open-transparency-log.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { sampleEntries } from './sample-entries.js';

const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
};

test('audit checkpoint, keys, keygen and cosign: the commission workflow from the command line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-acli-'));
  const cp0 = cli('audit', 'checkpoint', '--data-dir', dir, '--origin', 'cli.example/log');
  assert.equal(cp0.status, 0, cp0.stderr);
  assert.match(cp0.stdout, /^cli\.example\/log\n0\n/);
  const keys = cli('audit', 'keys', '--data-dir', dir);
  const logKey = /^log\s+(\S+)$/m.exec(keys.stdout)?.[1] as string;
  assert.equal(parseVerifierKey(logKey).name, 'cli.example/log');

  const log = openTransparencyLog(dir);
  await log.append(sampleEntries(9));
  await log.close();
  const cp1 = cli('audit', 'checkpoint', '--data-dir', dir);
  assert.match(cp1.stdout, /^cli\.example\/log\n9\n/);

  const wkey = join(dir, 'commission.key');
  const gen = cli('audit', 'keygen', '--name', 'commission.example', '--out', wkey);
  assert.equal(gen.status, 0, gen.stderr);
  assert.equal(statSync(wkey).mode & 0o777, 0o600);
  const witnessKey = gen.stdout.trim();
  const cos = cli('audit', 'cosign', '--witness-key', wkey, '--log-key', logKey, '--data-dir', dir);
  assert.equal(cos.status, 0, cos.stderr);
  const note = openNote(cos.stdout, [parseVerifierKey(logKey), parseVerifierKey(witnessKey)]);
  assert.deepEqual(note.verified.map((s) => s.name), ['cli.example/log', 'commission.example']);
  assert.match(cli('audit', 'keys', '--data-dir', dir).stdout, new RegExp(`^witness\\s+${witnessKey.replaceAll('+', '\\+')}$`, 'm'));
  // The witness remembers size 9 (FILE.state.json) and checks the next checkpoint against it.
  assert.equal(JSON.parse(readFileSync(`${wkey}.state.json`, 'utf8')).size, 9);

  assert.equal(cli('audit').status, 2);
  assert.equal(cli('audit', 'export', '--data-dir', dir).status, 2);
  assert.equal(cli('audit', 'verify').status, 2);
  assert.equal(cli('audit', 'verify', join(dir, 'no-such-bundle')).status, 1);
  rmSync(dir, { recursive: true, force: true });
});
