//! The `hotspot` binary: parse, run, map errors to exit codes (0 ok, 1 failure, 2 bad input).
use clap::Parser;
use hotspot::cli::{Cli, exit::exit_code, print_error, run};

fn main() {
    let cli = Cli::parse();
    if let Err(err) = run(cli) {
        print_error(&err);
        std::process::exit(exit_code(&err));
    }
}
