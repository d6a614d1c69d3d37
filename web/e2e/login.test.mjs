// The demo platform's scan-login in Debian's chromium (J2): `mca up` runs
// Mobile CA and the demo platform; the command-line phone gets a
// certificate, then "scans" the QR the browser shows (decoded from a
// screenshot of the page, as a camera would). The QR animates, switches to
// "已扫描" when the phone claims the session, and the browser is logged in
// after the phone approves.
//
// Needs: MCA_BIN (the built `mca` binary), chromium at CHROMIUM
// (default /usr/bin/chromium).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import { CHROMIUM, approveAsReviewer, solidPng, startMca } from './support.mjs';

const NUMBER = '13600136000';
const PIN = '445566';

/// The link in the QR on the page, decoded from a screenshot.
async function scanQr(page) {
  const shot = await page.locator('.mca-qr-code svg').screenshot();
  const img = PNG.sync.read(shot);
  const code = jsQR(new Uint8ClampedArray(img.data), img.width, img.height);
  assert.ok(code, 'the QR on the page decodes');
  return code.data;
}

test('scan-login on the demo platform with the command-line phone', { timeout: 240_000 }, async (t) => {
  const server = await startMca(t);
  const { dir, url, demoUrl, mca } = server;
  const phone = (...args) => mca('phone', '--dir', 'phone', '--server', url, ...args);

  // A verified user with a certificate on the command-line phone.
  phone('login', '--phone', NUMBER, '--dev-code');
  phone('verify-identity', '--name', '李四', '--id-number', '11010519491231002X', '--dev-face', 'pass');
  writeFileSync(join(dir, 'photo.png'), solidPng(600, 800));
  const app = JSON.parse(phone('apply', '--json', '--ca', 'ZJCA', '--form-photo', 'photo.png'));
  phone('pay', '--json', app.id);
  approveAsReviewer(server, app.id);
  const key = JSON.parse(phone('download', '--json', app.id, '--pin', PIN));

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`${demoUrl}/login`);
  const status = page.locator('.mca-qr-status');
  await page.locator('.mca-qr-code svg').waitFor();

  // The QR animates: a new frame every second.
  const first = await scanQr(page);
  assert.match(first, /^mca:\/\/qr\?t=/);
  await page.waitForTimeout(2200);
  const second = await scanQr(page);
  assert.notEqual(second, first, 'the frame changed');

  // The phone claims the session: the page says so and hides the QR.
  const shown = phone('scan', '--link', await scanQr(page));
  assert.match(shown, /业务系统: 浙江省公共资源交易平台（演示）/);
  assert.match(shown, /操作: 扫码登录/);
  await status.filter({ hasText: '已扫描' }).waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('.mca-qr-code').isHidden(), true);

  // Approved on the phone: the browser is logged in.
  assert.match(phone('approve', '--key', key.key_id, '--pin', PIN), /结果: complete ok/);
  await page.waitForURL('**/dashboard', { timeout: 20_000 });
  const welcome = await page.locator('#welcome').textContent();
  assert.match(welcome, /李四/);
  assert.match(await page.content(), /李四 已扫码登录/);
});
