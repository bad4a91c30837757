import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { OperationsController } from './operations.controller';
import { RouteCatalogue } from './route-catalogue';

@Module({
  imports: [DiscoveryModule],
  controllers: [OperationsController],
  providers: [RouteCatalogue],
})
export class OperationsModule {}
