//! The production manifests of deploy/ — deploy/compose/compose.yaml and deploy/k8s/*.yaml —
//! cannot run here, so this test keeps them in step with the binary: it
//! parses every manifest and checks each `edugroup` process against what the built binary
//! accepts (its clap definition, read from `--help` and exercised by running it):
//! - each service of `edugroup serve` runs exactly once per manifest set, one process per
//!   container (the image has no `up`: that is the development tool's); the schema
//!   migration runs once;
//! - every argument is a real subcommand and service (`edugroup <args> --help` succeeds);
//! - every `EDUGROUP_*` variable is one the binary reads and every literal value parses
//!   (`edugroup openapi` with the container's environment);
//! - each process logs in to NATS as its own user of deploy/nats/nats-auth.conf and creates the
//!   stream with as many replicas as the cluster has nodes;
//! - the lead-api's probes ask real GET paths of the API on the port it binds;
//! - the NATS cluster configs carry nats-auth.conf's authorization block unchanged and pass
//!   `nats-server -t`; every secret or `${VARIABLE}` a manifest reads is documented.
//!
//! A renamed flag, variable, subcommand or route fails this test
//! (`a_renamed_flag_or_service_is_caught` shows the checks bite).
//!
//! Over 600 lines because it reads two manifest formats and the NATS cluster files and checks
//! them against one binary: the readers and the checks are only used together, here.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

const BIN: &str = env!("CARGO_BIN_EXE_edugroup");

