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
import { existsSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import { CHROMIUM, startMca, serveFromDisk, approveAsReviewer, solidPng } from './support.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const WASM_DIR = process.env.MCA_WASM_DIR ?? join(HERE, '..', 'app', 'src', 'wasm');
const NUMBER = '13700137000';
const PASSWORD = 'Secret-2026';
const PIN = '445566';
const NEW_PIN = '667788';
const REKEY_PIN = '889900';
const RESEND_S = 2;
const wait = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/// The link in the demo platform's QR, decoded from a screenshot.
async function scanQr(page) {
  const shot = await page.locator('.mca-qr-code svg').screenshot();
  const img = PNG.sync.read(shot);
  const code = jsQR(new Uint8ClampedArray(img.data), img.width, img.height);
  assert.ok(code, 'the QR on the page decodes');
  return code.data;
}

/// Whether OpenSSL verifies the SM2 signature `der` on `message` under the
/// certificate `pem` (SM3, default user id).
function opensslVerifies(dir, pem, message, der) {
  writeFileSync(join(dir, 'sign.pem'), pem);
  writeFileSync(join(dir, 'sign.msg'), message);
  writeFileSync(join(dir, 'sign.sig'), Buffer.from(der));
  const run = (...args) => execFileSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  run('x509', '-in', 'sign.pem', '-pubkey', '-noout', '-out', 'sign.pub');
  try {
    return run('dgst', '-sm3', '-verify', 'sign.pub', '-sigopt', 'distid:1234567812345678',
      '-signature', 'sign.sig', 'sign.msg').includes('Verified OK');
  } catch {
    return false;
  }
}

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

test('the wasm phone in chromium: login, identity, certificate, signature, PIN change, scan-login, re-key, storage rules', { timeout: 420_000 }, async (t) => {
  assert.ok(existsSync(join(WASM_DIR, 'mca_phone_wasm.js')), `run scripts/build-app first (no ${WASM_DIR})`);
  // One code per number every RESEND_S seconds instead of 60 (the quotas
  // stay), so the three codes of this test need not wait out two minutes.
  const server = await startMca(t, ['--sms-resend-interval', String(RESEND_S)]);
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
  const loginCodeAt = Date.now();
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
  assert.equal(submitted.state, 'submitted');
  const face = await page.evaluate(() => window.phone.startFace());
  assert.match(face.url, /^dev:\/\/face\//);
  assert.ok(face.face_session_id);
  await page.evaluate((id) => window.phone.devDecideFace(id, true), face.face_session_id);
  const identity = await page.evaluate(() => window.phone.faceResult());
  assert.equal(identity.state, 'verified');
  assert.equal(identity.name_masked, '李*');

  // The server's refusal keeps its code, status and Chinese title.
  const again = await page.evaluate(() => window.attempt(() => window.phone.submitIdentity('李四', '11010519491231002X')));
  assert.equal(again.err.status, 409);
  assert.ok(again.err.code);
  assert.match(again.err.title, /[\u4e00-\u9fff]/);

  // The session survives a reload (IndexedDB); a password login works.
  await open();
  assert.equal((await page.evaluate(() => window.phone.session())).phone, NUMBER);
  assert.equal((await page.evaluate(() => window.phone.identity())).state, 'verified');
  await page.evaluate(() => window.phone.logout());
  assert.equal(await page.evaluate(() => window.phone.session()), null);
  const byPassword = await page.evaluate(([n, pw]) => window.phone.loginWithPassword(n, pw), [NUMBER, PASSWORD]);
  assert.deepEqual(byPassword, { registered: false, password_set: true });

  // A certificate: apply with the form photo and a generated signature,
  // pay, a reviewer approves, download under a PIN with progress.
  const catalogue = await page.evaluate(() => window.phone.catalogue());
  const ca = catalogue.ca_organizations.find((c) => c.short_name === 'ZJCA');
  const option = catalogue.validity_options.find((v) => v.ca_id === ca.id);
  const platform = catalogue.platforms[0];
  const info = { province_id: platform.province_id, platform_id: platform.id, ca_id: ca.id, validity_option_id: option.id };
  const pdfHead = await page.evaluate(async (info) => {
    const pdf = await window.phone.applicationForm(info);
    return new TextDecoder().decode(pdf.slice(0, 5));
  }, info);
  assert.equal(pdfHead, '%PDF-');
  const photo = Array.from(solidPng(600, 800));
  const application = await page.evaluate(([info, photo]) => window.phone.apply(info, new Uint8Array(photo), null), [info, photo]);
  await page.evaluate((id) => window.phone.pay(id), application.id);
  approveAsReviewer(server, application.id);
  const download = await page.evaluate(async ([id, pin]) => {
    const steps = [];
    const key = await window.phone.download(id, pin, (step) => steps.push(step));
    return { key, steps };
  }, [application.id, PIN]);
  assert.deepEqual([...new Set(download.steps)], ['keygen', 'possession', 'certificates', 'done']);
  const key = download.key;
  assert.equal(key.application_id, application.id);
  assert.equal(key.has_certificates, true);
  assert.match(key.subject, /李四/);
  assert.deepEqual((await page.evaluate(() => window.phone.keys())).map((k) => k.key_id), [key.key_id]);

  // A two-party signature that OpenSSL verifies under the certificate.
  const message = '投标文件摘要 2026';
  const signature = await page.evaluate(async ([id, pin, text]) =>
    Array.from(await window.phone.sign(id, pin, new TextEncoder().encode(text))), [key.key_id, PIN, message]);
  const certificates = await page.evaluate(() => window.phone.certificates());
  const signing = certificates.find((c) => c.key_id === key.key_id && c.usage === 'signing');
  assert.ok(signing, 'the signing certificate is listed');
  assert.equal(opensslVerifies(server.dir, signing.pem, message, signature), true);
  assert.equal(opensslVerifies(server.dir, signing.pem, message + '!', signature), false);

  // A wrong PIN: the server counts it; the error carries attempts_left.
  const wrong = await page.evaluate(([id]) => window.attempt(() =>
    window.phone.sign(id, '000000', new TextEncoder().encode('x'))), [key.key_id]);
  assert.equal(wrong.err.code, 'wrong_pin');
  assert.equal(wrong.err.attempts_left, 4);
  // Scan-login on the demo platform (a relying party) in another tab:
  // the phone claims the session, shows it in Chinese, approves.
  const demo = await context.newPage();
  await demo.goto(`${server.demoUrl}/login`);
  await demo.locator('.mca-qr-code svg').waitFor();
  const notOurs = await page.evaluate(() => window.attempt(() => window.phone.scan('https://example.com/?x=1')));
  assert.equal(notOurs.err.code, 'invalid_input');
  const scanned = await page.evaluate((link) => window.phone.scan(link), await scanQr(demo));
  assert.equal(scanned.relying_party, '浙江省公共资源交易平台（演示）');
  assert.equal(scanned.operation_label, '扫码登录');
  const approved = await page.evaluate(([id, pin]) => window.phone.approve(id, null, pin), [scanned.session_id, PIN]);
  assert.deepEqual(approved, { state: 'complete', result: 'ok' });
  await demo.waitForURL('**/dashboard', { timeout: 20_000 });
  assert.match(await demo.locator('#welcome').textContent(), /李四/);

  // PIN change with an SMS code (purpose pin_change); the new PIN signs, the old one no more.
  // Every refused send costs the address quota: wait out the interval.
  await wait(loginCodeAt + RESEND_S * 1000 + 100 - Date.now());
  const pinCodeAt = Date.now();
  const changed = await page.evaluate(async ([n, id, oldPin, newPin]) => {
    const sent = await window.attempt(() => window.phone.sendCode(n, 'pin_change'));
    if (sent.err) return sent;
    const code = await window.phone.devCode(n);
    return window.attempt(() => window.phone.changePin(id, code, oldPin, newPin));
  }, [NUMBER, key.key_id, PIN, NEW_PIN]);
  assert.deepEqual(changed, { ok: undefined }, JSON.stringify(changed));
  const signedAgain = await page.evaluate(async ([id, pin, text]) =>
    Array.from(await window.phone.sign(id, pin, new TextEncoder().encode(text))), [key.key_id, NEW_PIN, message]);
  assert.equal(opensslVerifies(server.dir, signing.pem, message, signedAgain), true);
  const oldPin = await page.evaluate(([id, pin]) => window.attempt(() =>
    window.phone.sign(id, pin, new TextEncoder().encode('x'))), [key.key_id, PIN]);
  assert.equal(oldPin.err.code, 'wrong_pin');

  // Forgotten PIN: a fresh face check and an SMS code re-key the phone:
  // new keys under a new PIN (progress as for a download), the old key
  // forgotten here.
  await wait(pinCodeAt + RESEND_S * 1000 + 100 - Date.now());
  const rekeyed = await page.evaluate(async ([n, oldId, pin]) => {
    const check = await window.phone.reverify();
    await window.phone.devDecideFace(check.face_session_id, true);
    await window.phone.sendCode(n, 'certificate_key');
    const code = await window.phone.devCode(n);
    const steps = [];
    const key = await window.phone.rekey(oldId, check.reverification_id, code, null, pin, (s) => steps.push(s));
    return { key, steps, keys: await window.phone.keys() };
  }, [NUMBER, key.key_id, REKEY_PIN]);
  assert.notEqual(rekeyed.key.key_id, key.key_id);
  assert.deepEqual([...new Set(rekeyed.steps)], ['keygen', 'possession', 'certificates', 'done']);
  assert.deepEqual(rekeyed.keys.map((k) => k.key_id), [rekeyed.key.key_id]);
  const signedRekeyed = await page.evaluate(async ([id, pin, text]) =>
    Array.from(await window.phone.sign(id, pin, new TextEncoder().encode(text))), [rekeyed.key.key_id, REKEY_PIN, message]);
  const rekeyedCert = (await page.evaluate(() => window.phone.certificates()))
    .find((c) => c.key_id === rekeyed.key.key_id && c.usage === 'signing');
  assert.equal(opensslVerifies(server.dir, rekeyedCert.pem, message, signedRekeyed), true);
  assert.equal(typeof await page.evaluate(() => window.phone.persist()), 'boolean');

  const badPin = await page.evaluate(([id]) => window.attempt(() => window.phone.download(id, '12ab', null)), [application.id]);
  assert.equal(badPin.err.code, 'invalid_input');

  // What the page stores: IndexedDB only what PROTOCOL.md §3 allows, and
  // nothing anywhere else.
  const db = await readIndexedDb(page);
  assert.deepEqual(db['device-key'].privateKey, { cryptoKey: 'private', extractable: false, algorithm: 'ECDSA' });
  assert.ok(db.session.token, 'the session token is kept in IndexedDB');
  assert.deepEqual(db['pin-mask-key'], { cryptoKey: 'secret', extractable: false, algorithm: 'HMAC' });
  assert.deepEqual(Object.keys(db).sort(), ['device-key', 'keys', 'pin-mask-key', 'session']);
  assert.equal(db.keys.length, 1);
  const stored = db.keys[0];
  assert.deepEqual(Object.keys(stored).sort(), ['application_id', 'encryption', 'encryption_certificate',
    'key_id', 'public_key', 'signing', 'signing_certificate'], 'ids, P, masked shares, certificates: nothing else');
  assert.deepEqual(Object.keys(stored.signing).sort(), ['c', 'salt'], 'the signing share only masked');
  assert.deepEqual(Object.keys(stored.encryption).sort(), ['c', 'salt'], 'the encryption share only masked');
  const everything = JSON.stringify(db);
  for (const secret of [PIN, NEW_PIN, REKEY_PIN]) assert.ok(!everything.includes(`"${secret}"`), 'no PIN stored');
  assert.ok(!everything.includes(PASSWORD), 'no password stored');
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
  assert.ok(!consoleText.some((line) => [PASSWORD, PIN, NEW_PIN, REKEY_PIN].some((x) => line.includes(x))), 'no password or PIN in the console');
});
