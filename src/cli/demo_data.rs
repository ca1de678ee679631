//! `hotspot demo-data --out data/demo`: writes the synthetic demo ward (see [`crate::demo`]).

use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Directory to write the demo files into (created if missing).
    #[arg(long, default_value = "data/demo")]
    pub out: PathBuf,
    #[command(flatten)]
    pub output: super::output::OutputArgs,
}

/// Prints the files written, one per line (their paths in the summary with `--json`).
pub fn run(args: Args) -> anyhow::Result<()> {
    let written = crate::demo::write(&args.out)?;
    let mut rep = super::output::Reporter::new("demo-data", args.output);
    for p in &written {
        let p = p.display().to_string();
        if !rep.quiet() {
            println!("{p}");
        }
        let name = p.rsplit('/').next().unwrap_or(&p).to_string();
        rep.output(&name, &p);
    }
    rep.finish();
    Ok(())
}
