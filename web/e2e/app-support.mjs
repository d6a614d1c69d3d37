// Helpers of the phone app's browser story (app.test.mjs): screenshots with
// the accessibility and 360 px checks of every screen, and the fake camera
// (a Y4M file chromium plays as the phone's camera).

import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const SHOTS = join(HERE, '..', '..', 'artifacts', 'screenshots', 'app');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/// Records each screen of the story: a numbered screenshot, the axe-core
/// violations of impact serious or critical, and whether it fits 360 px.
export class Screens {
  constructor() {
    this.count = 0;
    this.problems = [];
    mkdirSync(SHOTS, { recursive: true });
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
    await page.screenshot({ path: join(SHOTS, file) });
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
