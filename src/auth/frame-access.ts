import { AccessControl } from './access-control';
import { Action, Principal, ResourceKind } from './permissions';

/** What a frame check needs of a WebSocket session: the token its upgrade carried. */
export interface FrameCredential {
  readonly credential?: string;
}

type FrameCheck = (
  access: AccessControl,
  principal: Principal,
  frame: Record<string, unknown>,
  via: string,
) => void;

/**
 * What each frame type needs. `credit`, `commit` and `unsubscribe` act on a subscription of the
 * same socket, authorised when it was opened. An `ack` needs `consume` on some group: the
 * receipt, which only a delivery hands out, names the record (as an SQS receipt handle does).
 */
const FRAME_CHECKS: Readonly<Record<string, FrameCheck>> = {
  produce: (access, principal, frame, via) => {
    if (typeof frame.topic === 'string') {
      access.authorize(
        principal,
        Action.PRODUCE,
        { kind: ResourceKind.TOPIC, name: frame.topic },
        via,
      );
    }
  },
  subscribe: (access, principal, frame, via) => {
    if (typeof frame.group !== 'string') return;
    // a stream subscription names its topics; a share one reads the group's when it names none
    access.authorizeConsume(
      principal,
      frame.group,
      Array.isArray(frame.topics) ? frame.topics : undefined,
      via,
    );
  },
  ack: (access, principal, _frame, via) =>
    access.authorizeAny(principal, Action.CONSUME, ResourceKind.GROUP, via),
  credit: () => undefined,
  commit: () => undefined,
  unsubscribe: () => undefined,
};

/**
 * The WebSocket half of access control, run by the frame router before each frame's handler:
 * authenticates the socket's token again (so a token removed by a reload stops working at
 * once) and checks the frame type's permission. A frame type without an entry above is for admin
 * tokens only. Throws `UNAUTHENTICATED` or `FORBIDDEN`; the router answers with an error frame.
 */
export class FrameAccess {
  constructor(private readonly access: AccessControl) {}

  check(type: string, frame: Record<string, unknown>, session: FrameCredential): void {
    if (!this.access.enabled) return;
    const via = `ws ${type}`;
    const principal = this.access.authenticate(session.credential, via);
    const check = FRAME_CHECKS[type];
    if (check) check(this.access, principal, frame, via);
    else this.access.authorizeAdmin(principal, via);
  }
}
