import { Controller, Get, Header, Inject } from '@nestjs/common';
import { BrokerError, ErrorCode } from '../common/errors';
import { Route } from '../common/http/route-spec';
import { Storage } from '../persistence/port/storage';
import { buildOpenApiDocument } from './openapi-document';
import { renderDocsPage } from './docs-page';
import { RouteCatalogue } from './route-catalogue';
import { Public } from '../auth/route-access';

const VERSION = '0.1.0';

/** Health checks and the API description. */
@Controller()
export class OperationsController {
  private document: object | undefined;

  constructor(
    @Inject(Storage) private readonly storage: Storage,
    @Inject(RouteCatalogue) private readonly catalogue: RouteCatalogue,
  ) {}

  @Public()
  @Get('health/live')
  @Route({ summary: 'Liveness: the process answers' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @Get('health/ready')
  @Route({ summary: 'Readiness: the storage (`sqlite` or `postgres`) is open and writable' })
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
  @Route({ summary: 'OpenAPI 3 description of the HTTP API' })
  openApi(): object {
    return (this.document ??= buildOpenApiDocument(this.catalogue.routes(), VERSION));
  }

  @Public()
  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  @Route({ summary: 'Browsable API documentation' })
  docs(): string {
    return renderDocsPage(this.openApi());
  }
}
