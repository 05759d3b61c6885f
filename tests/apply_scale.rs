//! `xtenant apply` at scale, killed: a generated pair with more than 200
//! ready disks, collected offline and assessed, a plan of 200 disk copies
//! (400 steps: snapshot, then disk), served by the in-process simulator with
//! its write quotas on. The real binary is SIGKILLed at random points (during
//! the re-check and while PUTs and polls are in flight) and resumed each
//! time until it finishes. Then: every resource was created exactly once
//! (the simulator's log has one successful creating PUT per resource), and
//! the journal agrees with the simulator (every step it says is done exists
//! there, and nothing was created there that the journal does not know).
//!
//! The process killed is this test binary itself, re-run to do nothing but
//! `xtenant apply` through the library ([`apply_child_process`]): the shared
//! `debug/xtenant` may be another worktree's build, this binary cannot be.
//! Tokens come from the simulator's token endpoint through curl, as the disk
//! identity (`migrator@…`, a guest in the source: pull mode).

mod common;
use common::{run_cli, s};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use xtenant::execute::journal::{self, Event};
use xtenant::raw::Side;
use xtenant::sim::generate::{generate, GenerateOptions, SizeOverrides};
use xtenant::sim::serve::{DataSource, SimHandle, SimOptions, Simulator};

const ITEMS: usize = 200;
/// Set in the child process: the JSON array of `xtenant` arguments to run.
const CHILD_ENV: &str = "XTENANT_APPLY_SCALE_CHILD";
const ARM: &str = "https://management.azure.com";

/// The generated config pointed at the simulator, both tenants signed in
/// as the disk identity with the password grant (curl, not the shared
/// binary, so only `apply` itself runs from it).
fn config_text(sim: &SimHandle, raw: &Path) -> String {
    let generated = std::fs::read_to_string(raw.join("xtenant.toml")).expect("generated config");
    let cfg: toml::Table = toml::from_str(&generated).expect("toml");
    let upn = cfg["identities"]["disk"]["upn"]
        .as_str()
        .expect("disk identity upn")
        .to_string();
    let script = format!(
        "curl -sS -f --data grant_type=password --data client_id={} --data-urlencode username={upn} --data password=simulator --data-urlencode scope=$1 {}/login/$2/oauth2/v2.0/token",
        xtenant::sim::serve::login::DEFAULT_CLIENT_ID,
        sim.base_url()
    );
    let auth = |side: &str| {
        format!(
            "\n[{side}.auth]\nkind = \"command\"\ncommand = [\"sh\", \"-c\", {}, \"sh\", \"{{scope}}\", \"{{tenant}}\"]\n",
            Value::String(script.clone())
        )
    };
    assert!(generated.contains("\n[target]\n") && generated.contains("\n[identities.acr]\n"));
    let text = generated
        .replacen(
            "\n[target]\n",
            &format!("{}\n[target]\n", auth("source")),
            1,
        )
        .replacen(
            "\n[identities.acr]\n",
            &format!("{}\n[identities.acr]\n", auth("target")),
            1,
        );
    format!("{}\n{text}", sim.endpoints_toml())
}

/// Not a test of its own: the process the crash test starts and kills. Run
/// without [`CHILD_ENV`] (as part of the suite) it does nothing; with it, it
/// runs `xtenant` with those arguments as `main` does and exits with its code.
#[test]
fn apply_child_process() {
    let Ok(args) = std::env::var(CHILD_ENV) else {
        return;
    };
    let args: Vec<String> = serde_json::from_str(&args).expect("child arguments");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, err) = run_cli(&args);
    if !err.is_empty() {
        eprintln!("error: {err}");
    }
    std::process::exit(code);
}

/// This test binary, set to run only [`apply_child_process`] with `args`.
fn apply_command(args: &[&str]) -> Command {
    let exe = std::env::current_exe().expect("test binary path");
    let mut c = Command::new(exe);
    c.args([
        "--exact",
        "apply_child_process",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD_ENV, serde_json::to_string(args).expect("json"));
    c
}

/// A small deterministic generator for the kill points (seeded per run and
/// printed, so a failure can be replayed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        lo + (self.0 >> 33) % (hi - lo)
    }
}

