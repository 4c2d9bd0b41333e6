//! The `seika` binary; everything lives in the library.

fn main() -> std::process::ExitCode {
    seika::cli::main()
}
