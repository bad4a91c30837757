import { z } from 'zod';

/** `GET /cluster`: who serves what (API.md "Cluster"). */
export const clusterViewSchema = z.object({
  nodeId: z.string().describe('The node that answered'),
  storage: z.enum(['sqlite', 'postgres']),
  nodes: z
    .array(
      z.object({
        nodeId: z.string(),
        url: z.string(),
        alive: z.boolean(),
        lastSeenMs: z.number().int(),
      }),
    )
    .describe('Every node registered, alive or not.'),
  partitions: z
    .array(
      z.object({
        topic: z.string(),
        partition: z.number().int(),
        owner: z.string(),
        epoch: z.number().int(),
      }),
    )
    .describe('Every partition with its owner and lease epoch.'),
  groups: z
    .array(
      z.object({
        group: z.string().describe('The streaming consumer group'),
        coordinator: z
          .string()
          .describe('The node that holds its membership; group calls are forwarded there'),
        epoch: z.number().int().describe('The coordinator lease epoch (+1 at each takeover)'),
      }),
    )
    .optional()
    .describe(
      'Over PostgreSQL: every streaming consumer group with a live coordinator lease, its coordinator node and lease epoch (an addition to API.md; absent on SQLite, where the one node coordinates every group).',
    ),
});
export type ClusterView = z.infer<typeof clusterViewSchema>;
