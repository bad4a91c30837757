import { Inject, Logger, OnModuleDestroy } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import { AccessControl } from '../auth/access-control';
import { upgradeToken } from '../auth/bearer-token';
import { Clock } from '../common/clock';
import { BROKER_CONFIG } from '../common/core.module';
import type { BrokerConfig } from '../config/broker-config';
import { BrokerMetrics } from '../metrics/broker-metrics';
import { FrameRouter } from './frame-router';
import { WsHeartbeat } from './ws-heartbeat';
import { WsSession } from './ws-session';

const SESSION = Symbol('weir-session');
/** WebSocket close code of a socket whose token a reload removed (4000-4999: application). */
const TOKEN_REVOKED = 4401;
type SocketWithSession = WebSocket & { [SESSION]?: WsSession };

/**
 * The one WebSocket endpoint, `/ws`: wraps each socket in a session, routes its frames and pings
 * it (`WEIR_WS_PING_INTERVAL_MS`); a socket that misses two pongs is closed.
 */
@WebSocketGateway({ path: '/ws' })
export class BrokerGateway implements OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  private readonly logger = new Logger('BrokerGateway');
  private readonly heartbeat: WsHeartbeat<WsSession>;

  constructor(
    @Inject(FrameRouter) private readonly router: FrameRouter,
    @Inject(BrokerMetrics) metrics: BrokerMetrics,
    @Inject(Clock) clock: Clock,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(AccessControl) access: AccessControl,
  ) {
    router.observe((type, seconds) => metrics.requestAnswered('ws', type, seconds));
    this.heartbeat = new WsHeartbeat(clock, config.wsPingIntervalMs);
    metrics.addCollector(() => {
      const sessions = this.sessions();
      let unsent = 0;
      for (const session of sessions) unsent += session.bufferedBytes;
      metrics.reportWebSockets(sessions.length, unsent);
    });
    // A token removed from the tokens file ends its sockets, subscriptions included.
    access.onReload(() => {
      for (const session of this.sessions()) {
        if (!access.accepts(session.credential)) session.close(TOKEN_REVOKED, 'token revoked');
      }
    });
  }

  /** The open sessions. */
  sessions(): WsSession[] {
    return this.heartbeat.tracked();
  }

  handleConnection(socket: SocketWithSession, request?: IncomingMessage): void {
    const session = new WsSession(
      randomUUID(),
      socket,
      this.config.wsMaxBufferedBytes,
      request && upgradeToken(request.headers, request.url),
    );
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
    this.heartbeat.add(session);
  }

  handleDisconnect(socket: SocketWithSession): void {
    const session = socket[SESSION];
    if (!session) return;
    this.heartbeat.remove(session);
    session.markClosed();
  }

  onModuleDestroy(): void {
    this.heartbeat.stop();
  }
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
