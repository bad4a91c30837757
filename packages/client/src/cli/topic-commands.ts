import { createInterface } from 'node:readline';
import { Admin, RecordPage, TopicDescription } from '../admin';
import { Endpoint } from '../http-json';
import { Producer } from '../producer';
import { RecordMetadata } from '../records';
import { WeirError, WeirErrorCode } from '../errors';
import { CommandArgs, parsePosition, UsageError } from './cli-args';
import { CliOutput } from './cli-output';

/** What every command gets: the broker, its arguments and where to write. */
export interface CommandContext {
  endpoint: Endpoint;
  admin: Admin;
  args: CommandArgs;
  out: CliOutput;
  stdin: NodeJS.ReadableStream;
}

const recordCount = (topic: TopicDescription) =>
  topic.partitions.reduce((n, p) => n + p.logEndOffset - p.logStartOffset, 0);

export async function listTopics({ admin, args, out }: CommandContext): Promise<void> {
  args.done(0);
  const topics = await admin.listTopics();
  out.either({ topics }, () =>
    out.table(
      ['TOPIC', 'PARTITIONS', 'RECORDS', 'RETENTION_MS'],
      topics.map((t) => [t.name, t.partitions.length, recordCount(t), t.config.retentionMs]),
    ),
  );
}

export async function createTopic({ admin, args, out }: CommandContext): Promise<void> {
  const name = args.operand(0, 'topic name');
  const partitions = args.integer('partitions');
  const retentionMs = args.string('retention-ms');
  args.done(1);
  if (retentionMs !== undefined && !/^-?\d+$/.test(retentionMs)) {
    throw new UsageError('--retention-ms must be an integer');
  }
  const topic = await admin.createTopic(name, {
    ...(partitions !== undefined ? { partitions } : {}),
    ...(retentionMs !== undefined ? { config: { retentionMs: Number(retentionMs) } } : {}),
  });
  out.either(topic, () =>
    out.line(`created topic ${name} with ${topic?.partitions.length ?? partitions} partition(s)`),
  );
}

export async function describeTopic({ admin, args, out }: CommandContext): Promise<void> {
  const name = args.operand(0, 'topic name');
  args.done(1);
  const topic = await admin.describeTopic(name);
  out.either(topic, () => {
    out.line(`topic ${topic.name}`);
    for (const [key, value] of Object.entries(topic.config)) out.line(`  ${key}: ${value}`);
    out.table(
      ['PARTITION', 'LOG_START', 'LOG_END', 'RECORDS'],
      topic.partitions.map((p) => [
        p.partition,
        p.logStartOffset,
        p.logEndOffset,
        p.logEndOffset - p.logStartOffset,
      ]),
    );
  });
}

export async function deleteTopic({ admin, args, out }: CommandContext): Promise<void> {
  const name = args.operand(0, 'topic name');
  args.done(1);
  await admin.deleteTopic(name);
  out.either({ deleted: name }, () => out.line(`deleted topic ${name}`));
}

/**
 * One record per line of standard input (its JSON value when the line parses, else the line
 * as a string); prints each record's partition and offset, in input order, once durable.
 * Resolves false when a record failed (its error is on standard error).
 */
export async function produce(ctx: CommandContext): Promise<boolean> {
  const { args, out } = ctx;
  const topic = args.operand(0, 'topic');
  const key = args.string('key');
  const partition = args.integer('partition');
  args.done(1);
  const producer = new Producer({ ...ctx.endpoint, lingerMs: 5, maxInFlight: 1 });
  let printing = Promise.resolve(true);
  const lines = createInterface({ input: ctx.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.length === 0) continue;
    const [sent] = await producer.send(topic, [
      {
        value: parseLine(line),
        ...(key !== undefined ? { key } : {}),
        ...(partition !== undefined ? { partition } : {}),
      },
    ]);
    if (!sent) continue;
    printing = Promise.all([printing, settle(sent)]).then(([ok, result]) => {
      if ('error' in result) {
        process.stderr.write(`weir: ${describeError(result.error)}\n`);
        return false;
      }
      const { partition: p, offset } = result.metadata;
      out.line(
        out.json ? JSON.stringify({ partition: p, offset }) : `partition ${p} offset ${offset}`,
      );
      return ok;
    });
  }
  await producer.close();
  return printing;
}

const settle = (pending: Promise<RecordMetadata>) =>
  pending.then(
    (metadata) => ({ metadata }),
    (error: unknown) => ({ error }),
  );

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return line;
  }
}

/** `CODE: message` of a broker error, or the message of anything else. */
export function describeError(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    return `${error.code}: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Prints records of a topic, one JSON object per line, from `--from` (default earliest) of
 * each partition (or `--partition`), up to `--max`; stops at the end of the log unless
 * `--follow`, which waits for new records until interrupted.
 */
export async function consume({ admin, args, out }: CommandContext): Promise<void> {
  const topic = args.operand(0, 'topic');
  const only = args.integer('partition');
  const from = parsePosition(args.string('from') ?? 'earliest', 'from');
  const max = args.integer('max');
  const follow = args.switch('follow');
  args.done(1);
  const description = await admin.describeTopic(topic);
  const partitions = description.partitions.filter(
    (p) => only === undefined || p.partition === only,
  );
  if (partitions.length === 0) {
    throw new WeirError(
      WeirErrorCode.PARTITION_NOT_FOUND,
      `Topic '${topic}' has no partition ${only}`,
    );
  }
  let printed = 0;
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const readPartition = async (p: (typeof partitions)[number]) => {
    let offset = from === 'earliest' ? p.logStartOffset : from === 'latest' ? p.logEndOffset : from;
    const end = p.logEndOffset;
    while (!stop.signal.aborted && (max === undefined || printed < max)) {
      if (!follow && offset >= end) return;
      let page: RecordPage;
      try {
        page = await admin.readRecords(
          topic,
          p.partition,
          { offset, maxRecords: 500, waitMs: follow ? 5000 : 0 },
          { signal: stop.signal },
        );
      } catch (error) {
        if (stop.signal.aborted) return;
        throw error;
      }
      for (const record of page.records) {
        if (max !== undefined && printed >= max) break;
        if (!follow && record.offset >= end) return;
        out.line(JSON.stringify(record));
        if (++printed === max) stop.abort(); // ends the other partitions' long-polls too
      }
      offset = page.nextOffset;
    }
  };
  try {
    await Promise.all(partitions.map(readPartition));
  } finally {
    stop.abort();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
