# shellcheck shell=bash
# devstack/common.sh - helpers every component of devstack/bin/stack uses: logging, PID
# files, ports, detached start, readiness waits and stop by PID. Sourced, never run.

log()  { printf '[stack] %s\n' "$*" >&2; }
die()  { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

pidfile() { echo "$RUN/$1.pid"; }
logfile() { echo "$LOGS/$1.log"; }

# True if something accepts TCP connections on 127.0.0.1:$1 (bash /dev/tcp,
# so no netcat/ss dependency).
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A process name ("proc") is one daemon: kafka, postgres, kubo,
# anvil-11155111, anvil-80002. Its PID file is only trusted if the live
# process' command line still contains the proc's marker (the component's
# <component>_marker), so a recycled PID is never mistaken for ours (and never killed).
proc_marker() { "${1%%-*}_marker" "$1"; }

# Prints the PID of proc $1 if it is running (and ours); fails otherwise.
proc_pid() {
  local f pid
  f="$(pidfile "$1")"
  [[ -s "$f" ]] || return 1
  pid="$(head -n1 "$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$(proc_marker "$1")" || return 1
  echo "$pid"
}

# Start "$@" detached from this shell (own session: no SIGHUP, no terminal),
# logging to var/log/<proc>.log. The inner shell writes its own PID and then
# execs the command, so the PID file names the daemon itself whether or not
# setsid had to fork.
spawn() {
  local proc="$1"; shift
  local lf; lf="$(logfile "$proc")"
  rm -f "$(pidfile "$proc")"
  printf '\n===== [stack] starting %s at %s =====\n' "$proc" "$(date -Is)" >>"$lf"
  # shellcheck disable=SC2016  # $$/$0/$@ are for the inner shell
  # 9>&-: the daemon must not inherit the stack lock (see take_lock).
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$(pidfile "$proc")" "$@" \
    </dev/null >>"$lf" 2>&1 9>&- &
  # Wait (briefly) for the PID file so callers can rely on it.
  local i
  for i in $(seq 50); do [[ -s "$(pidfile "$proc")" ]] && break; sleep 0.1; done
  log "$proc started (pid $(cat "$(pidfile "$proc")"), log $lf)"
}

# Refuse to start on a port someone else holds: we would only be "ready"
# by accident, talking to a server this script does not own.
require_free_port() {
  local proc="$1" port="$2"
  if port_open "$port"; then
    die "$proc: 127.0.0.1:$port is already in use by a process this script did not start (see: ss -ltnp 'sport = :$port')"
  fi
}

# Poll "$@" until it succeeds. Fails early if one of the procs has died,
# and on timeout; either way shows the tail of the proc logs.
wait_until() {
  local what="$1" procs="$2"; shift 2
  local deadline=$((SECONDS + READY_TIMEOUT)) p
  while ! "$@" >/dev/null 2>&1; do
    for p in $procs; do
      if ! proc_pid "$p" >/dev/null; then
        fail_with_logs "$what: $p exited before becoming ready" "$procs"
      fi
    done
    if ((SECONDS >= deadline)); then
      fail_with_logs "$what: not ready after ${READY_TIMEOUT}s (still running; 'stack down' stops it, STACK_READY_TIMEOUT raises the limit)" "$procs"
    fi
    sleep 0.5
  done
}

fail_with_logs() {
  local msg="$1" procs="$2" p
  for p in $procs; do
    printf '\n----- last 40 lines of %s -----\n' "$(logfile "$p")" >&2
    tail -n 40 "$(logfile "$p")" >&2 || true
  done
  die "$msg"
}

# Stop one proc by PID: polite signal (TERM unless told otherwise), wait up
# to STOP_TIMEOUT, then KILL. Only ever touches a PID that proc_pid accepts.
stop_proc() {
  local proc="$1" sig="${2:-TERM}" pid i
  if ! pid="$(proc_pid "$proc")"; then
    [[ -e "$(pidfile "$proc")" ]] && log "$proc: stale PID file removed"
    rm -f "$(pidfile "$proc")"
    log "$proc: not running"
    return 0
  fi
  log "$proc: stopping pid $pid (SIG$sig)"
  kill -s "$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$proc: still alive after ${STOP_TIMEOUT}s, sending SIGKILL"
    kill -s KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$(pidfile "$proc")"
  log "$proc: stopped"
}
