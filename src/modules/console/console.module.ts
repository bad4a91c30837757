import { Module } from '@nestjs/common';
import { ConsoleAssets } from './console-assets';
import { ConsoleController } from './console.controller';

/** Serves the operator console's built files at `/console`. */
@Module({
  controllers: [ConsoleController],
  providers: [{ provide: ConsoleAssets, useValue: new ConsoleAssets() }],
})
export class ConsoleModule {}
