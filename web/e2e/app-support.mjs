// Helpers of the phone app's browser stories (app.test.mjs,
// enterprise.test.mjs): screenshots with
// the accessibility and 360 px checks of every screen, and the fake camera
// (a Y4M file chromium plays as the phone's camera).

import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const SHOTS_ROOT = join(HERE, '..', '..', 'artifacts', 'screenshots');
export const SHOTS = join(SHOTS_ROOT, 'app');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export const PHONE = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
};

export const button = (page, name) => page.getByRole('button', { name, exact: true }).filter({ visible: true });
// The home tiles' names start with their icon's glyph.
export const tile = (page, name) => page.getByRole('button', { name: new RegExp(`${name}$`) }).filter({ visible: true });
export const field = (page, label) => page.getByLabel(label, { exact: true }).filter({ visible: true });

export async function typePin(page, pin) {
  for (const d of pin) await button(page, d).click();
}

/// Sends an SMS code from the visible code field and types it (the dev
/// code the app shows under the field).
export async function smsCode(page) {
  await button(page, '获取验证码').click();
  const hint = page.locator('.dev-hint').filter({ visible: true });
  const toast = page.locator('.van-toast').filter({ visible: true }).filter({ hasNotText: '验证码已发送' });
  // A refused send shows its reason in a toast: fail with it, not a timeout.
  await hint.or(toast).first().waitFor();
  if (!(await hint.isVisible())) assert.fail(`no code sent: ${await toast.first().textContent()}`);
  const code = (await hint.textContent()).match(/\d{6}/)[0];
  await field(page, '验证码').fill(code);
}

/// A new user of the app on `page`: SMS login, the password set, real
/// name verified (development face), back on 首页. The screens are the
/// app story's: not photographed again.
export async function signUpVerified(page, url, { number, password, name, idNumber }) {
  await page.goto(`${url}/app/`);
  await field(page, '手机号').fill(number);
  await smsCode(page);
  await button(page, '登录').click();
  await field(page, '确认密码').waitFor();
  await field(page, '密码').fill(password);
  await field(page, '确认密码').fill(password);
  await button(page, '确认').click();
  await tile(page, '新增证书').waitFor();
  await page.goto(`${url}/app/#/identity`);
  await field(page, '姓名').fill(name);
  await field(page, '身份证号').fill(idNumber);
  await button(page, '开始认证').click();
  await button(page, '通过').click();
  await page.getByText('实名认证通过').first().waitFor();
  await button(page, '返回首页').click();
  await tile(page, '新增证书').waitFor();
}

/// 证书信息: the CA `ca` (by name), then the first option of every other
/// choice still open. Each choice is a cell opening an action sheet of
/// named buttons.
export async function chooseCertificateInfo(page, ca) {
  const select = (label) => page.locator('.van-cell').filter({ has: page.getByText(label, { exact: true }) });
  const chosen = async (label) => (await select(label).locator('.van-cell__value').textContent()).trim();
  await select('CA机构').click();
  await page.getByRole('button', { name: ca }).filter({ visible: true }).click();
  for (const label of ['省份', '交易平台', 'CA机构', '证书有效期&费用']) {
    if ((await chosen(label)) === '请选择') {
      await select(label).click();
      await page.locator('.van-action-sheet__item').filter({ visible: true }).first().click();
      await page.waitForTimeout(300);
    }
  }
  assert.equal(await chosen('CA机构'), ca);
}

/// Records each screen of the story: a numbered screenshot, the axe-core
/// violations of impact serious or critical, and whether it fits 360 px.
export class Screens {
  /// `story` names the folder under artifacts/screenshots/.
  constructor(story = 'app') {
    this.count = 0;
    this.problems = [];
    this.dir = join(SHOTS_ROOT, story);
    mkdirSync(this.dir, { recursive: true });
  }

  async shot(page, name) {
    await page.waitForLoadState('networkidle').catch(() => {});
    // Vant's transitions (popups, toasts fading in or out) end before the
    // picture and the contrast check: mid-fade a toast's text is
    // translucent, which axe rightly reports; at rest it is not.
    await page.waitForTimeout(350);
    await page.waitForFunction(
      () => !document.querySelector('[class*="-enter-active"], [class*="-leave-active"]'),
      null, { timeout: 5_000 },
    ).catch(() => {});
    const file = `${String(++this.count).padStart(2, '0')}-${name}.png`;
    await page.screenshot({ path: join(this.dir, file) });
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
      // Evaluated by the test, not as a page script: the app's CSP rightly
      // refuses inline scripts, and the test must not loosen it.
      await page.evaluate(`${AXE}\n;0`);
    }
    const violations = await page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
    });
    for (const v of violations) this.problems.push(`${file}: axe ${v}`);
    const size = page.viewportSize();
    await page.setViewportSize({ width: 360, height: size.height });
    await page.waitForTimeout(150);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > 360) this.problems.push(`${file}: scrollWidth ${width} > 360`);
    await page.setViewportSize(size);
    return file;
  }
}

/// Writes `png` (a screenshot) centred on a white 640×480 frame as a
/// one-frame Y4M (4:2:0, BT.601), which chromium's fake camera loops.
export function writeY4m(path, png) {
  const W = 640;
  const H = 480;
  const src = PNG.sync.read(png);
  const rgb = new Uint8Array(W * H * 3).fill(255);
  const scale = Math.max(1, Math.floor(Math.min((W - 40) / src.width, (H - 40) / src.height)));
  const [w, h] = [src.width * scale, src.height * scale];
  const [x0, y0] = [Math.floor((W - w) / 2), Math.floor((H - h) / 2)];
  for (let y = 0; y < h && y0 + y < H; y++) {
    for (let x = 0; x < w && x0 + x < W; x++) {
      const s = (Math.floor(y / scale) * src.width + Math.floor(x / scale)) * 4;
      const a = src.data[s + 3] / 255;
      const d = ((y0 + y) * W + x0 + x) * 3;
      for (let c = 0; c < 3; c++) rgb[d + c] = Math.round(src.data[s + c] * a + 255 * (1 - a));
    }
  }
  const Y = Buffer.alloc(W * H);
  const U = Buffer.alloc((W / 2) * (H / 2));
  const V = Buffer.alloc((W / 2) * (H / 2));
  for (let i = 0; i < W * H; i++) {
    const [r, g, b] = [rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]];
    Y[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  for (let y = 0; y < H / 2; y++) {
    for (let x = 0; x < W / 2; x++) {
      let [r, g, b] = [0, 0, 0];
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const i = ((2 * y + dy) * W + 2 * x + dx) * 3;
        r += rgb[i]; g += rgb[i + 1]; b += rgb[i + 2];
      }
      [r, g, b] = [r / 4, g / 4, b / 4];
      U[y * (W / 2) + x] = Math.max(0, Math.min(255, Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b)));
      V[y * (W / 2) + x] = Math.max(0, Math.min(255, Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b)));
    }
  }
  const header = Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\nFRAME\n`);
  writeFileSync(path, Buffer.concat([header, Y, U, V]));
}

/// A blank (white) camera picture, so the file exists when chromium starts.
export function blankY4m(path) {
  const img = new PNG({ width: 8, height: 8 });
  img.data.fill(255);
  writeY4m(path, PNG.sync.write(img));
}
