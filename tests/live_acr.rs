//! The container registry data plane collected live from the in-process
//! simulator: the manifest CSV lists exactly the images the simulator
//! serves, a registry the collector cannot reach fails alone with the reason,
//! and the simulator's registry endpoints answer as a registry does (token
//! exchange, scoped access tokens, 401 challenges, `Link` paging by `n` and
//! `last`).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use xtenant::collect::live::{self, ArmSource, LiveOptions};
use xtenant::collect::Status;
use xtenant::config::Config;
use xtenant::raw::{RawExport, Side};
use xtenant::sim::serve::{DataSource, SimHandle, SimOptions, Simulator};

const SOURCE: &str = "8f1c2b3a-0d4e-4f5a-9b6c-7d8e9f0a1b2c";

fn demo_dir() -> PathBuf {
    common::manifest_dir().join("fixtures/demo")
}

/// The demo config pointed at `sim`, signing in with curl to its token endpoint.
fn write_config(sim: &SimHandle, dir: &Path) -> PathBuf {
    let demo = std::fs::read_to_string(demo_dir().join("xtenant.toml")).expect("demo config");
    let auth = |side: &str| {
        format!(
            "\n[{side}.auth]\nkind = \"command\"\ncommand = [\"curl\", \"-sS\", \"-f\", \"--data\", \"grant_type=client_credentials\", \"--data\", \"client_id={}\", \"--data\", \"client_secret=simulator\", \"--data-urlencode\", \"scope={{scope}}\", \"{}/login/{{tenant}}/oauth2/v2.0/token\"]\n",
            xtenant::sim::serve::login::DEFAULT_CLIENT_ID,
            sim.base_url(),
        )
    };
    let demo = demo
        .replacen(
            "\n[target]\n",
            &format!("{}\n[target]\n", auth("source")),
            1,
        )
        .replacen(
            "\n[identities.disk]\n",
            &format!("{}\n[identities.disk]\n", auth("target")),
            1,
        );
    for f in ["usermapping.csv", "batch-wave1.csv"] {
        std::fs::copy(demo_dir().join(f), dir.join(f)).expect("copy user file");
    }
    let p = dir.join("xtenant.toml");
    std::fs::write(&p, format!("{}\n{demo}", sim.endpoints_toml())).expect("write config");
    p
}

fn collect(sim: &SimHandle, dir: &Path, fill: &Path) -> (PathBuf, live::LiveSummary) {
    let cfg = Config::load(&write_config(sim, dir)).expect("config");
    let mut opts = LiveOptions::new(dir.join("raw"));
    opts.arm_source = ArmSource::Rest;
    opts.fill_from = Some(fill.to_path_buf());
    let snap = dir.join("live");
    let (_, _, summary) = live::collect_to_snapshot(&cfg, &opts, &snap).expect("live collect");
    (snap, summary)
}

type Image = (String, String, String, String, String);

/// Every image the simulator would serve from `data`: (tenant, registry,
/// repository, tag, digest) per tag, and untagged manifests no index
/// references, with an empty tag.
fn served_images(data: &Path) -> BTreeSet<Image> {
    let raw = RawExport::open(data).expect("open export");
    let mut out = BTreeSet::new();
    for side in Side::BOTH {
        let regs =
            xtenant::sim::serve::acr::Registries::load(&raw, side, None).expect("registries");
        for (host, reg) in &regs.by_host {
            for (repo, r) in &reg.repos {
                let mut tagged = BTreeSet::new();
                // Platform manifests of an index move with it: no row of their own.
                let referenced: BTreeSet<String> = r
                    .manifests
                    .iter()
                    .flat_map(|(_, json)| {
                        let v: serde_json::Value = serde_json::from_str(json).expect("json");
                        v["references"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|x| x["digest"].as_str().map(str::to_string))
                            .collect::<Vec<_>>()
                    })
                    .collect();
                for (name, json) in &r.tags {
                    let v: serde_json::Value = serde_json::from_str(json).expect("tag json");
                    let digest = v["digest"].as_str().unwrap_or("").to_string();
                    tagged.insert(digest.clone());
                    out.insert((
                        side.as_str().into(),
                        host.clone(),
                        repo.clone(),
                        name.clone(),
                        digest,
                    ));
                }
                for (digest, json) in &r.manifests {
                    let v: serde_json::Value = serde_json::from_str(json).expect("manifest json");
                    let untagged = v["tags"].as_array().is_none_or(|t| t.is_empty());
                    if untagged && !tagged.contains(digest) && !referenced.contains(digest) {
                        out.insert((
                            side.as_str().into(),
                            host.clone(),
                            repo.clone(),
                            String::new(),
                            digest.clone(),
                        ));
                    }
                }
            }
        }
    }
    out
}

