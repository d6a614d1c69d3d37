// Draws the app icons (a white shield with a keyhole on the app's blue)
// into public/icons/, so the PWA has its own icons and no third-party asset.
// Run by `npm run build`; the PNGs are build output.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const BLUE = [25, 137, 250];
const WHITE = [255, 255, 255];
const SAMPLES = 4; // per axis: 16 samples a pixel smooth the edges

// Which colour the point (u, v) in [-1, 1]² has.
function colourAt(u, v) {
  const shieldTop = v >= -0.55 && v <= 0.1 && Math.abs(u) <= 0.46;
  const shieldPoint = v > 0.1 && v <= 0.66 && Math.abs(u) <= 0.46 * (0.66 - v) / 0.56;
  if (!shieldTop && !shieldPoint) return BLUE;
  const hole = Math.hypot(u, v + 0.16) <= 0.13;
  const slot = Math.abs(u) <= 0.055 && v >= -0.16 && v <= 0.22;
  return hole || slot ? BLUE : WHITE;
}

function icon(size) {
  const png = new PNG({ width: size, height: size });
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sum = [0, 0, 0];
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const u = ((x + (sx + 0.5) / SAMPLES) / size) * 2 - 1;
          const v = ((y + (sy + 0.5) / SAMPLES) / size) * 2 - 1;
          const c = colourAt(u, v);
          for (let i = 0; i < 3; i++) sum[i] += c[i];
        }
      }
      const at = (y * size + x) * 4;
      for (let i = 0; i < 3; i++) png.data[at + i] = Math.round(sum[i] / (SAMPLES * SAMPLES));
      png.data[at + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons');
mkdirSync(out, { recursive: true });
for (const size of [192, 512]) {
  writeFileSync(join(out, `icon-${size}.png`), icon(size));
}
