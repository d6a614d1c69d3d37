#!/usr/bin/env python3
"""An independent GM/T 0010 producer: builds SignedData and EnvelopedData
with Python `gmssl` (SM2 signing and encryption, SM4-CBC) and a DER writer
written here, in the shapes other implementations emit (sm2-with-sm3 as the
signer's algorithm OID, signed attributes without signingTime, version 1
envelopes), for mca-pki to verify and decrypt.

usage: make_gmt0010.py IN.json OUT.json
IN: {"signer_key", "signer_cert", "recipient_cert", "content"} (hex).
OUT: {"signed_data", "enveloped_data", "sm4_key"} (hex).
"""
import json
import secrets
import sys

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from gmssl import func, sm2, sm3, sm4

N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)


def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        head = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + head + body


def seq(*parts):
    return tlv(0x30, b"".join(parts))


def set_of(*parts):
    return tlv(0x31, b"".join(sorted(parts)))


def integer(v):
    b = v.to_bytes((v.bit_length() + 8) // 8 or 1, "big")
    return tlv(0x02, b)


def octets(b):
    return tlv(0x04, b)


def oid(dotted):
    arcs = [int(a) for a in dotted.split(".")]
    body = bytes([arcs[0] * 40 + arcs[1]])
    for a in arcs[2:]:
        chunk = [a & 0x7F]
        a >>= 7
        while a:
            chunk.insert(0, 0x80 | (a & 0x7F))
            a >>= 7
        body += bytes(chunk)
    return tlv(0x06, body)


def explicit(n, body):
    return tlv(0xA0 | n, body)


SM3 = "1.2.156.10197.1.401"
SM2_SM3 = "1.2.156.10197.1.501"
SM2_3 = "1.2.156.10197.1.301.3"
SM4_CBC = "1.2.156.10197.1.104.2"
DATA = "1.2.156.10197.6.1.4.2.1"
SIGNED = "1.2.156.10197.6.1.4.2.2"
ENVELOPED = "1.2.156.10197.6.1.4.2.3"


def issuer_and_serial(cert):
    return seq(cert.issuer.public_bytes(), integer(cert.serial_number))


def public_xy(cert):
    raw = cert.public_bytes(serialization.Encoding.DER)
    # The SPKI's BIT STRING is the last 65 bytes of the key: 04‖x‖y.
    spki = x509.load_der_x509_certificate(raw).tbs_certificate_bytes
    i = spki.index(b"\x03\x42\x00\x04")
    return spki[i + 4:i + 68].hex()


def crypt(key_hex, xy):
    c = sm2.CryptSM2(private_key=key_hex, public_key=xy, mode=1)
    c.public_key = xy  # gmssl strips leading "04" characters: undo it
    return c


def main(inp, out):
    p = json.load(open(inp))
    content = bytes.fromhex(p["content"])
    signer = x509.load_der_x509_certificate(bytes.fromhex(p["signer_cert"]))
    recipient = x509.load_der_x509_certificate(bytes.fromhex(p["recipient_cert"]))

    digest = bytes.fromhex(sm3.sm3_hash(func.bytes_to_list(content)))
    attrs = [
        seq(oid("1.2.840.113549.1.9.3"), set_of(oid(DATA))),
        seq(oid("1.2.840.113549.1.9.4"), set_of(octets(digest))),
    ]
    signed_attrs = set_of(*attrs)
    c = crypt(p["signer_key"], public_xy(signer))
    raw = None
    while not raw:
        raw = c.sign_with_sm3(signed_attrs, "%064x" % (secrets.randbelow(N - 1) + 1))
    der_sig = encode_dss_signature(int(raw[:64], 16), int(raw[64:], 16))
    signer_info = seq(
        integer(1),
        issuer_and_serial(signer),
        seq(oid(SM3)),
        b"\xa0" + signed_attrs[1:],  # [0] IMPLICIT: same bytes, context tag
        seq(oid(SM2_SM3)),
        octets(der_sig),
    )
    signed_data = seq(
        integer(1),
        set_of(seq(oid(SM3))),
        seq(oid(DATA), explicit(0, octets(content))),
        tlv(0xA0, signer.public_bytes(serialization.Encoding.DER)),
        set_of(signer_info),
    )
    signed = seq(oid(SIGNED), explicit(0, signed_data))

    key = secrets.token_bytes(16)
    iv = secrets.token_bytes(16)
    s4 = sm4.CryptSM4()
    s4.set_key(key, sm4.SM4_ENCRYPT)
    ct = s4.crypt_cbc(iv, content)
    enc = bytes.fromhex(crypt(None, public_xy(recipient)).encrypt(key).hex())
    x, y, c3, c2 = enc[:32], enc[32:64], enc[64:96], enc[96:]
    sm2cipher = seq(integer(int.from_bytes(x, "big")), integer(int.from_bytes(y, "big")), octets(c3), octets(c2))
    recipient_info = seq(integer(0), issuer_and_serial(recipient), seq(oid(SM2_3)), octets(sm2cipher))
    enveloped_data = seq(
        integer(1),
        set_of(recipient_info),
        seq(oid(DATA), seq(oid(SM4_CBC), octets(iv)), tlv(0x80, ct)),
    )
    enveloped = seq(oid(ENVELOPED), explicit(0, enveloped_data))
    json.dump({"signed_data": signed.hex(), "enveloped_data": enveloped.hex(), "sm4_key": key.hex()}, open(out, "w"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
