#!/usr/bin/env bash
# Builds flink-job/ (pipetop's scenario-as-a-Flink-job) into a jar with javac,
# against the Flink distribution's jars, and prints the jar's path. Rebuilds only
# when a source is newer than the jar.
#
#   scripts/flink-build-job.sh [FLINK_HOME]   # default: the one scripts/flink-cluster.sh installs
#
# Output: $PIPETOP_FLINK_JOB_DIR (default target/flink-job)/pipetop-job.jar; never committed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
home="${1:-${FLINK_HOME:-}}"
if [ -z "$home" ]; then
  home="$("$root/scripts/flink-cluster.sh" home)"
fi
out="${PIPETOP_FLINK_JOB_DIR:-$root/target/flink-job}"
jar="$out/pipetop-job.jar"
sources=("$root"/flink-job/src/pipetop/*.java)
command -v javac >/dev/null || { echo "flink-build-job: javac is not installed (a JDK 11+ is needed)" >&2; exit 3; }
[ -f "$home/lib/flink-dist-2.3.0.jar" ] || { echo "flink-build-job: $home is not a Flink 2.3.0 home (no lib/flink-dist-2.3.0.jar)" >&2; exit 3; }
stale=0
[ -f "$jar" ] || stale=1
for s in "${sources[@]}"; do [ "$s" -nt "$jar" ] && stale=1; done
if [ "$stale" = 1 ]; then
  rm -rf "$out/classes"
  mkdir -p "$out/classes"
  javac -nowarn -source 11 -target 11 -cp "$home/lib/*" -d "$out/classes" "${sources[@]}" 2>"$out/javac.log" \
    || { cat "$out/javac.log" >&2; exit 1; }
  # Write to a temporary name, then rename: a half-written jar is never seen.
  (cd "$out/classes" && jar --create --file "$jar.tmp" --main-class pipetop.PipetopJob .)
  mv "$jar.tmp" "$jar"
fi
echo "$jar"
