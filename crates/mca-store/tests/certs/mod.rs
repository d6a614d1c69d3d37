#![allow(dead_code)] // each test file uses a different part
//! Scaffolding for the certificate stories (issue 5): a verified user, the
//! seeded catalogue, pictures that pass the upload checks, the certificate
//! services with a CA hierarchy per CA organization.

use std::sync::Arc;

use mca_domain::certificates::{Authorities, CertificateInfo, Uploads};
use mca_domain::providers::DevPaymentProvider;
use mca_domain::*;
use mca_pki::ca::{CaConfig, CaHierarchy, Lifetimes};

use crate::support::{self, Phone as TestPhone};

/// A PNG of `w`×`h` pixels of one RGBA colour.
pub fn png(w: u32, h: u32, rgba: [u8; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().unwrap();
        let data: Vec<u8> = (0..w * h).flat_map(|_| rgba).collect();
        writer.write_image_data(&data).unwrap();
    }
    out
}

/// A form photo and a signature that pass the checks.
pub struct Pictures {
    pub form_photo: Vec<u8>,
    pub signature: Vec<u8>,
}

impl Pictures {
    pub fn new(shade: u8) -> Self {
        Self {
            form_photo: png(600, 800, [240, shade, 240, 255]),
            signature: png(200, 60, [0x1B, 0x22, shade / 4, 255]),
        }
    }

    pub fn uploads(&self) -> Uploads<'_> {
        Uploads {
            form_photo: &self.form_photo,
            signature: &self.signature,
        }
    }
}

/// A registered, real-name verified user.
pub async fn verified_user(svc: &Services, dev: &DevProviders, number: &str) -> UserId {
    let login = support::register(svc, dev, number, &TestPhone::new()).await;
    let u = login.user.id;
    svc.identity
        .submit(u, "张三", "11010519491231002X")
        .await
        .unwrap();
    svc.identity.start_face(u).await.unwrap();
    svc.identity.complete_face(u).await.unwrap();
    u
}

/// Seeds Zhejiang; ZJCA's 1-year option on the provincial platform.
pub async fn zjca_info(svc: &Services) -> CertificateInfo {
    svc.catalogue.seed_zhejiang().await.unwrap();
    let all = svc.catalogue.all().await.unwrap();
    let ca = all
        .ca_organizations
        .iter()
        .find(|c| c.short_name == "ZJCA")
        .unwrap();
    let platform = &all.platforms[0];
    let option = all
        .validity_options
        .iter()
        .find(|v| v.ca_id == ca.id && v.years == 1)
        .unwrap();
    CertificateInfo {
        province_id: platform.province_id,
        platform_id: platform.id,
        ca_id: ca.id,
        validity_option_id: option.id,
    }
}

/// A CA hierarchy for every CA organization of the catalogue.
pub async fn authorities(svc: &Services) -> Authorities {
    let mut cas = Authorities::new();
    for ca in svc.catalogue.all().await.unwrap().ca_organizations {
        let h = CaHierarchy::create(
            CaConfig {
                organization: ca.short_name.clone(),
                crl_url: Some(format!("http://127.0.0.1/crl/{}", ca.id)),
                ocsp_url: Some("http://127.0.0.1/ocsp".into()),
            },
            Lifetimes::default(),
        )
        .unwrap();
        cas.insert(ca.id, h);
    }
    cas
}

/// The development payment provider, shared.
pub fn payments() -> Arc<DevPaymentProvider> {
    Arc::new(DevPaymentProvider::new())
}
