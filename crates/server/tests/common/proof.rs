//! What every proof-suite scenario shares: the long mode switch and the one result line that
//! `scripts/proof.sh` gathers into its table.

use std::time::Duration;

/// `PC_PROOF_LONG=1` (set by `scripts/proof.sh --long`): the long mode's sizes instead of CI's.
pub fn long() -> bool {
    std::env::var("PC_PROOF_LONG").is_ok_and(|v| v == "1")
}

/// `small` in CI's fast mode, `large` in the long mode.
pub fn size(small: u64, large: u64) -> u64 {
    if long() {
        large
    } else {
        small
    }
}

/// Prints the scenario's result line (`PROOF<TAB>scenario<TAB>engine<TAB>operations<TAB>failures<TAB>seconds`)
/// and fails the test when anything failed. `detail` is printed beside it for the log.
pub fn report(scenario: &str, engine: &str, ops: u64, failures: u64, took: Duration, detail: &str) {
    println!(
        "\nPROOF\t{scenario}\t{engine}\t{ops}\t{failures}\t{:.1}\t{detail}",
        took.as_secs_f64()
    );
    assert_eq!(
        failures, 0,
        "{scenario} on {engine}: {failures} failures; {detail}"
    );
}
