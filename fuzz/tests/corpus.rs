//! Every input kept in `fuzz/corpus/TARGET/` (the seeds and what fuzzing
//! found) still passes its target's check, so that a decoder cannot regress
//! to a panic on an input fuzzing once reached. Runs in seconds; fuzzing
//! itself is `cargo fuzz run TARGET` (see `fuzz/README.md`).

use std::path::Path;

use zkr_fuzz::TARGETS;

#[test]
fn every_corpus_input_decodes_to_a_value_or_an_error_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut failures = Vec::new();
    for target in TARGETS {
        let dir = root.join(target.name);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("expected the corpus {}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        assert!(
            files.iter().any(|f| f
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("seed-"))),
            "expected at least one seed input in {}",
            dir.display()
        );
        for file in files {
            let data = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            if std::panic::catch_unwind(|| (target.check)(&data)).is_err() {
                failures.push(file.display().to_string());
            }
        }
    }
    assert!(
        failures.is_empty(),
        "expected every corpus input checked without a panic, these panicked:\n{}",
        failures.join("\n")
    );
}

#[test]
fn garbage_of_every_length_up_to_a_kilobyte_is_refused_without_a_panic() {
    // Bytes no encoder wrote: a counter, all zeros and all ones, at every
    // length up to 1 KiB (each target's short-input and truncation paths).
    for target in TARGETS {
        for len in 0..=1024usize {
            for fill in [None, Some(0u8), Some(0xff)] {
                let data: Vec<u8> = (0..len)
                    .map(|i| fill.unwrap_or((i * 131 % 251) as u8))
                    .collect();
                let ok = std::panic::catch_unwind(|| (target.check)(&data)).is_ok();
                assert!(
                    ok,
                    "expected {} to refuse {len} bytes ({fill:?}) without a panic",
                    target.name
                );
            }
        }
    }
}
