//! The command line: `serve` (the default), `import`, `export`. Every option can also be set by an
//! environment variable, so a container or service manager needs no flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::bootstrap::{self, BootstrapError};
use crate::db;
use crate::edtf::Day;
use crate::export::{ExportError, ExportFilter, ExportFormat, export_with};
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
    /// Write the database (or part of it) out as native TOML, CSV, TimelineJS JSON,
    /// iCalendar or Atom.
    Export(ExportArgs),
    /// List the imports recorded in the database, newest first: when, which files (name,
    /// size, SHA-256), which format and options, and the events added, changed, unchanged
    /// and removed.
    Imports(DbArgs),
    /// Merge the search index, refresh the planner's statistics and compact the file when
    /// free pages exceed a threshold; reports the space reclaimed. Safe while servers run.
    Optimize(OptimizeArgs),
    /// Ask a running server whether it is ready (`GET /readyz`); exit 0 if it answers 200.
    /// For container health checks, where no HTTP client is installed.
    Probe(ProbeArgs),
}

/// Options of a command that only needs the database.
#[derive(Clone, Debug, Args)]
pub struct DbArgs {
    /// The SQLite database file.
    #[arg(long, env = "CONFLICT_TIMELINE_DB", default_value = DEFAULT_DB)]
    pub db: String,
}

/// Options of `optimize`.
#[derive(Clone, Debug, Args)]
pub struct OptimizeArgs {
    /// The SQLite database file.
    #[arg(long, env = "CONFLICT_TIMELINE_DB", default_value = DEFAULT_DB)]
    pub db: String,
    /// Compact the file (VACUUM) when free pages are more than this percentage of it.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub vacuum_percent: u8,
}

/// Options of `probe`.
#[derive(Clone, Debug, Args)]
pub struct ProbeArgs {
    /// The address the server listens on (an unspecified address such as 0.0.0.0 is asked
    /// on the loopback interface).
    #[arg(long, env = "CONFLICT_TIMELINE_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,
    /// The path to ask.
    #[arg(long, default_value = "/readyz")]
    pub path: String,
    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 3)]
    pub timeout_secs: u64,
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
    #[arg(long, env = "CONFLICT_TIMELINE_DB_CONNECTIONS", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub db_connections: u32,
    /// Most requests handled at once; more wait up to half a second, then get 503 with
    /// Retry-After.
    #[arg(long, env = "CONFLICT_TIMELINE_MAX_IN_FLIGHT", default_value_t = 128,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_in_flight: u32,
    /// How many of the requests in flight work out a page or an answer at once; the others
    /// wait their turn, in order (default: two per core). Kept answers never wait.
    #[arg(long, env = "CONFLICT_TIMELINE_MAX_WORKING",
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_working: Option<u32>,
    /// Memory, in MiB, for pages and API answers kept until the data changes (0: none).
    #[arg(long, env = "CONFLICT_TIMELINE_CACHE_MB", default_value_t = 32,
          value_parser = clap::value_parser!(u32).range(0..=4096))]
    pub cache_mb: u32,
    /// On SIGTERM or Ctrl-C, seconds to go on serving while `/readyz` answers 503, so that a
    /// load balancer stops sending requests before the listener closes (0: close at once;
    /// requests in flight always finish).
    #[arg(long, env = "CONFLICT_TIMELINE_DRAIN_SECS", default_value_t = 0,
          value_parser = clap::value_parser!(u32).range(0..=300))]
    pub drain_secs: u32,
    /// Most client connections open at once (fewer if the file limit is lower); more wait
    /// to be accepted.
    #[arg(long, env = "CONFLICT_TIMELINE_MAX_CONNECTIONS", default_value_t = 4096,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
    /// Answer every query from SQLite, without the in-memory event index (for comparing;
    /// the index gives the same answers).
    #[arg(long, env = "CONFLICT_TIMELINE_NO_EVENT_INDEX")]
    pub no_event_index: bool,
    /// Search with SQLite's full-text table only, without the search index kept in a
    /// folder beside the database (`<file>.search`; built in the background when missing
    /// or stale, and used only at the data version it was built from).
    #[arg(long, env = "CONFLICT_TIMELINE_NO_SEARCH_INDEX")]
    pub no_search_index: bool,
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
    /// Put every event of a CSV or TimelineJS file into this conflict (a slug; created if
    /// missing) instead of the one each row or file implies.
    #[arg(long, value_name = "SLUG")]
    pub conflict: Option<String>,
    /// The name of the `--conflict` conflict (default: its slug, or a TimelineJS title).
    #[arg(long, value_name = "NAME", requires = "conflict")]
    pub conflict_name: Option<String>,
    /// Resolve relative media paths of TimelineJS files against this address (the page the
    /// timeline was published on, as a browser would); without it they are left out and
    /// reported.
    #[arg(long, value_name = "URL", value_parser = base_url)]
    pub base_url: Option<url::Url>,
}

