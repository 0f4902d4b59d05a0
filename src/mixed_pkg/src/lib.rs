//! `mixed_pkg._native`: the Rust half of a mixed Rust/Python package.

use pyo3::prelude::*;

// The module's Python name is `_native` (PyInit__native), not the cargo library name.
#[pymodule(name = "_native")]
mod native {
    use std::collections::{BTreeMap, HashMap};

    use pyo3::exceptions::PyValueError;
    use pyo3::prelude::*;

    /// Serializes a str -> int mapping as compact JSON with sorted keys.
    #[pyfunction]
    fn dumps_sorted(mapping: HashMap<String, i64>) -> PyResult<String> {
        // A BTreeMap makes the key order, and so the output, deterministic.
        let sorted: BTreeMap<String, i64> = mapping.into_iter().collect();
        serde_json::to_string(&sorted).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// Parses a JSON array of integers and returns their sum.
    #[pyfunction]
    fn sum_json_array(text: &str) -> PyResult<i64> {
        let numbers: Vec<i64> =
            serde_json::from_str(text).map_err(|e| PyValueError::new_err(e.to_string()))?;
        numbers
            .iter()
            .try_fold(0i64, |acc, n| acc.checked_add(*n))
            .ok_or_else(|| PyValueError::new_err("sum overflows a 64-bit integer"))
    }
}
