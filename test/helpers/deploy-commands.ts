import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI } from './cli.js';
import { isYamlFile, readDeployFile, yamlDocuments } from './deploy-files.js';

/** One `widthsweep …` invocation found in a file: argv starts with the subcommand. */
export interface CommandLine {
  readonly file: string;
  readonly argv: readonly string[];
  /** Whether it came from an argv array (exec form, YAML sequence): certainly a command. */
  readonly exact: boolean;
}

const isWidthsweep = (token: string): boolean =>
  token === 'widthsweep' || token.endsWith('/widthsweep') || token.endsWith('bin/widthsweep.js');

// Shell words: command substitutions and variables stay whole, quotes are removed, and shell
// operators become their own tokens so that a command ends where the shell would end it.
const WORD =
  /(\$\([^)]*\))|"((?:[^"\\]|\\.)*)"|'([^']*)'|(`)|([;&|<>()]+)|([^\s"'`;&|<>()]*\$\([^)]*\)[^\s"'`;&|<>()]*|[^\s"'`;&|<>()]+)/g;

function shellWords(line: string): Array<{ word: string; operator: boolean }> {
  const out: Array<{ word: string; operator: boolean }> = [];
  for (const m of line.matchAll(WORD)) {
    if (m[4] !== undefined || m[5] !== undefined) out.push({ word: m[0], operator: true });
    else out.push({ word: m[1] ?? m[2] ?? m[3] ?? m[6] ?? '', operator: false });
  }
  return out;
}

/** Logical lines: comment markers dropped (commented commands are copied too) and `\` joined. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\s*#+\s?/, '').replace(/^\s*(?:\$|>)\s+/, '');
    if (/\\\s*$/.test(line)) {
      pending += line.replace(/\\\s*$/, ' ');
      continue;
    }
    lines.push(pending + line);
    pending = '';
  }
  if (pending !== '') lines.push(pending);
  return lines;
}

function fromArgv(file: string, argv: readonly string[]): CommandLine | undefined {
  const at = argv.findIndex(isWidthsweep);
  return at < 0 ? undefined : { file, argv: argv.slice(at + 1), exact: true };
}

/** Command lines in free text: shell scripts, units, Dockerfiles, Markdown, YAML strings. */
export function commandLinesInText(file: string, text: string): CommandLine[] {
  const found: CommandLine[] = [];
  const lines = logicalLines(text);
  // Commands inside $(…) run too: scan their text as lines of their own.
  for (const line of [...lines]) {
    for (const m of line.matchAll(/\$\(([^()]*)\)/g)) lines.push(m[1] ?? '');
  }
  for (const line of lines) {
    for (const m of line.matchAll(/\[\s*"[^"\]]*"(?:\s*,\s*"[^"\]]*")*\s*\]/g)) {
      const argv = JSON.parse(m[0]) as string[];
      const hit = fromArgv(file, argv);
      if (hit !== undefined) found.push(hit);
    }
    const words = shellWords(line.replace(/\[\s*"[^\]]*\]/g, ' ; '));
    words.forEach(({ word, operator }, i) => {
      if (operator || !isWidthsweep(word)) return;
      // `--namespace widthsweep`: the value of another tool's option, not a command.
      const before = words[i - 1]?.word ?? '';
      if (/^--?[A-Za-z][\w-]*$/.test(before)) return;
      const argv: string[] = [];
      for (const next of words.slice(i + 1)) {
        if (next.operator || next.word.startsWith('#')) break;
        argv.push(next.word);
      }
      if (argv.length > 0) found.push({ file, argv, exact: false });
    });
  }
  return found;
}

/** Command lines in YAML data: sequences holding `widthsweep`, and strings mentioning it. */
export function commandLinesInYaml(file: string, docs: readonly unknown[]): CommandLine[] {
  const found: CommandLine[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      if (node.every((x) => typeof x === 'string' || typeof x === 'number')) {
        const hit = fromArgv(file, node.map(String));
        if (hit !== undefined) found.push(hit);
      }
      node.forEach(visit);
    } else if (typeof node === 'string') {
      if (node.includes('widthsweep ')) found.push(...commandLinesInText(file, node));
    } else if (node !== null && typeof node === 'object') {
      Object.values(node).forEach(visit);
    }
  };
  docs.forEach(visit);
  return found;
}

