//! sled 0.34 panics (index out of bounds) instead of returning an error on some damaged
//! logs, such as a truncated `db` file. Opening a database runs inside
//! [`catch_quietly`], which turns such a panic into an error and keeps the panic hook
//! from printing it (the caller reports a clean error instead).

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// Set while this thread runs [`catch_quietly`].
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Installs, once, a panic hook that stays silent for threads inside [`catch_quietly`]
/// and hands every other panic to the hook that was there before.
fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs `f`; a panic inside becomes `Err` with the panic's message.
pub fn catch_quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    let was_quiet = QUIET.with(|q| q.replace(true));
    let outcome = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was_quiet));
    outcome.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_with_its_message() {
        assert_eq!(catch_quietly(|| 7), Ok(7));
        let v: Vec<u8> = Vec::new();
        let index = v.len() + 3;
        let message = catch_quietly(|| v[index]).unwrap_err();
        assert!(message.contains("index out of bounds"), "{message}");
        assert!(!QUIET.with(Cell::get), "quiet only inside");
    }
}
