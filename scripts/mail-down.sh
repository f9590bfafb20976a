#!/usr/bin/env bash
# Stops the test mail servers started by mail-up.sh (by PID, never by name) and waits until they are gone.
D=${MAILTEST_DIR:-/tmp/mailtest}
# A zombie is dead for our purposes: PID 1 here reaps orphans only every few seconds.
alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $s != Z* ]]; }
pids=()
p=$(head -1 "$D/postfix/spool/pid/master.pid" 2>/dev/null | tr -d ' ')
if [ -n "$p" ] && alive "$p"; then
  postfix -c "$D/postfix/etc" stop >/dev/null 2>&1 || kill "$p"
  pids+=("$p")
fi
p=$(cat "$D/dovecot/run/master.pid" 2>/dev/null)
if [ -n "$p" ] && alive "$p"; then
  kill "$p"
  pids+=("$p")
fi
for p in "${pids[@]}"; do
  for _ in $(seq 100); do alive "$p" || break; sleep 0.05; done
  if alive "$p"; then echo "mail-down: pid $p still alive, killing" >&2; kill -9 "$p"; fi
done
true
