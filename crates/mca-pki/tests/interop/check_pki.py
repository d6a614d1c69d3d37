#!/usr/bin/env python3
"""Independent check of mca-pki output: `cryptography` parses X.509
structures, a small DER reader written here (not mca-pki's) extracts the
signed bytes of GM/T 0010 and GB/T 38540 structures, and `gmssl` verifies
every SM2 signature with the standard ID 1234567812345678.

usage: check_pki.py ITEMS.json
ITEMS is a list of {"kind", "der" (hex), "key" (signer public key hex,
uncompressed), ...}. Exits non-zero with a one-line reason on the first
failure; prints what was checked.
"""
import json
import sys

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509 import ocsp
from gmssl import sm2, sm3, func


def fail(msg):
    sys.exit(f"check_pki: {msg}")


def gm_verify(key_hex, der_sig, data):
    r, s = decode_dss_signature(der_sig)
    xy = key_hex[2:] if len(key_hex) == 130 else key_hex
    c = sm2.CryptSM2(private_key=None, public_key=xy)
    c.public_key = xy  # gmssl strips leading "04" characters: undo it
    raw = "%064x%064x" % (r, s)
    ok = c.verify_with_sm3(raw, data)
    bad = c.verify_with_sm3(raw, data + b"\x00")
    if bad:
        fail("gmssl accepted a tampered message: the check itself is broken")
    return ok


def tlv(buf, pos):
    """One DER TLV at pos: (tag, header_len, value_start, end)."""
    tag = buf[pos]
    n = buf[pos + 1]
    if n < 0x80:
        return tag, pos + 2, pos + 2 + n
    k = n & 0x7F
    length = int.from_bytes(buf[pos + 2:pos + 2 + k], "big")
    start = pos + 2 + k
    return tag, start, start + length


def children(buf, start, end):
    out = []
    pos = start
    while pos < end:
        tag, vs, ve = tlv(buf, pos)
        out.append((tag, pos, vs, ve))
        pos = ve
    return out


def bitstring(buf, vs, ve):
    return buf[vs + 1:ve]


def check_signed_data(der, key, content):
    """ContentInfo{oid, [0]{SignedData}}: verify the one SignerInfo over
    the signed attributes re-tagged as SET, and messageDigest = SM3(content);
    without signed attributes, over the content itself."""
    _, s, e = tlv(der, 0)
    ci = children(der, s, e)
    _, _, vs, ve = ci[1]
    _, sds, sde = tlv(der, vs)
    sd = children(der, sds, sde)
    signer_infos = sd[-1]
    sis = children(der, signer_infos[2], signer_infos[3])
    si = children(der, sis[0][2], sis[0][3])
    attrs = [c for c in si if c[0] == 0xA0]
    sig = [c for c in si if c[0] == 0x04][-1]
    if not attrs:
        if not gm_verify(key, der[sig[2]:sig[3]], content):
            fail("SignedData signature over the content does not verify in gmssl")
        return
    signed = b"\x31" + der[attrs[0][1] + 1:attrs[0][3]]
    if not gm_verify(key, der[sig[2]:sig[3]], signed):
        fail("SignedData signature does not verify in gmssl")
    digest = bytes.fromhex(sm3.sm3_hash(func.bytes_to_list(content)))
    if digest not in signed:
        fail("SignedData messageDigest is not SM3 of the content")


def check_seal(der, key):
    """SES_Seal v4: signedValue over DER(SES_SealInfo)."""
    _, s, e = tlv(der, 0)
    top = children(der, s, e)
    info = der[top[0][1]:top[0][3]]
    sig = bitstring(der, top[3][2], top[3][3])
    if not gm_verify(key, sig, info):
        fail("seal signature does not verify in gmssl")


