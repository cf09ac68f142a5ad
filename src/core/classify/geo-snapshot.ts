/**
 * Binary snapshot of a compiled GeoDatabase, so start-up maps typed arrays instead of parsing
 * ~60 MB of CSV. Layout (all integers little-endian):
 *
 *   0   8 bytes  magic "SKMGEO\r\n" (the CR LF catches text-mode mangling, as PNG's does)
 *   8   u32      format version (GEO_SNAPSHOT_FORMAT)
 *   12  u32      header length H
 *   16  H bytes  header, UTF-8 JSON: source versions, country codes, section table, SHA-256 of the body
 *   …   padding to a multiple of 8
 *   body         sections, each starting on a multiple of 8 from the body start
 *
 * The body's SHA-256 is checked on load (a truncated or bit-flipped cache is refused with a
 * coded error and recompiled by the loader), then the sections become typed-array views on the
 * file's own buffer when alignment and host byte order allow, copies otherwise.
 */
import { createHash } from 'node:crypto';
import { SakimoriError } from '../errors.js';
import { GeoDatabase, type AsNames, type GeoDatabaseParts, type GeoSourceVersions } from './geo-database.js';

export const GEO_SNAPSHOT_FORMAT = 1;
const MAGIC = [0x53, 0x4b, 0x4d, 0x47, 0x45, 0x4f, 0x0d, 0x0a];
const FIXED = 16;

const SECTIONS = [
  'ipv4CountryStarts',
  'ipv4CountryValues',
  'ipv6CountryStarts',
  'ipv6CountryValues',
  'ipv4AsStarts',
  'ipv4AsValues',
  'ipv6AsStarts',
  'ipv6AsValues',
  'asNumbers',
  'asNameOffsets',
  'asNameBytes',
] as const;
type SectionName = (typeof SECTIONS)[number];

interface SnapshotHeader {
  versions: GeoSourceVersions;
  /** Country codes 1.. concatenated, two letters each (index 0, "no data", is implicit). */
  countries: string;
  /** [offset from body start, byte length] per section, in SECTIONS order. */
  sections: [number, number][];
  bodyLength: number;
  sha256: string;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function corrupt(what: string, cause?: unknown): SakimoriError {
  return new SakimoriError('SAKI_ERR_STORAGE', `geolocation snapshot is not usable: ${what}`, cause === undefined ? undefined : { cause });
}

/** AS names stored as UTF-8 with an offset table; each name is decoded on first use. */
class BlobAsNames implements AsNames {
  readonly #offsets: Uint32Array;
  readonly #bytes: Uint8Array;
  readonly #cache: (string | undefined)[];
  readonly #decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(offsets: Uint32Array, bytes: Uint8Array) {
    this.#offsets = offsets;
    this.#bytes = bytes;
    this.#cache = new Array<string | undefined>(offsets.length - 1);
  }

  get count(): number {
    return this.#offsets.length - 1;
  }

