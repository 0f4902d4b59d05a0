//! `shapes_py`: Python bindings for the workspace's `shapes` crate, built against the stable ABI.

use pyo3::prelude::*;

#[pymodule]
mod shapes_py {
    use pyo3::exceptions::PyValueError;
    use pyo3::prelude::*;
    use shapes::{InvalidShape, Shape};

    fn to_py_err(err: InvalidShape) -> PyErr {
        PyValueError::new_err(err.to_string())
    }

    /// Area of a circle of the given radius.
    #[pyfunction]
    fn circle_area(radius: f64) -> PyResult<f64> {
        Ok(Shape::circle(radius).map_err(to_py_err)?.area())
    }

    /// Area of a triangle given its three side lengths (Heron's formula).
    #[pyfunction]
    fn triangle_area(a: f64, b: f64, c: f64) -> PyResult<f64> {
        Ok(Shape::triangle(a, b, c).map_err(to_py_err)?.area())
    }

    /// An axis-aligned rectangle.
    #[pyclass(frozen)]
    struct Rectangle {
        #[pyo3(get)]
        width: f64,
        #[pyo3(get)]
        height: f64,
        shape: Shape,
    }

    #[pymethods]
    impl Rectangle {
        #[new]
        fn new(width: f64, height: f64) -> PyResult<Self> {
            let shape = Shape::rectangle(width, height).map_err(to_py_err)?;
            Ok(Rectangle {
                width,
                height,
                shape,
            })
        }

        fn area(&self) -> f64 {
            self.shape.area()
        }

        fn perimeter(&self) -> f64 {
            self.shape.perimeter()
        }

        fn __repr__(&self) -> String {
            format!("Rectangle(width={}, height={})", self.width, self.height)
        }
    }
}