fn csv_images(path: &Path) -> BTreeSet<Image> {
    let text = std::fs::read_to_string(path).expect("manifest csv");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("tenant,registry,repository,tag,digest,image")
    );
    lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            assert_eq!(c.len(), 6, "{l}");
            let image = if c[3].is_empty() {
                format!("{}@{}", c[2], c[4])
            } else {
                format!("{}:{}", c[2], c[3])
            };
            assert_eq!(c[5], image, "{l}");
            (
                c[0].into(),
                c[1].into(),
                c[2].into(),
                c[3].into(),
                c[4].into(),
            )
        })
        .collect()
}

#[test]
fn manifest_csv_lists_exactly_the_images_the_simulator_serves() {
    // One entry a page: every repository's tags and manifests take the Link path.
    let sim = Simulator::start(SimOptions {
        page_size: Some(1),
        ..SimOptions::default()
    })
    .expect("start simulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let (snap, summary) = collect(&sim, dir.path(), &demo_dir());
    let acr: Vec<_> = summary
        .collections
        .iter()
        .filter(|c| c.collection.starts_with("acr/"))
        .collect();
    assert_eq!(acr.len(), 18);
    assert!(acr.iter().all(|c| c.status == Status::Complete), "{acr:#?}");
    let got = csv_images(&snap.join("acr-manifest.csv"));
    let want = served_images(&demo_dir());
    assert!(want.len() > 15, "the demo has many images: {}", want.len());
    assert_eq!(got, want);
    // n=1 paging: a repository with two tags has two pages in the export.
    let pages = std::fs::read_dir(
        dir.path()
            .join("raw/source/acr/contosoprodacr.azurecr.io/_tags"),
    )
    .expect("tags dir")
    .flatten()
    .filter(|e| {
        let n = e.file_name().to_string_lossy().to_string();
        n.starts_with("page-") && !n.ends_with(".meta.json")
    })
    .count();
    assert!(pages > 4, "{pages} pages for four repositories");
    // The snapshot's registry tables equal the offline ones.
    let cfg = Config::load(&dir.path().join("xtenant.toml")).expect("config");
    let offline = dir.path().join("offline");
    xtenant::collect::offline(&demo_dir(), &offline, &cfg).expect("offline");
    let a = xtenant::snapshot::read(&offline).expect("offline snapshot");
    let b = xtenant::snapshot::read(&snap).expect("live snapshot");
    for t in [
        "repositories",
        "registry_tags",
        "registry_manifests",
        "registry_manifest_references",
    ] {
        let (x, y) = (&a.frames[t], &b.frames[t]);
        assert_eq!(x.height(), y.height(), "{t}");
        let sorted = |df: &polars::prelude::DataFrame| {
            let cols = df.columns();
            let mut rows: Vec<String> = (0..df.height())
                .map(|i| {
                    cols.iter()
                        .map(|c| format!("{:?}", c.get(i).expect("cell")))
                        .collect::<Vec<_>>()
                        .join(" | ")
                })
                .collect();
            rows.sort();
            rows
        };
        assert_eq!(sorted(x), sorted(y), "{t}");
        assert_eq!(
            a.manifest.tables[t].source, b.manifest.tables[t].source,
            "{t}"
        );
    }
    // No registry token (nor any other) reached a file.
    let issued = sim.issued_tokens();
    assert!(
        issued.len() > 20,
        "registry tokens are recorded: {}",
        issued.len()
    );
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(b) = std::fs::read(&p) {
                let text = String::from_utf8_lossy(&b);
                assert!(
                    !issued.iter().any(|t| text.contains(t.as_str())),
                    "a token in {}",
                    p.display()
                );
            }
        }
    }
}

