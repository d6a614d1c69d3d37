// The widget's polling and state handling, with a scripted back end, manual
// timers and a recording view: no browser, no wall clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWidget, mount, statusText } from '../mca-qr.js';
import { decodeMatrix, link } from './support.mjs';

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Timers that fire only when the test says so. */
function manualTimers() {
  const pending = new Map();
  let seq = 0;
  return {
    setTimeout: (fn, ms) => (pending.set(++seq, { fn, ms }), seq),
    clearTimeout: (id) => pending.delete(id),
    delays: () => [...pending.values()].map((t) => t.ms),
    /** Fires the pending timer of exactly `ms` and lets the widget react. */
    async fire(ms) {
      const entry = [...pending].find(([, t]) => t.ms === ms);
      assert.ok(entry, `no timer of ${ms} ms pending (have ${this.delays()})`);
      pending.delete(entry[0]);
      entry[1].fn();
      await settle();
    },
  };
}

/** A back end answering from a script: each entry is a frame, a Response, an Error, or 'hang'. */
function scriptedFetch(script) {
  const calls = [];
  const fetch = (url, init) => {
    calls.push({ url, init });
    const next = script.shift();
    if (next === undefined) throw new Error('script exhausted');
    if (next === 'hang') {
      return new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(new Error('aborted'))));
    }
    if (next instanceof Error) return Promise.reject(next);
    return Promise.resolve(next instanceof Response ? next : Response.json(next));
  };
  return { fetch, calls };
}

function recordingView() {
  const events = [];
  return {
    events,
    showQr: (qr) => events.push(qr ? { qr } : { qr: null }),
    showText: (text) => events.push({ text }),
    texts: () => events.filter((e) => 'text' in e).map((e) => e.text),
    lastQr: () => events.filter((e) => 'qr' in e).at(-1)?.qr,
  };
}

async function started(script, options = {}) {
  const timers = manualTimers();
  const backEnd = scriptedFetch(script);
  const view = recordingView();
  const states = [];
  const widget = createWidget({
    frameUrl: '/rp/qr/frame', stateUrl: '/rp/qr/state', onState: (s) => states.push(s),
    fetch: backEnd.fetch, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout, ...options,
  }, view);
  widget.start();
  await settle();
  return { widget, timers, view, states, calls: backEnd.calls };
}

test('each frame redraws the QR with its link; the text is announced once', async () => {
  const [a, b] = [link('tok', 0), link('tok', 1)];
  const w = await started([{ state: 'created', link: a }, { state: 'created', link: b }, { state: 'created', link: b }]);
  assert.equal(decodeMatrix(w.view.lastQr().modules).data, a);
  await w.timers.fire(1000);
  assert.equal(decodeMatrix(w.view.lastQr().modules).data, b);
  await w.timers.fire(1000);
  assert.equal(w.view.events.filter((e) => 'qr' in e).length, 2, 'an unchanged link is not redrawn');
  assert.deepEqual(w.view.texts(), ['正在获取二维码…', '请使用 Mobile CA 扫码']);
  assert.deepEqual(w.states, [{ state: 'created', result: undefined, hint: undefined, terminal: false }]);
  assert.deepEqual(w.calls.map((c) => c.url), ['/rp/qr/frame', '/rp/qr/frame', '/rp/qr/frame']);
  assert.equal(w.calls[0].init.cache, 'no-store');
  assert.deepEqual(w.timers.delays(), [1000]);
});

test('a scan hides the QR and switches to stateUrl; completion stops polling', async () => {
  const w = await started([
    { state: 'created', link: link('t', 3) },
    { state: 'scanned', hint: 'user_scanned' },
    { state: 'confirming' },
    { state: 'complete', result: 'ok', unknown_field: 1 },
  ]);
  await w.timers.fire(1000);
  assert.equal(w.view.lastQr(), null);
  assert.equal(w.view.texts().at(-1), '已扫描，请在手机上确认');
  await w.timers.fire(1000);
  await w.timers.fire(1000);
  assert.equal(w.view.texts().at(-1), '已完成');
  assert.deepEqual(w.calls.map((c) => c.url), ['/rp/qr/frame', '/rp/qr/frame', '/rp/qr/state', '/rp/qr/state']);
  assert.deepEqual(w.states.map((s) => [s.state, s.result, s.hint, s.terminal]), [
    ['created', undefined, undefined, false],
    ['scanned', undefined, 'user_scanned', false],
    ['confirming', undefined, undefined, false],
    ['complete', 'ok', undefined, true],
  ]);
  assert.deepEqual(w.timers.delays(), [], 'nothing left to fire');
  assert.deepEqual(w.widget.status(), w.states.at(-1));
  w.widget.start();
  assert.equal(w.calls.length, 4, 'a finished widget does not start again');
});

