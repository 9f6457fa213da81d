//! The `radar` binary: everything is in the library's `cli` module.

fn main() -> std::process::ExitCode {
    campus_radar::cli::run()
}
