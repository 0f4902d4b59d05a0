//! A C ABI over a small Rust type: what cffi bindings are made of.

/// A point in the plane, laid out as a C struct.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// The origin.
#[no_mangle]
pub extern "C" fn pts_origin() -> Point {
    Point { x: 0.0, y: 0.0 }
}

/// A new point.
#[no_mangle]
pub extern "C" fn pts_new(x: f64, y: f64) -> Point {
    Point { x, y }
}

/// The Euclidean distance between two points.
#[no_mangle]
pub extern "C" fn pts_distance(a: Point, b: Point) -> f64 {
    (a.x - b.x).hypot(a.y - b.y)
}

/// The centroid of `len` points at `points`; the origin when there are none.
///
/// # Safety
/// `points` must point to `len` initialised points (or be null when `len` is 0).
#[no_mangle]
pub unsafe extern "C" fn pts_centroid(points: *const Point, len: usize) -> Point {
    if points.is_null() || len == 0 {
        return pts_origin();
    }
    let points = std::slice::from_raw_parts(points, len);
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(sx, sy), p| (sx + p.x, sy + p.y));
    Point {
        x: sx / len as f64,
        y: sy / len as f64,
    }
}
