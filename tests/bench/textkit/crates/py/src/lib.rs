use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

#[pyfunction]
fn word_counts(text: &str) -> Vec<(String, u64)> {
    textkit_core::word_counts(text).into_iter().collect()
}

#[pyfunction]
fn find_all(pattern: &str, text: &str) -> PyResult<Vec<String>> {
    textkit_core::find_all(pattern, text).map_err(|e| PyValueError::new_err(e.to_string()))
}

#[pyfunction]
fn summary_json(text: &str, n: usize) -> String {
    textkit_core::summary_json(text, n)
}

#[pymodule]
fn textkit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(word_counts, m)?)?;
    m.add_function(wrap_pyfunction!(find_all, m)?)?;
    m.add_function(wrap_pyfunction!(summary_json, m)?)?;
    Ok(())
}
