import { FleetdeckError } from '../../../src-common/problems.js';
import { allModules } from '../modules/index.js';
import { defineCommand, COMMON_FLAGS, type CliCommand } from './command.js';

/**
 * `fleetdeck completion bash|zsh|fish`: a completion script generated from the command
 * declarations (cli/commands.ts), so it always knows every command, its options, stored host
 * names (`fleetdeck hosts names`) and module names.
 */
type Shell = 'bash' | 'zsh' | 'fish';

const takesHost = (c: CliCommand) => /HOST|NAME/.test(c.args ?? '');
const takesModules = (c: CliCommand) => c.path[0] === 'modules' && /MODULE/.test(c.args ?? '');

function flagNames(c: CliCommand): string[] {
  const out: string[] = [];
  for (const g of [...c.flags, COMMON_FLAGS]) for (const [name, f] of Object.entries(g.flags)) out.push(`--${name}`, ...(f.alias ? [`-${f.alias}`] : []));
  return out;
}

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function bashCompletion(commands: readonly CliCommand[]): string {
  const visible = commands.filter((c) => !c.hidden);
  const modules = allModules().map((m) => m.info.id).join(' ');
  const prefixes = new Map<string, Set<string>>();
  for (const c of visible) for (let i = 0; i < c.path.length; i++) {
    const key = c.path.slice(0, i).join(' ');
    if (!prefixes.has(key)) prefixes.set(key, new Set());
    prefixes.get(key)!.add(c.path[i]!);
  }
  const cases: string[] = [];
  // Longest paths first: `case` takes the first pattern that matches.
  for (const c of [...visible].sort((a, b) => b.path.length - a.path.length)) {
    const p = c.path.join(' ');
    const words = [takesHost(c) ? '$(__fleetdeck_hosts)' : '', takesModules(c) ? modules : ''].filter(Boolean).join(' ');
    cases.push(`    ${sq(p)}|${sq(`${p} `)}*) flags=${sq(flagNames(c).join(' '))}; words="${words}" ;;`);
  }
  for (const [prefix, next] of prefixes) {
    if (visible.some((c) => c.path.join(' ') === prefix) && prefix) continue;
    cases.unshift(`    ${sq(prefix)}) words=${sq([...next].join(' '))}; flags='--help' ;;`);
  }
  return `# fleetdeck completion for bash. Load it in this shell:  source <(fleetdeck completion bash)
# or for every shell:  fleetdeck completion bash > ~/.local/share/bash-completion/completions/fleetdeck
__fleetdeck_hosts() { command fleetdeck hosts names 2>/dev/null; }
_fleetdeck() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} path="" w i words="" flags=""
  case $prev in
    -i|--identity|--data-dir|--tls-cert|--tls-key|--out|-o|--root) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    case $w in -*) ;; *) path="\${path:+$path }$w" ;; esac
  done
  case "$path" in
${cases.join('\n')}
  esac
  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$flags" -- "$cur")); else COMPREPLY=($(compgen -W "$words" -- "$cur")); fi
}
complete -o default -F _fleetdeck fleetdeck
`;
}

export function zshCompletion(commands: readonly CliCommand[]): string {
  return `#compdef fleetdeck
# fleetdeck completion for zsh (through zsh's bash completion support).
# Load it:  source <(fleetdeck completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(commands).split('\n').filter((l) => !l.startsWith('# fleetdeck completion for bash') && !l.startsWith('# or for every shell')).join('\n')}`;
}

export function fishCompletion(commands: readonly CliCommand[]): string {
  const visible = commands.filter((c) => !c.hidden);
  const lines = [
    '# fleetdeck completion for fish. Load it:  fleetdeck completion fish | source',
    '# or for every shell:  fleetdeck completion fish > ~/.config/fish/completions/fleetdeck.fish',
    'function __fleetdeck_words',
    '    set -l words (commandline -opc)',
    '    set -e words[1]',
    '    for w in $words',
    "        string match -q -- '-*' $w; or echo $w",
    '    end',
    'end',
    '# True when the words typed so far (not options) are exactly $argv (a command path and nothing more).',
    'function __fleetdeck_at',
    '    set -l typed (__fleetdeck_words)',
    '    test (count $typed) -eq (count $argv); or return 1',
    '    test "$typed" = "$argv"',
    'end',
    '# True when the words typed so far start with $argv.',
    'function __fleetdeck_in',
    '    set -l typed (__fleetdeck_words)',
    '    test (count $typed) -ge (count $argv); or return 1',
    '    test "$typed[1..(count $argv)]" = "$argv"',
    'end',
    'complete -c fleetdeck -f',
  ];
  const next = new Map<string, Map<string, string>>();
  for (const c of visible) for (let i = 0; i < c.path.length; i++) {
    const key = c.path.slice(0, i).join(' ');
    if (!next.has(key)) next.set(key, new Map());
    next.get(key)!.set(c.path[i]!, i === c.path.length - 1 ? c.summary : `${c.path[i]} commands`);
  }
  for (const [prefix, words] of next) {
    for (const [w, desc] of words) lines.push(`complete -c fleetdeck -n ${sq(`__fleetdeck_at ${prefix}`.trim())} -a ${sq(w)} -d ${sq(desc.slice(0, 60))}`);
  }
  for (const c of visible) {
    const cond = sq(`__fleetdeck_in ${c.path.join(' ')}`);
    for (const g of [...c.flags, COMMON_FLAGS]) {
      for (const [name, f] of Object.entries(g.flags)) lines.push(`complete -c fleetdeck -n ${cond} -l ${name}${f.alias ? ` -s ${f.alias}` : ''}${f.value ? ' -r' : ''} -d ${sq(f.help.slice(0, 60))}`);
    }
    if (takesHost(c)) lines.push(`complete -c fleetdeck -n ${cond} -a '(command fleetdeck hosts names 2>/dev/null)' -d 'stored host'`);
    if (takesModules(c)) for (const m of allModules()) lines.push(`complete -c fleetdeck -n ${cond} -a ${sq(m.info.id)} -d ${sq(m.info.title.slice(0, 60))}`);
  }
  return `${lines.join('\n')}\n`;
}

export const completionCommands: CliCommand[] = [
  defineCommand({
    path: ['completion'],
    args: 'bash|zsh|fish',
    summary: 'print a shell completion script (commands, options, stored hosts, modules)',
    details: 'bash:  source <(fleetdeck completion bash)\nzsh:   source <(fleetdeck completion zsh)\nfish:  fleetdeck completion fish | source',
    flags: [],
    run: async ({ positionals, io }) => {
      const shell = positionals[0] as Shell | undefined;
      if (shell !== 'bash' && shell !== 'zsh' && shell !== 'fish') throw new FleetdeckError('invalid-input', `Name the shell: bash, zsh or fish (got "${(shell ?? '').slice(0, 20)}").`);
      const { COMMANDS } = await import('./commands.js');
      io.stdout.write(shell === 'bash' ? bashCompletion(COMMANDS) : shell === 'zsh' ? zshCompletion(COMMANDS) : fishCompletion(COMMANDS));
      return 0;
    },
  }),
];
