#!/usr/bin/env bash
# Photo variants benchmark (issue 14). One 24-megapixel JPEG (6000×4000, generated: gradients,
# rings, stripes and noise), all of masthead_media::WIDTHS (320…2048) in WebP (q80) and JPEG
# (q82), on ONE core (taskset -c $CORE):
#   masthead — `cargo run --release -p masthead-media --example variants` (decode once, resize
#              largest first, each smaller width from the next larger, encode)
#   vips     — `vipsthumbnail` once per width and format (VIPS_CONCURRENCY=1; shrink-on-load),
#              the same widths, formats and qualities, metadata stripped
# Targets: masthead ≥ 0.5× vips' speed; masthead's peak RSS < 300 MB (/usr/bin/time -v).
# AVIF (masthead only, feature `avif`) is timed separately with AVIF=1.
# Knobs: CORE=0 RUNS=3 OUT=bench/out/photos AVIF=0 INSTALL_DEPS=1
set -euo pipefail
cd "$(dirname "$0")/.."
CORE=${CORE:-0}
RUNS=${RUNS:-3}
OUT=${OUT:-bench/out/photos}
TARGET=${CARGO_TARGET_DIR:-target}
WIDTHS=(2048 1600 1280 960 640 320)
if ! command -v vipsthumbnail >/dev/null || [ ! -x /usr/bin/time ]; then
  if [ "${INSTALL_DEPS:-1}" = 1 ] && [ "$(id -u)" = 0 ]; then
    apt-get install -y libvips-tools time >/dev/null
  else
    echo "vipsthumbnail and /usr/bin/time are needed: apt-get install -y libvips-tools time" >&2; exit 1
  fi
fi
rm -rf "$OUT"; mkdir -p "$OUT/masthead" "$OUT/vips"
cargo build --release -p masthead-media --example variants
BIN="$TARGET/release/examples/variants"
PHOTO="$OUT/photo-24mp.jpg"
"$BIN" --generate "$PHOTO" 6000 4000
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# The vips side as a script of its own, so that one `taskset` covers all twelve runs.
{
  echo 'set -e'
  for w in "${WIDTHS[@]}"; do
    echo "vipsthumbnail '$PHOTO' --size $w -o '$OUT/vips/$w.webp[Q=80,strip]'"
    echo "vipsthumbnail '$PHOTO' --size $w -o '$OUT/vips/$w.jpg[Q=82,optimize_coding,strip]'"
  done
} > "$OUT/vips.sh"

seconds() { # command... → wall seconds of the best of $RUNS
  local best=
  for _ in $(seq 1 "$RUNS"); do
    local start end
    start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N)
    best=$(python3 -c "import sys; a=$end-$start; b='$best'; print(min(a, float(b)) if b else a)")
  done
  echo "$best"
}

M=$(seconds taskset -c "$CORE" "$BIN" "$PHOTO" --formats webp,jpeg --out "$OUT/masthead")
V=$(seconds taskset -c "$CORE" env VIPS_CONCURRENCY=1 bash "$OUT/vips.sh")
RSS=$(/usr/bin/time -v taskset -c "$CORE" "$BIN" "$PHOTO" --formats webp,jpeg 2>&1 >/dev/null | awk '/Maximum resident/ {print $6}')
VRSS=$(/usr/bin/time -v taskset -c "$CORE" env VIPS_CONCURRENCY=1 vipsthumbnail "$PHOTO" --size 2048 -o "$OUT/vips/rss.webp[Q=80,strip]" 2>&1 >/dev/null | awk '/Maximum resident/ {print $6}')
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN" "$PHOTO" --formats webp,jpeg
ls -l "$OUT/vips" | awk 'NR>1 {print "  vips", $9, $5}'
python3 - "$M" "$V" "$RSS" "$VRSS" <<'PY'
import sys
m, v, rss, vrss = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print(f"masthead: {m:.3f} s for 12 variants; vipsthumbnail: {v:.3f} s (12 runs)")
print(f"speed ratio masthead/vips: {v / m:.2f}x  (target >= 0.5)")
print(f"masthead peak RSS: {rss / 1024:.0f} MB (target < 300); one vipsthumbnail run: {vrss / 1024:.0f} MB")
PY
if [ "${AVIF:-0}" = 1 ]; then
  cargo build --release -p masthead-media --example variants --features avif
  A=$(seconds taskset -c "$CORE" "$BIN" "$PHOTO" --formats avif)
  echo "masthead AVIF, 6 widths: $A s"
fi