fn deploy(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(path)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every document of a YAML file, as JSON values (anchors resolved, `<<` merge keys applied).
fn yaml_documents(path: &Path) -> Vec<Value> {
    YamlLoader::load_from_str(&read(path))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .iter()
        .map(to_json)
        .collect()
}

fn to_json(y: &Yaml) -> Value {
    match y {
        Yaml::Real(s) | Yaml::String(s) => Value::String(s.clone()),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Hash(hash) => {
            let mut map = serde_json::Map::new();
            let mut merged = Vec::new();
            for (k, v) in hash {
                let key = match k {
                    Yaml::String(s) | Yaml::Real(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    other => panic!("unexpected YAML key {other:?}"),
                };
                if key == "<<" {
                    merged.push(to_json(v));
                } else {
                    map.insert(key, to_json(v));
                }
            }
            for m in merged {
                for (k, v) in m.as_object().expect("`<<` merges a mapping") {
                    map.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            Value::Object(map)
        }
        Yaml::Null => Value::Null,
        Yaml::Alias(_) | Yaml::BadValue => panic!("unresolved YAML node {y:?}"),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => panic!("expected a scalar, got {other}"),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(text).collect())
        .unwrap_or_default()
}

// ---- what the binary accepts -----------------------------------------------------------------

/// The binary's interface, read from its clap-generated help.
struct Binary {
    /// `EDUGROUP_*` variable → its flag.
    variables: BTreeMap<String, String>,
    subcommands: BTreeSet<String>,
    services: BTreeSet<String>,
    /// GET paths of the API (`edu_lead_api::openapi()`, the document the binary serves).
    get_paths: BTreeSet<String>,
}

fn run(args: &[&str], env: &[(String, String)]) -> (bool, String) {
    edu_testkit::process::run_clean(BIN, args, env)
}

impl Binary {
    fn read() -> Self {
        let (ok, help) = run(&["--help"], &[]);
        assert!(ok, "{help}");
        let mut variables = BTreeMap::new();
        let mut flag = None;
        for line in help.lines() {
            let trimmed = line.trim_start();
            if let Some(rest) = trimmed.strip_prefix("--") {
                flag = rest.split_whitespace().next().map(|f| format!("--{f}"));
            }
            if let (Some(at), Some(flag)) = (line.find("[env: "), &flag) {
                let name: String = line[at + 6..]
                    .chars()
                    .take_while(|c| *c != '=' && *c != ']')
                    .collect();
                variables.insert(name, flag.clone());
            }
        }
        let subcommands = edu_testkit::process::help_commands(&help)
            .into_iter()
            .collect();
        let (ok, serve) = run(&["serve", "--help"], &[]);
        assert!(ok, "{serve}");
        let services = serve
            .split("[possible values: ")
            .nth(1)
            .and_then(|s| s.split(']').next())
            .expect("the services of `edugroup serve`")
            .split(", ")
            .map(str::to_owned)
            .collect();
        let get_paths = edu_lead_api::openapi()
            .paths
            .paths
            .iter()
            .filter(|(_, item)| item.get.is_some())
            .map(|(path, _)| path.clone())
            .collect();
        Self {
            variables,
            subcommands,
            services,
            get_paths,
        }
    }
}

// ---- the manifests' processes ----------------------------------------------------------------

#[derive(Clone, Debug)]
enum EnvValue {
    Literal(String),
    /// From a Kubernetes Secret or a compose `${VARIABLE}`.
    Secret,
}

#[derive(Clone, Debug)]
struct Probe {
    path: String,
    port: u16,
}

/// One container of the `edugroup` image: the arguments after the binary and its environment.
#[derive(Clone, Debug)]
struct Process {
    at: String,
    image: String,
    args: Vec<String>,
    env: BTreeMap<String, EnvValue>,
    probes: Vec<Probe>,
}

impl Process {
    fn literal(&self, name: &str) -> Option<&str> {
        match self.env.get(name) {
            Some(EnvValue::Literal(v)) => Some(v),
            _ => None,
        }
    }

    fn service(&self) -> Option<&str> {
        match self.args.as_slice() {
            [serve, service] if serve == "serve" => Some(service),
            _ => None,
        }
    }
}

fn is_edugroup(image: &str) -> bool {
    image
        .rsplit('/')
        .next()
        .unwrap_or(image)
        .starts_with("edugroup:")
}

/// A compose value: a literal, or read from the environment (`${VARIABLE...}`).
fn compose_value(v: &str) -> EnvValue {
    if v.contains("${") {
        EnvValue::Secret
    } else {
        EnvValue::Literal(v.to_owned())
    }
}

/// Host port of `http://127.0.0.1:<port>/path` and its path.
fn url_probe(url: &str) -> Probe {
    let rest = url.split("://").nth(1).unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    Probe {
        path: format!("/{path}"),
        port: host.rsplit(':').next().unwrap().parse().unwrap(),
    }
}

fn compose_processes(compose: &Value) -> Vec<Process> {
    let mut processes = Vec::new();
    for (name, service) in compose["services"].as_object().unwrap() {
        let image = text(&service["image"]);
        if !is_edugroup(&image) {
            continue;
        }
        let env = service["environment"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), compose_value(&text(v))))
            .collect();
        let probes = strings(&service["healthcheck"]["test"])
            .iter()
            .filter(|a| a.starts_with("http://"))
            .map(|a| url_probe(a))
            .collect();
        processes.push(Process {
            at: format!("compose.yaml services.{name}"),
            image,
            args: strings(&service["command"]),
            env,
            probes,
        });
    }
    processes
}

fn k8s_processes(docs: &[(String, Value)]) -> Vec<Process> {
    let mut processes = Vec::new();
    for (file, doc) in docs {
        let spec = &doc["spec"]["template"]["spec"];
        for container in spec["containers"].as_array().into_iter().flatten() {
            let image = text(&container["image"]);
            if !is_edugroup(&image) {
                continue;
            }
            let mut args = strings(&container["command"]);
            if !args.is_empty() {
                assert_eq!(
                    args.remove(0),
                    "edugroup",
                    "{file}: command runs another binary"
                );
            }
            args.extend(strings(&container["args"]));
            let env = container["env"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| {
                    let value = match e.get("value") {
                        Some(v) => EnvValue::Literal(text(v)),
                        None => {
                            assert!(
                                e["valueFrom"]["secretKeyRef"].is_object(),
                                "{file}: {e} is neither a value nor a secret"
                            );
                            EnvValue::Secret
                        }
                    };
                    (text(&e["name"]), value)
                })
                .collect();
            let ports: BTreeMap<String, u16> = container["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| (text(&p["name"]), text(&p["containerPort"]).parse().unwrap()))
                .collect();
            let probes = ["startupProbe", "readinessProbe", "livenessProbe"]
                .iter()
                .filter_map(|kind| container.get(*kind))
                .map(|probe| {
                    let get = &probe["httpGet"];
                    assert!(get.is_object(), "{file}: only HTTP probes for edugroup");
                    let port = text(&get["port"]);
                    Probe {
                        path: text(&get["path"]),
                        port: port
                            .parse()
                            .unwrap_or_else(|_| ports.get(&port).copied().unwrap_or(0)),
                    }
                })
                .collect();
            processes.push(Process {
                at: format!(
                    "{file} {} {}/{}",
                    text(&doc["kind"]),
                    text(&doc["metadata"]["name"]),
                    text(&container["name"])
                ),
                image,
                args,
                env,
                probes,
            });
        }
    }
    processes
}

// ---- the checks ------------------------------------------------------------------------------

/// The NATS users of deploy/nats/nats-auth.conf.
fn nats_users() -> BTreeSet<String> {
    read(&deploy("nats/nats-auth.conf"))
        .lines()
        .filter_map(|l| l.trim().strip_prefix("user: "))
        .map(|u| u.trim().to_owned())
        .collect()
}

/// Every problem of one manifest set (`what`), whose NATS cluster has `nodes` nodes.
fn problems(bin: &Binary, what: &str, processes: &[Process], nodes: usize) -> Vec<String> {
    let mut found = Vec::new();
    let users = nats_users();
    let version = env!("CARGO_PKG_VERSION");
    let mut served: BTreeMap<String, usize> = BTreeMap::new();
    let mut migrations = 0;
    for p in processes {
        let at = &p.at;
        if !p.image.ends_with(&format!(":{version}")) {
            found.push(format!("{at}: image {} is not version {version}", p.image));
        }
        // the arguments: a real subcommand, and a real service of `serve`
        match p.args.first().map(String::as_str) {
            Some("serve") => {}
            Some("migrate") if p.args.len() == 1 => migrations += 1,
            other => found.push(format!("{at}: runs {other:?}, not `serve <service>`")),
        }
        if let Some(first) = p.args.first()
            && !bin.subcommands.contains(first)
        {
            found.push(format!("{at}: no subcommand {first:?}"));
        }
        let mut with_help: Vec<&str> = p.args.iter().map(String::as_str).collect();
        with_help.push("--help");
        let (ok, out) = run(&with_help, &[]);
        if !ok {
            found.push(format!("{at}: `edugroup {}`: {out}", with_help.join(" ")));
        }
        // the environment: variables the binary reads, values it parses
        for name in p.env.keys().filter(|k| k.starts_with("EDUGROUP_")) {
            if !bin.variables.contains_key(name) {
                found.push(format!("{at}: the binary reads no {name}"));
            }
        }
        let env: Vec<(String, String)> = p
            .env
            .iter()
            .filter(|(k, _)| bin.variables.contains_key(*k))
            .map(|(k, v)| match v {
                EnvValue::Literal(v) => (k.clone(), v.clone()),
                EnvValue::Secret => (k.clone(), "from-a-secret".to_owned()),
            })
            .collect();
        let (ok, out) = run(&["openapi"], &env);
        if !ok {
            found.push(format!("{at}: its environment is refused: {out}"));
        }
        // a service's own NATS user, the stream on every node
        if let Some(service) = p.service() {
            if !bin.services.contains(service) {
                found.push(format!("{at}: `edugroup serve` has no service {service:?}"));
                continue;
            }
            *served.entry(service.to_owned()).or_default() += 1;
            let user = service.replace('-', "_");
            if p.literal("EDUGROUP_NATS_USER") != Some(user.as_str()) || !users.contains(&user) {
                found.push(format!(
                    "{at}: logs in to NATS as {:?}, not as {user} of nats-auth.conf",
                    p.literal("EDUGROUP_NATS_USER")
                ));
            }
            if !matches!(p.env.get("EDUGROUP_NATS_PASSWORD"), Some(EnvValue::Secret)) {
                found.push(format!("{at}: NATS password not from a secret"));
            }
            let replicas = p.literal("EDUGROUP_NATS_STREAM_REPLICAS");
            if replicas != Some(&nodes.to_string()) {
                found.push(format!(
                    "{at}: stream replicas {replicas:?} on a {nodes}-node cluster"
                ));
            }
            let needs_db = service != "lead-api";
            if needs_db != p.env.contains_key("EDUGROUP_DATABASE_URL") {
                found.push(format!("{at}: EDUGROUP_DATABASE_URL given: {}", !needs_db));
            }
            if service == "lead-api" {
                found.extend(lead_api_problems(bin, p));
            } else if !p.probes.is_empty() {
                found.push(format!("{at}: {service} has no HTTP endpoint to probe"));
            }
        }
    }
    if migrations != 1 {
        found.push(format!("{what}: {migrations} migration processes, not 1"));
    }
    for service in &bin.services {
        match served.get(service) {
            Some(1) => {}
            n => found.push(format!(
                "{what}: `edugroup serve {service}` runs {} times, not once",
                n.unwrap_or(&0)
            )),
        }
    }
    found
}

fn lead_api_problems(bin: &Binary, p: &Process) -> Vec<String> {
    let at = &p.at;
    let mut found = Vec::new();
    let port = p
        .literal("EDUGROUP_BIND")
        .and_then(|b| b.parse::<std::net::SocketAddr>().ok());
    if !port.is_some_and(|a| a.ip().is_unspecified()) {
        found.push(format!("{at}: binds {port:?}, not all interfaces"));
    }
    if !matches!(p.env.get("EDUGROUP_JWT_SECRET"), Some(EnvValue::Secret))
        && !p.env.contains_key("EDUGROUP_JWKS")
    {
        found.push(format!("{at}: no JWT secret (from a secret) nor JWKS"));
    }
    let paths: BTreeSet<&str> = p
        .probes
        .iter()
        .map(|probe| probe.path.split('?').next().unwrap_or_default())
        .collect();
    if !paths.contains("/readyz") {
        found.push(format!("{at}: no readiness probe on /readyz"));
    }
    for probe in &p.probes {
        let path = probe.path.split('?').next().unwrap_or_default();
        if !bin.get_paths.contains(path) {
            found.push(format!("{at}: the API has no GET {path}"));
        }
        if Some(probe.port) != port.map(|a| a.port()) {
            found.push(format!(
                "{at}: probe on port {}, the API binds {port:?}",
                probe.port
            ));
        }
    }
    found
}

// ---- the NATS cluster configurations ---------------------------------------------------------

/// The `authorization { … }` block of a nats-server config, comments and blank lines dropped.
fn authorization(config: &str) -> Vec<String> {
    let lines: Vec<&str> = config.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim_start().starts_with("authorization {"))
        .expect("an authorization block");
    let indent = lines[start].len() - lines[start].trim_start().len();
    let end = start
        + lines[start..]
            .iter()
            .position(|l| l.len() > indent && &l[indent..] == "}")
            .expect("the end of the authorization block");
    lines[start..=end]
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// The `$VARIABLE`s a nats-server config reads from its environment.
fn config_variables(config: &str) -> BTreeSet<String> {
    config
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(|l| l.split('$').skip(1))
        .map(|v| {
            v.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|v| !v.is_empty() && !v.starts_with("JS") && !v.starts_with("SRV"))
        .collect()
}

/// `nats-server -t` on a config, with its variables set; answers its output on failure.
fn nats_server_check(config: &str, name: &str) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("edugroup-manifests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name.replace(['/', ' '], "_"));
    std::fs::write(&path, config).unwrap();
    let out = Command::new(edu_testkit::process::nats_server_binary())
        .args(["-t", "-c"])
        .arg(&path)
        .envs(
            config_variables(config)
                .into_iter()
                .map(|v| (v, "x".to_owned())),
        )
        .output()
        .unwrap_or_else(|e| panic!("running nats-server: {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn check_nats_config(config: &str, name: &str, given: &BTreeSet<String>) {
    assert_eq!(
        authorization(config),
        authorization(&read(&deploy("nats/nats-auth.conf"))),
        "{name}: the authorization block differs from deploy/nats/nats-auth.conf's"
    );
    let wanted = config_variables(config);
    let missing: Vec<&String> = wanted.difference(given).collect();
    assert!(
        missing.is_empty(),
        "{name}: the nodes are not given {missing:?}"
    );
    if let Err(out) = nats_server_check(config, name) {
        panic!("nats-server -t refuses {name}: {out}");
    }
}

// ---- the tests -------------------------------------------------------------------------------

struct Compose {
    doc: Value,
    processes: Vec<Process>,
}

fn compose() -> Compose {
    let doc = yaml_documents(&deploy("compose/compose.yaml")).remove(0);
    let processes = compose_processes(&doc);
    Compose { doc, processes }
}

struct Kubernetes {
    docs: Vec<(String, Value)>,
    processes: Vec<Process>,
}

fn kubernetes() -> Kubernetes {
    let kustomization = yaml_documents(&deploy("k8s/kustomization.yaml")).remove(0);
    let resources = strings(&kustomization["resources"]);
    let mut listed: Vec<String> = std::fs::read_dir(deploy("k8s"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".yaml"))
        .filter(|f| f != "kustomization.yaml" && f != "secret.example.yaml")
        .collect();
    listed.sort();
    let mut sorted = resources.clone();
    sorted.sort();
    assert_eq!(sorted, listed, "kustomization.yaml lists every manifest");
    let docs: Vec<(String, Value)> = resources
        .iter()
        .flat_map(|file| {
            yaml_documents(&deploy(&format!("k8s/{file}")))
                .into_iter()
                .map(move |d| (file.clone(), d))
        })
        .collect();
    let processes = k8s_processes(&docs);
    Kubernetes { docs, processes }
}

#[test]
fn the_compose_file_runs_one_process_per_service_with_the_binarys_flags() {
    let bin = Binary::read();
    let compose = compose();
    let services = compose.doc["services"].as_object().unwrap();
    let nodes: Vec<(&String, &Value)> = services
        .iter()
        .filter(|(_, s)| text(&s["image"]).starts_with("nats:"))
        .collect();
    assert_eq!(nodes.len(), 3, "a 3-node NATS cluster");
    let problems = problems(&bin, "compose.yaml", &compose.processes, nodes.len());
    assert!(problems.is_empty(), "{problems:#?}");

    // the nodes: the config of deploy/compose, with every password it reads
    let config = read(&deploy("compose/nats.conf"));
    for (name, node) in &nodes {
        assert!(
            strings(&node["volumes"])
                .iter()
                .any(|v| v.starts_with("./nats.conf:")),
            "{name} runs deploy/compose/nats.conf"
        );
        let given: BTreeSet<String> = node["environment"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        check_nats_config(&config, &format!("compose {name}"), &given);
    }
    // every ${VARIABLE} the file reads is in .env.example
    let documented: BTreeSet<String> = read(&deploy("compose/.env.example"))
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.to_owned()))
        .collect();
    let file = read(&deploy("compose/compose.yaml"));
    for var in file.split("${").skip(1) {
        let name: String = var
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        assert!(documented.contains(&name), "{name} is not in .env.example");
    }
    // the image they name is built by the Dockerfile, whose entry point is the binary
    let dockerfile = read(&deploy("compose/Dockerfile"));
    assert!(dockerfile.contains(r#"ENTRYPOINT ["edugroup"]"#));
    assert!(dockerfile.contains("cargo build --release --locked -p edugroup"));
    println!(
        "compose.yaml: {} edugroup processes ({}), {} NATS nodes; variables checked against {} the binary reads",
        compose.processes.len(),
        compose
            .processes
            .iter()
            .map(|p| p.args.join(" "))
            .collect::<Vec<_>>()
            .join(", "),
        nodes.len(),
        bin.variables.len()
    );
}

#[test]
fn the_kubernetes_manifests_run_one_process_per_service_with_the_binarys_flags() {
    let bin = Binary::read();
    let k8s = kubernetes();
    let nats = k8s
        .docs
        .iter()
        .find(|(_, d)| d["kind"] == "StatefulSet" && d["metadata"]["name"] == "nats")
        .map(|(_, d)| d)
        .expect("the NATS StatefulSet");
    let nodes: usize = text(&nats["spec"]["replicas"]).parse().unwrap();
    assert_eq!(nodes, 3, "a 3-node NATS cluster");
    let problems = problems(&bin, "deploy/k8s", &k8s.processes, nodes);
    assert!(problems.is_empty(), "{problems:#?}");

    // the nodes: the ConfigMap's config, with every password it reads
    let config_map = k8s
        .docs
        .iter()
        .find(|(_, d)| d["kind"] == "ConfigMap" && d["metadata"]["name"] == "nats-config")
        .map(|(_, d)| d)
        .expect("the NATS ConfigMap");
    let config = text(&config_map["data"]["nats.conf"]);
    let container = &nats["spec"]["template"]["spec"]["containers"][0];
    let given: BTreeSet<String> = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| text(&e["name"]))
        .collect();
    check_nats_config(&config, "deploy/k8s/nats.yaml", &given);
    for route in ["nats-0", "nats-1", "nats-2"] {
        assert!(config.contains(&format!("nats-route://{route}.nats-cluster:6222")));
    }

    // every secret the manifests read is in secret.example.yaml
    let example = yaml_documents(&deploy("k8s/secret.example.yaml")).remove(0);
    let keys: BTreeSet<String> = example["stringData"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| format!("{}/{k}", text(&example["metadata"]["name"])))
        .collect();
    let all = serde_json::to_string(&k8s.docs.iter().map(|(_, d)| d.clone()).collect::<Vec<_>>())
        .unwrap();
    let docs: Value = serde_json::from_str(&all).unwrap();
    let mut refs = Vec::new();
    collect_secret_refs(&docs, &mut refs);
    assert!(!refs.is_empty());
    for r in &refs {
        assert!(keys.contains(r), "secret {r} is not in secret.example.yaml");
    }
    println!(
        "deploy/k8s: {} edugroup containers ({}), {nodes} NATS nodes, {} secret references",
        k8s.processes.len(),
        k8s.processes
            .iter()
            .map(|p| p.args.join(" "))
            .collect::<Vec<_>>()
            .join(", "),
        refs.len()
    );
}

fn collect_secret_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            if let Some(r) = map.get("secretKeyRef") {
                out.push(format!("{}/{}", text(&r["name"]), text(&r["key"])));
            }
            map.values().for_each(|v| collect_secret_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_secret_refs(v, out)),
        _ => {}
    }
}

/// A change to the manifests' processes.
type Mutation<'a> = dyn Fn(&mut Vec<Process>) + 'a;

/// The checks bite: the manifests with a renamed variable, a flag the binary lacks, a
/// misspelt service, a missing instance and a probe on an unknown path are each refused.
#[test]
fn a_renamed_flag_or_service_is_caught() {
    let bin = Binary::read();
    let good = kubernetes().processes;
    let at = |service: &str| {
        good.iter()
            .position(|p| p.service() == Some(service))
            .unwrap()
    };
    let mutations: Vec<(&str, Box<Mutation>)> = vec![
        (
            "EDUGROUP_NATS_URI",
            Box::new(|ps| {
                let p = &mut ps[at("rotation")];
                let v = p.env.remove("EDUGROUP_NATS_URL").unwrap();
                p.env.insert("EDUGROUP_NATS_URI".into(), v);
            }),
        ),
        (
            "--nats-servers",
            Box::new(|ps| {
                let p = &mut ps[at("council")];
                p.args.insert(0, "nats://nats:4222".into());
                p.args.insert(0, "--nats-servers".into());
            }),
        ),
        (
            "invalid value",
            Box::new(|ps| {
                let p = &mut ps[at("lead-api")];
                p.env.insert(
                    "EDUGROUP_HTTP_WORKERS".into(),
                    EnvValue::Literal("two".into()),
                );
            }),
        ),
        (
            "\"evaluations\"",
            Box::new(|ps| ps[at("evaluation")].args[1] = "evaluations".into()),
        ),
        (
            "`edugroup serve membership` runs 0 times",
            Box::new(|ps| {
                ps.remove(at("membership"));
            }),
        ),
        (
            "the API has no GET /health",
            Box::new(|ps| ps[at("lead-api")].probes[0].path = "/health".into()),
        ),
    ];
    for (expected, mutate) in mutations {
        let mut processes = good.clone();
        mutate(&mut processes);
        let found = problems(&bin, "mutated", &processes, 3);
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "{expected:?} not reported: {found:#?}"
        );
    }
}
