//! Writes the C header that cffi binds. When `target/header.h` exists under the crate root after
//! the build, it is used instead of running cbindgen (as maturin does). A copy in OUT_DIR ships in
//! the wheel as `cffi_mixed/include/tally.h`, for C code using the library (`[tool.maturin]
//! include` from "out-dir").
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
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out_dir).join("tally.h"), HEADER).expect("write OUT_DIR/tally.h");
    println!("cargo:rerun-if-changed=build.rs");
}
