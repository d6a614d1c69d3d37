// The phone core's browser shell (crates/mca-phone-wasm) in Debian's
// chromium against a real `mca up`: the built wasm and its JS glue
// (web/app/src/wasm, from scripts/build-app) are served same-origin with
// the API at /app/wasm-test/, and the page drives `Phone` from login to a
// verified identity, a downloaded certificate and a signature. Then it
// reads every storage the page has and checks what PROTOCOL.md §3 allows:
// no PIN, no unmasked share, a device key that cannot be exported.
//
// Needs: MCA_BIN (the built `mca` binary), scripts/build-app run first
// (or MCA_WASM_DIR naming the wasm-bindgen output), chromium at CHROMIUM.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, startMca, serveFromDisk } from './support.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const WASM_DIR = process.env.MCA_WASM_DIR ?? join(HERE, '..', 'app', 'src', 'wasm');
const NUMBER = '13700137000';
const PASSWORD = 'Secret-2026';

/// Every record of IndexedDB "mca-phone": CryptoKeys described, the rest
/// as JSON.
async function readIndexedDb(page) {
  return page.evaluate(async () => {
    const db = await new Promise((resolve, reject) => {
      const r = indexedDB.open('mca-phone');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const tx = db.transaction('state', 'readonly');
    const store = tx.objectStore('state');
    const all = (req) => new Promise((resolve) => { req.onsuccess = () => resolve(req.result); });
    const [keys, values] = await Promise.all([all(store.getAllKeys()), all(store.getAll())]);
    const describe = (v) => {
      if (v instanceof CryptoKey) return { cryptoKey: v.type, extractable: v.extractable, algorithm: v.algorithm.name };
      if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, describe(x)]));
      if (Array.isArray(v)) return v.map(describe);
      return v;
    };
    db.close();
    return Object.fromEntries(keys.map((k, i) => [k, describe(values[i])]));
  });
}

test('the wasm phone logs in and verifies its identity in chromium', { timeout: 300_000 }, async (t) => {
  assert.ok(existsSync(join(WASM_DIR, 'mca_phone_wasm.js')), `run scripts/build-app first (no ${WASM_DIR})`);
  const server = await startMca(t);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.after(() => browser.close());
  const context = await browser.newContext();
  const page = await context.newPage();
  await serveFromDisk(page, server.url, '/app/wasm-test/', join(HERE, 'wasm-test'));
  await serveFromDisk(page, server.url, '/app/wasm-test/wasm/', WASM_DIR);
  const consoleText = [];
  page.on('console', (m) => consoleText.push(m.text()));

  const open = async () => {
    await page.goto(`${server.url}/app/wasm-test/index.html`);
    await page.waitForFunction(() => window.mca);
    await page.evaluate(async () => { window.phone = await window.mca.Phone.open(location.origin); });
  };
  await open();

  // Input checks are Rust's, with Chinese messages.
  const checks = await page.evaluate(() => ({
    idOk: window.mca.checkIdNumber('11010519491231002X'),
    idBad: window.mca.checkIdNumber('110105194912310021'),
    phoneOk: window.mca.checkPhone('13700137000'),
    pinBad: window.mca.checkPin('12a'),
  }));
  assert.equal(checks.idOk, null);
  assert.equal(checks.idBad, '身份证号码校验位不正确');
  assert.equal(checks.phoneOk, null);
  assert.match(checks.pinBad, /[\u4e00-\u9fff]/);

  // No session yet: a signed call rejects with the plain error object.
  assert.equal(await page.evaluate(() => window.phone.session()), null);
  const before = await page.evaluate(() => window.attempt(() => window.phone.identity()));
  assert.equal(before.err.code, 'not_logged_in');
  assert.match(before.err.title, /[\u4e00-\u9fff]/);

  // Login with an SMS code (the dev server shows the code), first password.
  const login = await page.evaluate(async (number) => {
    await window.phone.sendCode(number, 'login');
    const code = await window.phone.devCode(number);
    return window.phone.loginWithCode(number, code);
  }, NUMBER);
  assert.deepEqual(login, { registered: true, password_set: false });
  const session = await page.evaluate(() => window.phone.session());
  assert.equal(session.phone, NUMBER);
  assert.ok(session.user_id && session.device_id);
  assert.deepEqual(Object.keys(session).sort(), ['device_id', 'phone', 'user_id'], 'never the token');
  await page.evaluate((pw) => window.phone.setPassword(pw), PASSWORD);

  // Real-name verification: name + ID number, the dev face provider.
  const submitted = await page.evaluate(() => window.phone.submitIdentity('李四', '11010519491231002X'));
  assert.notEqual(submitted.status, 'verified');
  const face = await page.evaluate(() => window.phone.startFace());
  assert.match(face.url, /^dev:\/\/face\//);
  assert.ok(face.face_session_id);
  await page.evaluate((id) => window.phone.devDecideFace(id, true), face.face_session_id);
  const identity = await page.evaluate(() => window.phone.faceResult());
  assert.equal(identity.status, 'verified');
  assert.equal(identity.name, '李四');

  // The server's refusal keeps its code, status and Chinese title.
  const again = await page.evaluate(() => window.attempt(() => window.phone.submitIdentity('李四', '11010519491231002X')));
  assert.equal(again.err.status, 409);
  assert.ok(again.err.code);
  assert.match(again.err.title, /[\u4e00-\u9fff]/);

  // The session survives a reload (IndexedDB); a password login works.
  await open();
  assert.equal((await page.evaluate(() => window.phone.session())).phone, NUMBER);
  assert.equal((await page.evaluate(() => window.phone.identity())).status, 'verified');
  await page.evaluate(() => window.phone.logout());
  assert.equal(await page.evaluate(() => window.phone.session()), null);
  const byPassword = await page.evaluate(([n, pw]) => window.phone.loginWithPassword(n, pw), [NUMBER, PASSWORD]);
  assert.deepEqual(byPassword, { registered: false, password_set: true });

  // What the page stores: IndexedDB only what PROTOCOL.md §3 allows, and
  // nothing anywhere else.
  const db = await readIndexedDb(page);
  assert.deepEqual(db['device-key'].privateKey, { cryptoKey: 'private', extractable: false, algorithm: 'ECDSA' });
  assert.ok(db.session.token, 'the session token is kept in IndexedDB');
  const exported = await page.evaluate(async () => {
    const db = await new Promise((resolve) => { const r = indexedDB.open('mca-phone'); r.onsuccess = () => resolve(r.result); });
    const pair = await new Promise((resolve) => {
      const r = db.transaction('state').objectStore('state').get('device-key');
      r.onsuccess = () => resolve(r.result);
    });
    try { await crypto.subtle.exportKey('pkcs8', pair.privateKey); return 'exported'; } catch (e) { return e.name; }
  });
  assert.equal(exported, 'InvalidAccessError', 'the device key cannot leave WebCrypto');
  const others = await page.evaluate(async () => ({
    local: localStorage.length, session: sessionStorage.length, caches: (await caches.keys()).length,
  }));
  assert.deepEqual(others, { local: 0, session: 0, caches: 0 });
  assert.ok(!consoleText.some((line) => line.includes(PASSWORD)), 'no password in the console');
});