fn lines(p: &Path) -> usize {
    std::fs::read_to_string(p).map_or(0, |t| t.lines().count())
}

/// The resource path (lowercase, from `/subscriptions/`) of a step URL.
fn resource_of(url: &str) -> String {
    let path = url.split('?').next().unwrap_or(url).to_ascii_lowercase();
    match path.find("/subscriptions/") {
        Some(i) => path[i..].to_string(),
        None => path,
    }
}

#[test]
fn apply_of_200_disks_killed_at_random_points_and_resumed_creates_each_resource_once() {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    let raw = dir.path().join("raw");
    let opts = GenerateOptions {
        sizes: SizeOverrides {
            disks: Some(450),
            ..SizeOverrides::NONE
        },
        ..GenerateOptions::new(1, 42)
    };
    generate(&raw, &opts).expect("generate");

    let snap = dir.path().join("snapshot");
    let (code, err) = run_cli(&["collect", "--from-dir", s(&raw), "--out", s(&snap)]);
    assert_eq!(code, 0, "collect: {err}");
    let results = dir.path().join("results");
    let (code, err) = run_cli(&[
        "assess",
        "--snapshot",
        s(&snap),
        "--out",
        s(&results),
        "--report",
        "none",
    ]);
    assert!(code <= 1, "assess: {code} {err}");
    let r = xtenant::assess::read_results(&results).expect("results");
    let ready: Vec<String> = r
        .items
        .iter()
        .filter(|i| {
            i.kind == "disk"
                && i.readiness == xtenant::rules::readiness::Readiness::Ready
                && i.excepted.is_empty()
        })
        .map(|i| i.id.clone())
        .collect();
    assert!(
        ready.len() >= ITEMS,
        "only {} of 450 generated disks are ready",
        ready.len()
    );
    eprintln!(
        "{} of 450 generated disks ready ({:.1} s)",
        ready.len(),
        started.elapsed().as_secs_f64()
    );

    let sim = Simulator::start(SimOptions {
        data: DataSource::Raw(raw.clone()),
        lro: Duration::from_secs(1),
        ..SimOptions::default()
    })
    .expect("simulator");
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).expect("mkdir");
    for f in ["usermapping.csv", "batch-01.csv"] {
        std::fs::copy(raw.join(f), work.join(f)).expect("user file");
    }
    let config = work.join("xtenant.toml");
    std::fs::write(&config, config_text(&sim, &raw)).expect("config");
    let plan = work.join("plan.json");
    let items = ready[..ITEMS].join(",");
    let (code, err) = run_cli(&[
        "plan",
        "--results",
        s(&results),
        "--snapshot",
        s(&snap),
        "--out",
        s(&plan),
        "--config",
        s(&config),
        "--workload",
        "disk",
        "--items",
        &items,
    ]);
    assert_eq!(code, 0, "plan: {err}");
    let p: Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).expect("plan")).expect("json");
    let steps: Vec<&Value> = p["items"]
        .as_array()
        .expect("items")
        .iter()
        .flat_map(|i| i["steps"].as_array().expect("steps").iter())
        .collect();
    assert_eq!(p["items"].as_array().map(Vec::len), Some(ITEMS));
    assert_eq!(steps.len(), 2 * ITEMS, "snapshot + disk per item");
    eprintln!("planned ({:.1} s)", started.elapsed().as_secs_f64());

    let args = [
        "apply",
        "--plan",
        s(&plan),
        "--yes",
        "--resume",
        "--config",
        s(&config),
    ];
    let jpath = journal::default_path(&plan);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7);
    let mut rng = Lcg(seed);
    let mut kills = Vec::new();
    for k in 0..4 {
        let errlog = work.join(format!("apply-{k}.err"));
        let mut child = apply_command(&args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&errlog).expect("stderr file"))
            .spawn()
            .expect("spawn apply");
        let before = lines(&jpath);
        // The first kill lands early (the re-check, the first PUTs); the
        // others after a random number of journal entries, so PUTs and
        // polls are in flight.
        let (wait_ms, more) = if k == 0 {
            (rng.next(300, 2500), usize::MAX)
        } else {
            (u64::MAX, rng.next(10, 150) as usize)
        };
        let t = Instant::now();
        let deadline = t + Duration::from_secs(180);
        while child.try_wait().expect("wait").is_none()
            && (t.elapsed().as_millis() as u64) < wait_ms
            && lines(&jpath) < before.saturating_add(more)
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        let running = child.try_wait().expect("wait").is_none();
        if running {
            child.kill().expect("SIGKILL");
        }
        let status = child.wait().expect("wait");
        let err = std::fs::read_to_string(&errlog).unwrap_or_default();
        kills.push((running, lines(&jpath) - before, t.elapsed().as_millis()));
        if !running {
            assert_eq!(status.code(), Some(0), "apply ended early: {err}");
            break;
        }
    }
    eprintln!(
        "seed {seed}: runs (killed, journal entries, ms): {kills:?} ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
    assert!(
        kills.iter().filter(|k| k.0).count() >= 3,
        "fewer than 3 runs were killed: {kills:?}"
    );
    let out = apply_command(&args).output().expect("run apply");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // Each step finished exactly once in the journal.
    let j = journal::read(&jpath).expect("journal");
    let mut finished: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &j {
        if matches!(e.event, Event::Done | Event::AlreadyDone) {
            *finished
                .entry(e.step_id.as_deref().expect("step id"))
                .or_default() += 1;
        }
    }
    for st in &steps {
        let id = st["id"].as_str().expect("id");
        assert_eq!(
            finished.get(id),
            Some(&1),
            "{id} finished {:?} times",
            finished.get(id)
        );
    }

    // The simulator: one successful creating PUT per resource, none twice.
    let log = sim.log();
    let mut puts: BTreeMap<String, usize> = BTreeMap::new();
    let mut created: BTreeMap<String, usize> = BTreeMap::new();
    for e in log.iter().filter(|e| e.method == "PUT") {
        let id = resource_of(e.resource_id.as_deref().unwrap_or(&e.path));
        if e.status.is_some_and(|s| (200..300).contains(&s)) {
            *puts.entry(id.clone()).or_default() += 1;
        }
        if e.created {
            *created.entry(id).or_default() += 1;
        }
    }
    let twice: Vec<_> = puts.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "resources PUT more than once: {twice:?}");
    let dup: Vec<_> = created.iter().filter(|(_, n)| **n != 1).collect();
    assert!(dup.is_empty(), "resources created more than once: {dup:?}");

    // The journal agrees with the simulator: what it says is done is what
    // was created, and each exists there now, Succeeded.
    let planned: BTreeSet<String> = steps
        .iter()
        .map(|st| resource_of(st["url"].as_str().expect("url")))
        .collect();
    let made: BTreeSet<String> = created.keys().cloned().collect();
    assert_eq!(
        made.difference(&planned).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "created in the simulator, unknown to the journal"
    );
    assert_eq!(
        planned.difference(&made).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "journaled done, never created"
    );
    let target = sim
        .tenants()
        .into_iter()
        .find(|(side, _)| *side == Side::Target)
        .map(|(_, t)| t)
        .expect("target tenant");
    let tok = sim.token(&target, ARM, "verifier");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = reqwest::Client::new();
    rt.block_on(async {
        for st in &steps {
            let url = st["exists_check"]["url"].as_str().expect("exists url");
            let mut tries = 0;
            let v: Value = loop {
                let r = client.get(url).bearer_auth(&tok).send().await.expect("GET");
                if r.status().as_u16() == 429 && tries < 20 {
                    tries += 1;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
                assert_eq!(r.status().as_u16(), 200, "{url}");
                break r.json().await.expect("json");
            };
            assert_eq!(
                v["properties"]["provisioningState"], "Succeeded",
                "{url}: {v}"
            );
        }
    });
    let started_steps = j.iter().filter(|e| e.event == Event::Started).count();
    let already = j.iter().filter(|e| e.event == Event::AlreadyDone).count();
    eprintln!(
        "{} PUTs for {} resources; journal: {} entries, {started_steps} started, {already} already-done; {:.1} s",
        puts.values().sum::<usize>(),
        made.len(),
        j.len(),
        started.elapsed().as_secs_f64()
    );
}
