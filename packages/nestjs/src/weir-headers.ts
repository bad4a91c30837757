/** Headers the Weir transport puts on a request that expects a reply, and on the reply. */
export const WeirHeader = {
  /** The topic the server produces the handler's reply to. */
  REPLY_TO: 'weir-reply-to',
  /** Names the request; the reply carries it back. */
  CORRELATION_ID: 'weir-correlation-id',
} as const;
export type WeirHeader = (typeof WeirHeader)[keyof typeof WeirHeader];

/** Connection states the transport reports through `status`. */
export const WeirStatus = {
  CONNECTED: 'connected',
  DISCONNECTED: 'disconnected',
} as const;
export type WeirStatus = (typeof WeirStatus)[keyof typeof WeirStatus];

/** Events of `ServerWeir.on` / `ClientWeir.on`. */
export const WeirEvent = {
  /** An error the transport survived (lost connection, refused acknowledgement). */
  ERROR: 'error',
} as const;
export type WeirEvent = (typeof WeirEvent)[keyof typeof WeirEvent];

/** The listener of each event. */
export type WeirEventsMap = {
  [WeirEvent.ERROR]: (error: unknown) => void;
};

/** The transport id of `ServerWeir` (handlers may pin it with `@EventPattern(p, WEIR_TRANSPORT)`). */
export const WEIR_TRANSPORT = Symbol('WEIR_TRANSPORT');
