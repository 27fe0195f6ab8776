//! The `chingu` command: everything lives in the library and in the `cli` module; this
//! only turns the outcome into an exit code.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
