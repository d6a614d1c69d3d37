use super::*;

fn item(kind: SignItemKind, data: Vec<u8>) -> SignItem {
    SignItem {
        label: "招标文件".into(),
        kind,
        data,
    }
}

#[test]
fn sign_items_are_bounded_and_never_mobile_ca_messages() {
    let now = Timestamp(1000);
    let ok = SessionContent::Sign {
        items: vec![
            item(SignItemKind::RawData, b"hello".to_vec()),
            item(SignItemKind::Digest, vec![1; 32]),
            item(SignItemKind::Seal, vec![2; 32]),
        ],
    };
    ok.check(now).unwrap();
    for bad in [
        item(SignItemKind::RawData, b"MCA-RP-AUTH-V1\0x".to_vec()),
        item(SignItemKind::RawData, Vec::new()),
        item(SignItemKind::RawData, vec![0; MAX_DATA_BYTES + 1]),
        item(SignItemKind::Digest, vec![1; 31]),
        item(SignItemKind::SignedDataDetached, vec![1; 33]),
        SignItem {
            label: String::new(),
            ..item(SignItemKind::Digest, vec![1; 32])
        },
        SignItem {
            label: "a\nb".into(),
            ..item(SignItemKind::Digest, vec![1; 32])
        },
    ] {
        let content = SessionContent::Sign { items: vec![bad] };
        assert!(content.check(now).is_err(), "{content:?}");
    }
    let too_many = SessionContent::Sign {
        items: vec![item(SignItemKind::Digest, vec![1; 32]); MAX_ITEMS + 1],
    };
    assert!(too_many.check(now).is_err());
    assert!(SessionContent::Sign { items: vec![] }.check(now).is_err());
}

#[test]
fn decrypt_needs_a_valid_key_and_a_future_window() {
    let key = mca_crypto::sm2::SecretKey::generate().unwrap();
    let content = |pk: Vec<u8>, nb: i64, na: i64| SessionContent::Decrypt {
        envelopes: vec![Envelope {
            label: "投标人A".into(),
            kind: EnvelopeKind::Sm2Cipher,
            data: vec![0x30, 1, 2],
        }],
        rp_public_key: pk,
        not_before: Timestamp(nb),
        not_after: Timestamp(na),
    };
    let pk = key.public_key().to_sec1().to_vec();
    content(pk.clone(), 900, 2000)
        .check(Timestamp(1000))
        .unwrap();
    assert!(
        content(pk.clone(), 900, 1000)
            .check(Timestamp(1000))
            .is_err()
    );
    assert!(
        content(pk.clone(), 2000, 1900)
            .check(Timestamp(1000))
            .is_err()
    );
    let mut off_curve = pk.clone();
    off_curve[64] ^= 1;
    assert!(
        content(off_curve, 900, 2000)
            .check(Timestamp(1000))
            .is_err()
    );
    // A window longer than a day is no declared opening time.
    assert!(
        content(pk.clone(), 900, 900 + MAX_OPENING_WINDOW_SECS + 1)
            .check(Timestamp(1000))
            .is_err()
    );
    content(pk.clone(), 900, 900 + MAX_OPENING_WINDOW_SECS)
        .check(Timestamp(1000))
        .unwrap();
    let c = content(pk, 1100, 1200);
    assert!(!c.in_window(Timestamp(1099)));
    assert!(c.in_window(Timestamp(1100)) && c.in_window(Timestamp(1200)));
    assert!(!c.in_window(Timestamp(1201)));
}

#[test]
fn signed_bytes_bind_the_relying_party_session_and_purpose() {
    let (rp, s) = (RelyingPartyId::new(), RpSessionId::new());
    let login = SessionContent::Auth {
        purpose: AuthPurpose::Login,
        challenge: vec![9; 16],
        expected_holder: None,
    };
    let bind = SessionContent::Auth {
        purpose: AuthPurpose::Bind,
        challenge: vec![9; 16],
        expected_holder: None,
    };
    let a = login.signed_bytes(rp, s).unwrap();
    assert!(a.starts_with(mca_crypto::rp::AUTH_TAG));
    assert_ne!(Some(a.clone()), bind.signed_bytes(rp, s));
    assert_ne!(
        Some(a.clone()),
        login.signed_bytes(RelyingPartyId::new(), s)
    );
    assert_ne!(Some(a), login.signed_bytes(rp, RpSessionId::new()));
    assert_eq!(
        SessionContent::Sign { items: vec![] }.signed_bytes(rp, s),
        None
    );
}

#[test]
fn request_bodies_refuse_unknown_fields_and_take_rfc3339_times() {
    let e = serde_json::from_str::<SessionContent>(
        r#"{"operation":"auth","purpose":"bind","challenge":"00","expected_holdr":{"name":"张三"}}"#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("expected_holdr"), "{e}");
    let e = serde_json::from_str::<SessionContent>(
        r#"{"operation":"sign","items":[{"label":"a","kind":"seal","data":"00","colour":1}]}"#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("colour"), "{e}");
    let json = r#"{"operation":"decrypt","envelopes":[],"rp_public_key":"04",
        "not_before":"2026-11-24T09:00:00+08:00","not_after":"2026-11-24T02:00:00Z"}"#;
    let SessionContent::Decrypt {
        not_before,
        not_after,
        ..
    } = serde_json::from_str::<SessionContent>(json).unwrap()
    else {
        panic!("not decrypt");
    };
    assert_eq!(
        (not_before.secs(), not_after.secs()),
        (1_795_482_000, 1_795_485_600)
    );
    let back = serde_json::to_value(SessionContent::Decrypt {
        envelopes: vec![],
        rp_public_key: vec![4],
        not_before,
        not_after,
    })
    .unwrap();
    assert_eq!(back["not_before"], "2026-11-24T01:00:00Z");
}

#[test]
fn an_expected_holder_is_checked_against_the_subject() {
    let person = ExpectedHolder {
        name: "张三".into(),
        credit_code: None,
    };
    assert!(person.matches(Some("张三"), None));
    assert!(!person.matches(Some("李四"), None));
    assert!(!person.matches(None, None));
    let enterprise = ExpectedHolder {
        name: "张三".into(),
        credit_code: Some("91330100799655058B".into()),
    };
    assert!(enterprise.matches(Some("张三"), Some("91330100799655058B")));
    assert!(
        !enterprise.matches(Some("张三"), None),
        "a personal certificate"
    );
    assert!(!enterprise.matches(Some("张三"), Some("91110000802100433B")));
    let bind = |holder| SessionContent::Auth {
        purpose: AuthPurpose::Bind,
        challenge: vec![1; 16],
        expected_holder: Some(holder),
    };
    bind(person.clone()).check(Timestamp(0)).unwrap();
    for bad in [
        ExpectedHolder {
            name: String::new(),
            credit_code: None,
        },
        ExpectedHolder {
            name: "张三".into(),
            credit_code: Some("123".into()),
        },
    ] {
        assert!(bind(bad).check(Timestamp(0)).is_err());
    }
}
