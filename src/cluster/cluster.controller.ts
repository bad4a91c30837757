import { Controller, Get, Inject } from '@nestjs/common';
import { Route } from '../common/http/route-spec';
import { clusterViewSchema, type ClusterView } from './cluster.schemas';
import { ClusterService } from './cluster.service';

/** `GET /cluster`: nodes, partition owners and epochs. */
@Controller('cluster')
export class ClusterController {
  constructor(@Inject(ClusterService) private readonly cluster: ClusterService) {}

  @Get()
  @Route({
    summary: 'Nodes, and the owner and epoch of every partition',
    description:
      "Who serves what: the answering node, the storage engine, every node with its URL and liveness, and every partition's owner and lease epoch. On SQLite one node owns everything. Admin tokens only when auth is on.",
    response: clusterViewSchema,
  })
  view(): ClusterView {
    return this.cluster.view();
  }
}
