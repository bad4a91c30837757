/**
 * What a field means wherever it appears with this name and no description of its own (the
 * API's one vocabulary: a `receipt` is a receipt everywhere). Names whose meaning depends on
 * where they appear (`records`, `partitions`, `members`, `topics`, `error`...) are described in
 * their schemas instead; the OpenAPI test fails on any field left without a description.
 */
export const FIELD_GLOSSARY: Readonly<Record<string, string>> = {
  topic: 'Topic name.',
  partition: 'Partition number, from 0.',
  offset: 'Offset in the partition.',
  timestampMs: 'Record timestamp, epoch milliseconds: the append time unless the producer set one.',
  key: 'Record key as a UTF-8 string; absent means null.',
  keyBase64: 'Binary record key, base64; given instead of `key`.',
  value: 'Record value: any JSON value, returned as the same JSON; absent means null.',
  valueBase64: 'Binary record value, base64; given instead of `value`.',
  headers: 'Record headers, string names to string values.',
  logStartOffset: 'First offset still in the partition (retention and purges move it).',
  logEndOffset: 'Offset the next record of the partition will get.',
  nextOffset: 'Offset to read next.',
  group: 'Group name (`^[A-Za-z0-9._-]{1,249}$`).',
  memberId: 'Member id: given by the client, or a new one chosen by the broker.',
  generation:
    'Generation of the streaming group: it grows on every membership change; commits name the one the member last learned.',
  assignment: 'Partitions assigned to the member in this generation.',
  receipt: 'Names one delivery of one record; opaque. Acknowledgements quote it.',
  deliveryCount: 'How many times the record has been acquired, this delivery included (1 first).',
  lockExpiresAtMs: 'When the lock of this delivery expires, epoch milliseconds.',
  lockDurationMs: 'Lock of each delivery, milliseconds.',
  maxDeliveryCount:
    'Deliveries a record gets at most; the attempt that reaches it and fails dead-letters the record (DELIVERY_COUNT_EXCEEDED).',
  backoffMs:
    'Delay before a released or expired record is deliverable again, by delivery count: a list (the n-th delivery takes the n-th entry, the last repeating), an exponential `{ initialMs, multiplier, maxMs }`, or null for none.',
  initialMs: 'Delay after the first delivery, milliseconds.',
  multiplier: 'Factor applied to the delay for each further delivery.',
  maxMs: 'Largest delay, milliseconds.',
  deadLetterTopic:
    'Topic failed records are copied to: `dlq.<group>.<topic>` by default; null turns dead-lettering off (records are only archived).',
  deadLetterTopics: 'The dead-letter topic of each of the group’s topics (null: none).',
  startFrom:
    'Where a new share group starts each partition: `earliest` (default), `latest`, or the first record at or after `{ timestampMs }`.',
  maxInFlightRecords:
    'Records per share partition that may be available or acquired at once (finished records do not count).',
  ordering:
    "'key': a record is handed out only when every earlier record of its key in its partition is finished; 'none' (default): any record to any worker.",
  maxLockMs:
    'Longest total lock one delivery may hold, renewals included; a renew past it answers MAX_LOCK_EXCEEDED.',
  maxRecords: 'Most records in the answer.',
  waitMs:
    'Long-poll: wait up to this long, milliseconds, when there is nothing to answer with yet; 0 answers at once.',
  delayMs:
    'Release: not deliverable again before now + this, milliseconds (default: the group’s backoff).',
  startOffset: 'Share-partition start offset: every record below it is finished.',
  endOffset: 'End of the window of records the share partition has fetched.',
  available:
    'Records deliverable now or after their release delay, including records not fetched yet.',
  acquired: 'Records locked to a worker now.',
  acknowledged: 'Records accepted (finished) above the start offset.',
  archived: 'Records given up (rejected or out of deliveries) above the start offset.',
  lag: 'Records not finished yet (share group), or log end − committed offset (streaming group).',
  oldestAvailableAgeMs:
    'Age of the oldest available record, milliseconds; null when none is available.',
  sessionTimeoutMs:
    'The member is removed when it neither polls nor heartbeats for this long, milliseconds.',
  autoOffsetReset: 'Where a partition without a committed offset starts: `earliest` or `latest`.',
  autoCommit: 'Commit what a poll returned when the member polls again or leaves.',
  committedOffset:
    'The group’s committed offset (the next one to read); null when it never committed.',
  oldestAgeMs: 'Age of the oldest dead-letter record, milliseconds; null when there is none.',
  byReason: 'Dead-letter records by reason (`CLIENT_REJECT`, `DELIVERY_COUNT_EXCEEDED`).',
  fromOffset: 'First offset to redrive (inclusive), in every partition; default: the log start.',
  toOffset: 'Offset to stop before (exclusive), in every partition; default: the log end.',
  reason: 'Only records dead-lettered for this reason.',
  targetTopic: 'Append to this topic instead of each record’s source topic.',
  beforeOffset: 'Delete the records below this offset, in every partition.',
  redriven: 'Records appended by this call.',
  skipped: 'Records chosen but appended before (by an earlier or concurrent redrive).',
  purged: 'Records deleted.',
  retentionMs: 'Delete records older than this, milliseconds; -1 keeps them forever.',
  retentionBytes:
    'Delete the oldest records while a partition holds more bytes than this; -1: no limit.',
  maxMessageBytes:
    'Largest record the topic accepts: key + value + header names and values, bytes.',
  nodeId: 'Node name (`WEIR_NODE_ID`).',
  storage: 'Storage engine of the cluster.',
  url: 'How clients and other nodes reach the node (`WEIR_ADVERTISED_URL`).',
  alive: 'Whether the node renewed its registration recently.',
  lastSeenMs: 'When the node was last seen, epoch milliseconds.',
  owner: 'Node that owns the partition now.',
  epoch: 'Lease epoch of the partition: it grows each time the partition changes owner.',
  status: 'Always `ok` in a success answer.',
  code: 'Stable error code (see the error responses).',
  message: 'Human-readable explanation.',
  details: 'Machine-readable details, depending on the code.',
  ok: 'Whether this item succeeded.',
  file: 'File name of a console asset.',
};
