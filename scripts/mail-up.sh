#!/usr/bin/env bash
# Starts a throw-away Dovecot (IMAP + LMTP) and Postfix (SMTP) on loopback for DaTamer's tests.
# No systemd, nothing on standard ports, nothing read from /etc/dovecot or /etc/postfix.
#
#   MAILTEST_DIR=/tmp/mailtest bash scripts/mail-up.sh      (as root: Dovecot drops to uid 'mail')
#
# Environment (defaults): IMAP_PORT, SMTP_PORT (Postfix), LMTP_PORT: free loopback ports, never
# 2525 (DaTamer's own SMTP port); the last line says which, and $MAILTEST_DIR/ports.env keeps them
# for `source`. MAIL_DOMAIN example.test, MAIL_USERS "datamer alice bob", MAIL_PASSWORD password,
# MAIL_ANY_USER 0 (1: every <x>@MAIL_DOMAIN exists), RELAY_DOMAIN relay.test and
# RELAY_PORT (unset: no relaying): Postfix relays mail for RELAY_DOMAIN to 127.0.0.1:RELAY_PORT,
# which is where the tests put DaTamer's own SMTP listener.
# Stop with scripts/mail-down.sh and the same MAILTEST_DIR.
set -euo pipefail
D=${MAILTEST_DIR:-/tmp/mailtest}
# A loopback port nothing listens on: not 2525, where DaTamer's own SMTP listener goes, nor one of
# the ports given as arguments (picked already). Below Linux's ephemeral range (32768 and up,
# /proc/sys/net/ipv4/ip_local_port_range): there, any outgoing connection or listener on port 0
# may take the port between this check and the daemon's bind.
pick_port() {
  local p i
  for ((i = 0; i < 500; i++)); do
    p=$((20000 + RANDOM % 12000))
    [[ $p == 2525 || " $* " == *" $p "* ]] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  echo "mail-up: found no free port on 127.0.0.1" >&2
  return 1
}
IMAP_PORT=${IMAP_PORT:-$(pick_port)}
SMTP_PORT=${SMTP_PORT:-$(pick_port "$IMAP_PORT")}
LMTP_PORT=${LMTP_PORT:-$(pick_port "$IMAP_PORT" "$SMTP_PORT")}
DOMAIN=${MAIL_DOMAIN:-example.test}
USERS=${MAIL_USERS:-"datamer alice bob"}
ANY_USER=${MAIL_ANY_USER:-0}
PASSWORD=${MAIL_PASSWORD:-password}
RELAY_DOMAIN=${RELAY_DOMAIN:-relay.test}
RELAY_PORT=${RELAY_PORT:-}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }
wait_port() { # host port seconds
  local i
  for ((i = 0; i < ${3:-10} * 20; i++)); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "mail-up: $1:$2 did not open" >&2
  return 1
}

if [ "$(id -u)" != 0 ]; then
  echo "mail-up: must run as root (Dovecot switches to the 'mail' user; packages may need installing)" >&2
  exit 1
fi

# ---- packages (only when missing) ----
if ! command -v dovecot >/dev/null || ! command -v postfix >/dev/null || [ ! -x /usr/lib/dovecot/lmtp ]; then
  t=$(now)
  printf '%s\n' "postfix postfix/main_mailer_type select No configuration" \
    "postfix postfix/mailname string $DOMAIN" | debconf-set-selections
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dovecot-imapd dovecot-lmtpd postfix >/dev/null
  echo "mail-up: installed dovecot and postfix in $(since "$t")s"
fi

# 'mail' (uid 8) must be able to walk into the directory: mktemp -d makes it 0700.
mkdir -p "$D" && chmod 755 "$D"
mkdir -p "$D"/{dovecot/run,dovecot/state,mail,postfix/etc,postfix/spool,postfix/data}
MAIL_UID=$(id -u mail)
MAIL_GID=$(id -g mail)
chown -R mail:mail "$D/mail"

# ---- Dovecot ----
: >"$D/dovecot/users"
for u in $USERS; do echo "$u@$DOMAIN:{PLAIN}$PASSWORD::::::" >>"$D/dovecot/users"; done
chmod 0640 "$D/dovecot/users"
chgrp dovecot "$D/dovecot/users"

