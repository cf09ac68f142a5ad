import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClassificationConfig, type ClassificationConfig } from '../../../src/core/classify/classification-config.js';
import {
  classifyAddress,
  classifyFlow,
  DIRECTION_LABELS_JA,
  emptyDirectionCounts,
  FLOW_DIRECTIONS,
  FlowClassifier,
  isAcquirable,
  type EndpointSide,
  type FlowClassification,
  type FlowDirection,
} from '../../../src/core/classify/flow-direction.js';
import { emptyFlowRecord } from '../../../src/core/flow/flow-record.js';
import { isSakimoriError } from '../../../src/core/errors.js';
import { syntheticGeo } from './synthetic-geo.js';

const geo = syntheticGeo();

interface Endpoint {
  address: string;
  /** Expected side under: default config, specialAddresses 'domestic', domestic = JP + KR. */
  sides: [EndpointSide, EndpointSide, EndpointSide];
  country: string;
  as: number;
}

const D = 'domestic';
const F = 'foreign';
const U = 'unknown';

const ENDPOINTS: Record<string, Endpoint> = {
  jp4: { address: '1.0.0.1', sides: [D, D, D], country: 'JP', as: 64500 },
  us4: { address: '2.0.0.1', sides: [F, F, F], country: 'US', as: 64501 },
  kr4: { address: '3.0.0.1', sides: [F, F, D], country: 'KR', as: 0 },
  nestedUsInJp: { address: '5.0.0.20', sides: [F, F, F], country: 'US', as: 0 },
  jpAroundNested: { address: '5.0.0.40', sides: [D, D, D], country: 'JP', as: 0 },
  unallocated4: { address: '4.0.0.1', sides: [U, U, U], country: 'unknown', as: 0 },
  private4: { address: '192.168.1.1', sides: [U, D, U], country: 'special', as: 0 },
  cgn4: { address: '100.64.0.1', sides: [U, D, U], country: 'special', as: 0 },
  loopback4: { address: '127.0.0.1', sides: [U, D, U], country: 'special', as: 0 },
  documentation4: { address: '192.0.2.1', sides: [U, U, U], country: 'special', as: 0 },
  multicast4: { address: '224.0.0.251', sides: [U, U, U], country: 'special', as: 0 },
  broadcast4: { address: '255.255.255.255', sides: [U, U, U], country: 'special', as: 0 },
  jp6: { address: '2400::1', sides: [D, D, D], country: 'JP', as: 64510 },
  us6: { address: '2600::1', sides: [F, F, F], country: 'US', as: 64511 },
  unallocated6: { address: '2a00::1', sides: [U, U, U], country: 'unknown', as: 0 },
  ula6: { address: 'fd12:3456::1', sides: [U, D, U], country: 'special', as: 0 },
  linkLocal6: { address: 'fe80::1', sides: [U, D, U], country: 'special', as: 0 },
  documentation6: { address: '2001:db8::1', sides: [U, U, U], country: 'special', as: 0 },
  benchmarking6: { address: '2001:2::1', sides: [U, U, U], country: 'special', as: 0 },
  teredo6: { address: '2001:0:4136:e378:8000:63bf:3fff:fdd2', sides: [U, U, U], country: 'special', as: 0 },
  mappedJp: { address: '::ffff:1.0.0.1', sides: [D, D, D], country: 'JP', as: 64500 },
  mappedPrivate: { address: '::ffff:10.0.0.1', sides: [U, D, U], country: 'special', as: 0 },
  nat64Us: { address: '64:ff9b::2.0.0.1', sides: [F, F, F], country: 'US', as: 64501 },
  sixToFourJp: { address: '2002:100:1::1', sides: [D, D, D], country: 'JP', as: 64500 },
  garbage: { address: 'not-an-address', sides: [U, U, U], country: 'unknown', as: 0 },
  empty: { address: '', sides: [U, U, U], country: 'unknown', as: 0 },
};

const CONFIGS: ClassificationConfig[] = [
  createClassificationConfig(),
  createClassificationConfig({ specialAddresses: 'domestic' }),
  createClassificationConfig({ domesticCountries: ['JP', 'KR'] }),
];

function record(src: string, dst: string, srcAs = 0, dstAs = 0) {
  const r = emptyFlowRecord('ipfix', '192.0.2.1', 0);
  r.src = src;
  r.dst = dst;
  r.srcAs = srcAs;
  r.dstAs = dstAs;
  return r;
}

