//! `sqlite_link`: a pyo3 extension that links the system's SQLite dynamically.

use pyo3::prelude::*;

#[pymodule]
mod sqlite_link {
    use std::ffi::{CStr, CString};
    use std::ptr;

    use pyo3::exceptions::PyRuntimeError;
    use pyo3::prelude::*;

    /// The version of the SQLite library the module runs on.
    #[pyfunction]
    fn sqlite_version() -> String {
        // SAFETY: sqlite3_libversion returns a static, NUL-terminated string.
        unsafe { CStr::from_ptr(libsqlite3_sys::sqlite3_libversion()) }
            .to_string_lossy()
            .into_owned()
    }

    /// Evaluates a SQL expression in an in-memory database, e.g. `1 + 2`, as text.
    #[pyfunction]
    fn evaluate(expression: &str) -> PyResult<Option<String>> {
        let sql = CString::new(format!("SELECT {expression}"))
            .map_err(|_| PyRuntimeError::new_err("the expression contains a NUL byte"))?;
        let mut db = ptr::null_mut();
        let memory = c":memory:";
        // SAFETY: every pointer passed is valid for the call; the handles are closed below.
        unsafe {
            if libsqlite3_sys::sqlite3_open(memory.as_ptr(), &mut db) != libsqlite3_sys::SQLITE_OK {
                return Err(PyRuntimeError::new_err("cannot open an in-memory database"));
            }
            let mut statement = ptr::null_mut();
            let prepared = libsqlite3_sys::sqlite3_prepare_v2(
                db,
                sql.as_ptr(),
                -1,
                &mut statement,
                ptr::null_mut(),
            );
            if prepared != libsqlite3_sys::SQLITE_OK {
                let message = CStr::from_ptr(libsqlite3_sys::sqlite3_errmsg(db))
                    .to_string_lossy()
                    .into_owned();
                libsqlite3_sys::sqlite3_close(db);
                return Err(PyRuntimeError::new_err(message));
            }
            let mut value = None;
            if libsqlite3_sys::sqlite3_step(statement) == libsqlite3_sys::SQLITE_ROW {
                let text = libsqlite3_sys::sqlite3_column_text(statement, 0);
                if !text.is_null() {
                    value = Some(CStr::from_ptr(text.cast()).to_string_lossy().into_owned());
                }
            }
            libsqlite3_sys::sqlite3_finalize(statement);
            libsqlite3_sys::sqlite3_close(db);
            Ok(value)
        }
    }
}
