#!/usr/bin/env python3
"""Turn criterion's estimates into docs/performance.md (ratios in one run)."""
import json
import os
import platform
import subprocess
import sys
import time

root = sys.argv[1]


def ns(name):
    # criterion 0.8 names the folder after the id with '/' replaced by '_'.
    with open(os.path.join(root, name.replace("/", "_"), "new", "estimates.json")) as f:
        return json.load(f)["median"]["point_estimate"]


def cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


sign, verify, decrypt = ns("plain/sign"), ns("plain/verify"), ns("plain/decrypt")
rows = [
    ("plain SM2 sign", "plain/sign", sign, "sign"),
    ("plain SM2 verify", "plain/verify", verify, "verify"),
    ("plain SM2 decrypt (one-piece key)", "plain/decrypt", decrypt, "decrypt"),
    ("server: begin (w_s, Q_s = w_s·G)", "two_party/server_begin", sign, "sign"),
    ("server: finish (s, verify, refresh ρ)", "two_party/server_finish", verify, "verify"),
    ("phone: partial signature (e, Q, r, s1)", "two_party/phone_partial", sign, "sign"),
    ("phone: unmask share (PIN KDF, 10,000 rounds)", "two_party/phone_unmask_pin", sign, "sign"),
    ("phone: blind (T1 = w·C1)", "decrypt/phone_blind", decrypt, "decrypt"),
    ("server: blinded step (T2 = d_es⁻¹·T1)", "decrypt/server_step", decrypt, "decrypt"),
    ("phone: unblind + KDF + C3 check", "decrypt/phone_unblind", decrypt, "decrypt"),
]
rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
server_sig = ns("two_party/server_begin") + ns("two_party/server_finish")

print("# Performance\n")
print("Crypto core, measured by `scripts/bench` (criterion, `cargo bench -p mca-crypto --bench sm2`).")
print("Ratios compare figures from the same run; absolute times depend on the machine.\n")
print(f"Run: {time.strftime('%Y-%m-%d', time.gmtime())}, {cpu()}, {os.cpu_count()} cores (benchmarks are single-threaded), {rustc}.\n")
print("| operation | median | ratio | relative to |")
print("|---|---:|---:|---|")
for label, name, base, base_name in rows:
    t = ns(name)
    print(f"| {label} | {t/1000:.1f} µs | {t/base:.2f} | plain {base_name} |")
print()
print("## Reading it\n")
print(f"- The server's whole share of one two-party signature (begin + finish) is "
      f"{server_sig/1000:.1f} µs, {server_sig/sign:.2f}× a plain signature and "
      f"{server_sig/verify:.2f}× a plain verification: it is bounded by the verification "
      "the server must do before releasing anything (PROTOCOL.md §2). One core sustains "
      f"about {1e9/server_sig:,.0f} two-party signatures per second on the server side.")
print("- The phone's partial signature costs about one linear combination of two points, "
      "close to a verification. Unmasking the share costs the PIN KDF; it is paid once per "
      "operation and is what a thief with the phone's files *and* the server's share would "
      "pay per PIN guess.")
blind_server = ns("decrypt/server_step")
blind_phone = ns("decrypt/phone_blind") + ns("decrypt/phone_unblind")
print(f"- Blinded decryption costs the server one inversion and one point multiplication, "
      f"{blind_server/decrypt:.2f}× a plain decryption; the phone pays "
      f"{blind_phone/decrypt:.2f}× (blinding, then unblinding with the KDF and the C3 check).")
