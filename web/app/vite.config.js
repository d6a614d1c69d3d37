import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// The app is served by mca-server under /app/; the dev server proxies the
// API to a running `mca up` (MCA_API, default http://127.0.0.1:8080).
// The policy mca-server sends with the app; `vite preview` sends it too, so
// the built app is tried under it.
export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
  + "img-src 'self' data: blob:; connect-src 'self'; media-src 'self' blob: mediastream:; worker-src 'self'; "
  + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

// Vant's CSS declares its icon font as a data: URL with a CDN fallback; the
// CSP allows neither. Its rule goes, and style.css declares the same font
// from a file of our own origin (scripts/vant-font.mjs).
const vantIconsFromOurOrigin = {
  name: 'vant-icons-from-our-origin',
  enforce: 'pre',
  transform(code, id) {
    if (!/vant[\\/]lib[\\/]index\.css$/.test(id)) return null;
    const rule = /@font-face\{[^}]*font-family:vant-icon[^}]*\}/;
    if (!rule.test(code)) this.error('vant-icon @font-face not found in vant/lib/index.css');
    return { code: code.replace(rule, ''), map: null };
  },
};

export default defineConfig({
  base: '/app/',
  plugins: [vue(), vantIconsFromOurOrigin],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Never inline small assets as data: URLs into scripts; the wasm files
    // must stay files so the service worker can cache them.
    assetsInlineLimit: 0,
    // A CSP without 'unsafe-inline' forbids Vite's inline module preload
    // polyfill; every supported browser has modulepreload.
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      '/api': process.env.MCA_API ?? 'http://127.0.0.1:8080',
    },
  },
  preview: {
    headers: { 'Content-Security-Policy': CSP },
  },
});
