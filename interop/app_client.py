#!/usr/bin/env python3
"""An independent Mobile CA app client, written from docs/protocol.md alone
("Writing a client: the exact encodings"), to show that the document is
enough to write one.

usage: app_client.py BASE_URL PHONE

Against a server in development mode (e.g. `mca up`): registers a P-256
device key by an SMS-code login, sends device-signed requests (the
documented payload, headers and base64 DER signature), passes the real-name
check through the development face endpoint, and checks that the server
refuses a replayed nonce and a body that is not the one signed. It also
recomputes the document's sealed-message worked example (ECIES over SM2,
SM3-KDF, SM4-GCM) byte for byte. Exits non-zero with a one-line reason on
the first failure.
"""
import base64
import json
import secrets
import sys
import time
import urllib.error
import urllib.request

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from gmssl import func, sm2, sm3, sm4

APP = "/api/app/v1"


def fail(msg):
    sys.exit(f"app_client: {msg}")


def sm3_hex(data):
    return sm3.sm3_hash(func.bytes_to_list(data))


# --- HTTP -----------------------------------------------------------------

def http(base, method, path, body=None, headers=None):
    """(status, parsed JSON or None) of one request; `body` is bytes."""
    req = urllib.request.Request(base + path, data=body, method=method)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    return status, (json.loads(raw) if raw else None)


def expect(answer, status, what):
    got, body = answer
    if got != status:
        fail(f"{what}: HTTP {got} (wanted {status}): {body}")
    return body


class Device:
    """A registered device: its P-256 key and the login's token and id."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.token = None
        self.device_id = None

    def public_hex(self):
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return point.hex()

    def headers(self, method, path, body, nonce=None, timestamp=None):
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or secrets.token_hex(16)
        payload = "\n".join(
            ["MCA-DEVICE-REQUEST-V1", method.upper(), path, timestamp, nonce, sm3_hex(body)]
        ).encode()
        der = self.key.sign(payload, ec.ECDSA(hashes.SHA256()))
        return {
            "Authorization": f"Bearer {self.token}",
            "x-mca-device": self.device_id,
            "x-mca-timestamp": timestamp,
            "x-mca-nonce": nonce,
            "x-mca-signature": base64.b64encode(der).decode(),
        }

    def signed(self, base, method, path, obj=None, nonce=None, send=None):
        """A device-signed request; `send` replaces the body actually sent."""
        body = b"" if obj is None else json.dumps(obj, ensure_ascii=False).encode()
        headers = self.headers(method, path, body, nonce)
        sent = body if send is None else send
        return http(base, method, path, sent if sent else None, headers)


def walk(base, phone):
    expect(http(base, "POST", f"{APP}/sms-codes",
                json.dumps({"phone": phone, "purpose": "login"}).encode()), 202, "send code")
    code = expect(http(base, "GET", f"/api/dev/sms-codes/{phone}"), 200, "dev code")["code"]
    device = Device()
    login = expect(http(base, "POST", f"{APP}/sessions", json.dumps({
        "phone": phone, "code": code,
        "device_public_key": device.public_hex(), "device_name": "interop (Python)",
    }).encode()), 201, "login")
    device.token, device.device_id = login["token"], login["device_id"]

    devices = expect(device.signed(base, "GET", f"{APP}/me/devices"), 200, "signed GET")
    mine = [d for d in devices if d["id"] == device.device_id]
    if not mine or mine[0]["public_key"] != device.public_hex() or not mine[0]["current"]:
        fail(f"the device list does not show this device as registered: {devices}")

    # A replayed nonce, and a body other than the one signed, are refused.
    nonce = secrets.token_hex(16)
    expect(device.signed(base, "GET", f"{APP}/me/messages", nonce=nonce), 200, "fresh nonce")
    expect(device.signed(base, "GET", f"{APP}/me/messages", nonce=nonce), 401, "replayed nonce")
    identity = {"name": "李四", "id_number": "11010519491231002X"}
    other = json.dumps({"name": "王五", "id_number": "11010519491231002X"},
                       ensure_ascii=False).encode()
    expect(device.signed(base, "POST", f"{APP}/me/identity", identity, send=other),
           401, "tampered body")

    # Real-name verification through the development face endpoint.
    expect(device.signed(base, "POST", f"{APP}/me/identity", identity), 200, "identity")
    face = expect(device.signed(base, "POST", f"{APP}/me/identity/face"), 200, "face start")
    expect(http(base, "POST", f"/api/dev/face-sessions/{face['session_id']}",
                json.dumps({"outcome": "passed"}).encode()), 204, "dev face verdict")
    result = expect(device.signed(base, "POST", f"{APP}/me/identity/face/result"), 200,
                    "face result")
    if result.get("state") != "verified":
        fail(f"identity not verified after a passed face check: {result}")


# --- The sealed-message worked example -------------------------------------

def sm4_block(key, block):
    c = sm4.CryptSM4()
    c.set_key(key, sm4.SM4_ENCRYPT)
    return bytes(c.crypt_ecb(block)[:16])  # crypt_ecb pads: keep block one


def ghash(h, data):
    def mul(x, y):
        r, z = 0xE1 << 120, 0
        for i in range(127, -1, -1):
            if (x >> i) & 1:
                z ^= y
            y = (y >> 1) ^ r if y & 1 else y >> 1
        return z
    y = 0
    for i in range(0, len(data), 16):
        y = mul(y ^ int.from_bytes(data[i:i + 16], "big"), h)
    return y


def gcm_seal(key, nonce, aad, plaintext):
    h = int.from_bytes(sm4_block(key, bytes(16)), "big")
    j0 = nonce + b"\x00\x00\x00\x01"
    out = bytearray()
    for i in range(0, len(plaintext), 16):
        counter = nonce + (2 + i // 16).to_bytes(4, "big")
        out += bytes(a ^ b for a, b in zip(plaintext[i:i + 16], sm4_block(key, counter)))
    pad = lambda b: b + bytes(-len(b) % 16)
    lens = (8 * len(aad)).to_bytes(8, "big") + (8 * len(out)).to_bytes(8, "big")
    s = ghash(h, pad(aad) + pad(bytes(out)) + lens)
    tag = (s ^ int.from_bytes(sm4_block(key, j0), "big")).to_bytes(16, "big")
    return bytes(out) + tag


def sm2_mul(k, point_hex=None):
    curve = sm2.CryptSM2(private_key=None, public_key="")
    return "04" + curve._kg(k, point_hex or curve.ecc_table["g"])


def seal_example(d_r, k, aad, plaintext):
    """The document's steps 1–4: (epk hex, ct hex)."""
    r = sm2_mul(d_r)
    epk = sm2_mul(k)
    shared = sm2_mul(k, r[2:])
    z = bytes.fromhex(shared[2:] + epk + r)
    km = bytes.fromhex(sm3_hex(z + b"\x00\x00\x00\x01"))[:28]
    return epk, gcm_seal(km[:16], km[16:28], aad, plaintext).hex()


