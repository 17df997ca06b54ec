import type { ContactView } from '@leadflow/contracts';
import { AppException, ErrorCodes } from '@leadflow/contracts';
import { currentRequestId } from '@leadflow/logging';
import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendETag, versionConflictBody } from '../http/preconditions';

/** A write refused for a conflict whose answer carries data: the current contact (412) or the contact holding an identity (409). */
export class ContactConflictException extends AppException {
  private constructor(
    code: string,
    message: string,
    readonly details: { current?: ContactView; contactId?: string; field?: string },
  ) {
    super(code, message);
  }

  static versionConflict(current: ContactView): ContactConflictException {
    return new ContactConflictException(
      ErrorCodes.versionConflict,
      `The contact is at version ${current.version}: read it again (current holds it) and retry with its ETag`,
      { current },
    );
  }

  static identityConflict(field: 'email' | 'phone', contactId: string): ContactConflictException {
    return new ContactConflictException(
      ErrorCodes.identityConflict,
      `Another contact (${contactId}) holds this ${field}; merge them instead`,
      {
        contactId,
        field,
      },
    );
  }
}

/**
 * Renders a contact conflict as the standard error body plus its data: 412 carries `current` (and
 * its ETag), 409 names the contact (`error.contactId`) and the field.
 */
@Catch(ContactConflictException)
export class ContactConflictFilter implements ExceptionFilter {
  catch(exception: ContactConflictException, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const requestId = currentRequestId() ?? http.getRequest<FastifyRequest>().id;
    const { current, contactId, field } = exception.details;
    if (current) {
      sendETag(reply, current.version);
      void reply.status(412).send(versionConflictBody(current, requestId));
    } else {
      void reply.status(409).send({ error: { code: exception.code, message: exception.message, requestId, contactId, field } });
    }
  }
}