if [ "$ANY_USER" = 1 ]; then
  AUTH="passdb {
  driver = static
  args = password=$PASSWORD
}
userdb {
  driver = static
  args = uid=$MAIL_UID gid=$MAIL_GID home=$D/mail/%Ld/%Ln allow_all_users=yes
}"
else
  AUTH="passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu $D/dovecot/users
}
userdb {
  driver = passwd-file
  args = username_format=%Lu $D/dovecot/users
  default_fields = uid=$MAIL_UID gid=$MAIL_GID home=$D/mail/%Ld/%Ln
}"
fi

cat >"$D/dovecot/dovecot.conf" <<CONF
instance_name = dovecot-datamer-test
base_dir = $D/dovecot/run
state_dir = $D/dovecot/state
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
log_path = $D/dovecot/dovecot.log
first_valid_uid = $MAIL_UID
first_valid_gid = $MAIL_GID
# fs layout: folder names may contain dots, as org paths do
mail_location = maildir:~/Maildir:LAYOUT=fs
# parallel test connections to one mailbox
mail_max_userip_connections = 500
mailbox_idle_check_interval = 1 secs
lda_mailbox_autocreate = yes
recipient_delimiter = +
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \Trash
    auto = subscribe
  }
}
$AUTH
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
# A failed login would otherwise slow the next good login from 127.0.0.1 by 2-15 s.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
protocol lmtp {
  postmaster_address = postmaster@$DOMAIN
}
CONF

doveconf -c "$D/dovecot/dovecot.conf" -n >/dev/null
t=$(now)
dovecot -c "$D/dovecot/dovecot.conf"
wait_port 127.0.0.1 "$IMAP_PORT" 10
wait_port 127.0.0.1 "$LMTP_PORT" 10
echo "mail-up: dovecot up in $(since "$t")s"

# ---- Postfix: its own config directory and queue ----
PF=$D/postfix
PFC=$PF/etc
chown postfix "$PF/data"
RELAY_CONF="relay_domains ="
if [ -n "$RELAY_PORT" ]; then
  RELAY_CONF="relay_domains = $RELAY_DOMAIN
transport_maps = inline:{ $RELAY_DOMAIN=smtp:[127.0.0.1]:$RELAY_PORT }"
fi
cat >"$PFC/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
daemon_directory = /usr/lib/postfix/sbin
command_directory = /usr/sbin
mail_owner = postfix
setgid_group = postdrop
maillog_file = $PF/postfix.log
maillog_file_prefixes = $PF
myhostname = mail.$DOMAIN
mydomain = $DOMAIN
myorigin = $DOMAIN
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
local_transport = error:local delivery disabled
alias_maps =
alias_database =
relayhost =
$RELAY_CONF
virtual_mailbox_domains = $DOMAIN
virtual_mailbox_maps = $([ "$ANY_USER" = 1 ] && echo static:OK || echo "texthash:$PFC/vmailbox")
virtual_transport = lmtp:inet:127.0.0.1:$LMTP_PORT
# Nothing ever leaves this machine.
default_transport = error:outbound mail disabled in the test instance
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions =
recipient_delimiter = +
smtpd_banner = \$myhostname ESMTP test
biff = no
smtputf8_enable = no
message_size_limit = 52428800
disable_dns_lookups = yes
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
in_flow_delay = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 5s
lmtp_destination_concurrency_limit = 20
default_process_limit = 100
CONF
: >"$PFC/vmailbox"
for u in $USERS; do echo "$u@$DOMAIN OK" >>"$PFC/vmailbox"; done

cat >"$PFC/master.cf" <<CONF
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CONF

t=$(now)
# postfix(1) prints errors only to a terminal; otherwise they are in the log file.
if ! postfix -c "$PFC" start; then
  echo "mail-up: postfix did not start:" >&2
  tail -20 "$PF/postfix.log" >&2 || true
  exit 1
fi
wait_port 127.0.0.1 "$SMTP_PORT" 15
echo "mail-up: postfix up in $(since "$t")s"
printf 'IMAP_PORT=%s\nSMTP_PORT=%s\nLMTP_PORT=%s\n' "$IMAP_PORT" "$SMTP_PORT" "$LMTP_PORT" >"$D/ports.env"
echo "mail-up: IMAP 127.0.0.1:$IMAP_PORT  SMTP 127.0.0.1:$SMTP_PORT  LMTP 127.0.0.1:$LMTP_PORT${RELAY_PORT:+  relay $RELAY_DOMAIN -> 127.0.0.1:$RELAY_PORT}"
