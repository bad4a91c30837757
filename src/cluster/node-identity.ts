import { hostname } from 'node:os';

/** How this node names itself and how peers reach it. */
export interface NodeIdentity {
  nodeId: string;
  advertisedUrl: string;
}

/**
 * The identity once the real port is known: with `WEIR_HTTP_PORT=0` the configured defaults
 * (`<hostname>-0`, `http://<host>:0`) name no reachable node, so they take the port the server
 * got; explicit `WEIR_NODE_ID` and `WEIR_ADVERTISED_URL` are kept as given.
 */
export function identityOnPort(
  configured: NodeIdentity,
  configuredPort: number,
  listeningPort: number,
): NodeIdentity {
  if (configuredPort !== 0) return configured;
  const defaultId = `${hostname()}-0`;
  const url = new URL(configured.advertisedUrl);
  const defaultUrl = url.port === '0';
  if (defaultUrl) url.port = String(listeningPort);
  return {
    nodeId: configured.nodeId === defaultId ? `${hostname()}-${listeningPort}` : configured.nodeId,
    advertisedUrl: defaultUrl ? url.toString().replace(/\/$/, '') : configured.advertisedUrl,
  };
}
