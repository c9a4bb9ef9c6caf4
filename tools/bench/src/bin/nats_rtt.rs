//! Raw NATS request/reply round trip on this machine: the floor under every service call.
//! `cargo run --release -p edu-bench --bin nats_rtt -- [nats-url] [seconds] [concurrency]`
//! prints `requests/s` and `p50 µs` for an echo responder in the same process.

use std::time::{Duration, Instant};

use futures::StreamExt;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "nats://127.0.0.1:4222".into());
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let concurrency: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let responder = async_nats::connect(&url).await?;
    let client = async_nats::connect(&url).await?;
    let subject = format!("bench.rtt.{}", std::process::id());
    let mut sub = responder
        .queue_subscribe(subject.clone(), "q".into())
        .await?;
    let echo = responder.clone();
    tokio::spawn(async move {
        while let Some(msg) = sub.next().await {
            if let Some(reply) = msg.reply {
                let _ = echo.publish(reply, msg.payload).await;
            }
        }
    });
    responder.flush().await?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let workers = (0..concurrency).map(|_| {
        let (client, subject) = (client.clone(), subject.clone());
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let start = Instant::now();
                if client.request(subject.clone(), "ping".into()).await.is_ok() {
                    latencies.push(start.elapsed());
                }
            }
            latencies
        })
    });
    let mut all: Vec<Duration> = Vec::new();
    for w in futures::future::join_all(workers).await {
        all.extend(w?);
    }
    all.sort_unstable();
    let p50 = all.get(all.len() / 2).copied().unwrap_or_default();
    println!("requests/s {:.0}", all.len() as f64 / seconds as f64);
    println!("p50 µs {}", p50.as_micros());
    Ok(())
}
