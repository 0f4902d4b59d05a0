//! `hello_abi3`: a pure pyo3 extension (no Python sources) built against the stable ABI.

use pyo3::prelude::*;

#[pymodule]
mod hello_abi3 {
    use pyo3::exceptions::PyValueError;
    use pyo3::prelude::*;

    /// The crate version, so Python can check it against the wheel's metadata.
    #[allow(non_upper_case_globals)] // Python's dunder name, not a Rust constant name.
    #[pymodule_export]
    const __version__: &str = env!("CARGO_PKG_VERSION");

    /// Returns a greeting for `name`.
    #[pyfunction]
    fn greet(name: &str) -> PyResult<String> {
        let name = name.trim();
        if name.is_empty() {
            return Err(PyValueError::new_err("name must not be empty"));
        }
        Ok(format!("Hello, {name}!"))
    }

    /// Formats the sum of two numbers as a string.
    #[pyfunction]
    fn sum_as_string(a: u64, b: u64) -> PyResult<String> {
        a.checked_add(b)
            .map(|sum| sum.to_string())
            .ok_or_else(|| PyValueError::new_err("sum does not fit in 64 bits"))
    }

    /// Console script `hello-abi3 [NAME]`: prints a greeting and returns the exit status.
    #[pyfunction]
    fn main(py: Python<'_>) -> PyResult<i32> {
        // Read sys.argv rather than std::env::args: that is what the console-script wrapper sets.
        let argv: Vec<String> = py.import("sys")?.getattr("argv")?.extract()?;
        let name = argv.get(1).map(String::as_str).unwrap_or("world");
        let line = greet(name)?;
        // Print through Python so the output interleaves correctly with Python's own buffered stdout.
        let builtins = py.import("builtins")?;
        builtins.getattr("print")?.call1((line,))?;
        Ok(0)
    }
}