/** Every widthsweep command line in a deploy/ file, from its YAML structure and its comments. */
export function commandLinesInFile(rel: string): CommandLine[] {
  const text = readDeployFile(rel);
  if (!isYamlFile(rel)) return commandLinesInText(rel, text);
  // Comments in YAML hold copy-and-run commands too.
  const comments = text
    .split('\n')
    .filter((l) => /^\s*#/.test(l))
    .join('\n');
  return [
    ...commandLinesInYaml(rel, yamlDocuments(rel, text)),
    ...commandLinesInText(rel, comments),
  ];
}

/** One option as `--help` prints it. */
export interface HelpOption {
  readonly names: readonly string[];
  readonly takesValue: boolean;
  readonly choices: readonly string[] | undefined;
}

export interface HelpText {
  readonly options: readonly HelpOption[];
  readonly commands: readonly string[];
}

/** Parses commander's help: the Options and Commands sections. */
export function parseHelp(help: string): HelpText {
  const section = (name: string): string[] => {
    const lines = help.split('\n');
    const start = lines.findIndex((l) => l.trim() === `${name}:`);
    if (start < 0) return [];
    const body: string[] = [];
    for (const line of lines.slice(start + 1)) {
      if (/^\S/.test(line)) break;
      body.push(line);
    }
    return body;
  };
  const entries: string[] = [];
  for (const line of section('Options')) {
    if (/^ {2}-/.test(line)) entries.push(line.trim());
    else if (entries.length > 0 && line.trim() !== '')
      entries[entries.length - 1] += ` ${line.trim()}`;
  }
  const options = entries.map((entry) => {
    const signature = entry.split(/\s{2,}/)[0] ?? '';
    const names = [...signature.matchAll(/(?:^|[\s,])(--?[A-Za-z0-9][\w-]*)/g)].map(
      (m) => m[1] ?? '',
    );
    const choices = /\(choices: ([^)]*?)(?:, default: [^)]*)?\)/.exec(entry)?.[1];
    return {
      names,
      takesValue: /[<[]/.test(signature),
      choices: choices?.split(/,\s*/).map((c) => c.replace(/^"|"$/g, '')),
    };
  });
  const commands = section('Commands')
    .map((l) => /^ {2}([a-z][\w-]*)/.exec(l)?.[1])
    .filter((c): c is string => c !== undefined);
  return { options, commands };
}

const helpCache = new Map<string, HelpText>();

/** Runs the `--help` of several commands at once (each is a CLI start-up) into the cache. */
export async function prefetchHelp(commands: ReadonlyArray<string | undefined>): Promise<void> {
  await Promise.all(
    commands.map(async (command) => {
      const key = command ?? '';
      if (helpCache.has(key)) return;
      const args = command === undefined ? ['--help'] : [command, '--help'];
      const { stdout } = await promisify(execFile)(process.execPath, [CLI, ...args], {
        encoding: 'utf8',
      });
      helpCache.set(key, parseHelp(stdout));
    }),
  );
}

/** The real `widthsweep [command] --help` of the built CLI, parsed. */
export function cliHelp(command?: string): HelpText {
  const key = command ?? '';
  let help = helpCache.get(key);
  if (help === undefined) {
    const args = command === undefined ? ['--help'] : [command, '--help'];
    help = parseHelp(execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8' }));
    helpCache.set(key, help);
  }
  return help;
}

/**
 * What is wrong with one command line against the CLI's help, or an empty list. A line in free
 * text whose first word is no command is prose ("one widthsweep worker per node") and passes;
 * an argv array must name a command.
 */
export function checkCommandLine(line: CommandLine, help: typeof cliHelp = cliHelp): string[] {
  const [first, ...rest] = line.argv;
  if (first === undefined) return line.exact ? ['no command after widthsweep'] : [];
  const top = help();
  let command: string | undefined;
  let args: readonly string[];
  if (top.commands.includes(first)) {
    command = first;
    args = rest;
  } else if (first.startsWith('-')) {
    args = line.argv;
  } else {
    return line.exact ? [`unknown command ${JSON.stringify(first)}`] : [];
  }
  const options = help(command).options;
  const problems: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (!/^--?[A-Za-z]/.test(arg)) continue;
    const [name = '', inline] = arg.split(/=(.*)/s);
    const option = options.find((o) => o.names.includes(name));
    if (option === undefined) {
      problems.push(`${command ?? 'widthsweep'}: ${name} is not in its --help`);
      continue;
    }
    if (!option.takesValue) continue;
    const value = inline ?? args[i + 1];
    if (inline === undefined && value !== undefined && !value.startsWith('-')) i++;
    if (
      option.choices !== undefined &&
      value !== undefined &&
      !value.includes('$') &&
      !option.choices.includes(value)
    ) {
      problems.push(
        `${command ?? 'widthsweep'}: ${name} ${value} is not one of ${option.choices.join(', ')}`,
      );
    }
  }
  return problems;
}
