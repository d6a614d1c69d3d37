// The phone app's story (issue 11) in Debian's chromium as a phone
// (390×844, touch, zh-CN) against a real `mca up`: SMS login → password →
// real-name (dev face) → apply (photo from a file, signature drawn on the
// canvas) → pay → a reviewer approves → the message → download with a PIN
// → the demo platform's login QR scanned through chromium's fake camera →
// confirmed with the PIN → the platform is logged in. Every screen is
// photographed to artifacts/screenshots/app/, checked with axe-core (no
// serious or critical violation) and at 360 px (no horizontal scrolling).
// After the run, every storage of the page is read: no PIN, no unmasked
// share, and the device key cannot be exported.
//
// Needs: MCA_BIN (a `mca` built after scripts/build-app, so /app/ is the
// app), chromium at CHROMIUM.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, startMca, approveAsReviewer, solidPng } from './support.mjs';
import { Screens, SHOTS, writeY4m, blankY4m } from './app-support.mjs';

const NUMBER = '13500135000';
const PASSWORD = 'Phone-2026';
const PIN = '246813';
const NAME = '王五';
const ID_NUMBER = '11010519491231002X';
const ZJCA = '浙江省数字安全证书管理有限公司';

const PHONE = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
};

const button = (page, name) => page.getByRole('button', { name, exact: true }).filter({ visible: true });
// The home tiles' names start with their icon's glyph.
const tile = (page, name) => page.getByRole('button', { name: new RegExp(`${name}$`) }).filter({ visible: true });
const field = (page, label) => page.getByLabel(label, { exact: true }).filter({ visible: true });

async function typePin(page, pin) {
  for (const d of pin) await button(page, d).click();
}

/// Sends an SMS code from the visible code field and types it (the dev
/// code the app shows under the field).
async function smsCode(page) {
  await button(page, '获取验证码').click();
  const hint = page.locator('.dev-hint').filter({ visible: true });
  await hint.waitFor();
  const code = (await hint.textContent()).match(/\d{6}/)[0];
  await field(page, '验证码').fill(code);
}

/// Every storage of the page as text: IndexedDB (CryptoKeys described),
/// localStorage, sessionStorage, Cache Storage (URLs and bodies).
async function readStorage(page) {
  return page.evaluate(async () => {
    const out = { indexedDb: {}, local: { ...localStorage }, session: { ...sessionStorage }, caches: {} };
    const describe = (v) => {
      if (v instanceof CryptoKey) return { cryptoKey: v.type, extractable: v.extractable, algorithm: v.algorithm.name };
      if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
        return { bytes: Array.from(new Uint8Array(v.buffer ?? v)).map((b) => b.toString(16).padStart(2, '0')).join('') };
      }
      if (Array.isArray(v)) return v.map(describe);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, describe(x)]));
      return v;
    };
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise((resolve, reject) => {
        const r = indexedDB.open(name);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      for (const storeName of db.objectStoreNames) {
        const store = db.transaction(storeName, 'readonly').objectStore(storeName);
        const all = (req) => new Promise((resolve) => { req.onsuccess = () => resolve(req.result); });
        const [keys, values] = await Promise.all([all(store.getAllKeys()), all(store.getAll())]);
        out.indexedDb[`${name}/${storeName}`] = Object.fromEntries(keys.map((k, i) => [String(k), describe(values[i])]));
      }
      db.close();
    }
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      out.caches[name] = [];
      for (const request of await cache.keys()) out.caches[name].push(request.url);
    }
    return out;
  });
}

/// Whether every CryptoKey kept in IndexedDB refuses exportKey.
async function keysRefuseExport(page) {
  return page.evaluate(async () => {
    const found = [];
    const visit = (v) => {
      if (v instanceof CryptoKey) found.push(v);
      else if (v && typeof v === 'object' && !(v instanceof ArrayBuffer) && !ArrayBuffer.isView(v)) Object.values(v).forEach(visit);
    };
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise((resolve) => { const r = indexedDB.open(name); r.onsuccess = () => resolve(r.result); });
      for (const storeName of db.objectStoreNames) {
        const store = db.transaction(storeName, 'readonly').objectStore(storeName);
        (await new Promise((resolve) => { const r = store.getAll(); r.onsuccess = () => resolve(r.result); })).forEach(visit);
      }
      db.close();
    }
    const results = [];
    for (const key of found) {
      if (key.type === 'public') continue;
      for (const format of ['pkcs8', 'jwk', 'raw']) {
        results.push(await crypto.subtle.exportKey(format, key).then(() => `${key.algorithm.name} ${format}: exported`, () => null));
      }
    }
    return { privateKeys: found.filter((k) => k.type !== 'public').length, exported: results.filter(Boolean) };
  });
}

