//! Standard output that cannot panic: a closed pipe (`weft list | head -0`) or a full disk
//! behind stdout is remembered, later output is dropped, and `main` ends with an error and
//! exit 2 instead of a panic in `println!`.

use std::fmt::Arguments;
use std::io::Write;
use std::sync::Mutex;

/// The first error writing to stdout, if any.
static FAILED: Mutex<Option<std::io::Error>> = Mutex::new(None);

/// Writes formatted text to stdout, unless an earlier write failed.
pub fn write_fmt(args: Arguments<'_>) {
    write_with(|out| out.write_fmt(args));
}

/// Writes bytes to stdout, unless an earlier write failed.
pub fn write_all(bytes: &[u8]) {
    write_with(|out| out.write_all(bytes));
}

fn write_with(write: impl FnOnce(&mut std::io::StdoutLock<'static>) -> std::io::Result<()>) {
    let mut failed = FAILED.lock().unwrap_or_else(|e| e.into_inner());
    if failed.is_none() {
        if let Err(e) = write(&mut std::io::stdout().lock()) {
            *failed = Some(e);
        }
    }
}

/// Flushes stdout (a prompt before reading a line), remembering an error as a write would.
pub fn flush() {
    write_with(|out| out.flush());
}

/// Flushes stdout; the first error any write to it met, if one did.
pub fn finish() -> Option<std::io::Error> {
    let mut failed = FAILED.lock().unwrap_or_else(|e| e.into_inner());
    if failed.is_none() {
        if let Err(e) = std::io::stdout().lock().flush() {
            *failed = Some(e);
        }
    }
    failed.take()
}

/// `print!` to stdout through [`write_fmt`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::stdout::write_fmt(format_args!($($arg)*)) };
}

/// `println!` to stdout through [`write_fmt`].
macro_rules! outln {
    () => { $crate::stdout::write_fmt(format_args!("\n")) };
    ($($arg:tt)*) => {
        $crate::stdout::write_fmt(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {out, outln};
