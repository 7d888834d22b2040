//! `preview-stack synth` prints the template; `preview-stack deploy` deploys it with
//! lamux-deploy's engine (AWS credentials and region from the usual chain).

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use lamux_cdk::aws::Clients;
use lamux_cdk::engine::{self, Deployment};
use preview_stack::Settings;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// lamux routes `ALIAS-FUNCTION.SUFFIX` under this suffix.
    #[arg(long, default_value = "preview.example.com", global = true)]
    domain_suffix: String,
    /// echo's bootstrap.
    #[arg(long, default_value = "target/lambda/echo/bootstrap", global = true)]
    echo: PathBuf,
    /// lamux's bootstrap.
    #[arg(long, default_value = "target/lambda/lamux/bootstrap", global = true)]
    lamux: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Print the template.
    Synth,
    /// Deploy the stack.
    Deploy {
        #[arg(long, default_value = "preview-pr42")]
        stack_name: String,
        #[arg(long)]
        region: Option<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings { domain_suffix: cli.domain_suffix, echo: cli.echo, lamux: cli.lamux };
    let synthesized = preview_stack::stack(&settings)?.synth()?;
    match cli.command {
        Command::Synth => print!("{}", synthesized.template.to_json()),
        Command::Deploy { stack_name, region } => {
            let clients = Clients::from_env(region.as_deref(), None).await?;
            let outputs = engine::deploy(&clients, &Deployment::new(&stack_name, &synthesized)).await?;
            for (key, value) in outputs {
                println!("{key}: {value}");
            }
        }
    }
    Ok(())
}
