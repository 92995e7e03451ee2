//! `cargo connleak` / `cargo-connleak`: everything is in [`connleak::cli`].

fn main() {
    std::process::exit(connleak::cli::main_with_args(std::env::args_os().collect()));
}
