import { DynamicModule, Global, Module } from '@nestjs/common';
import { BrokerConfig } from '../config/broker-config';
import type { EngineWorkerSource } from '../persistence/sqlite/sqlite-storage';
import { Clock } from './clock';

/** DI token of the validated `BrokerConfig`. */
export const BROKER_CONFIG = Symbol('BROKER_CONFIG');

/**
 * DI token of where the SQLite engine's thread comes from: undefined for the compiled
 * `engine-worker.js` (production); tests that run TypeScript sources give a bootstrap.
 */
export const ENGINE_WORKER = Symbol('ENGINE_WORKER');

/** What the process running the broker decides beyond its configuration. */
export interface BrokerRuntime {
  engineWorker?: EngineWorkerSource;
}

/** Provides the configuration, the clock and the runtime choices to every module. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: BrokerConfig, clock: Clock, runtime: BrokerRuntime = {}): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: BROKER_CONFIG, useValue: config },
        { provide: Clock, useValue: clock },
        { provide: ENGINE_WORKER, useValue: runtime.engineWorker },
      ],
      exports: [BROKER_CONFIG, Clock, ENGINE_WORKER],
    };
  }
}
