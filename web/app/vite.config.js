import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// The app is served by mca-server under /app/; the dev server proxies the
// API to a running `mca up` (MCA_API, default http://127.0.0.1:8080).
export default defineConfig({
  base: '/app/',
  plugins: [vue()],
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
});
