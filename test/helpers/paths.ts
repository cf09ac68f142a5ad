import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/** Repository root (tests run compiled from dist/test/…). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
/** ../shared beside the checkout (CI clones main with shared/ beside it). */
export const SHARED = process.env.SAKIMORI_SHARED ?? resolve(REPO_ROOT, '../shared');
export const TESTDATA = resolve(SHARED, 'testdata');
export const NETFLOW_CAPTURES = resolve(TESTDATA, 'flow-exports/akvorado/netflow');
export const SFLOW_CAPTURES = resolve(TESTDATA, 'flow-exports/akvorado/sflow');
