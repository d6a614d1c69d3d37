// Vant ships its icon font only as a data: URL (with a CDN fallback) inside
// its CSS; the app's CSP allows fonts from its own origin only. This writes
// the same font as a file of the build (src/assets/vant-icon.woff2, build
// output) which style.css names, and vite.config.js drops Vant's own rule.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const css = readFileSync(require.resolve('vant/lib/index.css'), 'utf8');
const found = css.match(/url\(data:font\/woff2;charset=utf-8;base64,([A-Za-z0-9+/=]+)\)/);
if (!found) {
  console.error('vant-font: no woff2 data URL in vant/lib/index.css (did Vant change how it ships its icons?)');
  process.exit(1);
}
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'assets');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'vant-icon.woff2'), Buffer.from(found[1], 'base64'));
