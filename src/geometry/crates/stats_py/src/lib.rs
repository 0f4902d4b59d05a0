//! `stats_py`: statistics over collections of shapes (version-specific ABI, not abi3).

use pyo3::prelude::*;

#[pymodule]
mod stats_py {
    use pyo3::exceptions::PyValueError;
    use pyo3::prelude::*;
    use shapes::Shape;

    /// Arithmetic mean of `values`, or None for an empty list.
    #[pyfunction]
    fn mean(values: Vec<f64>) -> Option<f64> {
        if values.is_empty() {
            None
        } else {
            Some(values.iter().sum::<f64>() / values.len() as f64)
        }
    }

    /// Sum of the areas of rectangles given as (width, height) pairs.
    #[pyfunction]
    fn total_area(rectangles: Vec<(f64, f64)>) -> PyResult<f64> {
        let mut total = 0.0;
        for (width, height) in rectangles {
            let shape = Shape::rectangle(width, height)
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
            total += shape.area();
        }
        Ok(total)
    }

    /// Area and perimeter of each circle radius, as (area, perimeter) pairs.
    #[pyfunction]
    fn circle_table(radii: Vec<f64>) -> PyResult<Vec<(f64, f64)>> {
        radii
            .into_iter()
            .map(|r| {
                let c = Shape::circle(r).map_err(|e| PyValueError::new_err(e.to_string()))?;
                Ok((c.area(), c.perimeter()))
            })
            .collect()
    }
}
