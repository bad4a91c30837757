import { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage } from 'node:http';
import { AccessControl } from '../auth/access-control';
import { upgradeToken } from '../auth/bearer-token';
import { BrokerError } from '../common/errors';
import { ERROR_STATUS } from '../common/http/error-status';

type VerifyDone = (
  verified: boolean,
  code?: number,
  message?: string,
  headers?: Record<string, string>,
) => void;

/**
 * Nest's plain `ws` adapter with the broker's frame size limit applied to every socket, and the
 * upgrade authenticated: with auth on, an upgrade without a known token (`Authorization: Bearer`
 * or `?token=`) is answered 401 in the broker's error shape and never becomes a WebSocket.
 */
export class BrokerWsAdapter extends WsAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly maxPayloadBytes: number,
    private readonly access: AccessControl,
  ) {
    super(app);
  }

  override create(
    port: number,
    options: Record<string, unknown> & { path?: string } = {},
  ): unknown {
    return super.create(port, {
      ...options,
      maxPayload: this.maxPayloadBytes,
      verifyClient: (info: { req: IncomingMessage }, done: VerifyDone) =>
        this.verify(info.req, done),
    });
  }

  private verify(request: IncomingMessage, done: VerifyDone): void {
    try {
      this.access.authenticate(upgradeToken(request.headers, request.url), 'ws upgrade');
      done(true);
    } catch (error) {
      if (!(error instanceof BrokerError)) throw error;
      done(false, ERROR_STATUS[error.code], JSON.stringify({ error: error.toBody() }), {
        'Content-Type': 'application/json; charset=utf-8',
      });
    }
  }
}
