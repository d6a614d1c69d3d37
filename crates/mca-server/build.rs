//! Embeds the phone app (`web/app/dist`, built by `scripts/build-app`) in
//! the binary: writes `$OUT_DIR/app_assets.rs`, a table of
//! `(path, include_bytes!(…))` over every file of the folder. A missing
//! folder gives an empty table, and the server then answers `/app/` with
//! the page saying how to build it.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let web_app = manifest.join("../../web/app");
    let dist = web_app.join("dist");
    // Watching dist itself once it exists; before, the nearest folder
    // that exists above it, whose modification time changes when the
    // next one down appears. Never node_modules (too many files to scan).
    let web = manifest.join("../../web");
    let watched = [&dist, &web_app, &web].into_iter().find(|d| d.is_dir());
    match watched {
        Some(dir) => println!("cargo:rerun-if-changed={}", dir.display()),
        None => println!("cargo:rerun-if-changed=build.rs"),
    }
    let mut files = Vec::new();
    if dist.is_dir() {
        collect(&dist, &dist, &mut files);
    }
    files.sort();
    let mut table = String::from("&[\n");
    for (name, path) in &files {
        table.push_str(&format!(
            "    ({name:?}, include_bytes!({:?}) as &[u8]),\n",
            path.display().to_string()
        ));
    }
    table.push(']');
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets it")).join("app_assets.rs");
    fs::write(out, table).expect("writing app_assets.rs");
}

/// Every file under `dir`, as (path relative to `root` with `/`, absolute path).
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let entries = fs::read_dir(dir).expect("reading web/app/dist");
    for entry in entries {
        let path = entry.expect("reading web/app/dist").path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let relative = path.strip_prefix(root).expect("under root");
            let name: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let absolute = fs::canonicalize(&path).expect("canonical path");
            files.push((name.join("/"), absolute));
        }
    }
}
