import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { isNotificationStatus, notificationCsv, notificationJson, NOTIFICATION_STATUSES } from '../core/darknet/notification-list.js';
import { SakimoriError } from '../core/errors.js';
import { NotificationStore } from '../storage/notification-store.js';
import { openSqlite } from '../storage/sqlite/sqlite-database.js';

export const NOTIFY_USAGE = `sakimori notify export --format csv|json [--as N] [--status STATUS] [--out FILE] [--config FILE] [--data-dir DIR]
  NOTICE-style notification lists: domestic devices seen scanning the darknet (recorded by
  \`sakimori darknet --record\`), grouped by responsible AS, for each ISP to alert its users.
sakimori notify status IP STATUS [--at ISO-TIME] [--config FILE] [--data-dir DIR]
  Moves a device along new → notified → acknowledged → remediated (or false-positive); a change
  the workflow does not allow is refused (SAKI_ERR_NOTIFY_TRANSITION) and changes nothing.`;

export async function notifyCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      as: { type: 'string' },
      status: { type: 'string' },
      out: { type: 'string' },
      at: { type: 'string' },
      config: { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  const config = () =>
    loadConfig(values.config, (raw) => {
      if (values['data-dir']) raw.dataDir = values['data-dir'];
    });
  if (sub === 'export') {
    if (positionals.length > 0) throw new SakimoriError('SAKI_ERR_CLI_USAGE', `unexpected argument "${positionals[0]}"`);
    if (values.format !== 'csv' && values.format !== 'json') throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'notify export needs --format csv or --format json');
    const as = values.as === undefined ? undefined : Number(values.as.replace(/^AS/i, ''));
    if (as !== undefined && !(Number.isInteger(as) && as >= 0 && as <= 4294967295)) throw new SakimoriError('SAKI_ERR_CLI_USAGE', '--as must be an AS number');
    if (values.status !== undefined && !isNotificationStatus(values.status)) throw new SakimoriError('SAKI_ERR_NOTIFY_STATUS', `"${values.status}" (one of ${NOTIFICATION_STATUSES.join(', ')})`);
    const db = openSqlite(config().dataDir);
    try {
      const entries = new NotificationStore(db.raw).list({ ...(as !== undefined ? { as } : {}), ...(values.status !== undefined && isNotificationStatus(values.status) ? { status: values.status } : {}) });
      const text = values.format === 'csv' ? notificationCsv(entries) : notificationJson(entries, Date.now());
      if (values.out) writeFileSync(values.out, text);
      else process.stdout.write(text);
      process.stderr.write(`notify export entries=${entries.length} lists=${new Set(entries.map((e) => e.as)).size}\n`);
    } finally {
      await db.close();
    }
    return 0;
  }
  if (sub === 'status') {
    const [ip, status] = positionals;
    if (!ip || !status || positionals.length !== 2) throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'notify status needs IP and STATUS');
    if (!isNotificationStatus(status)) throw new SakimoriError('SAKI_ERR_NOTIFY_STATUS', `"${status}" (one of ${NOTIFICATION_STATUSES.join(', ')})`);
    const at = values.at !== undefined ? Date.parse(values.at) : Date.now();
    if (!Number.isFinite(at)) throw new SakimoriError('SAKI_ERR_CLI_USAGE', '--at must be an ISO 8601 time');
    const db = openSqlite(config().dataDir);
    try {
      const e = new NotificationStore(db.raw).setStatus(ip, status, at);
      process.stdout.write(`${e.ip} AS${e.as} ${e.status} ${new Date(e.statusAt).toISOString()}\n`);
    } finally {
      await db.close();
    }
    return 0;
  }
  throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'notify needs a subcommand: export or status');
}
