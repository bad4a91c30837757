import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BrokerError, ErrorCode } from '../errors';
import { exceedsJsonDepth } from '../json-depth';

/** What the broker accepts as a request body. */
export const JSON_MEDIA_TYPE = 'application/json';

/**
 * Makes JSON the one body the HTTP server parses. The JSON parser refuses text nested deeper
 * than `maxJsonDepth` before parsing (`JSON_TOO_DEEP`), then parses with Fastify's own parser
 * (prototype poisoning refused); any other content type, or a body without one, is refused
 * with `UNSUPPORTED_MEDIA_TYPE` naming the type expected. Errors are `BrokerError`s, so the
 * exception filter answers them in the broker's shape.
 */
export function acceptJsonBodiesOnly(
  fastify: FastifyInstance,
  limits: { maxJsonDepth: number; maxRequestBytes: number },
): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    JSON_MEDIA_TYPE,
    { parseAs: 'string', bodyLimit: limits.maxRequestBytes },
    (request, body, done) => {
      const text = body as string;
      if (exceedsJsonDepth(text, limits.maxJsonDepth)) {
        done(jsonTooDeep(limits.maxJsonDepth, 'The request body'), undefined);
        return;
      }
      void parse(request, text, (error, value) => {
        if (error) done(new BrokerError(ErrorCode.INVALID_REQUEST, error.message), undefined);
        else done(null, value);
      });
    },
  );
  fastify.addContentTypeParser('*', (request: FastifyRequest, _payload, done) => {
    const type = request.headers['content-type'];
    const named =
      type === undefined ? 'A body without a content type' : `Content type '${type.slice(0, 100)}'`;
    done(
      new BrokerError(
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        `${named} is not accepted: send JSON with 'content-type: ${JSON_MEDIA_TYPE}'`,
      ),
      undefined,
    );
  });
}

/** The error for JSON nested deeper than `maxDepth`; `what` names the text refused. */
export function jsonTooDeep(maxDepth: number, what: string): BrokerError {
  return new BrokerError(
    ErrorCode.JSON_TOO_DEEP,
    `${what} nests arrays and objects more than ${maxDepth} deep (WEIR_MAX_JSON_DEPTH)`,
  );
}
