#!/usr/bin/env python3
"""Independent check of Mobile CA's SM2 output with Python `gmssl`.

usage: check_sm2.py OURS.json THEIRS.json

Verifies every signature in OURS (two-party and plain, raw and DER forms)
and decrypts every ciphertext, then writes gmssl-made signatures and
ciphertexts (to OURS' recipients) into THEIRS for the Rust side to check.
Exits non-zero with a one-line reason on the first failure.
"""
import json
import secrets
import sys

from gmssl import sm2, sm3, func

N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)


def crypt(public_hex, private_hex=None, asn1=False):
    xy = public_hex[2:] if len(public_hex) == 130 else public_hex
    c = sm2.CryptSM2(private_key=private_hex, public_key=xy, mode=1, asn1=asn1)
    # gmssl strips leading '0'/'4' characters of keys starting with "04";
    # the emitter avoids such keys, and this catches any that slip through.
    if len(c.public_key) != 128:
        sys.exit("check_sm2: gmssl mangled a public key")
    return c


def fail(msg):
    sys.exit(f"check_sm2: {msg}")


def main(ours_path, theirs_path):
    ours = json.load(open(ours_path))
    kinds = {}
    for i, s in enumerate(ours["signatures"]):
        msg = bytes.fromhex(s["message"])
        if not crypt(s["public_key"]).verify_with_sm3(s["signature_raw"], msg):
            fail(f"{s['kind']} signature #{i} does not verify in gmssl")
        if not crypt(s["public_key"], asn1=True).verify_with_sm3(s["signature_der"], msg):
            fail(f"{s['kind']} DER signature #{i} does not verify in gmssl")
        if crypt(s["public_key"]).verify_with_sm3(s["signature_raw"], msg + b"x"):
            fail("gmssl accepted a tampered message: the check itself is broken")
        kinds[s["kind"]] = kinds.get(s["kind"], 0) + 1
    for i, c in enumerate(ours["ciphertexts"]):
        ct = bytes.fromhex(c["c1c3c2"])
        # gmssl takes C1 without the 04 prefix.
        plain = crypt(c["public_key"], c["private_key"]).decrypt(ct[1:])
        if plain != bytes.fromhex(c["plaintext"]):
            fail(f"ciphertext #{i} does not decrypt in gmssl")
    print(f"check_sm2: gmssl verified {kinds} signatures and decrypted {len(ours['ciphertexts'])} ciphertexts")

    theirs = {"signatures": [], "ciphertexts": []}
    for i, r in enumerate(ours["recipients"]):
        c = crypt(r["public_key"], r["private_key"])
        msg = f"gmssl 签名 {i}".encode()
        sig = None
        while sig is None:
            sig = c.sign_with_sm3(msg, "%064x" % (secrets.randbelow(N - 1) + 1))
        theirs["signatures"].append(
            {"public_key": r["public_key"], "message": msg.hex(), "signature_raw": sig})
        plain = f"gmssl 加密 {i}".encode()
        ct = c.encrypt(plain)
        theirs["ciphertexts"].append({
            "private_key": r["private_key"],
            "plaintext": plain.hex(),
            "c1c3c2": "04" + ct.hex(),
        })
    json.dump(theirs, open(theirs_path, "w"), indent=1)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
