//! Cost of each side of the two-party protocol relative to plain SM2.
//!
//! `scripts/bench` runs this and writes `docs/performance.md` from the
//! estimates as ratios measured in the same run.

use criterion::{Criterion, criterion_group, criterion_main};
use mca_crypto::sm2::{SecretKey, encrypt};
use mca_crypto::twoparty::kmc::EncryptionKey;
use mca_crypto::twoparty::phone::{Decryption, KeyGeneration, Share};
use mca_crypto::twoparty::server::{decryption_authorization, generate_signing_key};
use std::hint::black_box;
use std::time::{Duration, Instant};

const DEVICE: &[u8] = b"bench-device-secret-0123456789";
const MSG: &[u8] = b"GM/T 0010 signed attributes, about this long..................";

fn plain(c: &mut Criterion) {
    let key = SecretKey::generate().unwrap();
    let sig = key.sign(MSG).unwrap();
    c.bench_function("plain/sign", |b| {
        b.iter(|| key.sign(black_box(MSG)).unwrap())
    });
    c.bench_function("plain/verify", |b| {
        b.iter(|| key.public_key().verify(black_box(MSG), &sig).unwrap())
    });
}

fn two_party_signing(c: &mut Criterion) {
    let (keygen, request) = KeyGeneration::start().unwrap();
    let (mut server, response) = generate_signing_key(&request).unwrap();
    let (masked, p) = keygen.finish(&response, b"123456", DEVICE).unwrap();
    let share = masked.unmask(b"123456", DEVICE).unwrap();

    c.bench_function("two_party/server_begin", |b| {
        b.iter(|| server.begin_sign(black_box(MSG)).unwrap())
    });
    let (_, challenge) = server.begin_sign(MSG).unwrap();
    c.bench_function("two_party/phone_partial", |b| {
        b.iter(|| share.sign(&p, black_box(&challenge)).unwrap())
    });
    c.bench_function("two_party/phone_unmask_pin", |b| {
        b.iter(|| masked.unmask(black_box(b"123456"), DEVICE).unwrap())
    });
    // finish_sign consumes its session; the phone never applies ρ here, so
    // its share stays valid and every round takes the same path.
    // The normal path: the phone applies every refresh, so each finish
    // verifies once under the share it expects. Only finish_sign is timed.
    let mut share = masked.unmask(b"123456", DEVICE).unwrap();
    c.bench_function("two_party/server_finish", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                let (session, challenge) = server.begin_sign(MSG).unwrap();
                let partial = share.sign(&p, &challenge).unwrap();
                let start = Instant::now();
                let signed = server.finish_sign(session, black_box(&partial)).unwrap();
                timed += start.elapsed();
                share.apply_refresh(&signed.refresh);
            }
            timed
        })
    });
}

fn blinded_decryption(c: &mut Criterion) {
    let (keygen, request) = KeyGeneration::start().unwrap();
    let (mut server, response) = generate_signing_key(&request).unwrap();
    let (masked, p) = keygen.finish(&response, b"1", DEVICE).unwrap();
    let kmc = EncryptionKey::generate().unwrap();
    let (server_share, delivery) = kmc.split().unwrap();
    let phone_share = Share::from_delivery(&delivery);
    let ct = encrypt(kmc.public_key(), b"0123456789abcdef").unwrap();
    let (_, blinded) = Decryption::start(ct.clone()).unwrap();
    let (session, challenge) = server
        .begin_sign(&decryption_authorization(b"s", &blinded))
        .unwrap();
    let partial = masked
        .unmask(b"1", DEVICE)
        .unwrap()
        .sign(&p, &challenge)
        .unwrap();
    let auth = server.finish_sign(session, &partial).unwrap().signature;
    let one_piece = SecretKey::generate().unwrap();
    let plain_ct = encrypt(one_piece.public_key(), b"0123456789abcdef").unwrap();

    c.bench_function("plain/decrypt", |b| {
        b.iter(|| plain_ct.decrypt(&one_piece).unwrap())
    });
    c.bench_function("decrypt/phone_blind", |b| {
        b.iter(|| Decryption::start(black_box(ct.clone())).unwrap())
    });
    c.bench_function("decrypt/server_step", |b| {
        b.iter(|| {
            server_share
                .blind_decrypt(b"s", black_box(&blinded), &auth)
                .unwrap()
        })
    });
    c.bench_function("decrypt/phone_unblind", |b| {
        b.iter_batched(
            // Untimed: a fresh blinding, its authorization and the server's
            // answer, exactly as in a real decryption.
            || {
                let (state, blinded) = Decryption::start(ct.clone()).unwrap();
                let (session, challenge) = server
                    .begin_sign(&decryption_authorization(b"s", &blinded))
                    .unwrap();
                let partial = masked
                    .unmask(b"1", DEVICE)
                    .unwrap()
                    .sign(&p, &challenge)
                    .unwrap();
                let auth = server.finish_sign(session, &partial).unwrap().signature;
                (
                    state,
                    server_share.blind_decrypt(b"s", &blinded, &auth).unwrap(),
                )
            },
            |(state, result)| state.finish(&phone_share, &result).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, plain, two_party_signing, blinded_decryption);
criterion_main!(benches);
