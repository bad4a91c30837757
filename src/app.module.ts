import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AuthGuard } from './auth/auth.guard';
import { AuthModule } from './auth/auth.module';
import { Clock } from './common/clock';
import { ClusterModule } from './cluster/cluster.module';
import { ClusterRuntimeModule } from './cluster/cluster-runtime.module';
import { BrokerRuntime, CoreModule } from './common/core.module';
import { BrokerExceptionFilter } from './common/http/broker-exception.filter';
import { ValidationGuard } from './common/http/validation.guard';
import { BrokerConfig } from './config/broker-config';
import { MetricsModule } from './metrics/metrics.module';
import { ConsoleModule } from './modules/console/console.module';
import { QueuesModule } from './modules/queues/queues.module';
import { StreamsModule } from './modules/streams/streams.module';
import { TopicsModule } from './modules/topics/topics.module';
import { OperationsModule } from './operations/operations.module';
import { PersistenceModule } from './persistence/persistence.module';
import { WsModule } from './ws/ws.module';

/** The composition root: every module of the broker, wired for one configuration and clock. */
@Module({})
export class AppModule {
  static forRoot(config: BrokerConfig, clock: Clock, runtime: BrokerRuntime = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, clock, runtime),
        // Logs only: no per-request logging middleware on the data path.
        LoggerModule.forRoot({ pinoHttp: { level: config.logLevel }, forRoutes: [] }),
        AuthModule,
        PersistenceModule,
        MetricsModule,
        ClusterRuntimeModule,
        WsModule,
        TopicsModule,
        QueuesModule,
        StreamsModule,
        OperationsModule,
        ClusterModule,
        ConsoleModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: BrokerExceptionFilter },
        // Access first (401 and 403 before any 400), then validation.
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: ValidationGuard },
      ],
    };
  }
}
