#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("connleak-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join("input.rs");
    std::fs::write(&file, data).unwrap();
    let report = connleak::run(&connleak::Options { paths: vec![file], threads: 1, ..Default::default() });
    let _ = connleak::reporting::json::render(&report);
});
