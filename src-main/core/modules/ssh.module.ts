import type { Check } from '../../../src-common/change/plan.schema.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import { sshInfo, sshSettings, type SshSettings } from '../../../src-common/modules/ssh.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import { defineModule, type ModuleContext } from '../change/module.js';
import { byBackend } from './family.js';

/**
 * SSH hardening, written as a drop-in that sshd reads before its own settings, and switched on
 * only once Fleetdeck proved it can still log in. The plan, in order:
 *
 *   1. arm-revert   the host puts sshd_config and the drop-in back (and reloads sshd) by itself
 *                   after revertAfterSeconds, unless step 10 disarms it — armed before anything
 *                   is written, so no moment leaves a config on disk that nothing takes back;
 *   2. command      add `Include /etc/ssh/sshd_config.d/*.conf` at the top of sshd_config, where
 *                   it is missing (sshd takes the first value it reads: the drop-in must come first);
 *   3. file         /etc/ssh/sshd_config.d/10-fleetdeck.conf;
 *   4. command      `sshd -t -f /etc/ssh/sshd_config`, then a trial sshd with that config on
 *                   127.0.0.1:<trialPort> (it stops by itself after a few minutes);
 *   5. confirm      Fleetdeck logs in anew, through its own connection, on the trial port;
 *   6. command      the trial sshd stops;
 *   7. unit         sshd reloads (`sshd -t` first): open sessions stay;
 *   8. command      wait until sshd listens again after its re-exec;
 *   9. confirm      Fleetdeck logs in anew the normal way, on sshd's own port;
 *  10. disarm.
 * A failed step between 1 and 10 (the trial refused, a login that does not work) runs the revert
 * at once (remote-scripts/helper/change/apply.ts); a lost link does too, and if the helper
 * itself is gone, the timer fires.
 *
 * What would lock Fleetdeck out is refused in the plan, before anything runs: an AllowUsers list
 * without its own login, "never" for root when it logs in as root, key-only when it logs in
 * with a password. The trial login catches what the plan cannot know (group membership, a
 * Match block of the host's own).
 */
export const SSHD = '/usr/sbin/sshd';
export const SSHD_CONFIG = '/etc/ssh/sshd_config';
export const SSHD_DROP_IN_DIR = '/etc/ssh/sshd_config.d';
export const SSHD_DROP_IN = `${SSHD_DROP_IN_DIR}/10-fleetdeck.conf`;
export const INCLUDE_LINE = `Include ${SSHD_DROP_IN_DIR}/*.conf`;
const INCLUDE_NOTE = '# Added by Fleetdeck (ssh module): the drop-ins come first, so their settings win';
const TRIAL_UNIT = 'fleetdeck-ssh-trial';
const TRIAL_PID = '/run/fleetdeck-ssh-trial.pid';
/** How long a trial sshd may live at most (it is stopped at step 6 long before). */
const TRIAL_SECONDS = 300;

// How Fleetdeck logs in (facts.auth: key, agent, password): key-only is refused for a password
// login; without a login (--local) the trial login is what proves a key works first.

/** The unit that runs sshd: Debian and Ubuntu call it ssh, every other family sshd. */
export function sshUnit(probe: Probe): string {
  return byBackend(probe, { apt: 'ssh' }) ?? 'sshd';
}

/**
 * Algorithms taken out of sshd's own default set ("-" lists: what this OpenSSH adds later, such
 * as post-quantum key exchange, stays): CBC and RC4 ciphers; MACs that are not encrypt-then-MAC,
 * or use SHA-1, MD5 or 64-bit tags; key exchange over SHA-1, NIST curves or 2048-bit groups.
 */
export const WEAK = {
  ciphers: '-*-cbc,arcfour*,rijndael-cbc*',
  macs: '-*sha1*,*md5*,umac-64*,hmac-ripemd160*,hmac-sha2-256,hmac-sha2-512,umac-128@openssh.com',
  kex: '-*-sha1,ecdh-sha2-nistp*,diffie-hellman-group14-sha256',
};

