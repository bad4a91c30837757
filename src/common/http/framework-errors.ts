import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorBody, ErrorCode } from '../errors';
import { ERROR_STATUS } from './error-status';

/**
 * Fastify's `frameworkErrors`: what its router refuses before any route (and so before Nest's
 * exception filter) runs, answered in the broker's error shape: a path that is not valid
 * percent-encoding, a path segment over the router's length limit.
 */
export function answerFrameworkError(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const body = frameworkErrorBody(error);
  void reply.code(ERROR_STATUS[body.code]).send({ error: body });
}

function frameworkErrorBody(error: FastifyError): ErrorBody {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return {
        code: ErrorCode.INVALID_REQUEST,
        message: 'The request path is not valid percent-encoding',
      };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return {
        code: ErrorCode.URL_TOO_LONG,
        message: 'A segment of the request path is longer than any name the broker accepts',
      };
    default:
      return { code: ErrorCode.INVALID_REQUEST, message: 'The request cannot be routed' };
  }
}

/**
 * Fastify's `clientErrorHandler`: a request Node's HTTP parser refuses (headers or URL over its
 * limit, malformed HTTP, a timeout) gets a raw answer in the broker's shape, then the socket
 * closes, as Fastify's default handler does.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, body] = clientErrorBody(error.code);
  if (socket.writable) {
    const text = JSON.stringify({ error: body });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(error);
}

function clientErrorBody(code: string | undefined): [number, ErrorBody] {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return [
      ERROR_STATUS.HEADERS_TOO_LARGE,
      {
        code: ErrorCode.HEADERS_TOO_LARGE,
        message: 'The request line and headers (the URL included) are over the size limit',
      },
    ];
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return [
      ERROR_STATUS.REQUEST_TIMEOUT,
      { code: ErrorCode.REQUEST_TIMEOUT, message: 'The request was not received in time' },
    ];
  }
  return [
    ERROR_STATUS.INVALID_REQUEST,
    { code: ErrorCode.INVALID_REQUEST, message: 'The request is not valid HTTP' },
  ];
}
