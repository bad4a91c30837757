import { ShareGroupDescription, StreamGroupDescription } from '../admin';
import { hasErrorCode, WeirError, WeirErrorCode } from '../errors';
import { parsePosition, UsageError } from './cli-args';
import { CommandContext } from './topic-commands';

/** Both kinds of group: streaming consumer groups and share groups (queues). */
export async function listGroups({ admin, args, out }: CommandContext): Promise<void> {
  args.done(0);
  const [streams, shares] = await Promise.all([admin.listStreamGroups(), admin.listShareGroups()]);
  const groups = [
    ...streams.map((g) => ({ kind: 'stream' as const, ...g })),
    ...shares.map((g) => ({ kind: 'share' as const, ...g })),
  ];
  out.either({ groups }, () =>
    out.table(
      ['GROUP', 'KIND', 'TOPICS', 'LAG', 'MEMBERS / IN FLIGHT'],
      groups.map((g) => [
        g.group,
        g.kind,
        g.topics.join(','),
        g.lag,
        g.kind === 'stream' ? `${g.members} members` : `${g.acquired} acquired`,
      ]),
    ),
  );
}

/** The group of either kind (or both) with this name; GROUP_NOT_FOUND when neither. */
async function findGroup(
  ctx: CommandContext,
  name: string,
): Promise<{ stream: StreamGroupDescription | null; share: ShareGroupDescription | null }> {
  const missing = (error: unknown) => {
    if (hasErrorCode(error, WeirErrorCode.GROUP_NOT_FOUND)) return null;
    throw error;
  };
  const [stream, share] = await Promise.all([
    ctx.admin.describeStreamGroup(name).catch(missing),
    ctx.admin.describeShareGroup(name).catch(missing),
  ]);
  if (!stream && !share) {
    throw new WeirError(WeirErrorCode.GROUP_NOT_FOUND, `No stream or share group '${name}'`, 404);
  }
  return { stream, share };
}

export async function describeGroup(ctx: CommandContext): Promise<void> {
  const { args, out } = ctx;
  const name = args.operand(0, 'group name');
  args.done(1);
  const { stream, share } = await findGroup(ctx, name);
  out.either({ group: name, stream, share }, () => {
    if (stream) {
      out.line(`stream group ${name}, generation ${stream.generation}`);
      for (const m of stream.members) {
        const owned = m.assignment.map((p) => `${p.topic}/${p.partition}`).join(', ');
        out.line(`  member ${m.memberId}: ${owned || 'no partitions'}`);
      }
      out.table(
        ['TOPIC', 'PARTITION', 'COMMITTED', 'LOG_END', 'LAG', 'MEMBER'],
        stream.partitions.map((p) => [
          p.topic,
          p.partition,
          p.committedOffset,
          p.logEndOffset,
          p.lag,
          p.memberId,
        ]),
      );
    }
    if (share) {
      out.line(`share group ${name}: topics ${share.topics.join(', ')}`);
      out.table(
        ['TOPIC', 'PARTITION', 'START', 'END', 'AVAILABLE', 'ACQUIRED', 'ARCHIVED', 'LAG'],
        share.partitions.map((p) => [
          p.topic,
          p.partition,
          p.startOffset,
          p.endOffset,
          p.available,
          p.acquired,
          p.archived,
          p.lag,
        ]),
      );
    }
  });
}

/** Moves the group's position in a topic; a name used by both kinds is refused. */
export async function resetGroup(ctx: CommandContext): Promise<void> {
  const { admin, args, out } = ctx;
  const name = args.operand(0, 'group name');
  const topic = args.string('topic');
  const toText = args.string('to');
  args.done(1);
  if (topic === undefined) throw new UsageError('missing --topic');
  if (toText === undefined) throw new UsageError('missing --to');
  const position = parsePosition(toText, 'to');
  const to = typeof position === 'number' ? { offset: position } : position;
  const { stream, share } = await findGroup(ctx, name);
  if (stream && share) {
    throw new UsageError(`'${name}' is both a stream group and a share group: reset it by the API`);
  }
  const kind = stream ? 'stream' : 'share';
  const description = stream
    ? await admin.resetStreamOffsets(name, { topic, to })
    : await admin.resetShareGroup(name, { topic, to });
  out.either(description, () => out.line(`reset ${kind} group ${name} on ${topic} to ${toText}`));
}

export async function listDeadLetters({ admin, args, out }: CommandContext): Promise<void> {
  args.done(0);
  const topics = await admin.listDeadLetterTopics();
  out.either({ topics }, () =>
    out.table(
      ['TOPIC', 'RECORDS', 'OLDEST_AGE_MS', 'REASONS'],
      topics.map((t) => [
        t.topic,
        t.records,
        t.oldestAgeMs,
        Object.entries(t.byReason)
          .map(([reason, n]) => `${reason}=${n}`)
          .join(' '),
      ]),
    ),
  );
}

const REASONS = ['CLIENT_REJECT', 'DELIVERY_COUNT_EXCEEDED'] as const;

/**
 * Appends a dead-letter topic's records (those of `--reason`) back to their source topics.
 * `--dry-run` only counts them (records redriven before are skipped by a real redrive).
 */
export async function redrive({ admin, args, out }: CommandContext): Promise<void> {
  const topic = args.operand(0, 'dead-letter topic');
  const reasonText = args.string('reason');
  const dryRun = args.switch('dry-run');
  args.done(1);
  const reason = REASONS.find((r) => r === reasonText);
  if (reasonText !== undefined && !reason) {
    throw new UsageError(`--reason must be one of ${REASONS.join(', ')}`);
  }
  if (!dryRun) {
    const result = await admin.redrive(topic, reason ? { reason } : {});
    out.either(result, () =>
      out.line(`redrove ${result.redriven} record(s), skipped ${result.skipped} redriven before`),
    );
    return;
  }
  let matching = 0;
  for (const p of (await admin.describeTopic(topic)).partitions) {
    for (let offset = p.logStartOffset; offset < p.logEndOffset;) {
      const page = await admin.readDeadLetters(topic, {
        partition: p.partition,
        offset,
        maxRecords: 1000,
      });
      const wanted = page.records.filter(
        (r) => !reason || r.headers?.['weir-dlq-reason'] === reason,
      );
      matching += wanted.length;
      if (page.nextOffset <= offset) break;
      offset = page.nextOffset;
    }
  }
  out.either({ dryRun: true, matching }, () =>
    out.line(`would redrive up to ${matching} record(s) of ${topic} (dry run: nothing appended)`),
  );
}
