import { USAGE } from './usage.js';

interface Grammar {
  /** Top-level commands, in USAGE order. */
  readonly commands: readonly string[];
  /** Per command: its subcommands (`keys` → create, list, …) and every option any of its forms takes. */
  readonly of: ReadonlyMap<string, { subcommands: string[]; options: string[] }>;
}

/** The commands, subcommands and options of USAGE, so completion never disagrees with help. */
export function grammar(usage = USAGE): Grammar {
  const of = new Map<string, { subcommands: string[]; options: string[] }>();
  let current: string | null = null;
  for (const line of usage.split('\n')) {
    const head = /^ {2}([a-z][\w-]*)(?: ([a-z][\w-]*(?:\|[a-z][\w-]*)*))?/.exec(line);
    if (head !== null) {
      current = head[1] ?? null;
      if (current === null) continue;
      const entry = of.get(current) ?? { subcommands: [], options: [] };
      for (const sub of head[2]?.split('|') ?? []) if (!entry.subcommands.includes(sub)) entry.subcommands.push(sub);
      of.set(current, entry);
    } else if (!/^ {3,}\S/.test(line)) {
      current = null;
    }
    if (current === null) continue;
    const entry = of.get(current);
    // Options are named in the command's own column (the text before the description's wide gap).
    const syntax = head !== null ? (line.slice(2).split(/ {2,}/)[0] ?? '') : line.trim().startsWith('[') ? line : '';
    for (const m of syntax.matchAll(/--[a-z][\w-]*/g)) {
      if (entry !== undefined && !entry.options.includes(m[0])) entry.options.push(m[0]);
    }
  }
  for (const entry of of.values()) entry.options.push('--help');
  return { commands: [...of.keys()], of };
}

/**
 * A completion script for bash, or for zsh through its bash compatibility (bashcompinit): commands, then a
 * command's subcommands, then its options; files everywhere else.
 */
export function completionScript(shell: 'bash' | 'zsh'): string {
  const g = grammar();
  const cases = g.commands
    .map((c) => {
      const e = g.of.get(c);
      const subs = e?.subcommands.join(' ') ?? '';
      const opts = e?.options.join(' ') ?? '';
      return subs === ''
        ? `    ${c}) words="${opts}" ;;`
        : `    ${c}) if (( COMP_CWORD == 2 )); then words="${subs}"; else words="${opts}"; fi ;;`;
    })
    .join('\n');
  const body = `_kosh() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" words=""
  if (( COMP_CWORD == 1 )); then
    words="${g.commands.join(' ')} --help --version"
  else
    case "\${COMP_WORDS[1]}" in
${cases}
    esac
  fi
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o default -F _kosh kosh
`;
  const how =
    shell === 'bash'
      ? '# kosh completion for bash: eval "$(kosh completion bash)" (or save it under ~/.local/share/bash-completion/completions/kosh)\n'
      : '# kosh completion for zsh: eval "$(kosh completion zsh)" in ~/.zshrc\nautoload -U +X bashcompinit && bashcompinit\n';
  return how + body;
}