const HEADER = '# Managed by Fleetdeck (ssh module). Edits here show up as drift and are undone by the next apply.\n# sshd keeps the first value it reads for a keyword: this file is read before the rest of sshd_config.\n';

export function dropIn(s: SshSettings): string {
  const lines: string[] = [];
  if (s.keyOnly) {
    lines.push('# Keys only: no passwords, no keyboard-interactive (PAM) prompts.');
    lines.push('PasswordAuthentication no', 'ChallengeResponseAuthentication no', 'PermitEmptyPasswords no');
  }
  lines.push('PubkeyAuthentication yes');
  lines.push(`PermitRootLogin ${s.permitRootLogin}`);
  if (s.allowUsers.length) lines.push(`AllowUsers ${s.allowUsers.join(' ')}`);
  if (s.allowGroups.length) lines.push(`AllowGroups ${s.allowGroups.join(' ')}`);
  lines.push(`X11Forwarding ${s.x11Forwarding ? 'yes' : 'no'}`);
  if (s.modernCiphers) {
    lines.push('# Modern algorithms only: the weak ones are taken out of this sshd’s own defaults.');
    lines.push(`Ciphers ${WEAK.ciphers}`, `MACs ${WEAK.macs}`, `KexAlgorithms ${WEAK.kex}`);
  }
  return `${HEADER}${lines.join('\n')}\n`;
}

/** Stops a trial sshd: its systemd unit, and the process its pid file names (only if it is ours). */
const STOP_TRIAL = `if [ "$1" = systemd ]; then systemctl stop ${TRIAL_UNIT}.service >/dev/null 2>&1; systemctl reset-failed ${TRIAL_UNIT}.service >/dev/null 2>&1; fi
if [ -f ${TRIAL_PID} ]; then
  pid=$(cat ${TRIAL_PID})
  if [ -n "$pid" ] && tr '\\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF 'PidFile=${TRIAL_PID}'; then kill "$pid"; fi
  rm -f ${TRIAL_PID}
fi`;

/** True (exit 0) when something listens on TCP port $port (IPv4 or IPv6), from /proc. */
const LISTENS = 'listens() { grep -qiE ":$(printf %04X "$1") [0-9A-F]+:0000 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null; }';

/** $1 manager, $2 sshd, $3 config, $4 trial port, $5 seconds it may live. */
export const TRIAL_SCRIPT = `set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin
manager=$1 sshd=$2 conf=$3 port=$4 secs=$5
${LISTENS}
if ! out=$("$sshd" -t -f "$conf" 2>&1); then echo "sshd -t refused the new configuration: $out"; exit 1; fi
echo "sshd -t -f $conf: the new configuration is valid"
${STOP_TRIAL}
i=0
while listens "$port" && [ $i -lt 10 ]; do sleep 0.2; i=$((i + 1)); done
if listens "$port"; then echo "port $port is in use on this host already: choose another trial port"; exit 1; fi
# -p wins over the config's Port; the config's own ListenAddress lines (if any) still apply.
if [ "$manager" = systemd ]; then
  systemd-run --unit=${TRIAL_UNIT} --description="Fleetdeck: trial sshd on 127.0.0.1:$port" timeout "$secs" "$sshd" -D -e -f "$conf" -p "$port" -o ListenAddress=127.0.0.1 -o PidFile=${TRIAL_PID} >/dev/null || exit 1
else
  setsid timeout "$secs" "$sshd" -D -e -f "$conf" -p "$port" -o ListenAddress=127.0.0.1 -o PidFile=${TRIAL_PID} </dev/null >/dev/null 2>&1 &
fi
i=0
while [ $i -lt 50 ]; do
  if listens "$port"; then echo "a trial sshd with the new configuration listens on 127.0.0.1:$port (for at most $secs s)"; exit 0; fi
  sleep 0.2
  i=$((i + 1))
done
echo "the trial sshd did not listen on 127.0.0.1:$port within 10 s"
[ "$manager" = systemd ] && journalctl -u ${TRIAL_UNIT} -n 10 --no-pager 2>&1
exit 1`;

