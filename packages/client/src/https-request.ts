import { Agent, request } from 'node:https';

/** An answer of {@link httpsRequest}: status and body text. */
export interface TextAnswer {
  status: number;
  text: string;
}

const agents = new Map<string | Buffer, Agent>();

/** One keep-alive agent per CA (idle sockets do not hold the process open). */
function agentFor(ca: string | Buffer): Agent {
  let agent = agents.get(ca);
  if (!agent) agents.set(ca, (agent = new Agent({ keepAlive: true, ca })));
  return agent;
}

/**
 * One HTTPS request that trusts `ca` (PEM) besides the system's authorities: Node's global
 * `fetch` takes no CA, so requests to a broker with a private certificate go through here.
 */
export function httpsRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | null,
  ca: string | Buffer,
  signal: AbortSignal,
): Promise<TextAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method, headers, agent: agentFor(ca), signal }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('end', () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      response.once('error', reject);
    });
    outgoing.once('error', reject);
    outgoing.end(body ?? undefined);
  });
}
