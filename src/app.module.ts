import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { Clock } from './common/clock';
import { CoreModule } from './common/core.module';
import { BrokerExceptionFilter } from './common/http/broker-exception.filter';
import { ValidationInterceptor } from './common/http/validation.interceptor';
import { BrokerConfig } from './config/broker-config';
import { MetricsModule } from './metrics/metrics.module';
import { RequestTimingInterceptor } from './metrics/request-timing.interceptor';
import { QueuesModule } from './modules/queues/queues.module';
import { TopicsModule } from './modules/topics/topics.module';
import { OperationsModule } from './operations/operations.module';
import { PersistenceModule } from './persistence/persistence.module';
import { WsModule } from './ws/ws.module';

/** The composition root: every module of the broker, wired for one configuration and clock. */
@Module({})
export class AppModule {
  static forRoot(config: BrokerConfig, clock: Clock): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, clock),
        LoggerModule.forRoot({ pinoHttp: { level: config.logLevel, autoLogging: false } }),
        PersistenceModule,
        MetricsModule,
        WsModule,
        TopicsModule,
        QueuesModule,
        OperationsModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: BrokerExceptionFilter },
        { provide: APP_INTERCEPTOR, useExisting: RequestTimingInterceptor },
        { provide: APP_INTERCEPTOR, useClass: ValidationInterceptor },
      ],
    };
  }
}
