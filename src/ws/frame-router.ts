import { Logger } from '@nestjs/common';
import type { FrameAccess } from '../auth/frame-access';
import { BrokerError, ErrorCode } from '../common/errors';
import { toErrorBody } from '../common/http/broker-exception.filter';
import { jsonTooDeep } from '../common/http/request-body';
import { exceedsJsonDepth } from '../common/json-depth';
import { WsSession } from './ws-session';

/** A frame handler: answers with the frame to send back (requestId is added), or nothing. */
export type FrameHandler = (
  frame: Record<string, unknown>,
  session: WsSession,
) => Promise<object | void> | object | void;

/** What the router reports after each frame, for latency metrics. */
export type FrameObserver = (type: string, seconds: number) => void;

/**
 * Dispatches WebSocket frames by `type` to the handlers modules register. A bad frame or a
 * failing handler is answered with an `error` frame; the socket stays open.
 */
export class FrameRouter {
  private readonly logger = new Logger('FrameRouter');
  private readonly handlers = new Map<string, FrameHandler>();
  private observer: FrameObserver | undefined;

  /**
   * @param maxJsonDepth deepest nesting a frame may have, checked before it is parsed
   * @param frameAccess checks each frame's token and permission before its handler runs
   */
  constructor(
    private readonly maxJsonDepth: number,
    private readonly frameAccess?: FrameAccess,
  ) {}

  register(type: string, handler: FrameHandler): void {
    if (this.handlers.has(type)) throw new Error(`frame type '${type}' registered twice`);
    this.handlers.set(type, handler);
  }

  observe(observer: FrameObserver): void {
    this.observer = observer;
  }

  /** Handles one text frame from `session`. Never throws. */
  async dispatch(text: string, session: WsSession): Promise<void> {
    const startedAt = process.hrtime.bigint();
    let requestId: unknown;
    let type = 'unknown';
    try {
      const frame = parseFrame(text, this.maxJsonDepth);
      requestId = frame.requestId;
      type = typeof frame.type === 'string' ? frame.type : 'unknown';
      const handler = this.handlers.get(type);
      if (!handler) {
        throw new BrokerError(
          ErrorCode.INVALID_REQUEST,
          `Unknown frame type '${String(frame.type)}'`,
        );
      }
      this.frameAccess?.check(type, frame, session);
      const answer = await handler(frame, session);
      if (answer) session.send(requestId === undefined ? answer : { ...answer, requestId });
    } catch (error) {
      session.sendError(toErrorBody(error, this.logger), requestId);
    } finally {
      if (this.handlers.has(type)) {
        this.observer?.(type, Number(process.hrtime.bigint() - startedAt) / 1e9);
      }
    }
  }
}

function parseFrame(text: string, maxJsonDepth: number): Record<string, unknown> {
  if (exceedsJsonDepth(text, maxJsonDepth)) throw jsonTooDeep(maxJsonDepth, 'The frame');
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    throw new BrokerError(ErrorCode.INVALID_REQUEST, 'Frame is not valid JSON');
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    throw new BrokerError(ErrorCode.INVALID_REQUEST, 'Frame must be a JSON object with a type');
  }
  return frame as Record<string, unknown>;
}
