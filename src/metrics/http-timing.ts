import type { FastifyInstance } from 'fastify';
import { BrokerMetrics } from './broker-metrics';

/**
 * Observes every HTTP request's duration from Fastify's own timer, labelled with the method and
 * route pattern (`POST /topics/:topic/records`): a fixed set, never a raw URL.
 */
export function observeHttpTiming(fastify: FastifyInstance, metrics: BrokerMetrics): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requestAnswered('http', `${request.method} ${route}`, reply.elapsedTime / 1000);
    done();
  });
}