  get(entry: number): string {
    if (!(entry >= 0 && entry < this.#cache.length)) return '';
    let s = this.#cache[entry];
    if (s === undefined) {
      s = this.#decoder.decode(this.#bytes.subarray(this.#offsets[entry], this.#offsets[entry + 1]));
      this.#cache[entry] = s;
    }
    return s;
  }
}

function bytesOf(a: Uint16Array | Uint32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.byteLength);
  const dv = new DataView(out.buffer);
  if (a instanceof Uint16Array) for (let i = 0; i < a.length; i++) dv.setUint16(i * 2, a[i], true);
  else for (let i = 0; i < a.length; i++) dv.setUint32(i * 4, a[i], true);
  return out;
}

const pad8 = (n: number): number => (n + 7) & ~7;

/** Encodes a database as a snapshot. */
export function serializeGeoDatabase(db: GeoDatabase): Uint8Array {
  const p: GeoDatabaseParts = db.parts;
  const encoder = new TextEncoder();
  const nameCount = p.asNames.count;
  const encodedNames: Uint8Array[] = [];
  const nameOffsets = new Uint32Array(nameCount + 1);
  let nameBytesLength = 0;
  for (let i = 0; i < nameCount; i++) {
    const b = encoder.encode(p.asNames.get(i));
    encodedNames.push(b);
    nameOffsets[i] = nameBytesLength;
    nameBytesLength += b.length;
  }
  nameOffsets[nameCount] = nameBytesLength;
  const nameBytes = new Uint8Array(nameBytesLength);
  for (let i = 0; i < nameCount; i++) nameBytes.set(encodedNames[i], nameOffsets[i]);

  const data: Record<SectionName, Uint8Array> = {
    ipv4CountryStarts: bytesOf(p.ipv4CountryStarts),
    ipv4CountryValues: bytesOf(p.ipv4CountryValues),
    ipv6CountryStarts: bytesOf(p.ipv6CountryStarts),
    ipv6CountryValues: bytesOf(p.ipv6CountryValues),
    ipv4AsStarts: bytesOf(p.ipv4AsStarts),
    ipv4AsValues: bytesOf(p.ipv4AsValues),
    ipv6AsStarts: bytesOf(p.ipv6AsStarts),
    ipv6AsValues: bytesOf(p.ipv6AsValues),
    asNumbers: bytesOf(p.asNumbers),
    asNameOffsets: bytesOf(nameOffsets),
    asNameBytes: nameBytes,
  };
  const sections: [number, number][] = [];
  let bodyLength = 0;
  for (const name of SECTIONS) {
    sections.push([bodyLength, data[name].byteLength]);
    bodyLength = pad8(bodyLength + data[name].byteLength);
  }
  const body = new Uint8Array(bodyLength);
  SECTIONS.forEach((name, i) => body.set(data[name], sections[i][0]));
  const header: SnapshotHeader = {
    versions: { country: p.versions.country, asn: p.versions.asn },
    countries: p.countryCodes.slice(1).join(''),
    sections,
    bodyLength,
    sha256: createHash('sha256').update(body).digest('hex'),
  };
  const headerBytes = encoder.encode(JSON.stringify(header));
  const bodyStart = pad8(FIXED + headerBytes.length);
  const out = new Uint8Array(bodyStart + bodyLength);
  out.set(MAGIC, 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, GEO_SNAPSHOT_FORMAT, true);
  dv.setUint32(12, headerBytes.length, true);
  out.set(headerBytes, FIXED);
  out.set(body, bodyStart);
  return out;
}

function readHeader(bytes: Uint8Array): { header: SnapshotHeader; bodyStart: number } {
  if (bytes.length < FIXED) throw corrupt('shorter than its fixed header');
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) throw corrupt('not a Sakimori geolocation snapshot');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = dv.getUint32(8, true);
  if (format !== GEO_SNAPSHOT_FORMAT) throw corrupt(`format ${format}, expected ${GEO_SNAPSHOT_FORMAT}`);
  const headerLength = dv.getUint32(12, true);
  if (FIXED + headerLength > bytes.length) throw corrupt('truncated header');
  let header: SnapshotHeader;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(FIXED, FIXED + headerLength))) as SnapshotHeader;
  } catch (e) {
    throw corrupt('header is not JSON', e);
  }
  const ok =
    header !== null &&
    typeof header === 'object' &&
    typeof header.versions?.country === 'string' &&
    typeof header.versions?.asn === 'string' &&
    typeof header.countries === 'string' &&
    header.countries.length % 2 === 0 &&
    Number.isSafeInteger(header.bodyLength) &&
    typeof header.sha256 === 'string' &&
    Array.isArray(header.sections) &&
    header.sections.length === SECTIONS.length &&
    header.sections.every((s) => Array.isArray(s) && s.length === 2 && s.every((x) => Number.isSafeInteger(x) && x >= 0));
  if (!ok) throw corrupt('header fields missing or mistyped');
  const bodyStart = pad8(FIXED + headerLength);
  if (bodyStart + header.bodyLength !== bytes.length) throw corrupt(`length ${bytes.length}, header says ${bodyStart + header.bodyLength}`);
  for (const [off, len] of header.sections) if (off % 8 !== 0 || off + len > header.bodyLength) throw corrupt('section outside the body');
  return { header, bodyStart };
}