/// Options of `export`.
#[derive(Clone, Debug, Args)]
pub struct ExportArgs {
    /// The SQLite database file.
    #[arg(long, env = "CONFLICT_TIMELINE_DB", default_value = DEFAULT_DB)]
    pub db: String,
    /// What to write.
    #[arg(long, value_enum, default_value_t = ExportFormat::Native)]
    pub format: ExportFormat,
    /// Only this conflict (slug).
    #[arg(long, value_name = "SLUG")]
    pub conflict: Option<String>,
    /// Only events whose span reaches this date or later (YYYY, YYYY-MM or YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = first_day)]
    pub from: Option<Day>,
    /// Only events that start on or before this date (YYYY, YYYY-MM or YYYY-MM-DD; a month
    /// or year includes all of it).
    #[arg(long, value_name = "DATE", value_parser = last_day)]
    pub to: Option<Day>,
    /// The file to write (default: standard output).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The public base URL of the site: adds links to the event pages (TimelineJS,
    /// iCalendar, Atom, the spreadsheet CSV) as the site's own exports have them.
    #[arg(long, env = "CONFLICT_TIMELINE_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
}

/// An `http` or `https` address with a host, for `--base-url`.
fn base_url(s: &str) -> Result<url::Url, String> {
    let parsed = url::Url::parse(s).map_err(|e| format!("not a web address: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err("must be an http:// or https:// address".to_string());
    }
    Ok(parsed)
}

fn first_day(s: &str) -> Result<Day, String> {
    crate::edtf::parse_filter_date(s)
        .map(|(first, _)| first)
        .map_err(|e| e.to_string())
}

fn last_day(s: &str) -> Result<Day, String> {
    crate::edtf::parse_filter_date(s)
        .map(|(_, last)| last)
        .map_err(|e| e.to_string())
}

/// Why a command failed; printed to stderr before a non-zero exit.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error(transparent)]
    Bootstrap(#[from] BootstrapError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Serve(#[from] web::ServeError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error("the database {} failed: {source}", .path.display())]
    Query {
        path: PathBuf,
        #[source]
        source: sqlx::Error,
    },
    #[error("probe of {url}: {why}")]
    Probe { url: String, why: String },
    #[error("cannot create {}: {source}", .path.display())]
    Output {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl CliError {
    /// For `map_err`: a query on the database at `path` failed.
    fn query(path: &Path) -> impl FnOnce(sqlx::Error) -> CliError + '_ {
        |source| CliError::Query {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl Cli {
    /// The log format the chosen command asks for.
    pub fn log_format(&self) -> LogFormat {
        match &self.command {
            Some(Command::Serve(args)) => args.log_format,
            Some(
                Command::Import(_)
                | Command::Export(_)
                | Command::Probe(_)
                | Command::Imports(_)
                | Command::Optimize(_),
            ) => LogFormat::Text,
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
        Some(Command::Export(args)) => run_export(args).await,
        Some(Command::Probe(args)) => probe(&args),
        Some(Command::Imports(args)) => list_imports(&args).await,
        Some(Command::Optimize(args)) => optimize(&args).await,
    }
}

/// The database a command writes to, opened and migrated: its path and a pool.
async fn open_for_writing(arg: &str) -> Result<(PathBuf, sqlx::SqlitePool), CliError> {
    let path = db::path_from_arg(arg);
    let pool = db::open_read_write(&path).await?;
    db::migrate(&pool, &path).await?;
    Ok((path, pool))
}

/// `imports`: the recorded revisions, newest first, one block each.
async fn list_imports(args: &DbArgs) -> Result<(), CliError> {
    let (path, pool) = open_for_writing(&args.db).await?;
    let revisions = db::history::revisions(&pool)
        .await
        .map_err(CliError::query(&path))?;
    pool.close().await;
    if revisions.is_empty() {
        println!("no imports recorded");
    }
    for r in revisions {
        println!(
            "import {} at {} (started {}): {} added, {} changed, {} unchanged, {} removed",
            r.id, r.finished_at, r.started_at, r.added, r.changed, r.unchanged, r.removed
        );
        println!("  format: {}; options: {}", r.format, r.options);
        let files: Vec<serde_json::Value> = serde_json::from_str(&r.files).unwrap_or_default();
        for file in files {
            println!(
                "  file: {} ({} bytes, sha256 {})",
                file["name"].as_str().unwrap_or(""),
                file["size"],
                file["sha256"].as_str().unwrap_or("")
            );
        }
    }
    Ok(())
}

/// `optimize`: housekeeping after large imports, with the space reclaimed.
async fn optimize(args: &OptimizeArgs) -> Result<(), CliError> {
    let (path, pool) = open_for_writing(&args.db).await?;
    let started = std::time::Instant::now();
    let report = db::maintenance::optimize(&pool, args.vacuum_percent)
        .await
        .map_err(CliError::query(&path))?;
    pool.close().await;
    println!(
        "optimized in {:.1} s: {} bytes before, {} after ({} reclaimed; {} bytes were free pages; {})",
        started.elapsed().as_secs_f64(),
        report.bytes_before,
        report.bytes_after,
        report.reclaimed(),
        report.free_bytes_before,
        if report.vacuumed {
            "compacted with VACUUM"
        } else {
            "no VACUUM needed"
        }
    );
    Ok(())
}

/// `probe`: one GET over a fresh connection; success is a 200.
fn probe(args: &ProbeArgs) -> Result<(), CliError> {
    use std::io::{Read, Write};
    let mut addr = args.bind;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let url = format!("http://{addr}{}", args.path);
    let fail = |why: String| CliError::Probe {
        url: url.clone(),
        why,
    };
    let timeout = std::time::Duration::from_secs(args.timeout_secs.max(1));
    let mut stream = std::net::TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| fail(format!("cannot connect: {e}")))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| fail(e.to_string()))?;
    write!(
        stream,
        "GET {} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n",
        args.path
    )
    .map_err(|e| fail(format!("cannot send: {e}")))?;
    let mut head = [0u8; 64];
    let n = stream
        .read(&mut head)
        .map_err(|e| fail(format!("no answer: {e}")))?;
    let status_line = String::from_utf8_lossy(&head[..n]);
    let status = status_line.split_whitespace().nth(1).unwrap_or("");
    if status == "200" {
        Ok(())
    } else {
        Err(fail(format!(
            "answered {}",
            status_line.lines().next().unwrap_or("nothing")
        )))
    }
}

async fn run_export(args: ExportArgs) -> Result<(), CliError> {
    let path = db::path_from_arg(&args.db);
    let pool = db::open_serving(&path, 1, db::access(&path)).await?;
    let filter = ExportFilter {
        conflict: args.conflict,
        from: args.from,
        to: args.to,
    }
    .event_filter();
    let format = args.format.format();
    let base = args
        .public_url
        .as_deref()
        .map(|url| url.trim_end_matches('/').to_string());
    let result = match &args.output {
        Some(file) => {
            let created = std::fs::File::create(file).map_err(|source| CliError::Output {
                path: file.clone(),
                source,
            })?;
            let mut out = std::io::BufWriter::new(created);
            export_with(&pool, format, &filter, base.clone(), &mut out).await
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout());
            export_with(&pool, format, &filter, base.clone(), &mut out).await
        }
    };
    pool.close().await;
    let written = match result {
        // A reader that stops early (`export | head`) is not a failure of the export.
        Err(ExportError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
        other => other?,
    };
    if args.output.is_some() {
        eprintln!("exported {written} events");
    }
    Ok(())
}

async fn serve(args: ServeArgs) -> Result<(), CliError> {
    let path = db::path_from_arg(&args.db);
    let access = db::access(&path);
    let pool = if access == db::Access::Writable {
        if bootstrap::prepare(&path).await? {
            tracing::info!(db = %path.display(), "created the database and loaded the bundled dataset");
        }
        db::open_serving(&path, args.db_connections, access).await?
    } else {
        // Served as it is: nothing to create, and no migration can be written.
        tracing::info!(db = %path.display(), ?access, "serving a database that cannot be written");
        let pool = db::open_serving(&path, args.db_connections, access).await?;
        db::check_migrated(&pool, &path).await?;
        pool
    };
    let public_url = args
        .public_url
        .unwrap_or_else(|| format!("http://{}", args.bind));
    let mut config = web::Config::new(public_url);
    config.max_in_flight = args.max_in_flight as usize;
    if let Some(n) = args.max_working {
        config.working_at_once = n as usize;
    }
    config.response_cache_bytes = args.cache_mb as usize * 1024 * 1024;
    config.db_path = Some(path.clone());
    config.drain = std::time::Duration::from_secs(u64::from(args.drain_secs));
    config.max_connections = args.max_connections as usize;
    config.event_index = !args.no_event_index;
    config.text_index = !args.no_search_index;
    let state = web::AppState::new(pool, config);
    web::serve(state, args.bind, &path).await?;
    Ok(())
}

async fn run_import(args: ImportArgs) -> Result<(), CliError> {
    let (_, pool) = open_for_writing(&args.db).await?;
    let inputs: Vec<Input> = args
        .files
        .iter()
        .map(|f| Input::path(f, args.format))
        .collect();
    let options = ImportOptions {
        check_only: args.check,
        replace: args.replace,
    };
    let mapping = import::MappingOptions {
        conflict: args.conflict.clone(),
        conflict_name: args.conflict_name.clone(),
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        base_url: args.base_url.clone(),
    };
    let result = import::import_with(&pool, &inputs, options, &mapping).await;
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
        "{verb}: {} new, {} updated, {} unchanged, {} removed events; {} conflicts, {} eras and {} places written",
        summary.inserted,
        summary.updated,
        summary.unchanged,
        summary.deleted,
        summary.conflicts_written,
        summary.eras_written,
        summary.places_written
    );
    // What was changed or left out of the files, per kind with a count and a line each.
    for line in summary.report.lines() {
        println!("{line}");
    }
    Ok(())
}
