import { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';

/** Nest's plain `ws` adapter with the broker's frame size limit applied to every socket. */
export class BrokerWsAdapter extends WsAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly maxPayloadBytes: number,
  ) {
    super(app);
  }

  override create(
    port: number,
    options: Record<string, unknown> & { path?: string } = {},
  ): unknown {
    return super.create(port, { ...options, maxPayload: this.maxPayloadBytes });
  }
}
