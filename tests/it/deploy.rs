//! The Dockerfile and the systemd unit ask the binary only for what it accepts: their
//! commands parse with the binary's own command line, every environment variable they set
//! is one it reads and holds a value it takes, and the image's health check, run against a
//! real server, answers ready (and not ready once the server is gone). No container engine
//! runs here; CI that has one can build the image.

use std::collections::BTreeMap;
use std::process::Command;

use clap::{CommandFactory, Parser};
use conflict_timeline::cli::Cli;

use crate::binary::{BIN, Server};

const DOCKERFILE: &str = include_str!("../../Dockerfile");
const UNIT: &str = include_str!("../../deploy/conflict-timeline.service");

/// The Dockerfile's instructions, continuation lines joined, comments dropped.
fn instructions() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in DOCKERFILE.lines() {
        let line = line.trim();
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        if let Some(start) = line.strip_suffix('\\') {
            current.push_str(start);
            current.push(' ');
            continue;
        }
        current.push_str(line);
        if let Some((word, rest)) = current.trim().split_once(char::is_whitespace) {
            out.push((word.to_ascii_uppercase(), rest.trim().to_string()));
        }
        current.clear();
    }
    out
}

/// The one instruction `word` of the final stage (the last one written).
fn last(word: &str) -> String {
    instructions()
        .into_iter()
        .rfind(|(w, _)| w == word)
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("a {word} instruction"))
}

/// An exec-form JSON array.
fn exec_form(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("exec form {text:?}: {e}"))
}

/// `KEY=value` pairs of the last ENV instruction.
fn docker_env() -> BTreeMap<String, String> {
    last("ENV")
        .split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
        .collect()
}

/// The unit's `Environment=` pairs and its `ExecStart=` words.
fn unit() -> (BTreeMap<String, String>, Vec<String>) {
    let mut env = BTreeMap::new();
    let mut exec = Vec::new();
    for line in UNIT.lines() {
        if let Some(pair) = line.strip_prefix("Environment=")
            && let Some((k, v)) = pair.split_once('=')
        {
            env.insert(k.to_string(), v.to_string());
        }
        if let Some(cmd) = line.strip_prefix("ExecStart=") {
            exec = cmd.split_whitespace().map(str::to_string).collect();
        }
    }
    (env, exec)
}

/// The `--long` flag of the `serve` option that reads `var`, if any.
fn serve_flag_for(var: &str) -> Option<String> {
    let command = Cli::command();
    let serve = command.find_subcommand("serve")?;
    serve
        .get_arguments()
        .find(|a| a.get_env().is_some_and(|e| e == var))
        .and_then(|a| a.get_long().map(|l| format!("--{l}")))
}

fn assert_parses(argv: &[String], what: &str) {
    let mut full = vec!["conflict-timeline".to_string()];
    full.extend(argv.iter().cloned());
    if let Err(err) = Cli::try_parse_from(&full) {
        panic!("{what}: {full:?} is refused: {err}");
    }
}

fn assert_env_accepted(env: &BTreeMap<String, String>, what: &str) {
    assert!(!env.is_empty(), "{what} sets the database and address");
    for (var, value) in env {
        let flag =
            serve_flag_for(var).unwrap_or_else(|| panic!("{what}: {var} is not read by `serve`"));
        assert_parses(
            &["serve".into(), flag, value.clone()],
            &format!("{what}: {var}"),
        );
    }
}

#[test]
fn the_image_runs_commands_and_settings_the_binary_accepts() {
    let mut argv = exec_form(&last("ENTRYPOINT"));
    assert_eq!(argv.remove(0), "conflict-timeline");
    argv.extend(exec_form(&last("CMD")));
    assert_parses(&argv, "ENTRYPOINT + CMD");
    assert_env_accepted(&docker_env(), "ENV");
    assert!(docker_env()["CONFLICT_TIMELINE_DB"].starts_with("/data/"));
    assert!(
        last("VOLUME").contains("/data"),
        "the database is on a volume"
    );
    let user = last("USER");
    assert!(
        user != "root" && user != "0",
        "runs as an unprivileged user"
    );
    let healthcheck = last("HEALTHCHECK");
    let (_, cmd) = healthcheck.split_once("CMD").expect("HEALTHCHECK … CMD");
    let mut probe = exec_form(cmd.trim());
    assert_eq!(probe.remove(0), "conflict-timeline");
    assert_parses(&probe, "HEALTHCHECK");
    assert_eq!(probe[0], "probe");
    let froms = instructions().iter().filter(|(w, _)| w == "FROM").count();
    assert!(froms >= 2, "a multi-stage build");
}

#[test]
fn the_systemd_unit_runs_a_command_and_settings_the_binary_accepts() {
    let (env, exec) = unit();
    assert!(exec[0].ends_with("/conflict-timeline"), "{exec:?}");
    assert_parses(&exec[1..], "ExecStart");
    assert_env_accepted(&env, "Environment");
}

#[test]
fn the_health_check_answers_for_a_real_server() {
    let dir = tempfile::tempdir().expect("dir");
    let (_, exec) = unit();
    let serve_args: Vec<&str> = exec[2..].iter().map(String::as_str).collect();
    let mut server = Server::start(&dir.path().join("app.db"), &serve_args);
    let healthcheck = last("HEALTHCHECK");
    let (_, cmd) = healthcheck.split_once("CMD").expect("CMD");
    let probe = exec_form(cmd.trim());
    let addr = server.addr;
    let run_probe = || {
        Command::new(BIN)
            .args(&probe[1..])
            .env("CONFLICT_TIMELINE_BIND", addr.to_string())
            .output()
            .expect("probe runs")
    };
    let ready = run_probe();
    assert!(
        ready.status.success(),
        "ready: {}",
        String::from_utf8_lossy(&ready.stderr)
    );
    let signalled = server.terminate();
    server.exit_within(signalled, std::time::Duration::from_secs(10));
    let gone = run_probe();
    assert!(!gone.status.success(), "not ready once stopped");
    assert!(String::from_utf8_lossy(&gone.stderr).contains("probe of http://"));
}
