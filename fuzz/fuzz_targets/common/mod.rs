//! Shared by the storage targets: the storage readers take paths, so each input is written to a
//! scratch file first (one directory per fuzzing process, under `TMPDIR`; tmpfs makes it cheap).

use std::path::PathBuf;
use std::sync::{Once, OnceLock};

/// Replaces libfuzzer-sys's aborting panic hook with a silent one, so that panics the readers
/// contain with `catch_unwind` (arrow/parquet decoder panics reported as record errors) do not
/// end the run. A panic that escapes the code under test still reaches libfuzzer-sys's own
/// `catch_unwind` around the target and aborts.
#[allow(dead_code)] // not every target includes code that contains panics
pub fn quiet_contained_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| std::panic::set_hook(Box::new(|_| {})));
}

/// `data` written to `<scratch dir>/<name>`; the path is returned.
pub fn scratch_file(name: &str, data: &[u8]) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("dataprep-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("scratch directory");
        d
    });
    let path = dir.join(name);
    std::fs::write(&path, data).expect("scratch file");
    path
}