function u32(bytes: Uint8Array, at: number, len: number): Uint32Array {
  if (len % 4 !== 0) throw corrupt('section length is not a multiple of 4');
  if (LITTLE_ENDIAN_HOST && (bytes.byteOffset + at) % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset + at, len / 4);
  const out = new Uint32Array(len / 4);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + at, len);
  for (let i = 0; i < out.length; i++) out[i] = dv.getUint32(i * 4, true);
  return out;
}

function u16(bytes: Uint8Array, at: number, len: number): Uint16Array {
  if (len % 2 !== 0) throw corrupt('section length is not a multiple of 2');
  if (LITTLE_ENDIAN_HOST && (bytes.byteOffset + at) % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset + at, len / 2);
  const out = new Uint16Array(len / 2);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + at, len);
  for (let i = 0; i < out.length; i++) out[i] = dv.getUint16(i * 2, true);
  return out;
}

export interface DeserializeOptions {
  /** Check the body's SHA-256 (default true). Costs a few milliseconds per 10 MB. */
  verify?: boolean;
  /** Refuse a snapshot built from other package versions. */
  expectVersions?: GeoSourceVersions;
}

/** Decodes a snapshot. The returned database may keep views on `bytes`: do not modify it afterwards. */
export function deserializeGeoDatabase(bytes: Uint8Array, options: DeserializeOptions = {}): GeoDatabase {
  const { header, bodyStart } = readHeader(bytes);
  const body = bytes.subarray(bodyStart);
  if (options.verify !== false && createHash('sha256').update(body).digest('hex') !== header.sha256) throw corrupt('SHA-256 mismatch');
  const want = options.expectVersions;
  if (want && (want.country !== header.versions.country || want.asn !== header.versions.asn)) {
    throw corrupt(`built from data ${header.versions.country}/${header.versions.asn}, expected ${want.country}/${want.asn}`);
  }
  const at = (name: SectionName): [number, number] => {
    const [off, len] = header.sections[SECTIONS.indexOf(name)];
    return [bodyStart + off, len];
  };
  const codes = [''];
  for (let i = 0; i < header.countries.length; i += 2) codes.push(header.countries.slice(i, i + 2));
  const nameOffsets = u32(bytes, ...at('asNameOffsets'));
  const [nameAt, nameLength] = at('asNameBytes');
  if (nameOffsets.length === 0 || nameOffsets[nameOffsets.length - 1] !== nameLength) throw corrupt('AS name table');
  for (let i = 1; i < nameOffsets.length; i++) if (nameOffsets[i] < nameOffsets[i - 1]) throw corrupt('AS name table');
  try {
    return new GeoDatabase({
      versions: header.versions,
      countryCodes: codes,
      ipv4CountryStarts: u32(bytes, ...at('ipv4CountryStarts')),
      ipv4CountryValues: u16(bytes, ...at('ipv4CountryValues')),
      ipv6CountryStarts: u32(bytes, ...at('ipv6CountryStarts')),
      ipv6CountryValues: u16(bytes, ...at('ipv6CountryValues')),
      ipv4AsStarts: u32(bytes, ...at('ipv4AsStarts')),
      ipv4AsValues: u32(bytes, ...at('ipv4AsValues')),
      ipv6AsStarts: u32(bytes, ...at('ipv6AsStarts')),
      ipv6AsValues: u32(bytes, ...at('ipv6AsValues')),
      asNumbers: u32(bytes, ...at('asNumbers')),
      asNames: new BlobAsNames(nameOffsets, bytes.subarray(nameAt, nameAt + nameLength)),
    });
  } catch (e) {
    if (e instanceof SakimoriError) throw corrupt(e.message, e);
    throw e;
  }
}
