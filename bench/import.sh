#!/usr/bin/env bash
# Times `masthead import --from wordpress` on a generated export of N posts (default 100,000)
# into a fresh SQLite data directory, with /usr/bin/time -v for the peak RSS; prints the load
# average before and after (other work on the machine skews the figure).
#
#   cargo build --release && bench/import.sh [N] [path/to/masthead]
set -euo pipefail
n="${1:-100000}"
bin="${2:-target/release/masthead}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 "$(dirname "$0")/wxr.py" "$n" > "$work/export.xml"
echo "export: $n posts, $(du -h "$work/export.xml" | cut -f1)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -v "$bin" --data "$work/data" import --from wordpress "$work/export.xml" 2> "$work/time.txt" | tail -3
grep -E "Elapsed \(wall clock\)|Maximum resident set size" "$work/time.txt"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
