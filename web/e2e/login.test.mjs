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
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import jsQR from 'jsqr';

const MCA = process.env.MCA_BIN;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const NUMBER = '13600136000';
const PIN = '445566';

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitListening(port) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.end(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function png(path, w, h, rgba) {
  const img = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) img.data.set(rgba, i * 4);
  writeFileSync(path, PNG.sync.write(img));
}

/// The link in the QR on the page, decoded from a screenshot.
async function scanQr(page) {
  const shot = await page.locator('.mca-qr-code svg').screenshot();
  const img = PNG.sync.read(shot);
  const code = jsQR(new Uint8ClampedArray(img.data), img.width, img.height);
  assert.ok(code, 'the QR on the page decodes');
  return code.data;
}

test('scan-login on the demo platform with the command-line phone', { timeout: 240_000 }, async (t) => {
  assert.ok(MCA, 'MCA_BIN names the built mca binary');
  const dir = mkdtempSync(join(tmpdir(), 'mca-e2e-'));
  const [port, demoPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MCA_')));
  const server = spawn(MCA, ['up', '--listen', `127.0.0.1:${port}`, '--demo-listen', `127.0.0.1:${demoPort}`],
    { cwd: dir, env, stdio: 'ignore' });
  t.after(() => server.kill('SIGTERM'));
  await waitListening(port);
  await waitListening(demoPort);

  const mca = (...args) => execFileSync(MCA, args, { cwd: dir, env, encoding: 'utf8' });
  const phone = (...args) => mca('phone', '--dir', 'phone', '--server', url, ...args);
  const review = (...args) => mca('review', '--dir', 'review', '--server', url, ...args);

  // A verified user with a certificate on the command-line phone.
  phone('login', '--phone', NUMBER, '--dev-code');
  phone('verify-identity', '--name', '李四', '--id-number', '11010519491231002X', '--dev-face', 'pass');
  png(join(dir, 'photo.png'), 600, 800, [230, 230, 230, 255]);
  const app = JSON.parse(phone('apply', '--json', '--ca', 'ZJCA', '--form-photo', 'photo.png'));
  phone('pay', '--json', app.id);
  review('add-reviewer', '--ca', 'ZJCA', '--username', 'e2e-reviewer', '--display-name', '审核员',
    '--password', 'Review-2026', '--operator-token-file', 'mca-data/operator-token');
  review('login', '--username', 'e2e-reviewer', '--password', 'Review-2026');
  review('approve', app.id);
  const key = JSON.parse(phone('download', '--json', app.id, '--pin', PIN));

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${demoPort}/login`);
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