#[test]
fn an_unreachable_private_registry_fails_alone_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = common::build_case("demo", &dir.path().join("data"));
    // Exported without the private registry's data plane: the simulator
    // answers it as a registry answers a client outside its network.
    std::fs::remove_dir_all(data.join("source/acr/contosoprivacr.azurecr.io")).expect("rm");
    let sim = Simulator::start(SimOptions {
        data: DataSource::Raw(data.clone()),
        page_size: Some(2),
        ..SimOptions::default()
    })
    .expect("start simulator");
    let (snap, summary) = collect(&sim, dir.path(), &data);
    for c in summary
        .collections
        .iter()
        .filter(|c| c.collection.starts_with("acr/"))
    {
        if c.collection.contains("contosoprivacr") {
            assert_eq!(c.status, Status::Failed, "{c:?}");
            let e = c.error.as_deref().unwrap_or("");
            assert!(e.contains("403") && e.contains("DENIED"), "{e}");
            assert!(e.contains("public network access is disabled"), "{e}");
        } else {
            assert_eq!(c.status, Status::Complete, "{c:?}");
        }
    }
    // Everything else was collected; the registry tables say what is missing.
    assert!(summary
        .incomplete()
        .all(|c| c.collection.contains("contosoprivacr")));
    let m = xtenant::snapshot::read_manifest(&snap).expect("manifest");
    assert_eq!(
        m.table_status("registry_tags", Side::Source),
        Status::Failed
    );
    assert_eq!(
        m.table_status("registry_tags", Side::Target),
        Status::Complete
    );
    let status: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            dir.path()
                .join("raw/source/acr/contosoprivacr.azurecr.io/_catalog/_status.json"),
        )
        .expect("_status.json"),
    )
    .expect("json");
    assert_eq!(status["status"], "failed");
    // The other registries' images are still in the CSV.
    let imgs = csv_images(&snap.join("acr-manifest.csv"));
    assert!(imgs.iter().any(|i| i.1 == "contosoprodacr.azurecr.io"));
    assert!(!imgs.iter().any(|i| i.1 == "contosoprivacr.azurecr.io"));
}

