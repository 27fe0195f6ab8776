//! The `chingu` command: parse arguments, run the command, turn the outcome into an exit
//! code. Everything else lives in the library and in the `cli` module.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::main(args)
}
