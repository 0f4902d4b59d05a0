use pyo3::prelude::*;

/// Type-token ratio: distinct words over all words (0 for empty text).
#[pyfunction]
fn lexical_diversity(text: &str) -> f64 {
    let counts = textkit_core::word_counts(text);
    let total: u64 = counts.values().sum();
    if total == 0 {
        0.0
    } else {
        counts.len() as f64 / total as f64
    }
}

#[pymodule]
fn textkit_stats(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(lexical_diversity, m)?)
}