test('without stateUrl the frame URL is polled after the scan too', async () => {
  const w = await started([{ state: 'scanned' }, { state: 'complete', result: 'cancelled' }], { stateUrl: undefined });
  await w.timers.fire(1000);
  assert.deepEqual(w.calls.map((c) => c.url), ['/rp/qr/frame', '/rp/qr/frame']);
  assert.equal(w.view.texts().at(-1), '已取消');
});

test('410 Gone ends the session as expired', async () => {
  const w = await started([new Response(null, { status: 410 })]);
  assert.equal(w.view.texts().at(-1), '二维码已过期，请刷新');
  assert.deepEqual(w.states, [{ state: 'gone', result: undefined, hint: undefined, terminal: true }]);
  assert.deepEqual(w.timers.delays(), []);
});

test('every end result has its own Chinese text; hint_text from the back end wins', async () => {
  const texts = {
    ok: '已完成', user_refused: '已在手机上拒绝', not_authorized: '该证书未获本平台授权',
    certificate_revoked: '证书已吊销', certificate_expired: '证书已过期', pin_locked: 'PIN 码已锁定，请在手机上解锁', holder_mismatch: '证书持有人与当前账户不一致',
    timeout: '二维码已过期，请刷新', cancelled: '已取消', protocol_failure: '操作失败，请刷新重试', some_future_result: '操作已结束',
  };
  for (const [result, text] of Object.entries(texts)) assert.equal(statusText({ state: 'complete', result }), text);
  const w = await started([{ state: 'complete', result: 'not_authorized', hint: 'staff', hint_text: '请先在本平台完成经办人授权' }]);
  assert.equal(w.view.texts().at(-1), '请先在本平台完成经办人授权');
  assert.equal(w.states[0].hint, 'staff');
});

test('lost polls keep the QR for a while, then hide it; the next good frame brings it back', async () => {
  const l = link('net', 1);
  const w = await started([
    { state: 'created', link: l },
    new Error('offline'),
    new Response('busy', { status: 503 }),
    new Response('<html>', { status: 200 }),
    { state: 'created', link: l },
  ]);
  await w.timers.fire(1000);
  await w.timers.fire(1000);
  assert.ok(w.view.lastQr(), 'two failures: the QR is still valid for a few seconds');
  assert.equal(w.view.texts().at(-1), '网络异常，正在重试…');
  await w.timers.fire(1000);
  assert.equal(w.view.lastQr(), null, 'third failure: hidden');
  await w.timers.fire(1000);
  assert.equal(decodeMatrix(w.view.lastQr().modules).data, l);
  assert.equal(w.view.texts().at(-1), '请使用 Mobile CA 扫码');
  assert.equal(w.states.length, 1, 'failures are not state changes');
});

test('frames that break the contract are retried like network errors', async () => {
  for (const bad of [{ state: 'created' }, { state: 'created', link: '' }, { state: 'claimed' }, { link: 'x' }, 'text',
    { state: 'created', link: 'x'.repeat(3000) }]) {
    const w = await started([bad, { state: 'scanned' }]);
    assert.deepEqual(w.view.texts(), ['正在获取二维码…', '网络异常，正在重试…'], JSON.stringify(bad));
    assert.deepEqual(w.states, []);
    await w.timers.fire(1000);
    assert.equal(w.states[0].state, 'scanned');
  }
});

test('a request that hangs is aborted at the request timeout and retried', async () => {
  const w = await started(['hang', { state: 'scanned' }], { requestTimeoutMs: 5000 });
  assert.deepEqual(w.timers.delays(), [5000]);
  await w.timers.fire(5000);
  assert.equal(w.view.texts().at(-1), '网络异常，正在重试…');
  await w.timers.fire(1000);
  assert.equal(w.states[0].state, 'scanned');
});

