// Mobile CA QR widget: a QR encoder and the animated scan-QR of a relying party.
//
// One dependency-free ES module, no build step. `<script type="module"
// src="mca-qr.js">` also defines `window.McaQr` for pages that do not import.
//
// Layout
// - QR encoder (ISO/IEC 18004): byte mode, levels L/M/Q/H, versions 1–40,
//   Reed–Solomon over GF(256), all eight masks scored by the four penalty
//   rules, format and version information. `encode(text)` → boolean matrix.
// - Rendering: `toSvg(qr)` (markup) and `svgPath(qr)` (path data).
// - Widget: `createWidget(options, view)` holds the polling and the state
//   handling with an injected fetch, timers and view, so it is tested without
//   a browser; `mount(element, options)` plugs in the DOM view.
//
// The widget only ever sees frames the relying party's back end computed: the
// session secret stays there. Nothing is stored in the browser.

// ---------------------------------------------------------------- QR encoder

// ISO/IEC 18004 table 9, per version 1–40: error-correction codewords per
// block and number of blocks, for each level.
const ECC_PER_BLOCK = {
  L: [7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
  M: [10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
  Q: [13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
  H: [17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
};
const BLOCK_COUNT = {
  L: [1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
  M: [1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
  Q: [1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
  H: [1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
};
// The two level bits of the format information (not in L, M, Q, H order).
const LEVEL_BITS = { L: 1, M: 0, Q: 3, H: 2 };

// GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
const EXP = new Uint8Array(510);
const LOG = new Uint8Array(256);
for (let i = 0, x = 1; i < 255; i++) {
  EXP[i] = EXP[i + 255] = x;
  LOG[x] = i;
  x = (x << 1) ^ (x & 0x80 ? 0x11d : 0);
}
const gfMul = (a, b) => (a && b ? EXP[LOG[a] + LOG[b]] : 0);

/** Generator polynomial (x − α^0)…(x − α^(n−1)), highest degree first. */
function rsGenerator(n) {
  let g = [1];
  for (let i = 0; i < n; i++) {
    const next = new Array(g.length + 1).fill(0);
    g.forEach((c, j) => {
      next[j] ^= c;
      next[j + 1] ^= gfMul(c, EXP[i]);
    });
    g = next;
  }
  return g;
}

/** The n error-correction codewords of `data`: data·x^n mod generator. */
function rsRemainder(data, generator) {
  const rem = new Array(generator.length - 1).fill(0);
  for (const byte of data) {
    const factor = byte ^ rem.shift();
    rem.push(0);
    for (let i = 0; i < rem.length; i++) rem[i] ^= gfMul(generator[i + 1], factor);
  }
  return rem;
}

/** Modules left for codewords once every function pattern is placed. */
function rawDataModules(version) {
  let n = (16 * version + 128) * version + 64;
  if (version >= 2) {
    const align = Math.floor(version / 7) + 2;
    n -= (25 * align - 10) * align - 55;
    if (version >= 7) n -= 36; // the two version-information blocks
  }
  return n;
}

const dataCodewordCount = (version, level) =>
  Math.floor(rawDataModules(version) / 8) - ECC_PER_BLOCK[level][version - 1] * BLOCK_COUNT[level][version - 1];

const countBits = (version) => (version < 10 ? 8 : 16);

/** Byte-mode segment, terminator and padding: the data codewords. */
function dataCodewords(bytes, version, level) {
  const bits = [];
  const put = (value, n) => {
    for (let i = n - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  const capacity = dataCodewordCount(version, level) * 8;
  put(0b0100, 4);
  put(bytes.length, countBits(version));
  for (const b of bytes) put(b, 8);
  put(0, Math.min(4, capacity - bits.length));
  put(0, (8 - (bits.length % 8)) % 8);
  const out = [];
  for (let i = 0; i < bits.length; i += 8) out.push(bits.slice(i, i + 8).reduce((a, b) => (a << 1) | b, 0));
  for (let pad = 0xec; out.length < capacity / 8; pad ^= 0xec ^ 0x11) out.push(pad);
  return out;
}

/** Splits into blocks, adds each block's error correction, interleaves. */
function interleavedCodewords(data, version, level) {
  const blockCount = BLOCK_COUNT[level][version - 1];
  const eccLen = ECC_PER_BLOCK[level][version - 1];
  const total = Math.floor(rawDataModules(version) / 8);
  const shortBlocks = blockCount - (total % blockCount);
  const shortDataLen = Math.floor(total / blockCount) - eccLen;
  const generator = rsGenerator(eccLen);
  const blocks = [];
  for (let i = 0, at = 0; i < blockCount; i++) {
    const d = data.slice(at, (at += shortDataLen + (i < shortBlocks ? 0 : 1)));
    blocks.push({ d, e: rsRemainder(d, generator) });
  }
  const out = [];
  for (let i = 0; i <= shortDataLen; i++) for (const b of blocks) if (i < b.d.length) out.push(b.d[i]);
  for (let i = 0; i < eccLen; i++) for (const b of blocks) out.push(b.e[i]);
  return out;
}

function alignmentPositions(version) {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const size = version * 4 + 17;
  // Version 32 is the one whose spacing the standard does not round up.
  const step = version === 32 ? 26 : Math.ceil((size - 13) / (2 * count - 2)) * 2;
  const positions = [6];
  for (let p = size - 7; positions.length < count; p -= step) positions.splice(1, 0, p);
  return positions;
}

/** BCH remainder of data·x^degree modulo `poly` (format and version info). */
function bchRemainder(data, dataBits, poly, degree) {
  let rem = data << degree;
  for (let i = dataBits + degree - 1; i >= degree; i--) if ((rem >>> i) & 1) rem ^= poly << (i - degree);
  return rem;
}

const formatBits = (level, mask) => {
  const data = (LEVEL_BITS[level] << 3) | mask;
  return ((data << 10) | bchRemainder(data, 5, 0x537, 10)) ^ 0x5412;
};

const MASKS = [
  (x, y) => (x + y) % 2 === 0,
  (x, y) => y % 2 === 0,
  (x) => x % 3 === 0,
  (x, y) => (x + y) % 3 === 0,
  (x, y) => (Math.floor(y / 2) + Math.floor(x / 3)) % 2 === 0,
  (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
  (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
  (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
];

/** A symbol under construction: modules, and which of them are function patterns. */
class Grid {
  constructor(version) {
    this.size = version * 4 + 17;
    this.dark = new Uint8Array(this.size * this.size);
    this.fixed = new Uint8Array(this.size * this.size);
  }
  setFixed(x, y, dark) {
    this.dark[y * this.size + x] = dark ? 1 : 0;
    this.fixed[y * this.size + x] = 1;
  }
}

function drawFunctionPatterns(grid, version) {
  const { size } = grid;
  for (let i = 0; i < size; i++) {
    grid.setFixed(6, i, i % 2 === 0);
    grid.setFixed(i, 6, i % 2 === 0);
  }
  // Finder patterns with their light separators (ring 4).
  for (const [cx, cy] of [[3, 3], [size - 4, 3], [3, size - 4]]) {
    for (let dy = -4; dy <= 4; dy++) {
      for (let dx = -4; dx <= 4; dx++) {
        const x = cx + dx, y = cy + dy, ring = Math.max(Math.abs(dx), Math.abs(dy));
        if (x >= 0 && x < size && y >= 0 && y < size) grid.setFixed(x, y, ring !== 2 && ring !== 4);
      }
    }
  }
  const positions = alignmentPositions(version);
  const last = positions.length - 1;
  positions.forEach((ay, i) => positions.forEach((ax, j) => {
    if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) return; // finder corners
    for (let dy = -2; dy <= 2; dy++) {
      for (let dx = -2; dx <= 2; dx++) grid.setFixed(ax + dx, ay + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
    }
  }));
  drawFormatBits(grid, 0); // reserves the area; the real bits come with the mask
  if (version >= 7) {
    const bits = (version << 12) | bchRemainder(version, 6, 0x1f25, 12);
    for (let i = 0; i < 18; i++) {
      const a = size - 11 + (i % 3), b = Math.floor(i / 3), dark = (bits >>> i) & 1;
      grid.setFixed(a, b, dark);
      grid.setFixed(b, a, dark);
    }
  }
}

function drawFormatBits(grid, bits) {
  const { size } = grid;
  const bit = (i) => (bits >>> i) & 1;
  for (let i = 0; i <= 5; i++) grid.setFixed(8, i, bit(i));
  grid.setFixed(8, 7, bit(6));
  grid.setFixed(8, 8, bit(7));
  grid.setFixed(7, 8, bit(8));
  for (let i = 9; i < 15; i++) grid.setFixed(14 - i, 8, bit(i));
  for (let i = 0; i < 8; i++) grid.setFixed(size - 1 - i, 8, bit(i));
  for (let i = 8; i < 15; i++) grid.setFixed(8, size - 15 + i, bit(i));
  grid.setFixed(8, size - 8, 1); // the dark module
}

/** Places codeword bits in the two-column zigzag, right to left. */
function drawCodewords(grid, codewords) {
  const { size } = grid;
  let i = 0;
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5; // the vertical timing pattern is skipped
    const upward = ((right + 1) & 2) === 0;
    for (let step = 0; step < size; step++) {
      const y = upward ? size - 1 - step : step;
      for (const x of [right, right - 1]) {
        if (grid.fixed[y * size + x]) continue;
        // Remainder bits past the last codeword stay light (then masked).
        if (i < codewords.length * 8) grid.dark[y * size + x] = (codewords[i >>> 3] >>> (7 - (i & 7))) & 1;
        i++;
      }
    }
  }
}

function applyMask(grid, mask) {
  const { size } = grid;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) if (!grid.fixed[y * size + x] && MASKS[mask](x, y)) grid.dark[y * size + x] ^= 1;
  }
}

/** The four penalty rules of ISO/IEC 18004 §7.8.3; lower is better. */
function penalty(grid) {
  const { size, dark } = grid;
  let score = 0;
  for (const rowMajor of [true, false]) {
    for (let a = 0; a < size; a++) {
      const line = [];
      for (let b = 0; b < size; b++) line.push(rowMajor ? dark[a * size + b] : dark[b * size + a]);
      let run = 1;
      for (let b = 1; b <= size; b++) {
        if (b < size && line[b] === line[b - 1]) run++;
        else {
          if (run >= 5) score += 3 + (run - 5); // N1
          run = 1;
        }
      }
      const text = line.join('');
      for (let at = text.indexOf('1011101'); at !== -1; at = text.indexOf('1011101', at + 1)) {
        // N3: a finder-like 1:1:3:1:1 with four light modules on one side.
        if (at >= 4 && text.slice(at - 4, at) === '0000') score += 40;
        if (text.slice(at + 7, at + 11) === '0000') score += 40;
      }
    }
  }
  for (let y = 0; y + 1 < size; y++) {
    for (let x = 0; x + 1 < size; x++) {
      const c = dark[y * size + x];
      if (c === dark[y * size + x + 1] && c === dark[(y + 1) * size + x] && c === dark[(y + 1) * size + x + 1]) score += 3; // N2
    }
  }
  const darkCount = dark.reduce((a, b) => a + b, 0);
  score += 10 * Math.floor(Math.abs((darkCount * 100) / (size * size) - 50) / 5); // N4
  return score;
}

/**
 * Encodes `data` (a string, as UTF-8, or a Uint8Array) in byte mode, in the
 * smallest version that holds it at `level`. `mask` forces a mask (0–7)
 * instead of the one with the lowest penalty.
 * Returns { version, level, mask, size, modules } with modules[y][x] true
 * for dark. Throws RangeError when the data does not fit version 40.
 */
export function encode(data, { level = 'M', minVersion = 1, mask } = {}) {
  if (!(level in ECC_PER_BLOCK)) throw new RangeError(`QR: unknown error-correction level ${level}`);
  if (mask !== undefined && !(Number.isInteger(mask) && mask >= 0 && mask < 8)) throw new RangeError(`QR: mask must be 0–7, not ${mask}`);
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : Uint8Array.from(data);
  let version = Math.max(1, minVersion);
  while (version <= 40 && 4 + countBits(version) + 8 * bytes.length > dataCodewordCount(version, level) * 8) version++;
  if (version > 40) throw new RangeError(`QR: ${bytes.length} bytes do not fit a level-${level} symbol`);

  const grid = new Grid(version);
  drawFunctionPatterns(grid, version);
  drawCodewords(grid, interleavedCodewords(dataCodewords(bytes, version, level), version, level));
  let chosen = mask;
  if (chosen === undefined) {
    let best = Infinity;
    for (let m = 0; m < 8; m++) {
      applyMask(grid, m);
      drawFormatBits(grid, formatBits(level, m));
      const score = penalty(grid);
      if (score < best) [best, chosen] = [score, m];
      applyMask(grid, m); // XOR again: undone
    }
  }
  applyMask(grid, chosen);
  drawFormatBits(grid, formatBits(level, chosen));

  const { size } = grid;
  const modules = Array.from({ length: size }, (_, y) => Array.from({ length: size }, (_, x) => grid.dark[y * size + x] === 1));
  return { version, level, mask: chosen, size, modules };
}

// ----------------------------------------------------------------- rendering

/** SVG path data of the dark modules, one rectangle per horizontal run. */
export function svgPath(qr, margin = 4) {
  let d = '';
  qr.modules.forEach((row, y) => {
    for (let x = 0; x < row.length; x++) {
      if (!row[x]) continue;
      let run = 1;
      while (x + run < row.length && row[x + run]) run++;
      d += `M${x + margin} ${y + margin}h${run}v1h-${run}z`;
      x += run - 1;
    }
  });
  return d;
}

const escapeXml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A standalone SVG document; `margin` is the quiet zone in modules (4 by the standard). */
export function toSvg(qr, { margin = 4, label = '' } = {}) {
  const n = qr.size + 2 * margin;
  const a11y = label ? ` role="img" aria-label="${escapeXml(label)}"` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n} ${n}" shape-rendering="crispEdges"${a11y}>` +
    `<rect width="${n}" height="${n}" fill="#fff"/><path fill="#000" d="${svgPath(qr, margin)}"/></svg>`;
}

// -------------------------------------------------------------------- widget

// What the page shows; a frame's `hint_text` takes precedence (see README).
const STATE_TEXT = {
  loading: '正在获取二维码…',
  created: '请使用 Mobile CA 扫码',
  scanned: '已扫描，请在手机上确认',
  confirming: '已扫描，正在手机上确认',
  gone: '二维码已过期，请刷新',
  network: '网络异常，正在重试…',
};
const RESULT_TEXT = {
  ok: '已完成',
  user_refused: '已在手机上拒绝',
  not_authorized: '该证书未获本平台授权',
  certificate_revoked: '证书已吊销',
  certificate_expired: '证书已过期',
  pin_locked: 'PIN 码已锁定，请在手机上解锁',
  holder_mismatch: '证书持有人与当前账户不一致',
  timeout: '二维码已过期，请刷新',
  cancelled: '已取消',
  protocol_failure: '操作失败，请刷新重试',
};
const ENDED_TEXT = '操作已结束';
const STATES = ['created', 'scanned', 'confirming', 'complete', 'gone'];
// A frame stays valid for a few seconds on the server, so one or two lost
// polls keep the QR on screen instead of making it flicker.
const FAILURES_BEFORE_HIDING = 3;

/** The default text for a parsed frame ({ state, result }). */
export function statusText({ state, result }) {
  if (state === 'complete') return RESULT_TEXT[result] ?? ENDED_TEXT;
  return STATE_TEXT[state] ?? ENDED_TEXT;
}

/** A frame as the back end sent it → { state, link, result, hint, hintText }, or null if unusable. */
function parseFrame(json) {
  if (!json || typeof json !== 'object' || !STATES.includes(json.state)) return null;
  const text = (v) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
  const frame = {
    state: json.state,
    link: json.state === 'created' ? text(json.link) : undefined,
    result: json.state === 'complete' ? text(json.result) : undefined,
    hint: text(json.hint),
    hintText: text(json.hint_text),
  };
  return frame.state === 'created' && !frame.link ? null : frame;
}

/**
 * The polling and state handling, without a DOM. `view` has showQr(qr | null)
 * and showText(text). Options: frameUrl (required), stateUrl (polled instead
 * once the QR is gone; default frameUrl), intervalMs, onState(status),
 * level ('M'), requestTimeoutMs, and fetch/setTimeout/clearTimeout to inject.
 * Returns { start(), stop(), status() }.
 */
export function createWidget(options, view) {
  const { frameUrl, stateUrl = frameUrl, intervalMs = 1000, onState = () => {}, level = 'M', requestTimeoutMs = 15000 } = options;
  if (typeof frameUrl !== 'string' || frameUrl === '') throw new TypeError('McaQr: frameUrl is required');
  const fetchFn = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const later = options.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
  const cancel = options.clearTimeout ?? ((id) => globalThis.clearTimeout(id));

  let running = false;
  let generation = 0; // a stop-then-start must not leave the old loop running
  let timer = null;
  let request = null;
  let failures = 0;
  let qrGone = false; // scanned or later: the frames are no longer needed
  let shownLink = null;
  let shownText = null;
  let status = null;

  const showText = (text) => {
    if (text !== shownText) view.showText((shownText = text)); // the live region speaks only on change
  };
  const showQr = (qr, link) => {
    if (link !== shownLink) view.showQr(qr);
    shownLink = link;
  };

  async function fetchFrame(url) {
    const abort = new AbortController();
    const deadline = later(() => abort.abort(), requestTimeoutMs);
    request = abort;
    try {
      const res = await fetchFn(url, { headers: { accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin', signal: abort.signal });
      if (res.status === 410) return { state: 'gone' };
      return res.ok ? parseFrame(await res.json()) : null;
    } catch {
      return null; // network error, timeout, not JSON: all retried alike
    } finally {
      cancel(deadline);
      if (request === abort) request = null;
    }
  }

  function apply(frame) {
    let qr = null;
    if (frame?.link) {
      try {
        qr = encode(frame.link, { level });
      } catch {
        frame = null; // a link too long for any QR is a broken back end
      }
    }
    if (!frame) {
      if (++failures >= FAILURES_BEFORE_HIDING || qrGone) showQr(null, null);
      showText(STATE_TEXT.network);
      return;
    }
    failures = 0;
    if (frame.state !== 'created') qrGone = true;
    showQr(qr, frame.link ?? null);
    showText(frame.hintText ?? statusText(frame));
    const terminal = frame.state === 'complete' || frame.state === 'gone';
    if (!status || status.state !== frame.state || status.result !== frame.result || status.hint !== frame.hint) {
      status = { state: frame.state, result: frame.result, hint: frame.hint, terminal };
      try {
        onState({ ...status });
      } catch (e) {
        (globalThis.reportError ?? console.error)(e); // the page's bug shows, the widget goes on
      }
    }
    if (terminal) running = false;
  }

  async function poll(loop) {
    timer = null;
    const frame = await fetchFrame(qrGone ? stateUrl : frameUrl);
    if (!running || loop !== generation) return; // stopped while the request was out
    apply(frame);
    if (running) timer = later(() => poll(loop), intervalMs);
  }

  return {
    start() {
      if (running || status?.terminal) return;
      running = true;
      if (!status) showText(STATE_TEXT.loading);
      poll(++generation);
    },
    stop() {
      running = false;
      if (timer !== null) cancel(timer);
      timer = null;
      request?.abort();
    },
    status: () => (status ? { ...status } : null),
  };
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The DOM view: a QR (SVG, with an accessible name) and an aria-live status line. */
function domView(element, { label = 'Mobile CA 扫码二维码', size = 240 } = {}) {
  const doc = element.ownerDocument;
  const make = (ns, tag, attrs) => {
    const el = ns ? doc.createElementNS(ns, tag) : doc.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    return el;
  };
  const root = make(null, 'div', { class: 'mca-qr' });
  const code = make(null, 'div', { class: 'mca-qr-code', hidden: '' });
  const svg = make(SVG_NS, 'svg', { role: 'img', 'aria-label': label, width: size, height: size, 'shape-rendering': 'crispEdges' });
  const path = make(SVG_NS, 'path', { fill: '#000' });
  svg.append(make(SVG_NS, 'rect', { width: '100%', height: '100%', fill: '#fff' }), path);
  code.append(svg);
  const status = make(null, 'p', { class: 'mca-qr-status', role: 'status', 'aria-live': 'polite' });
  root.append(code, status);
  element.append(root);
  return {
    showQr(qr) {
      if (!qr) return code.setAttribute('hidden', '');
      const n = qr.size + 8;
      svg.setAttribute('viewBox', `0 0 ${n} ${n}`);
      path.setAttribute('d', svgPath(qr, 4));
      code.removeAttribute('hidden');
    },
    showText(text) {
      status.textContent = text;
    },
    destroy() {
      root.remove();
    },
  };
}

/**
 * Shows the animated QR of one relying-party session in `element` and polls
 * until the session ends. Options as createWidget, plus `label` (the QR's
 * accessible name) and `size` (pixels). Returns { unmount() }.
 */
export function mount(element, options) {
  const view = domView(element, options);
  const widget = createWidget(options, view);
  widget.start();
  return {
    unmount() {
      widget.stop();
      view.destroy();
    },
    status: widget.status,
  };
}

export const McaQr = { encode, toSvg, svgPath, statusText, createWidget, mount };
globalThis.McaQr ??= McaQr;
