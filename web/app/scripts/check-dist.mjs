// Checks the built app keeps the promises a strict Content-Security-Policy
// and the service worker rely on; `npm run build` fails otherwise.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const problems = [];

for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) {
  if (!/\bsrc=/.test(tag)) problems.push(`inline script: ${tag}`);
}
if (/<style\b/i.test(html)) problems.push('inline <style> element');
if (/\sstyle=/i.test(html)) problems.push('inline style attribute');
if (/\son[a-z]+=/i.test(html)) problems.push('inline event handler attribute');
for (const url of html.match(/(?:src|href)="([^"]+)"/g) ?? []) {
  if (/="(?:https?:)?\/\//.test(url)) problems.push(`third-party origin: ${url}`);
}
if (!/<html lang="zh-CN">/.test(html)) problems.push('html lang is not zh-CN');
for (const file of ['sw.js', 'manifest.webmanifest', 'icons/icon-192.png', 'icons/icon-512.png']) {
  if (!existsSync(join(dist, file))) problems.push(`missing ${file}`);
}
const assets = readdirSync(join(dist, 'assets'));
if (!assets.some((f) => /^zxing_reader-.*\.wasm$/.test(f))) {
  problems.push('zxing_reader.wasm is not in dist/assets (the camera fallback would have no decoder)');
}
if (!assets.some((f) => /^mca_phone_wasm_bg-.*\.wasm$/.test(f))) {
  console.warn('check-dist: no mca_phone_wasm_bg.wasm in dist/assets — run scripts/build-app to build the phone core');
}

// Fonts, images and styles come from our origin: no CDN left in the CSS.
for (const f of assets.filter((name) => name.endsWith('.css'))) {
  const css = readFileSync(join(dist, 'assets', f), 'utf8');
  if (/url\((?:["']?)(?:https?:)?\/\//.test(css)) problems.push(`third-party url() in ${f}`);
  if (/url\((?:["']?)data:font/.test(css)) problems.push(`data: font in ${f} (the CSP blocks it)`);
}

if (problems.length) {
  console.error(`check-dist: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('check-dist: index.html has no inline script or style, sw.js, manifest, icons and zxing wasm present');