# The worked example of docs/protocol.md ("Sealed messages, byte by byte").
EXAMPLE_D = int("11" * 32, 16)
EXAMPLE_K = int("22" * 32, 16)
EXAMPLE_AAD = b"MCA-SEAL-V1\x00share-refresh\x0001890000-0000-7000-8000-000000000001"
EXAMPLE_PLAINTEXT = ('{"rho":"' + "33" * 32 + '"}').encode()
EXAMPLE_EPK = ("044467e6043f38645e740050f3d6c9d6a0bf6b13d3b57892842be9b75cca3ce8"
               "84f0b5c27a16795142fa467fe6818cdb393c95f8e17d28f7e0a6557bbea8d65034")
EXAMPLE_CT = ("54d2cde6a9738edd476bcecfc04654805a65b2a9d82d6f4832781e09453b134c"
              "6b963a93b0d9259b7ff726205d66ed6f26f037a470a2904ee5ec129fd3f87ade"
              "3ceedf66488e8df399ad814f8ecb7f7e9f27f0bcc5f9743974b5")


def check_seal_example():
    epk, ct = seal_example(EXAMPLE_D, EXAMPLE_K, EXAMPLE_AAD, EXAMPLE_PLAINTEXT)
    if (epk, ct) != (EXAMPLE_EPK, EXAMPLE_CT):
        fail(f"the sealed worked example does not come out as documented: {epk} {ct}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    check_seal_example()
    walk(sys.argv[1].rstrip("/"), sys.argv[2])
    print("app_client: device registered, signed requests accepted, replay and "
          "tampering refused, identity verified, sealed example matches")


if __name__ == "__main__":
    main()