/** $1 manager. */
export const STOP_TRIAL_SCRIPT = `PATH=/usr/sbin:/usr/bin:/sbin:/bin
${STOP_TRIAL}
echo "the trial sshd stopped"`;

/** Where the trial's stop step notes sshd's listening sockets, for the step after the reload. */
const LISTEN_NOTE = '/run/fleetdeck-ssh-listening';

/** $ports: the ports sshd listens on, as `sshd -T` says; inodes: its listening sockets now. */
const SSHD_SOCKETS = `ports=$("$sshd" -T 2>/dev/null | awk 'tolower($1) == "port" { print $2 }')
[ -n "$ports" ] || ports=22
inodes() {
  for p in $ports; do
    awk -v h="$(printf %04X "$p")" '$4 == "0A" { split($2, a, ":"); if (toupper(a[2]) == h) print $10 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
  done | sort -u | tr '\\n' ' '
}`;

/**
 * After a reload sshd re-executes itself: closes its listening sockets and opens new ones. A new
 * login in between is refused, so this waits (up to 15 s) until every port listens on a socket
 * that is not one of $before (the sockets before the reload): then the new sshd answers.
 */
const WAIT_RELOADED = `[ -n "$before" ] || sleep 1
i=0
while [ $i -lt 75 ]; do
  now=$(inodes)
  fresh=yes
  for p in $ports; do listens "$p" || fresh=no; done
  for x in $now; do case " $before " in *" $x "*) fresh=no ;; esac; done
  if [ $fresh = yes ]; then echo "sshd listens anew on port $(echo $ports | tr ' ' ',') after its reload"; exit 0; fi
  sleep 0.2
  i=$((i + 1))
done
echo "sshd does not listen anew on port $(echo $ports | tr ' ' ',') 15 s after its reload"
exit 1`;

/** $1 manager, $2 sshd: stop the trial, and note sshd's listening sockets (the reload comes next). */
export const STOP_TRIAL_NOTE_SCRIPT = `PATH=/usr/sbin:/usr/bin:/sbin:/bin
sshd=$2
${STOP_TRIAL}
echo "the trial sshd stopped"
${SSHD_SOCKETS}
inodes >${LISTEN_NOTE}`;

/** $1 sshd: a new login waits until sshd listens anew after its reload. */
export const SETTLE_SCRIPT = `PATH=/usr/sbin:/usr/bin:/sbin:/bin
sshd=$1
${LISTENS}
${SSHD_SOCKETS}
before=$(cat ${LISTEN_NOTE} 2>/dev/null)
rm -f ${LISTEN_NOTE}
${WAIT_RELOADED}`;

/** $1 manager, $2 unit, $3 sshd: what the armed revert runs once the files are back. */
export const REVERT_THEN_SCRIPT = `PATH=/usr/sbin:/usr/bin:/sbin:/bin
sshd=$3
${LISTENS}
${STOP_TRIAL}
${SSHD_SOCKETS}
before=$(inodes)
if [ "$1" = systemd ]; then systemctl reload "$2" || systemctl restart "$2"; else rc-service "$2" reload || rc-service "$2" restart; fi
${WAIT_RELOADED}`;

/** $1 config, $2 note, $3 include line: put both lines on top (mode and owner kept). */
export const ADD_INCLUDE_SCRIPT = `set -e
mkdir -p ${SSHD_DROP_IN_DIR}
cp -p "$1" "$1.fleetdeck-new"
{ printf '%s\\n%s\\n' "$2" "$3"; cat "$1"; } >"$1.fleetdeck-new"
mv -f "$1.fleetdeck-new" "$1"`;

