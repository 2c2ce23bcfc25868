#!/usr/bin/env bash
# A local Apache Flink 2.3.0 standalone cluster for pipetop's Flink tests and demos.
#
#   scripts/flink-cluster.sh install   # venv with apache-flink==2.3.0 (~850 MB, once)
#   scripts/flink-cluster.sh start     # JobManager + one TaskManager (4 slots); waits for REST and slots
#   scripts/flink-cluster.sh stop      # stops both, by the PIDs this script recorded
#   scripts/flink-cluster.sh status    # prints the REST URL if the cluster answers
#   scripts/flink-cluster.sh home      # prints FLINK_HOME (installing first if needed)
#
# Everything binds to 127.0.0.1. The configuration (written fresh at every start,
# under $PIPETOP_FLINK_STATE) uses the adaptive scheduler with short cooldowns, so
# a rescale through PUT /jobs/:id/resource-requirements takes effect in seconds,
# and refreshes the REST layer's metrics every second.
#
# Environment:
#   PIPETOP_FLINK_VENV   where the venv goes (default: target/flink-venv)
#   PIPETOP_FLINK_STATE  config, logs and PID files (default: target/flink-cluster-$PORT)
#   PIPETOP_FLINK_PORT   REST port (default 8081); the JobManager's RPC port is PORT+1
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${PIPETOP_FLINK_VENV:-$root/target/flink-venv}"
port="${PIPETOP_FLINK_PORT:-8081}"
state="${PIPETOP_FLINK_STATE:-$root/target/flink-cluster-$port}"
url="http://127.0.0.1:$port"

flink_home() {
  "$venv/bin/python" - <<'PY' 2>/dev/null
import os, pyflink
print(os.path.dirname(os.path.abspath(pyflink.__file__)))
PY
}

install() {
  if [ -n "$(flink_home)" ] && [ -f "$(flink_home)/lib/flink-dist-2.3.0.jar" ]; then
    return 0
  fi
  command -v java >/dev/null || { echo "flink-cluster: java is not installed (Flink needs Java 11+; e.g. apt-get install openjdk-17-jdk-headless)" >&2; exit 3; }
  echo "flink-cluster: installing apache-flink==2.3.0 into $venv (about 850 MB, a minute)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check apache-flink==2.3.0
}

answers() {
  curl -fsS --max-time 2 "$url/overview" 2>/dev/null
}

write_config() {
  local home="$1"
  mkdir -p "$state/conf" "$state/log" "$state/run" "$state/web" "$state/tmp"
  # The distribution's JVM options (add-opens for Java 17) stay; the rest is ours.
  local java_opts
  java_opts="$(grep -E '^\s+all: --add-exports' "$home/conf/config.yaml" | head -1 | sed -E 's/^\s+all: //')"
  cat > "$state/conf/config.yaml" <<YAML
env.java.opts.all: $java_opts
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: $((port + 1))
jobmanager.bind-host: 127.0.0.1
taskmanager.bind-host: 127.0.0.1
taskmanager.host: 127.0.0.1
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
rest.port: $port
blob.server.port: 0
taskmanager.rpc.port: 0
taskmanager.data.port: 0
jobmanager.memory.process.size: 1024m
taskmanager.memory.process.size: 1536m
taskmanager.numberOfTaskSlots: 4
parallelism.default: 1
jobmanager.scheduler: adaptive
jobmanager.adaptive-scheduler.resource-stabilization-timeout: 1s
jobmanager.adaptive-scheduler.executing.resource-stabilization-timeout: 1s
jobmanager.adaptive-scheduler.submission.resource-stabilization-timeout: 1s
jobmanager.adaptive-scheduler.executing.cooldown-after-rescaling: 1s
jobmanager.adaptive-scheduler.rescale-trigger.max-delay: 1s
metrics.fetcher.update-interval: 1000
restart-strategy.type: fixed-delay
restart-strategy.fixed-delay.attempts: 1000
restart-strategy.fixed-delay.delay: 1s
web.tmpdir: $state/web
io.tmp.dirs: $state/tmp
YAML
  printf '127.0.0.1:%s\n' "$port" > "$state/conf/masters"
  printf '127.0.0.1\n' > "$state/conf/workers"
  cp "$home"/conf/log4j.properties "$home"/conf/log4j-console.properties "$state/conf/" 2>/dev/null || true
}

daemon_env() {
  export FLINK_HOME="$1" FLINK_CONF_DIR="$state/conf" FLINK_LOG_DIR="$state/log" FLINK_PID_DIR="$state/run"
}

start() {
  install
  local home; home="$(flink_home)"
  if answers >/dev/null; then
    echo "flink-cluster: a cluster already answers at $url" >&2
    echo "$url"; return 0
  fi
  write_config "$home"
  daemon_env "$home"
  "$home/bin/jobmanager.sh" start >/dev/null
  "$home/bin/taskmanager.sh" start >/dev/null
  # REST in ~12 s, slots in ~20 s on this machine; give up after 120 s.
  for _ in $(seq 1 240); do
    if answers | grep -q '"slots-total":[1-9]'; then
      echo "$url"; return 0
    fi
    sleep 0.5
  done
  echo "flink-cluster: no TaskManager slots at $url after 120 s; logs in $state/log" >&2
  stop; exit 1
}

stop() {
  local pidfile pid
  for pidfile in "$state"/run/*.pid; do
    [ -f "$pidfile" ] || continue
    while read -r pid; do
      [ -n "$pid" ] || continue
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -9 "$pid" 2>/dev/null || true
    done < "$pidfile"
    rm -f "$pidfile"
  done
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) answers >/dev/null && echo "$url" ;;
  home) install; flink_home ;;
  *) echo "usage: $0 install|start|stop|status|home" >&2; exit 2 ;;
esac
