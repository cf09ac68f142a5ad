import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { SakimoriError } from '../core/errors.js';
import { signDocument, type CarrierList, type ListEntry } from '../core/share/hub-document.js';
import { generateKeyFiles, readPrivateKey } from '../hub/hub-keys.js';
import { DetectionStore } from '../storage/detection-store.js';
import { openSqlite } from '../storage/sqlite/sqlite-database.js';

export const HUB_USAGE = `sakimori hub keygen --out FILE
  Writes a new Ed25519 key: FILE (private, PKCS#8 PEM, mode 0600) and FILE.pub (give it to the hub).
sakimori hub push [--config FILE] [--data-dir DIR] [--hub URL] [--key FILE] [--carrier-id ID] [--min-score X]
  Signs the current c2 detections of the local store as this carrier's C&C list and submits it
  to the hub (POST /api/v1/hub/submissions); prints the hub's receipt. Defaults from hub.* config.`;

export async function hubCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'keygen') return keygen(rest);
  if (sub === 'push') return push(rest);
  throw new SakimoriError('SAKI_ERR_CLI_USAGE', `hub ${sub ?? ''}: expected keygen or push`);
}

async function keygen(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' } } });
  if (!values.out) throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'hub keygen needs --out FILE');
  process.stdout.write(generateKeyFiles(resolve(values.out)));
  return 0;
}

/** The carrier's current C&C list from its detection store. */
export async function currentC2List(dataDir: string, carrierId: string, minScore: number, maxEntries: number, now: number): Promise<CarrierList> {
  const db = openSqlite(dataDir);
  try {
    const { items } = await new DetectionStore(db.db).list({ kind: 'c2', minScore }, now, { limit: maxEntries, offset: 0 });
    const entries: ListEntry[] = items.map((d) => ({ ip: d.ip, port: d.port, proto: d.proto, score: d.score, firstSeen: d.firstSeen, lastSeen: d.lastSeen, detectors: [...d.detectors] }));
    return { type: 'sakimori-c2-list', version: 1, carrierId, generatedAt: now, entries };
  } finally {
    await db.close();
  }
}

async function push(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      hub: { type: 'string' },
      key: { type: 'string' },
      'carrier-id': { type: 'string' },
      'min-score': { type: 'string' },
    },
  });
  const config = loadConfig(values.config, (raw) => {
    if (values['data-dir']) raw.dataDir = values['data-dir'];
    const hub = (raw.hub ??= {}) as Record<string, unknown>;
    if (values.hub) hub.url = values.hub;
    if (values.key) hub.carrierKeyFile = values.key;
    if (values['carrier-id']) hub.carrierId = values['carrier-id'];
    if (values['min-score'] !== undefined) hub.pushMinScore = Number(values['min-score']);
  });
  const { url, carrierKeyFile, carrierId, pushMinScore, maxEntriesPerSubmission } = config.hub;
  if (!url || !carrierKeyFile || !carrierId) throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'hub push needs --hub URL, --key FILE and --carrier-id ID (or hub.url, hub.carrierKeyFile, hub.carrierId)');
  const key = readPrivateKey(resolve(carrierKeyFile));
  const list = await currentC2List(config.dataDir, carrierId, pushMinScore, maxEntriesPerSubmission, Date.now());
  const envelope = signDocument(list, key, carrierId);
  let res: Response;
  try {
    res = await fetch(new URL('/api/v1/hub/submissions', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(envelope), signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    throw new SakimoriError('SAKI_ERR_HUB_PUSH_FAILED', `cannot reach ${new URL(url).origin}`, { cause: e });
  }
  const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  if (!res.ok) throw new SakimoriError('SAKI_ERR_HUB_PUSH_FAILED', `hub answered ${res.status} ${body.code ?? ''}: ${body.message ?? ''}`, { details: { hubCode: body.code } });
  process.stdout.write(`${JSON.stringify(body)}\n`);
  process.stderr.write(`pushed ${list.entries.length} c2 entries as ${carrierId}\n`);
  return 0;
}