def check_ses_signature(der, key, doc):
    """SES_Signature v4: signature over DER(TBS_Sign), dataHash = SM3(doc)."""
    _, s, e = tlv(der, 0)
    top = children(der, s, e)
    tbs = der[top[0][1]:top[0][3]]
    sig = bitstring(der, top[3][2], top[3][3])
    if not gm_verify(key, sig, tbs):
        fail("SES_Signature does not verify in gmssl")
    fields = children(der, top[0][2], top[0][3])
    data_hash = bitstring(der, fields[3][2], fields[3][3])
    if data_hash.hex() != sm3.sm3_hash(func.bytes_to_list(doc)):
        fail("SES_Signature dataHash is not SM3 of the document")


def main(path):
    items = json.load(open(path))
    counts = {}
    for i, it in enumerate(items):
        der = bytes.fromhex(it["der"])
        kind = it["kind"]
        if kind == "cert":
            c = x509.load_der_x509_certificate(der)
            if not gm_verify(it["key"], c.signature, c.tbs_certificate_bytes):
                fail(f"certificate #{i} signature does not verify in gmssl")
            oids = {e.oid.dotted_string for e in c.extensions}
            for need in ("2.5.29.15", "2.5.29.14"):
                if need not in oids:
                    fail(f"certificate #{i} lacks {need}")
            if it.get("ca") is False and "2.5.29.19" in oids:
                fail(f"end-entity certificate #{i} carries basicConstraints")
            exts = {e.oid.dotted_string: e.value for e in c.extensions}
            if "resident_id" in it:
                rid = it["resident_id"].encode()
                if exts["1.2.156.10260.4.1.1"].value != b"\x80" + bytes([len(rid)]) + rid:
                    fail(f"certificate #{i} IdentityCode is not [0] PrintableString of the resident ID")
            if "credit_code" in it:
                code = it["credit_code"].encode()
                if exts["1.2.156.10260.4.1.4"].value != b"\x13" + bytes([len(code)]) + code:
                    fail(f"certificate #{i} organization code is not the credit code")
            if it.get("ca") is True and not c.extensions.get_extension_for_oid(x509.OID_BASIC_CONSTRAINTS).value.ca:
                fail(f"CA certificate #{i} is not a CA")
        elif kind == "crl":
            c = x509.load_der_x509_crl(der)
            if not gm_verify(it["key"], c.signature, c.tbs_certlist_bytes):
                fail(f"CRL #{i} signature does not verify in gmssl")
            want = {bytes.fromhex(r["serial"]): r["reason"] for r in it.get("revoked", [])}
            got = {}
            for r in c:
                reason = r.extensions.get_extension_for_class(x509.CRLReason).value.reason.value
                got[r.serial_number.to_bytes((r.serial_number.bit_length() + 7) // 8, "big")] = reason
            if got != want:
                fail(f"CRL #{i} entries {got} != {want}")
        elif kind == "csr":
            c = x509.load_der_x509_csr(der)
            if not gm_verify(it["key"], c.signature, c.tbs_certrequest_bytes):
                fail(f"CSR #{i} signature does not verify in gmssl")
        elif kind == "ocsp":
            r = ocsp.load_der_ocsp_response(der)
            if r.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
                fail(f"OCSP #{i} not successful")
            if not gm_verify(it["key"], r.signature, r.tbs_response_bytes):
                fail(f"OCSP response #{i} signature does not verify in gmssl")
            status = r.certificate_status.name.lower()
            if status != it["status"]:
                fail(f"OCSP #{i} status {status} != {it['status']}")
            if r.serial_number.to_bytes(16, "big").lstrip(b"\0") != bytes.fromhex(it["serial"]).lstrip(b"\0"):
                fail(f"OCSP #{i} serial differs")
        elif kind == "signed-data":
            check_signed_data(der, it["key"], bytes.fromhex(it["content"]))
        elif kind == "seal":
            check_seal(der, it["key"])
        elif kind == "ses-signature":
            check_ses_signature(der, it["key"], bytes.fromhex(it["document"]))
        else:
            fail(f"unknown kind {kind}")
        counts[kind] = counts.get(kind, 0) + 1
    print(f"check_pki: verified {counts}")


if __name__ == "__main__":
    main(sys.argv[1])
