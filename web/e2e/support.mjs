// Shared helpers of the browser tests: a free port, `mca up` in a temp
// directory, a reviewer who approves an application, a solid-colour PNG,
// and serving files from disk under a path of the real server's origin.
//
// Needs: MCA_BIN (the built `mca` binary).

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, extname, normalize, sep } from 'node:path';
import net from 'node:net';
import { PNG } from 'pngjs';

export const MCA = process.env.MCA_BIN;
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/// `n` distinct free ports: every server stays open until all are chosen,
/// since the kernel hands a just-released port out again.
export async function freePorts(n) {
  const servers = [];
  for (let i = 0; i < n; i++) {
    const s = net.createServer();
    await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
    servers.push(s);
  }
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export async function waitListening(port) {
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

/// `mca up` on free ports in a fresh temp directory, stopped when the test
/// `t` ends; `extraArgs` are more options of `mca up`. Returns { dir,
/// url, demoUrl, mca(...args) }.
export async function startMca(t, extraArgs = []) {
  if (!MCA) throw new Error('MCA_BIN names the built mca binary');
  const dir = mkdtempSync(join(tmpdir(), 'mca-e2e-'));
  const [port, demoPort] = await freePorts(2);
  // The server's own MCA_ variables of this shell must not leak in.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MCA_')));
  const server = spawn(MCA, ['up', '--listen', `127.0.0.1:${port}`, '--demo-listen', `127.0.0.1:${demoPort}`, ...extraArgs],
    { cwd: dir, env, stdio: 'ignore' });
  t.after(() => server.kill('SIGTERM'));
  await waitListening(port);
  await waitListening(demoPort);
  const mca = (...args) => execFileSync(MCA, args, { cwd: dir, env, encoding: 'utf8' });
  return { dir, url: `http://127.0.0.1:${port}`, demoUrl: `http://127.0.0.1:${demoPort}`, mca };
}

let reviewers = 0;

/// Approves application `id` as a fresh reviewer of CA `ca` (the CLI
/// `mca review`, with the operator token `mca up` wrote). Returns what the
/// reviewer saw of it (`mca review show`).
export function approveAsReviewer(server, id, ca = 'ZJCA') {
  const name = `e2e-reviewer-${++reviewers}`;
  const review = (...args) =>
    server.mca('review', '--dir', `review-${name}`, '--server', server.url, ...args);
  review('add-reviewer', '--ca', ca, '--username', name, '--display-name', '审核员',
    '--password', 'Review-2026', '--operator-token-file', 'mca-data/operator-token');
  review('login', '--username', name, '--password', 'Review-2026');
  const shown = review('show', id);
  review('approve', id);
  return shown;
}

/// A PNG of one colour, w × h (a form photo the server accepts at 600×800).
export function solidPng(w, h, rgba = [230, 230, 230, 255]) {
  const img = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) img.data.set(rgba, i * 4);
  return PNG.sync.write(img);
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

/// Serves `root` (a directory on disk) at `${origin}${prefix}` in `page`,
/// so those files are same-origin with the real API; other requests go
/// to the server.
export async function serveFromDisk(page, origin, prefix, root) {
  await page.route(`${origin}${prefix}**`, async (route) => {
    const path = new URL(route.request().url()).pathname.slice(prefix.length) || 'index.html';
    const file = normalize(join(root, decodeURIComponent(path)));
    if (!file.startsWith(normalize(root) + sep)) return route.fulfill({ status: 404 });
    try {
      const body = readFileSync(file);
      await route.fulfill({ status: 200, body, contentType: TYPES[extname(file)] ?? 'application/octet-stream' });
    } catch {
      await route.fulfill({ status: 404 });
    }
  });
}