/** $1 config, $2 note, $3 include line: take them off again, only if they are still the first two lines. */
export const REMOVE_INCLUDE_SCRIPT = `set -e
if [ "$(head -n 2 "$1")" = "$(printf '%s\\n%s' "$2" "$3")" ]; then
  cp -p "$1" "$1.fleetdeck-new"
  tail -n +3 "$1" >"$1.fleetdeck-new"
  mv -f "$1.fleetdeck-new" "$1"
fi`;

/** Exit 0 when sshd_config includes the drop-in directory already (absolute or relative to /etc/ssh). */
export const HAS_INCLUDE_SCRIPT = 'grep -Eqi "^[[:space:]]*Include[[:space:]]+(/etc/ssh/)?sshd_config\\.d/\\*\\.conf([[:space:]]|$)" "$1"';

/** $@: extended regexes (whole line, any case) that `sshd -T` must print; each is reported. */
export const EFFECTIVE_SCRIPT = `PATH=/usr/sbin:/usr/bin:/sbin:/bin
if ! out=$(sshd -T 2>&1); then echo "sshd -T failed: $out" | tail -n 5; exit 1; fi
rc=0
for want in "$@"; do
  got=$(printf '%s\\n' "$out" | grep -Eix -- "$want" | head -n 1)
  if [ -n "$got" ]; then echo "$got"; else
    key=\${want%% *}
    echo "NOT SET: $want (sshd -T: $(printf '%s\\n' "$out" | grep -i "^$key " | head -n 3 | tr '\\n' ';'))"
    rc=1
  fi
done
exit $rc`;

/** No weak algorithm left in what sshd -T says it offers. */
export const ALGORITHMS_SCRIPT = `PATH=/usr/sbin:/usr/bin:/sbin:/bin
if ! out=$(sshd -T 2>&1); then echo "sshd -T failed: $out" | tail -n 5; exit 1; fi
lines=$(printf '%s\\n' "$out" | grep -Ei '^(ciphers|macs|kexalgorithms) ')
printf '%s\\n' "$lines"
bad=$(printf '%s\\n' "$lines" | tr ' ,' '\\n\\n' | grep -Ei -e '-cbc' -e 'arcfour' -e 'sha1' -e 'md5' -e 'nistp' -e 'umac-64' -e 'group14' -e '^hmac-sha2-(256|512)$' -e '^umac-128@openssh.com$' | sort -u | tr '\\n' ' ')
if [ -n "$bad" ]; then echo "still offered: $bad"; exit 1; fi
echo "no weak cipher, MAC or key exchange is offered"`;

const sh = (script: string, ...args: string[]) => ['/bin/sh', '-c', script, 'sh', ...args];
const re = (s: string) => s.replace(/[.[\]()*+?^$|\\{}]/g, '\\$&');

function refuse(ctx: ModuleContext<SshSettings>): void {
  const { facts, settings: s } = ctx;
  const f = facts;
  if (s.allowUsers.length && !s.allowUsers.includes(facts.user)) {
    throw new FleetdeckError('invalid-input', `Allowed users on ${facts.hostName} must include ${facts.user}, the account Fleetdeck logs in as: add it to the list (or leave the list empty), else Fleetdeck locks itself out.`);
  }
  if (facts.uid === 0 && s.permitRootLogin === 'no') {
    throw new FleetdeckError('invalid-input', `Fleetdeck logs in to ${facts.hostName} as root: "Root login: never" would lock it out. Choose "with a key only", or give Fleetdeck a sudo account to log in as and switch the host to it first.`);
  }
  if (s.keyOnly && (f.auth === 'password' || f.auth === 'keyboard-interactive')) {
    throw new FleetdeckError(
      'invalid-input',
      `Fleetdeck logs in to ${facts.hostName} as ${facts.user} with a password: key-only would lock it out. Put a key in ~${facts.user}/.ssh/authorized_keys on the host (ssh-copy-id), switch the host to key login in Fleetdeck and connect with it, then apply again; or turn key-only off.`,
    );
  }
}

