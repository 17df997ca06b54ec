import { AppException, ErrorCodes } from '@leadflow/contracts';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { checkWorkspaceId } from '../http/path-params.pipe';
import { principalOf } from './principal';

/**
 * The workspace a handler works in: the caller's, taken from its credential. With the name of a
 * route parameter, that parameter must name the same workspace: 400 `invalid_id` when it is not a
 * workspace id, 404 when it is another workspace (answered as an unknown one). Services take the
 * id as a required argument and never compare workspaces themselves.
 */
export const CallerWorkspace = createParamDecorator((param: string | undefined, context: ExecutionContext): string => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const { workspaceId } = principalOf(request);
  if (param === undefined) return workspaceId;
  const named = checkWorkspaceId(String((request.params as Record<string, string>)[param]));
  if (named !== workspaceId) throw new AppException(ErrorCodes.notFound, 'No such workspace');
  return workspaceId;
});
