// Embedded migrations must never go stale: rebuild when any migration changes.
fn main() {
    println!("cargo:rerun-if-changed=policy_migrations");
    println!("cargo:rerun-if-changed=membership_view_migrations");
}
