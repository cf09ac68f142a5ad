/** A small database with known contents, for direction, snapshot and loader tests. */
import { compileGeoDatabase, type GeoCsvTexts, type GeoDatabase } from '../../../src/core/classify/geo-database.js';
import { ipv4ToNumber, ipv6ToBigint } from './geo-data.js';

const v4 = (a: string, b: string, rest: string) => `${ipv4ToNumber(a)},${ipv4ToNumber(b)},${rest}`;
const v6 = (a: string, b: string, rest: string) => `${ipv6ToBigint(a)},${ipv6ToBigint(b)},${rest}`;

export const SYNTHETIC_CSV: GeoCsvTexts = {
  countryIPv4: [
    v4('1.0.0.0', '1.0.0.255', 'JP'),
    v4('2.0.0.0', '2.0.0.255', 'US'),
    v4('3.0.0.0', '3.0.0.255', 'KR'),
    // Like the real data, which places RFC 1918 space in AU: the special table must win.
    v4('100.64.0.0', '100.127.255.255', 'AU'),
    v4('192.168.0.0', '192.168.255.255', 'AU'),
    // A JP row with a nested US row (the nested row wins inside it).
    v4('5.0.0.0', '5.0.0.255', 'JP'),
    v4('5.0.0.16', '5.0.0.31', 'US'),
    '',
  ].join('\n'),
  countryIPv6: [v6('2400::', '2400:0:ffff:ffff:ffff:ffff:ffff:ffff', 'JP'), v6('2600::', '2600:0:ffff:ffff:ffff:ffff:ffff:ffff', 'US'), v6('fd00::', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'AU')].join('\r\n'),
  asnIPv4: [
    v4('1.0.0.0', '1.0.0.255', '64500,JP Net'),
    v4('2.0.0.0', '2.0.0.255', '64501,"US, ""Quoted"" Inc."'),
    v4('192.168.0.0', '192.168.255.255', '64502,Should Not Attach'),
    v4('3.0.0.0', '3.0.0.255', '0,Not routed'),
    '',
  ].join('\n'),
  asnIPv6: [v6('2400::', '2400:0:ffff:ffff:ffff:ffff:ffff:ffff', '64510,"Société ""Ünïcode"", K.K."'), v6('2600::', '2600:0:ffff:ffff:ffff:ffff:ffff:ffff', '64511,"multi\nline"')].join('\n'),
};

export const SYNTHETIC_VERSIONS = { country: '1.0.0-test', asn: '2.0.0-test' };

export function syntheticGeo(): GeoDatabase {
  return compileGeoDatabase(SYNTHETIC_CSV, SYNTHETIC_VERSIONS);
}
