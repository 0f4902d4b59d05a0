//! `zig_abi3`: a stable-ABI pyo3 extension with C code, linked through zig against glibc 2.17.

use pyo3::prelude::*;

extern "C" {
    fn zig_abi3_adler32(data: *const u8, len: usize) -> u32;
}

#[pymodule]
mod zig_abi3 {
    use pyo3::prelude::*;

    /// The Adler-32 checksum of `data`, computed by the C code.
    #[pyfunction]
    fn adler32(data: &[u8]) -> u32 {
        // SAFETY: the C function reads exactly `len` bytes of `data`.
        unsafe { super::zig_abi3_adler32(data.as_ptr(), data.len()) }
    }

    /// The version of the C library the process runs with (glibc's `gnu_get_libc_version`).
    #[pyfunction]
    fn libc_version() -> String {
        // SAFETY: glibc returns a static, NUL-terminated string.
        unsafe { std::ffi::CStr::from_ptr(gnu_get_libc_version()) }
            .to_string_lossy()
            .into_owned()
    }

    extern "C" {
        fn gnu_get_libc_version() -> *const std::ffi::c_char;
    }
}
