import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DetectionStore } from '../../src/storage/detection-store.js';
import { openSqlite } from '../../src/storage/sqlite/sqlite-database.js';
import { detectionStoreContract } from './detection-store.case.js';

detectionStoreContract({
  name: 'sqlite',
  open: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sakimori-det-'));
    const h = openSqlite(dir);
    return {
      store: new DetectionStore(h.db),
      cleanup: async () => {
        await h.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});
