/**
 * Child process for append-crash.test.ts: appends batches to the log in a data directory as
 * fast as it can, checkpointing every few batches, printing "batch <n> <size>" after each
 * commit, until it is killed.
 */
import { openTransparencyLog } from '../../src/transparency/open-transparency-log.js';
import { sampleEntries } from './sample-entries.js';

const [dataDir, batchArg] = process.argv.slice(2);
const batch = Number(batchArg);
const log = openTransparencyLog(dataDir, { origin: 'crash.example/log' });
for (let n = 0; ; n++) {
  const r = await log.append(sampleEntries(batch, await log.size()));
  if (n % 4 === 3) await log.issueCheckpoint();
  process.stdout.write(`batch ${n} ${r.size}\n`);
}
