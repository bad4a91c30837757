import { Inject, Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import { randomUUID } from 'node:crypto';
import type { RawData, WebSocket } from 'ws';
import { BrokerMetrics } from '../metrics/broker-metrics';
import { FrameRouter } from './frame-router';
import { WsSession } from './ws-session';

const SESSION = Symbol('weir-session');
type SocketWithSession = WebSocket & { [SESSION]?: WsSession };

/** The one WebSocket endpoint, `/ws`: wraps each socket in a session and routes its frames. */
@WebSocketGateway({ path: '/ws' })
export class BrokerGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger('BrokerGateway');

  constructor(
    @Inject(FrameRouter) private readonly router: FrameRouter,
    @Inject(BrokerMetrics) metrics: BrokerMetrics,
  ) {
    router.observe((type, seconds) => metrics.requestAnswered('ws', type, seconds));
  }

  handleConnection(socket: SocketWithSession): void {
    const session = new WsSession(randomUUID(), socket);
    socket[SESSION] = session;
    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        session.sendError(
          { code: 'INVALID_REQUEST', message: 'Frames must be JSON text' },
          undefined,
        );
        return;
      }
      void this.router.dispatch(rawToString(data), session);
    });
    socket.on('error', (error) => this.logger.warn(`socket ${session.id}: ${error.message}`));
  }

  handleDisconnect(socket: SocketWithSession): void {
    socket[SESSION]?.markClosed();
  }
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
