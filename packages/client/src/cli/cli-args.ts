/** A command line split into words and `--flags`. */
export interface ParsedArgs {
  positionals: string[];
  /** `--name value`, `--name=value`, or `true` for a switch. */
  flags: Map<string, string | true>;
}

/** Flags that take no value. */
const SWITCHES: ReadonlySet<string> = new Set(['json', 'follow', 'dry-run', 'help']);

/** A mistake in the command line: the CLI prints it with the usage and exits with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Splits `argv` (without node and the script); `--` ends the flags. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (word === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!word.startsWith('--') || word === '--') {
      positionals.push(word);
      continue;
    }
    const [name = '', inline] = splitOnce(word.slice(2), '=');
    if (SWITCHES.has(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    flags.set(name, value);
  }
  return { positionals, flags };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

/** The flags and positionals one command reads; anything else is a usage error. */
export class CommandArgs {
  private readonly read = new Set<string>(['url', 'token', 'json', 'help']);

  constructor(
    private readonly args: ParsedArgs,
    /** The words of the command itself (`topics create`), not its operands. */
    private readonly commandWords: number,
  ) {}

  /** The n-th operand after the command words; a usage error when missing. */
  operand(index: number, name: string): string {
    const value = this.args.positionals[this.commandWords + index];
    if (value === undefined) throw new UsageError(`missing ${name}`);
    return value;
  }

  string(name: string): string | undefined {
    this.read.add(name);
    const value = this.args.flags.get(name);
    return value === true ? undefined : value;
  }

  /** A non-negative integer flag. */
  integer(name: string): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a non-negative integer`);
    return Number(text);
  }

  switch(name: string): boolean {
    this.read.add(name);
    return this.args.flags.get(name) === true;
  }

  /** Refuses flags the command does not read and operands beyond `operands`. */
  done(operands: number): void {
    for (const name of this.args.flags.keys()) {
      if (!this.read.has(name)) throw new UsageError(`unknown flag --${name}`);
    }
    const extra = this.args.positionals.slice(this.commandWords + operands);
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  }
}

/** `earliest`, `latest` or an offset. */
export function parsePosition(text: string, flag: string): 'earliest' | 'latest' | number {
  if (text === 'earliest' || text === 'latest') return text;
  if (/^\d+$/.test(text)) return Number(text);
  throw new UsageError(`--${flag} must be earliest, latest or an offset`);
}
