import { Module } from '@nestjs/common';
import { TopicsModule } from '../modules/topics/topics.module';
import { ClusterController } from './cluster.controller';
import { ClusterService } from './cluster.service';

/** Nodes and partition ownership (a single-node stand-in on SQLite). */
@Module({
  imports: [TopicsModule],
  controllers: [ClusterController],
  providers: [ClusterService],
})
export class ClusterModule {}
