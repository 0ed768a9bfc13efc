import type { Logger } from '@aws-lambda-powertools/logger';
import type { LambdaContext, LambdaEvent } from 'hono/aws-lambda';
import type { Principal } from '#shared/domain/roles.ts';

/** What every request handler can read from the Hono context. */
export interface ApiEnv {
  Bindings: { event: LambdaEvent; lambdaContext: LambdaContext };
  Variables: {
    requestId: string;
    logger: Logger;
    /** Set by the auth middleware on every route that needs a token. */
    principal: Principal;
    /** Set on the operator routes: the service operator credential's subject. */
    operator: string;
  };
}