test('the phone app: from SMS login to a scan-login on the demo platform', { timeout: 600_000 }, async (t) => {
  const server = await startMca(t);
  const dir = mkdtempSync(join(tmpdir(), 'mca-app-story-'));
  const camera = join(dir, 'camera.y4m');
  blankY4m(camera);
  const phone = await chromium.launchPersistentContext(join(dir, 'phone-profile'), {
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${camera}`],
    ...PHONE,
    permissions: ['camera'],
  });
  t.after(() => phone.close());
  const page = phone.pages()[0] ?? await phone.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const screens = new Screens();
  // Where the story stopped, if it does.
  t.after(() => page.screenshot({ path: join(SHOTS, 'failure-last-screen.png') }).catch(() => {}));

  // 登录: SMS code (the development code is shown under the field).
  await page.goto(`${server.url}/app/`);
  await field(page, '手机号').waitFor();
  await screens.shot(page, 'login');
  await field(page, '手机号').fill(NUMBER);
  await smsCode(page);
  await screens.shot(page, 'login-code');
  await button(page, '登录').click();

  // 设置密码 (first login).
  await field(page, '确认密码').waitFor();
  await screens.shot(page, 'set-password');
  await field(page, '密码').fill(PASSWORD);
  await field(page, '确认密码').fill(PASSWORD);
  await button(page, '确认').click();

  // 首页: gated until real-name verification.
  await tile(page, '新增证书').waitFor();
  await screens.shot(page, 'home');
  await tile(page, '新增证书').click();
  await page.getByText('尚未实名认证，无法操作').waitFor();
  await screens.shot(page, 'home-not-verified');
  await button(page, '前往实名认证').click();

  // 实名认证: name and ID number, then the development face page.
  await field(page, '姓名').waitFor();
  await field(page, '姓名').fill(NAME);
  await field(page, '身份证号').fill(ID_NUMBER);
  await screens.shot(page, 'identity');
  await button(page, '开始认证').click();
  await button(page, '通过').waitFor();
  await screens.shot(page, 'identity-face');
  await button(page, '通过').click();
  await page.getByText('实名认证通过').first().waitFor();
  await screens.shot(page, 'identity-verified');
  await button(page, '立即申请证书').click();
  await page.getByText('申请个人证书', { exact: true }).filter({ visible: true }).first().waitFor();
  await screens.shot(page, 'apply-choice');
  await page.getByText('申请个人证书', { exact: true }).filter({ visible: true }).last().click();

  // 申请个人证书: 个人信息 → 证书信息 → 申请书.
  await page.getByRole('region', { name: '个人信息' }).waitFor();
  await screens.shot(page, 'apply-personal');
  await button(page, '下一步').click();
  await page.getByRole('region', { name: '证书信息' }).waitFor();
  const select = (label) => page.getByRole('button', { name: new RegExp(`^${label}：`) });
  // The CA whose reviewer approves below (the first one offered is another).
  await select('CA机构').click();
  await page.locator('.van-picker-column__item').filter({ hasText: ZJCA }).click();
  await page.waitForTimeout(400);
  await button(page, '确认').click();
  for (const label of ['省份', '交易平台', 'CA机构', '证书有效期&费用']) {
    if ((await select(label).getAttribute('aria-label')).endsWith('未选择')) {
      await select(label).click();
      await button(page, '确认').click();
    }
  }
  assert.match(await select('CA机构').getAttribute('aria-label'), new RegExp(ZJCA));
  await screens.shot(page, 'apply-info');
  await button(page, '下一步').click();
  await page.getByRole('region', { name: '申请书' }).waitFor();
  await button(page, '下载申请书模板').click();
  await page.getByText('打开申请书（PDF）').waitFor();
  writeFileSync(join(dir, 'form.png'), solidPng(600, 800));
  await page.getByLabel('从相册选择申请书').setInputFiles(join(dir, 'form.png'));
  await page.getByText('手写签名', { exact: true }).click();
  const pad = page.getByRole('img', { name: /手写签名区域/ });
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  await page.mouse.move(box.x + box.width * 0.15, box.y + box.height * 0.6);
  await page.mouse.down();
  for (let i = 1; i <= 20; i++) {
    await page.mouse.move(box.x + box.width * (0.15 + i * 0.035), box.y + box.height * (0.6 - 0.3 * Math.sin(i / 3)));
  }
  await page.mouse.up();
  await screens.shot(page, 'apply-form');
  await button(page, '提交申请').click();

  // 支付 → 申请结果.
  const pay = page.getByRole('button', { name: /^确认支付/ });
  await pay.waitFor();
  await screens.shot(page, 'pay');
  const applicationId = page.url().match(/applications\/([^/]+)\/pay/)[1];
  await pay.click();
  await page.getByText('等待CA审核').first().waitFor();
  await screens.shot(page, 'application-submitted');

  // A reviewer of the CA approves (the reviewer CLI).
  approveAsReviewer(server, applicationId);

  // 消息 → 下载证书 with the PIN set twice, progress step by step.
  await page.goto(`${server.url}/app/#/messages`);
  const message = page.getByText('请下载证书').first();
  await message.waitFor({ timeout: 20_000 });
  await screens.shot(page, 'messages');
  await message.click();
  await button(page, '下载证书').waitFor();
  await screens.shot(page, 'message');
  await button(page, '下载证书').click();
  await page.getByText('请设置6位证书PIN码').waitFor();
  await screens.shot(page, 'download-pin');
  await typePin(page, PIN);
  await page.getByText('请再次输入PIN码').waitFor();
  await typePin(page, PIN);
  await page.getByText('证书下载成功').waitFor({ timeout: 120_000 });
  await screens.shot(page, 'download-done');

  // The demo platform's login page, on a computer (another browser).
  const computer = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.after(() => computer.close());
  const demo = await computer.newPage();
  await demo.goto(`${server.demoUrl}/login`);
  const qr = demo.locator('.mca-qr-code svg');
  await qr.waitFor();

  // 开始扫码: the camera sees the page's QR (written just before the app
  // opens the camera; the QR's frames are valid for a few seconds).
  await page.goto(`${server.url}/app/#/home`);
  await tile(page, '开始扫码').waitFor();
  writeY4m(camera, await qr.screenshot());
  await tile(page, '开始扫码').click();
  await page.getByText('业务系统').first().waitFor({ timeout: 30_000 });
  await screens.shot(page, 'scan-confirm');
  await demo.locator('.mca-qr-status').filter({ hasText: '已扫描' }).waitFor({ timeout: 10_000 });
  await typePin(page, PIN);
  await page.getByText(/登录成功/).first().waitFor({ timeout: 30_000 });
  await screens.shot(page, 'scan-done');
  await demo.waitForURL('**/dashboard', { timeout: 20_000 });
  assert.match(await demo.locator('#welcome').textContent(), new RegExp(NAME));

  // What the page keeps: no PIN, no unmasked share; keys not exportable.
  const stored = await readStorage(page);
  const text = JSON.stringify(stored);
  assert.ok(!text.includes(PIN), 'the PIN is stored nowhere');
  assert.deepEqual(stored.local, {}, 'nothing in localStorage');
  assert.deepEqual(stored.session, {}, 'nothing in sessionStorage');
  for (const [name, urls] of Object.entries(stored.caches)) {
    for (const url of urls) assert.ok(new URL(url).pathname.startsWith('/app/') && !url.includes('/api/'), `${name}: ${url}`);
  }
  const exported = await keysRefuseExport(page);
  assert.ok(exported.privateKeys >= 1, 'the device key is a CryptoKey in IndexedDB');
  assert.deepEqual(exported.exported, [], 'no private key exports');

  assert.deepEqual(errors, [], 'no uncaught error in the app');
  assert.deepEqual(screens.problems, [], 'every screen passes axe-core (serious/critical) and fits 360 px');
});
