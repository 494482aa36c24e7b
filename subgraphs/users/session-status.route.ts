/**
 * The users service's answer to the router's question: which of these sessions still hold, with which
 * role (subgraphs/contracts/session-status.ts). Only the router may ask: the request must carry its proof.
 */
import { ErrorCode } from '../../lib/errors.ts';
import { sendJson, type IncomingRequest, type Route } from '../../lib/http-server.ts';
import { verifyRouterRequest } from '../../lib/router-proof.ts';
import {
  readSessionStatusRequest,
  SESSION_STATUS_PATH,
  type SessionStatusResponse,
} from '../contracts/session-status.ts';
import type { SessionService } from './session.service.ts';

export { SESSION_STATUS_PATH };

export function sessionStatusRoute(
  routerSecret: string,
  sessionsFor: (request: IncomingRequest) => SessionService,
): Route {
  const refuse = (res: Parameters<Route>[0], status: number, code: ErrorCode, message: string) =>
    sendJson(res, status, { errors: [{ message, extensions: { code } }] });
  return async (res, request) => {
    if (request.method !== 'POST')
      return refuse(res, 405, ErrorCode.BAD_REQUEST, 'POST a list of sessionIds');
    const proof = verifyRouterRequest(routerSecret, request.rawBody, request.headers);
    if (!proof.valid) {
      request.logger.warn({ reason: proof.reason }, 'session status asked without a valid router proof');
      return refuse(
        res,
        401,
        ErrorCode.UNAUTHENTICATED,
        'this service answers only requests from the router',
      );
    }
    const sessionIds = readSessionStatusRequest(request.rawBody);
    if (!sessionIds)
      return refuse(res, 400, ErrorCode.BAD_REQUEST, 'expected {"sessionIds": [1 to 100 UUIDs]}');
    const response: SessionStatusResponse = { sessions: await sessionsFor(request).statusOf(sessionIds) };
    sendJson(res, 200, response);
  };
}
