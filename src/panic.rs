//! Defense in depth: a bug that panics while one file is linted must not take
//! the other files (or the language server) down with it. [`catch`] runs a
//! closure, and turns a panic into a message (with the place it happened)
//! instead of unwinding further; the panic hook stays quiet for panics caught
//! this way and prints as usual for any other.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static CATCHING: Cell<usize> = const { Cell::new(0) };
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CATCHING.with(Cell::get) > 0 {
                let msg = if let Some(s) = info.payload().downcast_ref::<&str>() {
                    (*s).to_string()
                } else if let Some(s) = info.payload().downcast_ref::<String>() {
                    s.clone()
                } else {
                    "panic".to_string()
                };
                let at = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                LAST.with(|l| *l.borrow_mut() = Some(format!("{msg}{at}")));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`; a panic inside it becomes `Err(message)`.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    CATCHING.with(|c| c.set(c.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(c.get() - 1));
    result.map_err(|payload| {
        LAST.with(|l| l.borrow_mut().take()).unwrap_or_else(|| {
            payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into())
        })
    })
}

/// Where users report an internal error.
pub const REPORT_URL: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/issues");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_message_with_its_place() {
        let r: Result<(), String> = catch(|| panic!("boom {}", 1));
        let e = r.unwrap_err();
        assert!(e.starts_with("boom 1 at "), "{e}");
        assert!(e.contains("panic.rs"), "{e}");
        assert_eq!(catch(|| 7).unwrap(), 7);
        // Nested: the inner panic is the one reported.
        let r = catch(|| catch(|| -> u8 { panic!("inner") }).unwrap_err());
        assert!(r.unwrap().starts_with("inner"));
    }
}
