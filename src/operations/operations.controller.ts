import { Controller, Get, Header, Inject } from '@nestjs/common';
import { BrokerError, ErrorCode } from '../common/errors';
import { Route } from '../common/http/route-spec';
import { Storage } from '../persistence/port/storage';
import { buildOpenApiDocument } from './openapi-document';
import { renderDocsPage } from './docs-page';
import { RouteCatalogue } from './route-catalogue';
import { Public } from '../auth/route-access';
import { BROKER_CONFIG } from '../common/core.module';
import type { BrokerConfig } from '../config/broker-config';
import { limitDocumentation } from './openapi-limits';

const VERSION = '0.1.0';

/** Health checks and the API description. */
@Controller()
export class OperationsController {
  private document: object | undefined;

  constructor(
    @Inject(Storage) private readonly storage: Storage,
    @Inject(RouteCatalogue) private readonly catalogue: RouteCatalogue,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
  ) {}

  @Public()
  @Get('health/live')
  @Route({
    summary: 'Liveness: the process answers',
    description: 'Answers while the process runs; open without a token.',
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @Get('health/ready')
  @Route({
    summary: 'Readiness: the storage (`sqlite` or `postgres`) is open and writable',
    description:
      'Answers `{ status: "ok", storage }` when the storage is open and writable, else 503 NOT_READY; open without a token.',
    errors: [ErrorCode.NOT_READY],
  })
  async ready(): Promise<{ status: 'ok'; storage: Storage['kind'] }> {
    try {
      await this.storage.checkWritable();
    } catch (error) {
      throw new BrokerError(ErrorCode.NOT_READY, `database is not writable: ${String(error)}`);
    }
    return { status: 'ok', storage: this.storage.kind };
  }

  @Public()
  @Get('openapi.json')
  @Route({
    summary: 'OpenAPI 3 description of the HTTP API',
    description:
      'This document: every HTTP operation with its fields, bounds and error codes, and the WebSocket protocol in the introduction. Open without a token.',
  })
  openApi(): object {
    return (this.document ??= buildOpenApiDocument(
      this.catalogue.routes(),
      VERSION,
      limitDocumentation(this.config),
    ));
  }

  @Public()
  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  @Route({
    summary: 'Browsable API documentation',
    description: 'An HTML page of this document; open without a token.',
  })
  docs(): string {
    return renderDocsPage(this.openApi());
  }
}
