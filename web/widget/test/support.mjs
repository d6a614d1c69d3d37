// Shared test helpers: an RGBA rendering of a matrix for jsQR.
import jsQR from 'jsqr';

/** Decodes a matrix (modules[y][x]) with jsQR, drawn at `scale` px per module with a 4-module quiet zone. */
export function decodeMatrix(modules, scale = 3) {
  const n = (modules.length + 8) * scale;
  const rgba = new Uint8ClampedArray(n * n * 4).fill(255);
  modules.forEach((row, y) => row.forEach((dark, x) => {
    if (!dark) return;
    for (let dy = 0; dy < scale; dy++) {
      for (let dx = 0; dx < scale; dx++) {
        const at = (((y + 4) * scale + dy) * n + (x + 4) * scale + dx) * 4;
        rgba[at] = rgba[at + 1] = rgba[at + 2] = 0;
      }
    }
  }));
  return jsQR(rgba, n, n, { inversionAttempts: 'dontInvert' });
}

/** A link of the shape the relying-party SDK makes (the widget never checks the MAC). */
export const link = (token, seconds) => `mca://qr?t=${token}&s=${seconds}&m=${seconds.toString(16).padStart(64, 'a')}`;
