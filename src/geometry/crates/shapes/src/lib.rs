//! Plane-geometry math shared by the `shapes_py` and `stats_py` extensions.

use std::f64::consts::PI;

/// A plane shape with an area and a perimeter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    Circle {
        radius: f64,
    },
    Rectangle {
        width: f64,
        height: f64,
    },
    /// A triangle given by its three side lengths.
    Triangle {
        a: f64,
        b: f64,
        c: f64,
    },
}

/// Why a shape's dimensions were rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidShape(pub String);

impl std::fmt::Display for InvalidShape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidShape {}

impl Shape {
    pub fn circle(radius: f64) -> Result<Self, InvalidShape> {
        check_positive("radius", radius)?;
        Ok(Shape::Circle { radius })
    }

    pub fn rectangle(width: f64, height: f64) -> Result<Self, InvalidShape> {
        check_positive("width", width)?;
        check_positive("height", height)?;
        Ok(Shape::Rectangle { width, height })
    }

    pub fn triangle(a: f64, b: f64, c: f64) -> Result<Self, InvalidShape> {
        for (name, side) in [("a", a), ("b", b), ("c", c)] {
            check_positive(name, side)?;
        }
        if a + b <= c || a + c <= b || b + c <= a {
            return Err(InvalidShape(format!(
                "sides {a}, {b}, {c} violate the triangle inequality"
            )));
        }
        Ok(Shape::Triangle { a, b, c })
    }

    /// The shape's area.
    ///
    /// ```
    /// let square = shapes::Shape::rectangle(2.0, 2.0).unwrap();
    /// assert_eq!(square.area(), 4.0);
    /// ```
    pub fn area(&self) -> f64 {
        match *self {
            Shape::Circle { radius } => PI * radius * radius,
            Shape::Rectangle { width, height } => width * height,
            Shape::Triangle { a, b, c } => {
                // Heron's formula.
                let s = (a + b + c) / 2.0;
                (s * (s - a) * (s - b) * (s - c)).sqrt()
            }
        }
    }

    pub fn perimeter(&self) -> f64 {
        match *self {
            Shape::Circle { radius } => 2.0 * PI * radius,
            Shape::Rectangle { width, height } => 2.0 * (width + height),
            Shape::Triangle { a, b, c } => a + b + c,
        }
    }
}

fn check_positive(name: &str, value: f64) -> Result<(), InvalidShape> {
    // is_finite() also rejects NaN.
    if !value.is_finite() || value <= 0.0 {
        return Err(InvalidShape(format!(
            "{name} must be a positive finite number, got {value}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rectangle_area_and_perimeter() {
        let r = Shape::rectangle(3.0, 4.0).unwrap();
        assert_eq!(r.area(), 12.0);
        assert_eq!(r.perimeter(), 14.0);
    }

    #[test]
    fn right_triangle_area() {
        assert_eq!(Shape::triangle(3.0, 4.0, 5.0).unwrap().area(), 6.0);
    }

    #[test]
    fn rejects_bad_dimensions() {
        assert!(Shape::circle(0.0).is_err());
        assert!(Shape::circle(f64::NAN).is_err());
        assert!(Shape::triangle(1.0, 2.0, 3.0).is_err());
    }
}
