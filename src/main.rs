fn main() {
    std::process::exit(dlint::cli::main());
}
