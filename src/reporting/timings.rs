//! `--timings`: where a run's time went, as a small table for stderr. Kept
//! out of the JSON document and stdout, whose bytes must not vary between
//! runs.

use std::time::Duration;

use crate::findings::Stats;

/// The table: wall time per phase; the parallel per-file phases also summed
/// over files, which is the work done whatever the thread count.
pub fn render(stats: &Stats) -> String {
    let timings = &stats.timings;
    let total = timings.discover
        + timings.read_parse_lower
        + timings.index
        + timings.summaries
        + timings.analyse
        + timings.report;
    let rows = [
        ("discover", Some(timings.discover), None),
        ("read + parse + lower", Some(timings.read_parse_lower), None),
        ("  read", None, Some(timings.read_summed)),
        ("  parse + lower", None, Some(timings.parse_lower_summed)),
        ("index", Some(timings.index), None),
        ("summaries", Some(timings.summaries), None),
        ("analyse", Some(timings.analyse), None),
        ("report", Some(timings.report), None),
        ("total", Some(total), None),
    ];
    let mut text = format!(
        "timings: {} files, {} lines, {} threads\n{:<22}{:>12}{:>20}\n",
        stats.files, stats.lines, timings.threads, "phase", "wall", "summed over files"
    );
    for (name, wall, summed) in rows {
        let line = format!(
            "{name:<22}{:>12}{:>20}",
            wall.map(milliseconds).unwrap_or_default(),
            summed.map(milliseconds).unwrap_or_default()
        );
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text.push_str(&format!(
        "function bodies lowered: {} of {} ({} of them late)\n",
        timings.bodies_lowered, timings.bodies, timings.bodies_lowered_late
    ));
    text.push_str(&format!(
        "blocks walked by the flow analysis: {} ({} steps: operations times connection states)\n",
        timings.blocks_walked, timings.analysis_steps
    ));
    if stats.over_bounds > 0 {
        text.push_str(&format!(
            "files over a bound (not checked, or their findings withheld): {}\n",
            stats.over_bounds
        ));
    }
    text
}

fn milliseconds(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Timings;

    #[test]
    fn every_phase_has_a_row_and_the_total_adds_up() {
        let stats = Stats {
            files: 3,
            lines: 40,
            timings: Timings {
                threads: 2,
                discover: Duration::from_micros(1500),
                read_parse_lower: Duration::from_millis(10),
                read_summed: Duration::from_millis(4),
                parse_lower_summed: Duration::from_millis(16),
                index: Duration::from_millis(1),
                summaries: Duration::from_micros(500),
                analyse: Duration::from_millis(2),
                report: Duration::from_millis(3),
                bodies: 12,
                bodies_lowered: 5,
                bodies_lowered_late: 1,
                blocks_walked: 340,
                analysis_steps: 512,
            },
            over_bounds: 1,
            ..Stats::default()
        };
        let text = render(&stats);
        assert_eq!(
            text,
            "\
timings: 3 files, 40 lines, 2 threads
phase                         wall   summed over files
discover                    1.5 ms
read + parse + lower       10.0 ms
  read                                          4.0 ms
  parse + lower                                16.0 ms
index                       1.0 ms
summaries                   0.5 ms
analyse                     2.0 ms
report                      3.0 ms
total                      18.0 ms
function bodies lowered: 5 of 12 (1 of them late)
blocks walked by the flow analysis: 340 (512 steps: operations times connection states)
files over a bound (not checked, or their findings withheld): 1
"
        );
    }
}
