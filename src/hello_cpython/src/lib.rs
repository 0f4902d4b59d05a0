//! A rust-cpython extension module: `py_module_initializer!` exports `PyInit_hello_cpython`.
use cpython::{py_fn, py_module_initializer, ObjectProtocol, PyDict, PyResult, Python};

py_module_initializer!(hello_cpython, |py, m| {
    m.add(
        py,
        "__doc__",
        "Counting words in Rust, bound with rust-cpython.",
    )?;
    m.add(py, "count_words", py_fn!(py, count_words(text: &str)))?;
    m.add(
        py,
        "word_frequencies",
        py_fn!(py, word_frequencies(text: &str)),
    )?;
    m.add(py, "python_version", py_fn!(py, python_version()))?;
    Ok(())
});

/// Whitespace-separated words in `text`.
fn count_words(_py: Python, text: &str) -> PyResult<usize> {
    Ok(text.split_whitespace().count())
}

/// A dict of lower-cased word -> occurrences.
fn word_frequencies(py: Python, text: &str) -> PyResult<PyDict> {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for word in text.split_whitespace() {
        *counts.entry(word.to_lowercase()).or_default() += 1;
    }
    let dict = PyDict::new(py);
    for (word, count) in counts {
        dict.set_item(py, word, count)?;
    }
    Ok(dict)
}

/// The version of the interpreter the module was loaded into, as `major.minor`.
fn python_version(py: Python) -> PyResult<String> {
    let sys = py.import("sys")?;
    let info = sys.get(py, "version_info")?;
    let major: u32 = info.getattr(py, "major")?.extract(py)?;
    let minor: u32 = info.getattr(py, "minor")?.extract(py)?;
    Ok(format!("{major}.{minor}"))
}
