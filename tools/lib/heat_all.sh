# heat-all in the background for the demo scripts (tools/quickstart.sh,
# tools/real_boot_demo.sh); source it from the repository's root:
#   . tools/lib/heat_all.sh
#   start_heat_all STATE_DIR LOG STOPPED_MESSAGE [HEAT-ALL OPTIONS...]
# starts .venv/bin/heat-all --state-dir STATE_DIR OPTIONS with its output in LOG, waits until
# it serves (at most 2 minutes; if it dies, the end of LOG says why and the script exits 1),
# exports the heatrc it writes (OS_* and AWS_*), and stops it when the script exits, then
# prints `== STOPPED_MESSAGE`.

start_heat_all() {
    local state=$1 log=$2
    heat_all_stopped_message=$3
    shift 3
    .venv/bin/heat-all --state-dir "$state" "$@" >"$log" 2>&1 &
    heat_all_pid=$!
    trap stop_heat_all EXIT
    # heat-all prints this line last, once every API serves and heatrc is written.
    for _ in $(seq 1 240); do
        grep -q '^credentials: source' "$log" && break
        if ! kill -0 "$heat_all_pid" 2>/dev/null; then
            echo "heat-all did not start:" >&2
            tail -20 "$log" >&2
            exit 1
        fi
        sleep 0.5
    done
    grep -q '^credentials: source' "$log" || {
        echo "heat-all did not start in 2 minutes" >&2
        exit 1
    }
    set -a
    # shellcheck disable=SC1091
    . "$state/heatrc"
    set +a
    echo "== source $state/heatrc  (OS_AUTH_URL=$OS_AUTH_URL)"
}

stop_heat_all() {
    kill -TERM "$heat_all_pid" 2>/dev/null && wait "$heat_all_pid" || true
    echo "== $heat_all_stopped_message"
}