export const sshModule = defineModule<SshSettings>({
  info: sshInfo,
  settings: sshSettings as never,
  unsupported(facts) {
    if (facts.probe.serviceManager === 'none') return 'neither systemd nor openrc runs as init: Fleetdeck cannot reload sshd safely (nor arm its automatic revert)';
    return null;
  },
  network: () => null,
  opens: () => [{ port: 22, proto: 'tcp', why: 'SSH (sshd)' }],
  // sshd holds port 22 already: that is this module's own service.
  ownsPort: (port) => port === 22,
  resources(ctx) {
    refuse(ctx);
    const { probe } = ctx.facts;
    const s = ctx.settings;
    const manager = probe.serviceManager === 'openrc' ? 'openrc' : 'systemd';
    const unit = sshUnit(probe);
    const changed = [`file:${SSHD_DROP_IN}`, 'command:ssh-include'];
    const out: Resource[] = [
      {
        kind: 'guard',
        id: 'ssh-revert',
        op: 'arm-revert',
        label: `Arm the automatic revert: unless a new login confirms the change, ${ctx.facts.hostName} puts ${SSHD_CONFIG} and ${SSHD_DROP_IN} back and reloads sshd after ${s.revertAfterSeconds} s (at once if a step below fails)`,
        seconds: s.revertAfterSeconds,
        restore: [SSHD_CONFIG, SSHD_DROP_IN],
        then: sh(REVERT_THEN_SCRIPT, manager, unit, SSHD),
      },
      {
        kind: 'command',
        id: 'ssh-include',
        label: `Read ${SSHD_DROP_IN_DIR}/*.conf first: add "${INCLUDE_LINE}" at the top of ${SSHD_CONFIG}`,
        argv: sh(ADD_INCLUDE_SCRIPT, SSHD_CONFIG, INCLUDE_NOTE, INCLUDE_LINE),
        unless: sh(HAS_INCLUDE_SCRIPT, SSHD_CONFIG),
        undo: sh(REMOVE_INCLUDE_SCRIPT, SSHD_CONFIG, INCLUDE_NOTE, INCLUDE_LINE),
      },
      { kind: 'file', path: SSHD_DROP_IN, content: dropIn(s), mode: 0o644, owner: 'root', group: 'root' },
      {
        kind: 'command',
        id: 'ssh-trial',
        label: `Check the new configuration (sshd -t -f ${SSHD_CONFIG}) and start a trial sshd with it on 127.0.0.1:${s.trialPort}`,
        argv: sh(TRIAL_SCRIPT, manager, SSHD, SSHD_CONFIG, String(s.trialPort), String(TRIAL_SECONDS)),
        undo: sh(STOP_TRIAL_SCRIPT, manager),
        when: changed,
        timeoutMs: 60_000,
      },
      { kind: 'guard', id: 'ssh-confirm-trial', op: 'confirm', label: `A new login as ${ctx.facts.user} works on the trial sshd (127.0.0.1:${s.trialPort}), before the real sshd changes`, port: s.trialPort, waitSeconds: 60 },
      { kind: 'command', id: 'ssh-trial-stop', label: `Stop the trial sshd on 127.0.0.1:${s.trialPort}`, argv: sh(STOP_TRIAL_NOTE_SCRIPT, manager, SSHD), undo: ['true'], when: changed },
      { kind: 'unit', name: unit, reloadOn: changed, checkBefore: [SSHD, '-t'] },
      { kind: 'command', id: 'ssh-settle', label: 'Wait until sshd listens again after its reload', argv: sh(SETTLE_SCRIPT, SSHD), undo: ['true'], when: changed, timeoutMs: 60_000 },
      { kind: 'guard', id: 'ssh-confirm', op: 'confirm', label: `A new login as ${ctx.facts.user} works through sshd's own port with the new configuration`, port: 0, waitSeconds: 60 },
      { kind: 'guard', id: 'ssh-disarm', op: 'disarm', label: 'Disarm the automatic revert: the change is confirmed' },
    ];
    return out;
  },
  checks(ctx) {
    const s = ctx.settings;
    const unit = sshUnit(ctx.facts.probe);
    const want: string[] = [];
    if (s.keyOnly) want.push('passwordauthentication no', '(kbdinteractive|challengeresponse)authentication no', 'permitemptypasswords no');
    want.push('pubkeyauthentication yes');
    want.push(s.permitRootLogin === 'no' ? 'permitrootlogin no' : 'permitrootlogin (prohibit-password|without-password)');
    for (const u of s.allowUsers) want.push(`allowusers ${re(u)}`);
    for (const g of s.allowGroups) want.push(`allowgroups ${re(g)}`);
    want.push(`x11forwarding ${s.x11Forwarding ? 'yes' : 'no'}`);
    const checks: Check[] = [
      { kind: 'command', id: 'ssh-config', label: 'sshd -t accepts the configuration', argv: [SSHD, '-t'] },
      { kind: 'command', id: 'ssh-effective', label: `sshd -T shows the settings in effect (${s.keyOnly ? 'keys only, ' : ''}root: ${s.permitRootLogin}${s.allowUsers.length ? `, users: ${s.allowUsers.join(' ')}` : ''}${s.allowGroups.length ? `, groups: ${s.allowGroups.join(' ')}` : ''})`, argv: sh(EFFECTIVE_SCRIPT, ...want) },
    ];
    if (s.modernCiphers) checks.push({ kind: 'command', id: 'ssh-algorithms', label: 'sshd offers no weak cipher, MAC or key exchange', argv: sh(ALGORITHMS_SCRIPT) });
    checks.push(
      { kind: 'unit-running', id: 'ssh-running', label: `${unit} is running`, unit },
      { kind: 'port', id: 'ssh-port', label: 'sshd answers on port 22', port: 22 },
      { kind: 'command', id: 'ssh-trial-gone', label: `No trial sshd is left on port ${s.trialPort}`, argv: sh(`${LISTENS}\nif listens "$1"; then echo "something still listens on 127.0.0.1:$1"; exit 1; fi\necho "port $1 is free"`, String(s.trialPort)) },
    );
    return checks;
  },
  warnings(ctx) {
    const s = ctx.settings;
    const { facts } = ctx;
    const w: string[] = [`sshd reloads: open sessions stay. If a new login as ${facts.user} fails afterwards, ${facts.hostName} puts its old sshd configuration back by itself (at once, or after ${s.revertAfterSeconds} s if Fleetdeck's link is gone).`];
    const auth = facts.auth;
    if (s.keyOnly && !auth) w.push(`Key-only: Fleetdeck must log in to ${facts.hostName} with a key; the trial login proves it before the real sshd changes.`);
    if (s.keyOnly) w.push('Accounts that log in with a password only (no key in authorized_keys) cannot log in any more.');
    if (s.allowGroups.length) w.push(`${facts.user} must be in one of the allowed groups (${s.allowGroups.join(', ')}); the trial login proves it before the real sshd changes.`);
    if (s.modernCiphers) w.push('Very old SSH clients (OpenSSH before 6.5, PuTTY before 0.68) cannot connect any more.');
    if (s.modernCiphers && facts.probe.os.family === 'rhel') w.push('On this host the system crypto policy (update-crypto-policies) no longer decides sshd’s algorithms: the drop-in does.');
    if (s.permitRootLogin === 'prohibit-password' && facts.uid !== 0) w.push('root may still log in with a key: "never" is safer when nobody needs it.');
    return w;
  },
});
