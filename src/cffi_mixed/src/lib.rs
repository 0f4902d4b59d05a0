//! Running count and mean of a stream of numbers, behind an opaque C pointer.

/// The state cffi holds as `Tally *`.
#[derive(Default)]
pub struct Tally {
    count: u64,
    mean: f64,
}

#[no_mangle]
pub extern "C" fn tally_new() -> *mut Tally {
    Box::into_raw(Box::default())
}

/// # Safety
/// `tally` must come from `tally_new` and not be freed.
#[no_mangle]
pub unsafe extern "C" fn tally_add(tally: *mut Tally, value: f64) {
    let tally = &mut *tally;
    tally.count += 1;
    // Welford's update: stable for long streams.
    tally.mean += (value - tally.mean) / tally.count as f64;
}

/// # Safety
/// `tally` must come from `tally_new` and not be freed.
#[no_mangle]
pub unsafe extern "C" fn tally_count(tally: *const Tally) -> u64 {
    (*tally).count
}

/// # Safety
/// `tally` must come from `tally_new` and not be freed.
#[no_mangle]
pub unsafe extern "C" fn tally_mean(tally: *const Tally) -> f64 {
    (*tally).mean
}

/// # Safety
/// `tally` must come from `tally_new`; it is invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn tally_free(tally: *mut Tally) {
    if !tally.is_null() {
        drop(Box::from_raw(tally));
    }
}
