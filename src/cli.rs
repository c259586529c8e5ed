//! The command line: `serve` (the default), `import`. Every option can also be set by an
//! environment variable, so a container or service manager needs no flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::db;
use crate::import::{self, Format, ImportError, ImportOptions, Input};
use crate::web;

/// Where the database lives unless told otherwise.
pub const DEFAULT_DB: &str = "data/conflict-timeline.db";

/// A web explorer for the chronology of armed conflicts.
#[derive(Debug, Parser)]
#[command(
    name = "conflict-timeline",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options for `serve`, which also runs when no command is given.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the explorer (creating, migrating and seeding the database on first run).
    Serve(ServeArgs),
    /// Import files into the database, all or nothing.
    Import(ImportArgs),
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Options of `serve`.
#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// The SQLite database file (created on first run).
    #[arg(long, env = "CONFLICT_TIMELINE_DB", default_value = DEFAULT_DB)]
    pub db: String,
    /// The address and port to listen on.
    #[arg(long, env = "CONFLICT_TIMELINE_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,
    /// The public base URL, used in canonical links and share previews
    /// (default: http:// and the bind address).
    #[arg(long, env = "CONFLICT_TIMELINE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Log format.
    #[arg(long, env = "CONFLICT_TIMELINE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Read connections in the database pool.
    #[arg(long, env = "CONFLICT_TIMELINE_DB_CONNECTIONS", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub db_connections: u32,
}

/// Options of `import`.
#[derive(Clone, Debug, Args)]
pub struct ImportArgs {
    /// Files to import, all in one transaction.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The SQLite database file (created if missing).
    #[arg(long, env = "CONFLICT_TIMELINE_DB", default_value = DEFAULT_DB)]
    pub db: String,
    /// The format of every file (default: detected from each file).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Validate everything and write nothing.
    #[arg(long)]
    pub check: bool,
    /// Delete the events of each imported conflict that the files do not mention.
    #[arg(long)]
    pub replace: bool,
}

/// Why a command failed; printed to stderr before a non-zero exit.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Serve(#[from] web::ServeError),
}

impl Cli {
    /// The log format the chosen command asks for.
    pub fn log_format(&self) -> LogFormat {
        match &self.command {
            Some(Command::Serve(args)) => args.log_format,
            Some(Command::Import(_)) => LogFormat::Text,
            None => self.serve.log_format,
        }
    }
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Some(Command::Serve(args)) => serve(args).await,
        None => serve(cli.serve).await,
        Some(Command::Import(args)) => run_import(args).await,
    }
}

async fn serve(args: ServeArgs) -> Result<(), CliError> {
    let path = db::path_from_arg(&args.db);
    if db::prepare(&path).await? {
        tracing::info!(db = %path.display(), "created the database and loaded the bundled dataset");
    }
    let pool = db::open_read_only(&path, args.db_connections).await?;
    let public_url = args
        .public_url
        .unwrap_or_else(|| format!("http://{}", args.bind));
    let state = web::AppState::new(pool, web::Config { public_url });
    web::serve(state, args.bind, &path).await?;
    Ok(())
}

async fn run_import(args: ImportArgs) -> Result<(), CliError> {
    let path = db::path_from_arg(&args.db);
    let pool = db::open_read_write(&path).await?;
    db::migrate(&pool, &path).await?;
    let inputs: Vec<Input> = args
        .files
        .iter()
        .map(|f| Input::path(f, args.format))
        .collect();
    let options = ImportOptions {
        check_only: args.check,
        replace: args.replace,
    };
    let result = import::import(&pool, &inputs, options).await;
    pool.close().await;
    let summary = match result {
        Ok(summary) => summary,
        Err(ImportError::Invalid { problems, total }) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            if total > problems.len() {
                eprintln!("… and {} more", total - problems.len());
            }
            return Err(ImportError::Invalid { problems, total }.into());
        }
        Err(other) => return Err(other.into()),
    };
    let verb = if args.check {
        "checked (nothing written)"
    } else {
        "imported"
    };
    println!(
        "{verb}: {} new, {} updated, {} unchanged, {} deleted events; {} conflicts and {} eras written",
        summary.inserted,
        summary.updated,
        summary.unchanged,
        summary.deleted,
        summary.conflicts_written,
        summary.eras_written
    );
    Ok(())
}
