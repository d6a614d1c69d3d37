//! The phone app's files (issue 11): embedded in the binary from
//! `web/app/dist` at build time (see `build.rs`), or read from a folder
//! (tests, and anyone serving a freshly built app without rebuilding).
//!
//! What each file is sent with is decided here: its media type, and its
//! caching. Vite names everything under `assets/` after a hash of its
//! content, so those are immutable; the entry points (`index.html`, the
//! service worker, the manifest, icons) keep their names across builds
//! and must be revalidated, or a phone would keep an old app.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use axum::body::Bytes;

/// The embedded table: (path under dist, bytes).
const EMBEDDED: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/app_assets.rs"));

/// The files of the phone app by path under `/app/` (no leading slash).
#[derive(Clone, Debug, Default)]
pub struct AppAssets {
    files: Arc<BTreeMap<String, Bytes>>,
}

impl AppAssets {
    /// What was embedded at build time (empty when the app was not built).
    pub fn embedded() -> Self {
        let files = EMBEDDED
            .iter()
            .map(|(name, bytes)| ((*name).to_owned(), Bytes::from_static(bytes)))
            .collect();
        AppAssets {
            files: Arc::new(files),
        }
    }

    /// Every file under `dir`, read now.
    pub fn from_dir(dir: &Path) -> std::io::Result<Self> {
        let mut files = BTreeMap::new();
        read_dir(dir, "", &mut files)?;
        Ok(AppAssets {
            files: Arc::new(files),
        })
    }

    /// Whether there is an app to serve (its `index.html`).
    pub fn is_built(&self) -> bool {
        self.files.contains_key("index.html")
    }

    /// The file at `path` (relative, `/`-separated).
    pub fn get(&self, path: &str) -> Option<&Bytes> {
        self.files.get(path)
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are no files at all.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

fn read_dir(dir: &Path, prefix: &str, files: &mut BTreeMap<String, Bytes>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let key = format!("{prefix}{name}");
        if entry.file_type()?.is_dir() {
            read_dir(&path, &format!("{key}/"), files)?;
        } else {
            files.insert(key, Bytes::from(std::fs::read(&path)?));
        }
    }
    Ok(())
}

/// The media type of a file, by its extension. Browsers refuse module
/// scripts, `instantiateStreaming` and manifests sent with the wrong one
/// (and `nosniff` forbids guessing), so each kind the build emits is here.
pub fn media_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map_or("", |(_, e)| e);
    match extension.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "webmanifest" => "application/manifest+json",
        "json" | "map" => "application/json",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The `Cache-Control` of a file: content-hashed build output is
/// immutable, anything else is revalidated on every load.
pub fn cache_control(path: &str) -> &'static str {
    if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_of_what_vite_emits() {
        assert_eq!(
            media_type("assets/index-B1c2D3e4.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            media_type("assets/mca_phone_wasm_bg-0a1b2c3d.wasm"),
            "application/wasm"
        );
        assert_eq!(
            media_type("manifest.webmanifest"),
            "application/manifest+json"
        );
        assert_eq!(media_type("icons/icon-192.PNG"), "image/png");
        assert_eq!(media_type("LICENSE"), "application/octet-stream");
    }

    #[test]
    fn only_hashed_assets_are_immutable() {
        assert_eq!(
            cache_control("assets/index-B1c2D3e4.css"),
            "public, max-age=31536000, immutable"
        );
        for path in [
            "index.html",
            "sw.js",
            "manifest.webmanifest",
            "icons/icon-192.png",
        ] {
            assert_eq!(cache_control(path), "no-cache", "{path}");
        }
    }

    #[test]
    fn reads_a_folder_recursively() {
        let dir = std::env::temp_dir().join(format!("mca-app-assets-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        std::fs::write(dir.join("index.html"), b"<!doctype html>").unwrap();
        std::fs::write(dir.join("assets/a-1234.js"), b"export {}").unwrap();
        let assets = AppAssets::from_dir(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(assets.is_built());
        assert_eq!(assets.len(), 2);
        assert_eq!(
            assets.get("assets/a-1234.js").unwrap().as_ref(),
            b"export {}"
        );
        assert!(!AppAssets::default().is_built());
    }
}
