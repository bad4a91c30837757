/**
 * The introduction of the OpenAPI document (`info.description`, CommonMark), shown at the top of
 * `/docs`: conventions, errors, and the WebSocket protocol, which OpenAPI cannot describe.
 * docs/api.md and docs/websocket.md in the repository say the same at length.
 */
export const API_DESCRIPTION = `Weir broker HTTP API v1: topics (a partitioned, durable log), share groups (queues with \
per-record locks, retries and dead-lettering), streaming consumer groups (ordered, offset-based), \
dead-letter topics and operations.

## Conventions
- Bodies are JSON sent with \`content-type: application/json\`, fields in camelCase. Offsets, \
partitions, counts and times are integers; times are epoch milliseconds, durations milliseconds \
(\`...Ms\`).
- Every error has one shape: \`{ "error": { "code", "message", "details"? } }\`. Each operation \
lists the codes it may answer under its error statuses. A body or query that does not match the \
schema is 400 INVALID_REQUEST with at most 10 \`details.problems\`.
- Batch acknowledgements answer per item; a produce request is all or nothing.
- With a tokens file (WEIR_AUTH_FILE), requests carry \`Authorization: Bearer <token>\`.

## WebSocket protocol (\`/ws\`)
The same port serves a WebSocket endpoint at \`/ws\` (\`wss://\` with TLS; with auth on, the \
upgrade carries the bearer header or \`?token=\`). Frames are JSON text objects with a \`type\`; \
every client frame may carry a \`requestId\` that its answer repeats. A frame that fails is \
answered with \`{ "type": "error", "requestId"?, "error": { "code", "message" } }\` and the socket \
stays open.

| client frame | answer |
| --- | --- |
| \`{ "type": "produce", "topic", "records": [..] }\` | \`{ "type": "produced", "offsets": [..] }\` once durable |
| \`{ "type": "subscribe", "mode": "share", "group", "topics"?, "credit", "lockDurationMs"?, "memberId"? }\` | \`{ "type": "subscribed", "subscriptionId", "memberId" }\`, then \`records\` pushes |
| \`{ "type": "subscribe", "mode": "stream", "group", "topics", "credit", "autoOffsetReset"? }\` | \`{ "type": "subscribed", "subscriptionId", "memberId", "generation" }\`, \`assignment\` frames, \`records\` pushes |
| \`{ "type": "credit", "subscriptionId", "records": n }\` | none: n more records may be pushed |
| \`{ "type": "ack", "acks": [..] }\` (items as in POST /queues/groups/{group}/acks) | \`{ "type": "acked", "results": [..] }\` |
| \`{ "type": "commit", "subscriptionId", "offsets": [..], "generation"? }\` | \`{ "type": "committed", "subscriptionId", "offsets": [..] }\` |
| \`{ "type": "unsubscribe", "subscriptionId" }\` | \`{ "type": "unsubscribed", "subscriptionId" }\` |

Pushes are \`{ "type": "records", "subscriptionId", "records": [..] }\` (share records carry \
\`deliveryCount\`, \`receipt\` and \`lockExpiresAtMs\`), never more records than the credit granted; \
stream subscriptions get \`{ "type": "assignment", "subscriptionId", "generation", "assignment" }\` \
on every change. A share subscription whose group is deleted gets \
\`{ "type": "error", "subscriptionId", "error": { "code": "GROUP_NOT_FOUND" } }\` and ends. Closing \
the socket releases the share records it holds and leaves its stream groups. The broker pings \
every socket (WEIR_WS_PING_INTERVAL_MS) and closes one that misses two pongs; while a socket's \
unsent data is above WEIR_WS_MAX_BUFFERED_BYTES nothing is pushed to it. The protocol frame by \
frame: docs/websocket.md in the repository.`;
