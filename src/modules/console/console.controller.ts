import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Public } from '../../auth/route-access';
import { BrokerError, ErrorCode } from '../../common/errors';
import { Route } from '../../common/http/route-spec';
import { ConsoleAsset, ConsoleAssets } from './console-assets';

/** Hashed file names never change content: cached for a year. The page is checked every time. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';
/** The page runs only its own files and talks only to its own origin. */
const PAGE_POLICY =
  "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const assetParamsSchema = z.object({ file: z.string() });

/**
 * The operator console: one page and its static files, built by `npm run build` into
 * `dist/console`. The console itself talks to the broker only through the public HTTP API; these
 * routes carry no data and need no token.
 */
@Public()
@Controller('console')
export class ConsoleController {
  constructor(@Inject(ConsoleAssets) private readonly files: ConsoleAssets) {}

  @Get()
  @Route({
    summary: 'The operator console (an HTML page)',
    description:
      'The web console for operators: topics, stream groups, share groups and dead letters, built on this API. Its files need no token; the page asks for one when the API answers 401.',
  })
  page(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    const page = this.files.indexPage();
    if (!page) {
      throw new BrokerError(
        ErrorCode.ROUTE_NOT_FOUND,
        'The console is not built: run `npm run build`',
      );
    }
    void reply.header('content-security-policy', PAGE_POLICY);
    send(request, reply, page, REVALIDATE);
  }

  @Get('assets/:file')
  @Route({
    summary: 'A static file of the operator console',
    description: 'A script, style sheet or image of the console.',
    errors: [ErrorCode.ROUTE_NOT_FOUND],
    params: assetParamsSchema,
  })
  asset(
    @Param('file') file: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): void {
    const asset = this.files.asset(file);
    if (!asset) {
      throw new BrokerError(ErrorCode.ROUTE_NOT_FOUND, `No console file '${file.slice(0, 100)}'`);
    }
    send(request, reply, asset, IMMUTABLE);
  }
}

function send(
  request: FastifyRequest,
  reply: FastifyReply,
  asset: ConsoleAsset,
  cacheControl: string,
): void {
  const accepted = String(request.headers['accept-encoding'] ?? '');
  const gzip = /\bgzip\b/.test(accepted);
  void reply
    .header('content-type', asset.contentType)
    .header('cache-control', cacheControl)
    .header('vary', 'accept-encoding')
    .header('x-content-type-options', 'nosniff');
  if (gzip) void reply.header('content-encoding', 'gzip');
  void reply.send(gzip ? asset.gzipped : asset.body);
}
