//! The C header for cffi bindings, generated the way maturin does: the crate's `cbindgen.toml`
//! (or cbindgen's defaults), with the settings cffi's parser cannot handle forced off.
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: {} <crate dir> <header output>", args[0]);
        return ExitCode::from(2);
    }
    let crate_dir = PathBuf::from(&args[1]);
    let mut config = cbindgen::Config::from_root_or_default(&crate_dir);
    config.language = cbindgen::Language::C;
    // cffi's cdef() understands neither #include nor the preprocessor.
    config.no_includes = true;
    config.sys_includes = Vec::new();
    config.defines = HashMap::new();
    config.include_guard = None;
    config.pragma_once = false;
    config.cpp_compat = false;
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_crate(&crate_dir)
        .with_language(cbindgen::Language::C)
        .with_no_includes()
        .generate();
    match bindings {
        Ok(bindings) => {
            bindings.write_to_file(&args[2]);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cbindgen could not generate a C header for {}: {}", crate_dir.display(), e);
            ExitCode::FAILURE
        }
    }
}
