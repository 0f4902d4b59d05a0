//! The public API as the extensions use it: `cargo test` runs this beside the unit tests.

use shapes::Shape;

#[test]
fn circle_perimeter_is_two_pi_r() {
    let circle = Shape::circle(1.5).unwrap();
    assert!((circle.perimeter() - 3.0 * std::f64::consts::PI).abs() < 1e-12);
}

#[test]
fn errors_name_the_bad_dimension() {
    let error = Shape::rectangle(2.0, -1.0).unwrap_err();
    assert!(error.to_string().starts_with("height must be"), "{error}");
}
