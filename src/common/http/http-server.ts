import {
  createServer as createHttpServer,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { SecurityConfig } from '../../config/security-config';
import { ErrorCode } from '../errors';
import { ERROR_STATUS } from './error-status';

type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** A PEM certificate chain and its private key. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
}

/**
 * Fastify's `serverFactory`: the HTTP server (HTTPS when `tls` is given, WebSockets upgrade on
 * the same port) with the limits that bound what slow or many clients can hold: header size,
 * the time to send headers and a whole request, keep-alive and idle timeouts, connections in
 * all and per remote address.
 */
export function brokerServerFactory(config: SecurityConfig, tls: TlsMaterial | undefined) {
  return (handler: RequestHandler): Server => {
    const options = {
      maxHeaderSize: config.maxHeaderBytes,
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      connectionsCheckingInterval: config.timeoutCheckIntervalMs,
    };
    const server: Server = tls
      ? createHttpsServer({ ...options, cert: tls.cert, key: tls.key }, handler)
      : createHttpServer(options, handler);
    server.setTimeout(config.idleTimeoutMs);
    limitConnections(server, config, tls !== undefined);
    return server;
  };
}

/**
 * Closes a connection over `WEIR_MAX_CONNECTIONS` or `WEIR_MAX_CONNECTIONS_PER_ADDRESS` before
 * the HTTP (or TLS) layer sees it; over plain HTTP it first gets a 503 TOO_MANY_CONNECTIONS.
 */
function limitConnections(server: Server, config: SecurityConfig, secure: boolean): void {
  const byAddress = new Map<string, number>();
  let open = 0;
  const accept = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const fromAddress = byAddress.get(address) ?? 0;
    if (open >= config.maxConnections || fromAddress >= config.maxConnectionsPerAddress) {
      refuse(socket, secure, open >= config.maxConnections ? 'in all' : 'from this address');
      return;
    }
    open++;
    byAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      open--;
      const left = (byAddress.get(address) ?? 1) - 1;
      if (left > 0) byAddress.set(address, left);
      else byAddress.delete(address);
    });
    for (const listener of accept) listener.call(server, socket);
  });
}

const REFUSED_LINGER_MS = 1000;

function refuse(socket: Socket, secure: boolean, scope: string): void {
  if (secure) {
    socket.destroy();
    return;
  }
  const text = JSON.stringify({
    error: {
      code: ErrorCode.TOO_MANY_CONNECTIONS,
      message: `Too many open connections ${scope}; try again later`,
    },
  });
  // Reads what the client sends so that closing does not reset the answer away.
  socket.on('data', () => undefined);
  socket.on('error', () => undefined);
  socket.end(
    `HTTP/1.1 ${ERROR_STATUS.TOO_MANY_CONNECTIONS} Service Unavailable\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
      `Connection: close\r\n\r\n${text}`,
  );
  setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
}