/// The simulator's registry endpoints, spoken to directly.
#[test]
fn registry_endpoints_exchange_tokens_challenge_and_page_by_link() {
    let sim = Simulator::start(SimOptions::default()).expect("start simulator");
    let base = format!("{}/acr/contosoprodacr.azurecr.io", sim.base_url());
    let arm = sim.token(SOURCE, "https://management.azure.com", "collector");
    let graph = sim.token(SOURCE, "https://graph.microsoft.com", "collector");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let http = reqwest::Client::new();
        let post = |path: &str, form: Vec<(&str, &str)>| {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form)
                .finish();
            http.post(format!("{base}/{path}"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
        };
        let service = "contosoprodacr.azurecr.io";
        // A Graph token is refused: the exchange wants an ARM one.
        let r = post(
            "oauth2/exchange",
            vec![
                ("grant_type", "access_token"),
                ("service", service),
                ("tenant", SOURCE),
                ("access_token", &graph),
            ],
        )
        .await
        .expect("send");
        assert_eq!(r.status(), 401);
        let e: serde_json::Value = r.json().await.expect("json");
        assert_eq!(e["errors"][0]["code"], "UNAUTHORIZED");
        // Another tenant's registry is refused to this tenant's token.
        let target_arm = sim.token(
            "2a3b4c5d-6e7f-4081-92a3-b4c5d6e7f809",
            "https://management.azure.com",
            "collector",
        );
        let r = post(
            "oauth2/exchange",
            vec![
                ("grant_type", "access_token"),
                ("service", service),
                ("tenant", "2a3b4c5d-6e7f-4081-92a3-b4c5d6e7f809"),
                ("access_token", &target_arm),
            ],
        )
        .await
        .expect("send");
        assert_eq!(r.status(), 401);

        let r = post(
            "oauth2/exchange",
            vec![
                ("grant_type", "access_token"),
                ("service", service),
                ("tenant", SOURCE),
                ("access_token", &arm),
            ],
        )
        .await
        .expect("send");
        assert_eq!(r.status(), 200);
        let refresh = r.json::<serde_json::Value>().await.expect("json")["refresh_token"]
            .as_str()
            .expect("rt")
            .to_string();
        let access = |scope: &'static str| {
            let refresh = refresh.clone();
            let post = &post;
            async move {
                let r = post(
                    "oauth2/token",
                    vec![
                        ("grant_type", "refresh_token"),
                        ("service", service),
                        ("scope", scope),
                        ("refresh_token", &refresh),
                    ],
                )
                .await
                .expect("send");
                assert_eq!(r.status(), 200);
                r.json::<serde_json::Value>().await.expect("json")["access_token"]
                    .as_str()
                    .expect("at")
                    .to_string()
            }
        };
        // A repository token does not open the catalog: 401 with the challenge.
        let repo_token = access("repository:tools/migrator:metadata_read").await;
        let r = http
            .get(format!("{base}/acr/v1/_catalog"))
            .bearer_auth(&repo_token)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 401);
        let challenge = r.headers()["www-authenticate"]
            .to_str()
            .expect("text")
            .to_string();
        assert!(challenge.starts_with("Bearer realm=\""), "{challenge}");
        assert!(
            challenge.contains(&format!("service=\"{service}\""))
                && challenge.contains("scope=\"registry:catalog:*\""),
            "{challenge}"
        );
        let e: serde_json::Value = r.json().await.expect("json");
        assert_eq!(e["errors"][0]["code"], "UNAUTHORIZED");

        // Catalog by n=1 pages, following the Link header (a path).
        let cat = access("registry:catalog:*").await;
        let mut url = format!("{base}/acr/v1/_catalog?n=1");
        let mut repos = Vec::new();
        loop {
            let r = http.get(&url).bearer_auth(&cat).send().await.expect("send");
            assert_eq!(r.status(), 200);
            let link = r
                .headers()
                .get("link")
                .map(|l| l.to_str().expect("text").to_string());
            let v: serde_json::Value = r.json().await.expect("json");
            let page = v["repositories"].as_array().expect("list").clone();
            assert!(page.len() <= 1);
            repos.extend(
                page.into_iter()
                    .map(|x| x.as_str().unwrap_or("").to_string()),
            );
            let Some(link) = link else { break };
            assert!(
                link.starts_with("</acr/v1/_catalog?last=") && link.ends_with(">; rel=\"next\""),
                "{link}"
            );
            let target = link
                .trim_start_matches('<')
                .split('>')
                .next()
                .expect("target");
            url = xtenant::http::paging::resolve_link(&url, target).expect("resolve");
            assert!(url.starts_with(&base), "{url}");
        }
        assert_eq!(
            repos,
            [
                "base/dotnet-runtime",
                "tools/migrator",
                "web/api",
                "web/frontend"
            ]
        );

        // Tags of one repository: two pages of one, in name order.
        let r = http
            .get(format!("{base}/acr/v1/tools/migrator/_tags?n=1"))
            .bearer_auth(&repo_token)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 200);
        assert!(r.headers().contains_key("link"));
        let v: serde_json::Value = r.json().await.expect("json");
        assert_eq!(v["imageName"], "tools/migrator");
        assert_eq!(v["tags"][0]["name"], "0.9.0");
        let r = http
            .get(format!("{base}/acr/v1/tools/migrator/_tags?n=1&last=0.9.0"))
            .bearer_auth(&repo_token)
            .send()
            .await
            .expect("send");
        let link = r.headers().get("link").is_some();
        let v: serde_json::Value = r.json().await.expect("json");
        assert_eq!(v["tags"][0]["name"], "1.0.0");
        assert!(!link, "the last page has no Link");
        // An unknown repository, and a bad n.
        let other = access("repository:nope:metadata_read").await;
        let r = http
            .get(format!("{base}/acr/v1/nope/_tags"))
            .bearer_auth(&other)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 404);
        assert_eq!(
            r.json::<serde_json::Value>().await.expect("json")["errors"][0]["code"],
            "NAME_UNKNOWN"
        );
        let r = http
            .get(format!("{base}/acr/v1/_catalog?n=0"))
            .bearer_auth(&cat)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 400);
        // Writes are not served.
        let r = http
            .delete(format!("{base}/acr/v1/tools/migrator/_tags/0.9.0"))
            .bearer_auth(&repo_token)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 405);
    });
}
