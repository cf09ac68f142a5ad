/**
 * Hub storage: accepted submissions (digest for replay refusal, generatedAt for freshness), the
 * latest list of each carrier (a submission replaces that carrier's previous entries), and the
 * manual vetting state per (ip, port, proto). Kysely only, like the detection store.
 */
import type { Kysely } from 'kysely';
import { SakimoriError } from '../core/errors.js';
import type { CarrierEntry, VetStatus } from '../core/share/hub-merge.js';
import type { Database } from './schema.js';

export interface VetRecord {
  ip: string;
  port: number;
  proto: number;
  status: VetStatus;
  note: string;
  by: string;
  updatedAt: number;
}

export class HubStore {
  constructor(private readonly db: Kysely<Database>) {}

  async hasDigest(digest: string): Promise<boolean> {
    return (await this.db.selectFrom('hub_submissions').select('id').where('digest', '=', digest).executeTakeFirst()) !== undefined;
  }

  async lastGeneratedAt(carrierId: string): Promise<number | undefined> {
    const r = await this.db.selectFrom('hub_submissions').select((eb) => eb.fn.max('generated_at').as('g')).where('carrier_id', '=', carrierId).executeTakeFirst();
    return r?.g === null || r?.g === undefined ? undefined : Number(r.g);
  }

  /** Records the submission and replaces the carrier's entries, in one transaction. */
  async accept(s: { carrierId: string; generatedAt: number; receivedAt: number; digest: string; entries: readonly Omit<CarrierEntry, 'carrierId'>[] }): Promise<number> {
    try {
      return await this.db.transaction().execute(async (tx) => {
        const ins = await tx
          .insertInto('hub_submissions')
          .values({ id: undefined, carrier_id: s.carrierId, generated_at: s.generatedAt, received_at: s.receivedAt, digest: s.digest, entries: s.entries.length })
          .executeTakeFirstOrThrow();
        const id = Number(ins.insertId);
        await tx.deleteFrom('hub_entries').where('carrier_id', '=', s.carrierId).execute();
        for (let i = 0; i < s.entries.length; i += 200) {
          const rows = s.entries.slice(i, i + 200).map((e) => ({
            carrier_id: s.carrierId,
            ip: e.ip,
            port: e.port,
            proto: e.proto,
            score: e.score,
            first_seen: e.firstSeen,
            last_seen: e.lastSeen,
            detectors: e.detectors.join(','),
            submission_id: id,
          }));
          await tx.insertInto('hub_entries').values(rows).execute();
        }
        return id;
      });
    } catch (e) {
      throw new SakimoriError('SAKI_ERR_STORAGE', 'hub submission could not be stored', { cause: e });
    }
  }

  async entries(): Promise<CarrierEntry[]> {
    const rows = await this.db.selectFrom('hub_entries').selectAll().execute();
    return rows.map((r) => ({
      carrierId: r.carrier_id,
      ip: r.ip,
      port: r.port,
      proto: r.proto,
      score: r.score,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
      detectors: r.detectors === '' ? [] : r.detectors.split(','),
    }));
  }

  async submissions(limit: number): Promise<{ carrierId: string; generatedAt: number; receivedAt: number; entries: number }[]> {
    const rows = await this.db.selectFrom('hub_submissions').selectAll().orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({ carrierId: r.carrier_id, generatedAt: r.generated_at, receivedAt: r.received_at, entries: r.entries }));
  }

  async vetting(): Promise<Map<string, VetRecord>> {
    const rows = await this.db.selectFrom('hub_vetting').selectAll().execute();
    return new Map(
      rows.map((r) => [`${r.ip}|${r.port}|${r.proto}`, { ip: r.ip, port: r.port, proto: r.proto, status: r.status as VetStatus, note: r.note, by: r.by_user, updatedAt: r.updated_at }]),
    );
  }

  async setVet(v: VetRecord): Promise<void> {
    await this.db
      .insertInto('hub_vetting')
      .values({ ip: v.ip, port: v.port, proto: v.proto, status: v.status, note: v.note, by_user: v.by, updated_at: v.updatedAt })
      .onConflict((oc) => oc.columns(['ip', 'port', 'proto']).doUpdateSet({ status: v.status, note: v.note, by_user: v.by, updated_at: v.updatedAt }))
      .execute();
  }
}
