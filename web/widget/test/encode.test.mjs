// The encoder against two independent implementations: jsQR decodes every
// symbol back; the `qrcode` package builds the same matrix under the same mask.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import QRCode from 'qrcode';
import Version from 'qrcode/lib/core/version.js';
import Level from 'qrcode/lib/core/error-correction-level.js';
import Mode from 'qrcode/lib/core/mode.js';
import { encode, toSvg, svgPath } from '../mca-qr.js';
import { decodeMatrix, link } from './support.mjs';

const LEVELS = ['L', 'M', 'Q', 'H'];
const capacity = (version, level) => Version.getCapacity(version, Level[level], Mode.BYTE);
// Printable text that is not one repeated character, so masks and blocks see varied data.
const text = (length, seed = 0) => Array.from({ length }, (_, i) => String.fromCharCode(33 + ((i * 7 + seed) % 94))).join('');

function assertDecodes(qr, expected) {
  const decoded = decodeMatrix(qr.modules, qr.version > 20 ? 2 : 3);
  assert.ok(decoded, `jsQR could not read version ${qr.version}-${qr.level} mask ${qr.mask}`);
  assert.equal(decoded.version, qr.version);
  assert.deepEqual(Uint8Array.from(decoded.binaryData), new TextEncoder().encode(expected));
}

test('a full symbol of every version and level decodes, and one byte more needs the next version', () => {
  for (const level of LEVELS) {
    for (let version = 1; version <= 40; version++) {
      const full = text(capacity(version, level), version);
      const qr = encode(full, { level });
      assert.equal(qr.version, version, `${full.length} bytes at ${level}`);
      assert.equal(qr.size, version * 4 + 17);
      // jsQR 1.4.0 puts a version-23 alignment centre at 74 instead of 78
      // (cozmo/jsQR#251); M, Q and H correct past it, L cannot. The qrcode
      // comparison below covers 23-L.
      if (!(version === 23 && level === 'L')) assertDecodes(qr, full);
      if (version < 40) assert.equal(encode(full + 'x', { level }).version, version + 1);
    }
  }
});

test('every length a link can have decodes at level M, and links stay within version 10', () => {
  for (let length = 0; length <= 213; length++) assertDecodes(encode(text(length, length)), text(length, length));
  for (const seconds of [0, 1, 59, 179, 300]) {
    const l = link('pt_' + 'Ab9-_'.repeat(9), seconds);
    const qr = encode(l);
    assert.ok(qr.version <= 10);
    assertDecodes(qr, l);
  }
});

test('UTF-8 text is encoded as its bytes', () => {
  const s = '请使用 Mobile CA 扫码 — 浙江省公共资源交易';
  assertDecodes(encode(s), s);
  assertDecodes(encode(new TextEncoder().encode(s), { level: 'H' }), s);
});

test('each of the eight masks decodes', () => {
  const l = link('masks', 42);
  for (let mask = 0; mask < 8; mask++) {
    const qr = encode(l, { mask });
    assert.equal(qr.mask, mask);
    assertDecodes(qr, l);
  }
});

test('the matrix equals the qrcode package module for module under the same mask', () => {
  for (const level of LEVELS) {
    for (let version = 1; version <= 40; version++) {
      const data = text(Math.min(capacity(version, level), 17 * version), version);
      for (const mask of [version % 8, (version + 3) % 8]) {
        const mine = encode(data, { level, minVersion: version, mask });
        const ref = QRCode.create([{ data, mode: 'byte' }], { errorCorrectionLevel: level, version, maskPattern: mask }).modules;
        assert.equal(mine.size, ref.size);
        for (let y = 0; y < ref.size; y++) {
          for (let x = 0; x < ref.size; x++) {
            assert.equal(mine.modules[y][x], ref.get(y, x) === 1, `${version}-${level} mask ${mask} at (${x},${y})`);
          }
        }
      }
    }
  }
});

test('the automatic mask is the one the qrcode package picks for link-sized data', () => {
  // Both score by the four penalty rules; they would part only where qrcode's
  // N4 counts a dark share just above 50 % as a full 5 % step (it does not
  // happen for these inputs).
  for (let seconds = 0; seconds < 40; seconds++) {
    const l = link('pt_' + seconds.toString(36).repeat(20), seconds);
    const ref = QRCode.create([{ data: l, mode: 'byte' }], { errorCorrectionLevel: 'M' });
    assert.equal(encode(l).mask, ref.maskPattern, l);
  }
});

test('minVersion raises the version; data that fits nothing is refused', () => {
  assert.equal(encode('a', { minVersion: 7 }).version, 7);
  assertDecodes(encode('a', { minVersion: 7 }), 'a');
  assert.throws(() => encode(text(capacity(40, 'M') + 1)), RangeError);
  assert.throws(() => encode('a', { level: 'X' }), RangeError);
  assert.throws(() => encode('a', { mask: 8 }), RangeError);
});

test('the SVG path draws exactly the dark modules', () => {
  const qr = encode(link('svg', 7));
  const drawn = qr.modules.map((row) => row.map(() => false));
  for (const [, x, y, w] of svgPath(qr, 4).matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g)) {
    for (let i = 0; i < Number(w); i++) {
      assert.equal(drawn[y - 4][x - 4 + i], false, 'a module drawn twice');
      drawn[y - 4][x - 4 + i] = true;
    }
  }
  assert.deepEqual(drawn, qr.modules);
  const svg = toSvg(qr, { label: '扫码 <登录> & "确认"' });
  assert.match(svg, new RegExp(`viewBox="0 0 ${qr.size + 8} ${qr.size + 8}"`));
  assert.match(svg, /aria-label="扫码 &#60;登录&#62; &#38; &#34;确认&#34;"/);
});