test('the nine directions: Japanese labels and which may be acquired', () => {
  const table: [FlowDirection, string, boolean][] = [
    ['foreign-foreign', '外外', true],
    ['foreign-domestic', '外内', true],
    ['domestic-foreign', '内外', true],
    ['domestic-domestic', '内内', false],
    ['foreign-unknown', '不明', false],
    ['unknown-foreign', '不明', false],
    ['domestic-unknown', '不明', false],
    ['unknown-domestic', '不明', false],
    ['unknown-unknown', '不明', false],
  ];
  assert.deepEqual([...FLOW_DIRECTIONS].sort(), table.map((t) => t[0]).sort());
  for (const [d, label, acquirable] of table) {
    assert.equal(DIRECTION_LABELS_JA[d], label, d);
    assert.equal(isAcquirable(d), acquirable, d);
  }
  assert.deepEqual(Object.values(emptyDirectionCounts()), new Array(9).fill(0));
});

test('every endpoint alone: side, country, origin AS under each configuration', () => {
  CONFIGS.forEach((config, ci) => {
    for (const [name, e] of Object.entries(ENDPOINTS)) {
      const c = classifyAddress(e.address, geo, config);
      assert.equal(c.side, e.sides[ci], `${name} config ${ci}`);
      assert.equal(c.country, e.country, name);
      assert.equal(c.as, e.as, name);
      assert.equal(c.special !== undefined, e.country === 'special', name);
    }
  });
});

test('direction table: every (src, dst) endpoint combination under each configuration', () => {
  const out: FlowClassification = { direction: 'unknown-unknown', srcCountry: '', dstCountry: '', srcAs: 0, dstAs: 0, srcSpecial: undefined, dstSpecial: undefined, srcV4: -1, dstV4: -1, srcV6: null, dstV6: null };
  let n = 0;
  CONFIGS.forEach((config, ci) => {
    const classifier = new FlowClassifier(geo, config);
    for (const [sn, s] of Object.entries(ENDPOINTS)) {
      for (const [dn, d] of Object.entries(ENDPOINTS)) {
        const want = `${s.sides[ci]}-${d.sides[ci]}` as FlowDirection;
        const c = classifyFlow(record(s.address, d.address), geo, config);
        assert.equal(c.direction, want, `${sn} → ${dn}, config ${ci}`);
        assert.equal(isAcquirable(c.direction), s.sides[ci] !== U && d.sides[ci] !== U && !(s.sides[ci] === D && d.sides[ci] === D));
        assert.equal(c.srcCountry, s.country);
        assert.equal(c.dstCountry, d.country);
        assert.deepEqual(classifier.classify(record(s.address, d.address), out), c);
        n++;
      }
    }
  });
  assert.equal(n, 3 * Object.keys(ENDPOINTS).length ** 2);
});

test('the conservative rule: nothing but a located non-domestic country is ever foreign', () => {
  for (const config of CONFIGS) {
    for (const e of Object.values(ENDPOINTS)) {
      const c = classifyAddress(e.address, geo, config);
      if (c.side === 'foreign') assert.ok(/^[A-Z]{2}$/.test(c.country) && !config.domestic.has(c.country), e.address);
    }
  }
});

test('origin AS: taken from the record when exported, from the data otherwise, never for special addresses', () => {
  const config = CONFIGS[0];
  const a = classifyFlow(record('1.0.0.1', '2.0.0.1'), geo, config);
  assert.equal(a.srcAs, 64500);
  assert.equal(a.dstAs, 64501);
  const b = classifyFlow(record('1.0.0.1', '2.0.0.1', 4713, 15169), geo, config);
  assert.equal(b.srcAs, 4713);
  assert.equal(b.dstAs, 15169);
  const c = classifyFlow(record('192.168.1.1', '2400::5'), geo, config);
  assert.equal(c.srcAs, 0);
  assert.equal(c.srcSpecial, 'private-use');
  assert.equal(c.dstAs, 64510);
  assert.equal(c.dstSpecial, undefined);
  assert.equal(geo.asName(geo.asEntryOfIPv4(33554433)), 'US, "Quoted" Inc.');
});

test('configuration is validated and frozen; special addresses can never be made foreign', () => {
  const bad: unknown[] = [
    { domesticCountries: [] },
    { domesticCountries: ['jp'] },
    { domesticCountries: ['JPN'] },
    { domesticCountries: ['unknown'] },
    { specialAddresses: 'foreign' },
  ];
  for (const settings of bad) {
    assert.throws(
      () => createClassificationConfig(settings as Parameters<typeof createClassificationConfig>[0]),
      (e: unknown) => isSakimoriError(e) && e.code === 'SAKI_ERR_CONFIG_INVALID' && Array.isArray(e.details?.issues),
      JSON.stringify(settings),
    );
  }
  const c = createClassificationConfig({ domesticCountries: ['JP', 'JP', 'KR'] });
  assert.deepEqual(c.domesticCountries, ['JP', 'KR']);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.domesticCountries));
  assert.deepEqual(createClassificationConfig().domesticCountries, ['JP']);
  assert.equal(createClassificationConfig().specialAddresses, 'unknown');
});
