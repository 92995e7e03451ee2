fn main() {
    let report = connleak::run(&connleak::Options::default());
    std::process::exit(report.exit_code());
}
