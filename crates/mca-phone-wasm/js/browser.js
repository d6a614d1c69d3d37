// The browser I/O of the phone core's shell: IndexedDB, WebCrypto, fetch and
// navigator.storage. Only moving bytes and keys lives here; what to store,
// sign or send, and every check, is decided in Rust (mca-phone-core).
//
// IndexedDB "mca-phone", one object store "state" keyed by name:
//   device-key    CryptoKeyPair, ECDSA P-256, private key non-extractable
//   pin-mask-key  CryptoKey, HMAC-SHA-256, non-extractable
//   session       the login session (server, phone, ids, token)
//   keys          the stored keys (masked shares, certificates, ids)

const DB_NAME = 'mca-phone';
const STORE = 'state';
const DEVICE_KEY = 'device-key';
const PIN_MASK_KEY = 'pin-mask-key';
const PIN_MASK_LABEL = 'MCA-PIN-MASK-V1';

let opened = null;

function database() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opened;
}

// One request in its own transaction; resolves when the transaction
// commits, so a put has reached the disk before Rust goes on.
async function transact(mode, makeRequest) {
  const db = await database();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const request = makeRequest(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export async function idbGet(name) {
  const value = await transact('readonly', (s) => s.get(name));
  return value === undefined ? null : value;
}

export async function idbPut(name, value) {
  await transact('readwrite', (s) => s.put(value, name));
}

export async function idbDelete(name) {
  await transact('readwrite', (s) => s.delete(name));
}

// The device key's public key (uncompressed SEC1, 65 bytes); the pair is
// made on first use. extractable=false applies to the private key only.
export async function devicePublicKey() {
  let pair = await idbGet(DEVICE_KEY);
  if (!pair) {
    pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    await idbPut(DEVICE_KEY, pair);
  }
  return new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
}

// ECDSA P-256 / SHA-256 over `bytes`: raw r‖s, 64 bytes.
export async function deviceSign(bytes) {
  const pair = await idbGet(DEVICE_KEY);
  if (!pair) throw new Error('no device key');
  return new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, bytes));
}

// The PIN-mask device secret: HMAC(key, "MCA-PIN-MASK-V1") under a
// non-extractable key made on first use. Computed on every call, never
// stored; the caller wipes the returned bytes.
export async function pinMaskSecret() {
  let key = await idbGet(PIN_MASK_KEY);
  if (!key) {
    key = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign']);
    await idbPut(PIN_MASK_KEY, key);
  }
  const label = new TextEncoder().encode(PIN_MASK_LABEL);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, label));
}

// One HTTP request; `headers` a plain object, `body` a Uint8Array or null.
// Resolves with { status, body: Uint8Array } for every HTTP answer; rejects
// only when there is no answer (network down, CORS, aborted).
export async function httpRequest(method, url, headers, body) {
  const response = await fetch(url, {
    method,
    headers,
    body: body ?? undefined,
    cache: 'no-store',
    credentials: 'omit',
  });
  return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) };
}

export async function persistStorage() {
  if (!navigator.storage || !navigator.storage.persist) return false;
  return navigator.storage.persist();
}

export function unixNow() {
  return Math.floor(Date.now() / 1000);
}
