import type { Command, Option } from 'commander';
import type { CliContext } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';

// The scripts ask `pvesnap __complete <words>` for candidates, so they never go stale as commands change.
const SCRIPTS: Record<string, string> = {
  bash: `# pvesnap completion for bash; load with: source <(pvesnap completion bash)
_pvesnap_complete() {
  local IFS=$'\\n'
  COMPREPLY=($(compgen -W "$(pvesnap __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)" -- "\${COMP_WORDS[COMP_CWORD]}"))
}
complete -o default -F _pvesnap_complete pvesnap
`,
  zsh: `#compdef pvesnap
# pvesnap completion for zsh; load with: source <(pvesnap completion zsh)
_pvesnap() {
  local -a candidates
  candidates=("\${(@f)$(pvesnap __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -- $candidates
}
compdef _pvesnap pvesnap
`,
};

const takesValue = (option: Option): boolean => option.required || option.optional;

function findOption(commands: readonly Command[], flag: string): Option | undefined {
  for (const command of commands) {
    const found = command.options.find((option) => option.long === flag || option.short === flag);
    if (found) return found;
  }
  return undefined;
}

/**
 * What may follow `words` (the last one being typed): subcommands, options, or an option's values.
 * `pvesnap __complete <words>` prints them; it is answered before commander parses anything, since
 * the words are a half-typed command line, not one to run.
 */
export function completions(program: Command, words: readonly string[]): string[] {
  const path: Command[] = [program];
  const current = words.at(-1) ?? '';
  let pendingValue: Option | undefined;
  for (const word of words.slice(0, -1)) {
    if (pendingValue) {
      pendingValue = undefined;
      continue;
    }
    const here = path.at(-1) as Command;
    if (word.startsWith('-')) {
      const option = word.includes('=') ? undefined : findOption(path, word);
      if (option && takesValue(option)) pendingValue = option;
      continue;
    }
    const sub = here.commands.find((command) => command.name() === word || command.aliases().includes(word));
    if (sub) path.push(sub);
  }
  let candidates: string[];
  if (pendingValue) candidates = pendingValue.argChoices ?? [];
  else if (current.startsWith('-'))
    candidates = path.flatMap((command) =>
      command.options.flatMap((option) => (option.hidden || !option.long ? [] : [option.long])),
    );
  else candidates = (path.at(-1) as Command).commands.map((command) => command.name());
  return [...new Set(candidates)].filter((candidate) => candidate.startsWith(current));
}

export function registerCompletionCommands(program: Command, context: CliContext): void {
  program
    .command('completion')
    .description('print a shell completion script: source <(pvesnap completion bash)')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      const script = SCRIPTS[shell];
      if (!script) throw new CliError(`no completion for ${shell}: bash or zsh`, ExitCode.usage);
      context.stdout.write(script);
    });
}
