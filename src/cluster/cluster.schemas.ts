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
});
export type ClusterView = z.infer<typeof clusterViewSchema>;
