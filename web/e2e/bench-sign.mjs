// The phone app's benchmark (issue 11, Performance): not a test, run by hand.
//
//   scripts/build-app && cargo build --bin mca
//   cd web/e2e && MCA_BIN="$PWD/../../target/debug/mca" node bench-sign.mjs [N]
//
// 1. In chromium with the CPU throttled 4× (CDP Emulation.setCPUThrottlingRate,
//    a mid-range phone), the time from the PIN's last digit to the released
//    signature: `Phone.sign(keyId, pin, bytes)` of the wasm core — what the
//    keypad's sixth digit starts (unmask the share with the PIN, begin, the
//    partial signature, finish at the server, which verifies before it
//    releases) — against a real `mca up` on this machine. Median of N.
// 2. The size of the built app (web/app/dist): JS, CSS and WebAssembly, raw,
//    gzip -9 and brotli (node's zlib, quality 11).
// Writes both into docs/performance.md under "## Phone app (browser)" (the
// rest of the file is scripts/bench's).

import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { cpus } from 'node:os';
import { chromium } from 'playwright-core';
import { CHROMIUM, startMca, serveFromDisk, approveAsReviewer, solidPng } from './support.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const DIST = join(ROOT, 'web', 'app', 'dist');
const WASM_DIR = join(ROOT, 'web', 'app', 'src', 'wasm');
const N = Number(process.argv[2] ?? 15);
const PIN = '445566';
const THROTTLE = 4;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function sizes() {
  const rows = { js: [0, 0, 0], css: [0, 0, 0], wasm: [0, 0, 0] };
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) { walk(path); continue; }
      const kind = { '.js': 'js', '.css': 'css', '.wasm': 'wasm' }[extname(e.name)];
      if (!kind) continue;
      const bytes = readFileSync(path);
      rows[kind][0] += bytes.length;
      rows[kind][1] += gzipSync(bytes, { level: 9 }).length;
      rows[kind][2] += brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    }
  };
  walk(DIST);
  return rows;
}

// node's test context stand-in for startMca: stops the server at exit.
const cleanups = [];
const t = { after: (f) => cleanups.push(f) };

async function main() {
  if (!existsSync(join(DIST, 'index.html'))) throw new Error('run scripts/build-app first');
  const server = await startMca(t);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  cleanups.push(() => browser.close());
  const page = await browser.newPage();
  await serveFromDisk(page, server.url, '/app/wasm-test/', join(HERE, 'wasm-test'));
  await serveFromDisk(page, server.url, '/app/wasm-test/wasm/', WASM_DIR);
  await page.goto(`${server.url}/app/wasm-test/index.html`);
  await page.waitForFunction(() => window.mca);
  const number = '13900139000';
  const application = await page.evaluate(async ([number, photo]) => {
    const phone = await window.mca.Phone.open(location.origin);
    window.phone = phone;
    await phone.sendCode(number, 'login');
    await phone.loginWithCode(number, await phone.devCode(number));
    await phone.submitIdentity('李四', '11010519491231002X');
    const face = await phone.startFace();
    await phone.devDecideFace(face.face_session_id, true);
    await phone.faceResult();
    const cat = await phone.catalogue();
    const ca = cat.ca_organizations.find((c) => c.short_name === 'ZJCA');
    const option = cat.validity_options.find((v) => v.ca_id === ca.id);
    const platform = cat.platforms[0];
    const info = { province_id: platform.province_id, platform_id: platform.id, ca_id: ca.id, validity_option_id: option.id };
    const app = await phone.apply(info, new Uint8Array(photo), null);
    await phone.pay(app.id);
    return app.id;
  }, [number, Array.from(solidPng(600, 800))]);
  approveAsReviewer(server, application);
  const key = await page.evaluate(([id, pin]) => window.phone.download(id, pin, null), [application, PIN]);

  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
  const times = await page.evaluate(async ([keyId, pin, n]) => {
    const out = [];
    for (let i = 0; i < n + 1; i++) {
      const bytes = new TextEncoder().encode(`投标文件摘要 ${i}`);
      const start = performance.now();
      await window.phone.sign(keyId, pin, bytes);
      out.push(performance.now() - start);
    }
    return out.slice(1); // the first warms the wasm up
  }, [key.key_id, PIN, N]);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });

  const size = sizes();
  const kb = (b) => `${(b / 1024).toFixed(1)} KiB`;
  const section = `## Phone app (browser)

Measured by \`web/e2e/bench-sign.mjs\` (\`scripts/build-app && cargo build --bin mca && cd web/e2e && MCA_BIN="$PWD/../../target/debug/mca" node bench-sign.mjs ${N}\`), ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'unknown CPU'}, Debian chromium ${browser.version()}, against \`mca up\` (debug build) on the same machine.

PIN's last digit → released signature (\`Phone.sign\` of the wasm core: unmask the share, begin, partial signature, finish; two round trips to the server, which verifies before releasing), CPU throttled ${THROTTLE}× (CDP \`Emulation.setCPUThrottlingRate\`): median **${median(times).toFixed(0)} ms** of ${N} (min ${Math.min(...times).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms; the first call, warming up, not counted).

| built app (\`web/app/dist\`) | raw | gzip -9 | brotli 11 |
|---|---:|---:|---:|
| JavaScript | ${kb(size.js[0])} | ${kb(size.js[1])} | ${kb(size.js[2])} |
| CSS | ${kb(size.css[0])} | ${kb(size.css[1])} | ${kb(size.css[2])} |
| WebAssembly (phone core and zxing) | ${kb(size.wasm[0])} | ${kb(size.wasm[1])} | ${kb(size.wasm[2])} |
`;
  const doc = join(ROOT, 'docs', 'performance.md');
  const text = readFileSync(doc, 'utf8');
  const at = text.indexOf('## Phone app (browser)');
  writeFileSync(doc, `${(at >= 0 ? text.slice(0, at) : `${text.trimEnd()}\n\n`)}${section}`);
  console.log(section);
}

try {
  await main();
} finally {
  for (const f of cleanups.reverse()) await f();
}
