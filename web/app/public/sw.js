// The app shell's service worker: caches the app's own files under /app/
// (index.html, hashed assets, the wasm files, icons) so the app opens
// offline, and never an /api/ answer: every API call goes to the network.
const CACHE = 'mca-app-shell-v1';
const SCOPE = new URL('./', self.location).pathname; // "/app/"
const SHELL = [SCOPE, `${SCOPE}manifest.webmanifest`, `${SCOPE}icons/icon-192.png`, `${SCOPE}icons/icon-512.png`];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

function isShell(url) {
  return url.origin === self.location.origin
    && url.pathname.startsWith(SCOPE)
    && !url.pathname.startsWith('/api/')
    && url.pathname !== `${SCOPE}sw.js`;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || !isShell(url)) return; // the network answers, nothing is kept
  if (url.pathname.startsWith(`${SCOPE}assets/`)) {
    // Hashed names never change content: the cache answers first.
    event.respondWith(caches.open(CACHE).then(async (cache) => {
      const hit = await cache.match(request);
      if (hit) return hit;
      const answer = await fetch(request);
      if (answer.ok) cache.put(request, answer.clone());
      return answer;
    }));
    return;
  }
  // index.html and the other shell files: the network first, so a new
  // version shows at once; the cache when offline.
  const key = request.mode === 'navigate' ? SCOPE : request;
  event.respondWith(fetch(request).then((answer) => {
    if (answer.ok) {
      const copy = answer.clone();
      caches.open(CACHE).then((cache) => cache.put(key, copy));
    }
    return answer;
  }).catch(() => caches.match(key)));
});
