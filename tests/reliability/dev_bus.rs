//! The bus requires a login: `edugroup serve` refuses to start without NATS credentials
//! unless told `--insecure-bus`, and that only for a server on this machine. (The development
//! bus of `edugroup-dev up` and deploy/dev-stack.sh is tested in tools/dev/tests/dev_bus.rs.)

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::support::{NatsLogin, ScratchDir, SystemEnv, free_port};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_to_start_without_bus_credentials() {
    let dir = ScratchDir::new("no-bus-login");
    let system = SystemEnv {
        database_url: "postgres://nobody@127.0.0.1:1/none".into(),
        nats_url: "nats://127.0.0.1:1".into(),
        dir: dir.path().to_owned(),
        api_port: free_port(),
        nats_login: NatsLogin::Missing,
    };
    for service in ["membership", "lead-api"] {
        let mut process = system.serve(service);
        let code = process.exit_code(Duration::from_secs(20)).await;
        let log = process.log_text();
        assert_eq!(code, Some(1), "{service}: {log}");
        assert!(log.contains("no NATS credentials"), "{service}: {log}");
        assert!(log.contains("--insecure-bus"), "{service}: {log}");
        assert!(log.contains("未配置 NATS 凭据"), "{service}: {log}");
        assert!(!log.contains("panicked"), "{service}: {log}");
    }

    // told so, it goes on without them, and says what that means
    let insecure = SystemEnv {
        nats_login: NatsLogin::Insecure,
        ..system.clone()
    };
    let process = insecure.serve("membership");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !process.log_text().contains("WITHOUT credentials") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no warning: {}",
            process.log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(process);

    // but not to a server on another machine
    let remote = SystemEnv {
        nats_url: "nats://nats.example.org:4222".into(),
        ..insecure
    };
    let mut process = remote.serve("membership");
    assert_eq!(process.exit_code(Duration::from_secs(20)).await, Some(1));
    assert!(
        process.log_text().contains("this machine only"),
        "{}",
        process.log_text()
    );
}

#[test]
fn the_scripts_parse() {
    for script in [
        "deploy/dev-stack.sh",
        "deploy/up.sh",
        "deploy/test.sh",
        "deploy/fuzz/run.sh",
        "deploy/bench/lib.sh",
        "e2e/run.sh",
    ] {
        let checked = Command::new("bash")
            .arg("-n")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(script))
            .output()
            .unwrap();
        assert!(
            checked.status.success(),
            "{script}: {}",
            String::from_utf8_lossy(&checked.stderr)
        );
    }
}
