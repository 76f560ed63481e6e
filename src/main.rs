use clap::Parser;

fn main() {
    let cli = imgcopy::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("imgcopy: error: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let env = imgcopy::process_environment();
    let code = runtime.block_on(imgcopy::run(cli.into_invocation(), env));
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    std::process::exit(code);
}
