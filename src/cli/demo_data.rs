//! `hotspot demo-data --out data/demo`: writes the synthetic demo ward (see [`crate::demo`]).

use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Directory to write the demo files into (created if missing).
    #[arg(long, default_value = "data/demo")]
    pub out: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let written = crate::demo::write(&args.out)?;
    for p in written {
        println!("{}", p.display());
    }
    Ok(())
}
