import { DynamicModule, Global, Module } from '@nestjs/common';
import { BrokerConfig } from '../config/broker-config';
import { Clock } from './clock';

/** DI token of the validated `BrokerConfig`. */
export const BROKER_CONFIG = Symbol('BROKER_CONFIG');

/** Provides the configuration and the clock to every module. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: BrokerConfig, clock: Clock): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: BROKER_CONFIG, useValue: config },
        { provide: Clock, useValue: clock },
      ],
      exports: [BROKER_CONFIG, Clock],
    };
  }
}
