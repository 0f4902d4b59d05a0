//! Writes the C header that cffi binds. When `target/header.h` exists under the crate root after
//! the build, it is used instead of running cbindgen (as maturin does).
use std::path::Path;

const HEADER: &str = "\
typedef struct Tally Tally;
Tally *tally_new(void);
void tally_add(Tally *tally, double value);
uint64_t tally_count(const Tally *tally);
double tally_mean(const Tally *tally);
void tally_free(Tally *tally);
";

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let target = Path::new(&manifest_dir).join("target");
    std::fs::create_dir_all(&target).expect("create target/");
    std::fs::write(target.join("header.h"), HEADER).expect("write target/header.h");
    println!("cargo:rerun-if-changed=build.rs");
}