test('stop aborts the request in flight and nothing is shown afterwards', async () => {
  const w = await started(['hang']);
  const { signal } = w.calls[0].init;
  w.widget.stop();
  await settle();
  assert.ok(signal.aborted);
  assert.deepEqual(w.view.texts(), ['正在获取二维码…']);
  assert.deepEqual(w.timers.delays(), []);
});

test('start after stop runs one polling loop, not two', async () => {
  const w = await started(['hang', { state: 'created', link: link('r', 1) }, { state: 'scanned' }]);
  w.widget.stop();
  w.widget.start();
  await settle();
  assert.deepEqual(w.timers.delays(), [1000], 'the aborted request does not schedule a poll of its own');
  assert.deepEqual(w.view.texts(), ['正在获取二维码…', '请使用 Mobile CA 扫码']);
  await w.timers.fire(1000);
  assert.deepEqual(w.timers.delays(), [1000]);
  assert.equal(w.calls.length, 3);
});

test('stop after a restart aborts the new request, not only the old one', async () => {
  const w = await started(['hang', 'hang']);
  w.widget.stop();
  w.widget.start();
  await settle(); // the first request's rejection settles after the second began
  w.widget.stop();
  assert.ok(w.calls[1].init.signal.aborted);
});

test('an exception in onState is reported and polling goes on', async () => {
  const reported = [];
  const saved = globalThis.reportError;
  globalThis.reportError = (e) => reported.push(e.message);
  try {
    const w = await started([{ state: 'scanned' }, { state: 'complete', result: 'ok' }], {
      onState: () => { throw new Error('page bug'); },
    });
    await w.timers.fire(1000);
    assert.deepEqual(reported, ['page bug', 'page bug']);
    assert.equal(w.view.texts().at(-1), '已完成');
  } finally {
    globalThis.reportError = saved;
  }
});

test('frameUrl is required', () => {
  assert.throws(() => createWidget({}, recordingView()), TypeError);
});

/** Just enough DOM for mount(): elements with attributes, children and text. */
class FakeElement {
  constructor(tag, ns = null) {
    Object.assign(this, { tag, ns, attrs: new Map(), children: [], parent: null, textContent: '' });
  }
  setAttribute(k, v) { this.attrs.set(k, String(v)); }
  getAttribute(k) { return this.attrs.get(k) ?? null; }
  removeAttribute(k) { this.attrs.delete(k); }
  hasAttribute(k) { return this.attrs.has(k); }
  append(...nodes) { for (const n of nodes) this.children.push(Object.assign(n, { parent: this })); }
  remove() { this.parent.children = this.parent.children.filter((c) => c !== this); this.parent = null; }
  find(pred) { return pred(this) ? this : this.children.map((c) => c.find(pred)).find(Boolean); }
}

test('mount builds an accessible QR and live status, and unmount removes them', async () => {
  const host = new FakeElement('div');
  host.ownerDocument = { createElement: (t) => new FakeElement(t), createElementNS: (ns, t) => new FakeElement(t, ns) };
  const timers = manualTimers();
  const { fetch, calls } = scriptedFetch([{ state: 'created', link: link('dom', 2) }, { state: 'scanned' }]);
  const handle = mount(host, { frameUrl: '/f', fetch, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout, label: '登录二维码' });
  await settle();
  const svg = host.find((e) => e.tag === 'svg');
  const code = host.find((e) => e.getAttribute('class') === 'mca-qr-code');
  const status = host.find((e) => e.tag === 'p');
  assert.equal(svg.ns, 'http://www.w3.org/2000/svg');
  assert.equal(svg.getAttribute('role'), 'img');
  assert.equal(svg.getAttribute('aria-label'), '登录二维码');
  assert.equal(status.getAttribute('aria-live'), 'polite');
  assert.equal(status.textContent, '请使用 Mobile CA 扫码');
  assert.equal(code.hasAttribute('hidden'), false);
  assert.match(host.find((e) => e.tag === 'path').getAttribute('d'), /^M\d+ \d+h\d+v1h-\d+z/);
  await timers.fire(1000);
  assert.equal(code.hasAttribute('hidden'), true);
  assert.equal(status.textContent, '已扫描，请在手机上确认');
  handle.unmount();
  assert.deepEqual(host.children, []);
  assert.deepEqual(timers.delays(), []);
  assert.equal(calls.length, 2);
});
