// Embedded migrations must never go stale: rebuild when any migration changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
