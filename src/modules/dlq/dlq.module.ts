import { Module } from '@nestjs/common';
import { TopicsModule } from '../topics/topics.module';
import { DeadLetterService } from './dead-letter.service';

/** Dead-letter topics: the atomic copy used by share groups. */
@Module({
  imports: [TopicsModule],
  providers: [DeadLetterService],
  exports: [DeadLetterService],
})
export class DlqModule {}
