#!/usr/bin/env node
import { Admin } from '../admin';
import { WeirError } from '../errors';
import { CommandArgs, parseArgs, UsageError } from './cli-args';
import { CliOutput } from './cli-output';
import { describeGroup, listDeadLetters, listGroups, redrive, resetGroup } from './group-commands';
import {
  CommandContext,
  consume,
  createTopic,
  deleteTopic,
  describeError,
  describeTopic,
  listTopics,
  produce,
} from './topic-commands';

const USAGE = `usage: weir [--url URL] [--token TOKEN] [--json] COMMAND

  topics list
  topics create NAME [--partitions N] [--retention-ms N]
  topics describe NAME
  topics delete NAME
  produce TOPIC [--key K] [--partition P]       one record per line of standard input
  consume TOPIC [--partition P] [--from earliest|latest|OFFSET] [--max N] [--follow]
  groups list
  groups describe NAME
  groups reset NAME --topic T --to earliest|latest|OFFSET
  dlq list
  dlq redrive TOPIC [--reason R] [--dry-run]

--url defaults to $WEIR_URL, else http://127.0.0.1:8080; --token to $WEIR_TOKEN.`;

/** A command: resolves false when it failed in part (it said why on standard error). */
type Command = (ctx: CommandContext) => Promise<boolean | void>;

const COMMANDS: Record<string, Command> = {
  'topics list': listTopics,
  'topics create': createTopic,
  'topics describe': describeTopic,
  'topics delete': deleteTopic,
  produce,
  consume,
  'groups list': listGroups,
  'groups describe': describeGroup,
  'groups reset': resetGroup,
  'dlq list': listDeadLetters,
  'dlq redrive': redrive,
};

/** Exit statuses: 0 success, 1 the broker (or the network) refused, 2 a usage mistake. */
const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** Runs one command line; answers the exit status. */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let json = false;
  try {
    const parsed = parseArgs(argv);
    json = parsed.flags.get('json') === true;
    if (parsed.flags.get('help') === true) {
      process.stdout.write(`${USAGE}\n`);
      return EXIT.OK;
    }
    const [first = '', second = ''] = parsed.positionals;
    const twoWords = `${first} ${second}`;
    const [name, words] = COMMANDS[twoWords] ? [twoWords, 2] : [first, 1];
    const command = COMMANDS[name];
    if (!command)
      throw new UsageError(first ? `unknown command '${twoWords.trim()}'` : 'no command');
    const args = new CommandArgs(parsed, words);
    const url = args.string('url') ?? env.WEIR_URL ?? 'http://127.0.0.1:8080';
    const token = args.string('token') ?? env.WEIR_TOKEN;
    const endpoint = { url, ...(token ? { token } : {}) };
    const ok = await command({
      endpoint,
      admin: new Admin(url, token ? { token } : {}),
      args,
      out: new CliOutput(json),
      stdin: process.stdin,
    });
    return ok === false ? EXIT.FAILED : EXIT.OK;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`weir: ${error.message}\n${USAGE}\n`);
      return EXIT.USAGE;
    }
    if (json && error instanceof WeirError) {
      const { code, message, details } = error;
      process.stderr.write(`${JSON.stringify({ error: { code, message, details } })}\n`);
    } else process.stderr.write(`weir: ${describeError(error)}\n`);
    return EXIT.FAILED;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}
