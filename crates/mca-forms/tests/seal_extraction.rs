//! B3's measurement: the seal extraction scored by intersection over
//! union with the true mask on generated photo-like pictures of stamped
//! forms (tests/seal_photos). The goal of issue 13 is the test: a median
//! of at least 0.9 and, over the worst tenth, a mean of at least 0.8.
//!
//! `cargo test -p mca-forms --test seal_extraction -- --nocapture` prints
//! the report (docs/seal-extraction.md) and writes a few photos with
//! their extracted seals to artifacts/seal-extraction/.

mod seal_photos;

use std::path::PathBuf;

use mca_forms::Error;
use mca_forms::seal_extraction::extract;

const PHOTOS: u64 = 60;

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../artifacts/seal-extraction");
    std::fs::create_dir_all(&dir).expect("artifacts folder");
    dir
}

/// (seed, IoU, recipe) of each generated photo, on two threads.
fn scores() -> Vec<(u64, f64, String)> {
    let score = |seed: u64| {
        let sample = seal_photos::photo(seed, true);
        let iou = match extract(&sample.jpeg) {
            Ok(seal) => {
                if seed < 3 {
                    let dir = artifacts();
                    std::fs::write(dir.join(format!("photo-{seed}.jpg")), &sample.jpeg).unwrap();
                    std::fs::write(dir.join(format!("seal-{seed}.png")), &seal.png).unwrap();
                }
                seal.mask.iou(&sample.truth)
            }
            Err(_) => 0.0,
        };
        (seed, iou, sample.recipe)
    };
    std::thread::scope(|s| {
        let odd = s.spawn(move || (1..PHOTOS).step_by(2).map(score).collect::<Vec<_>>());
        let mut all: Vec<_> = (0..PHOTOS).step_by(2).map(score).collect();
        all.extend(odd.join().expect("scoring thread"));
        all
    })
}

#[test]
fn extraction_meets_the_goal_on_generated_photos() {
    let mut scores = scores();
    scores.sort_by(|a, b| a.1.total_cmp(&b.1));
    let ious: Vec<f64> = scores.iter().map(|s| s.1).collect();
    let n = ious.len();
    let median = (ious[(n - 1) / 2] + ious[n / 2]) / 2.0;
    let decile = n / 10;
    let worst_decile = ious[..decile].iter().sum::<f64>() / decile as f64;
    let mean = ious.iter().sum::<f64>() / n as f64;
    let mut report = format!(
        "{n} photos: IoU median {median:.3}, mean {mean:.3}, worst tenth mean {worst_decile:.3}, \
         10th percentile {:.3}, minimum {:.3}, maximum {:.3}\nworst five:\n",
        ious[decile],
        ious[0],
        ious[n - 1]
    );
    for (seed, iou, recipe) in &scores[..5] {
        report += &format!("  #{seed:<3} {iou:.3}  {recipe}\n");
    }
    println!("{report}");
    std::fs::write(artifacts().join("report.txt"), &report).unwrap();
    assert!(median >= 0.9, "median IoU below the goal of 0.9:\n{report}");
    assert!(
        worst_decile >= 0.8,
        "worst tenth below the goal of 0.8:\n{report}"
    );
}

#[test]
fn forms_without_a_seal_are_refused() {
    for seed in 1000..1004 {
        let sample = seal_photos::photo(seed, false);
        assert_eq!(
            extract(&sample.jpeg).map(|s| s.mask.count()),
            Err(Error::NoSeal),
            "{}",
            sample.recipe
        );
    }
}

/// `testdata/stamped-form.jpg` is generated photo 1, the stamped form the
/// claim tests of the server, the CLI and the browser upload.
#[test]
fn the_shared_stamped_form_is_generated_photo_1() {
    let fixture = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/stamped-form.jpg"
    ))
    .expect("testdata/stamped-form.jpg");
    assert_eq!(
        fixture,
        seal_photos::photo(1, true).jpeg,
        "regenerate it from artifacts/seal-extraction/photo-1.jpg"
    );
    assert!(extract(&fixture).is_ok());
}
