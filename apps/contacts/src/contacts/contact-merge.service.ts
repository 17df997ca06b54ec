import { AppException, type ContactWriteReply, ErrorCodes, EventTypes } from '@leadflow/contracts';
import { Outbox } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ContactQueryService } from './contact-query.service';
import type { ContactRow } from './contact-row';
import { ContactsRepository } from './contacts.repository';
import type { ContactMergeDto } from './dto/contact-identity.dto';
import { lockLiveContacts } from './live-contacts';

/**
 * An admin's explicit merge of two contacts (the one activities refuse to merge: two identified
 * people). `id` folds into `intoId`, which survives whatever their ages: identities, leads and
 * activities move over, both versions are bumped, the merge is recorded with its actor, and
 * `contact.merged` (scoring folds the score history) and `contact.updated` go out in the same
 * transaction. A merged id stands for its survivor, as reads do; merging again answers `unchanged`.
 */
@Injectable()
export class ContactMergeService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly contacts: ContactsRepository,
    private readonly query: ContactQueryService,
    private readonly outbox: Outbox,
  ) {}

  async merge(request: ContactMergeDto): Promise<ContactWriteReply> {
    const { workspaceId } = request;
    const id = request.id.toLowerCase();
    const intoId = request.intoId.toLowerCase();
    if (id === intoId) throw new AppException(ErrorCodes.mergeIntoSelf, 'A contact cannot be merged into itself');
    const outcome = await this.dataSource.transaction(
      async (manager): Promise<{ unchanged: ContactRow } | { before: ContactRow; after: ContactRow }> => {
        const { live, survivorOf } = await lockLiveContacts(this.contacts, manager, [id, intoId]);
        const merged = live.get(survivorOf.get(id) ?? id);
        const survivor = live.get(survivorOf.get(intoId) ?? intoId);
        for (const [name, contact] of [
          [id, merged],
          [intoId, survivor],
        ] as const) {
          if (!contact || contact.workspace_id !== workspaceId) throw new AppException(ErrorCodes.notFound, `No contact ${name}`);
        }
        if (!merged || !survivor) throw new Error('unreachable');
        if (merged.id === survivor.id) {
          if (survivorOf.get(id) !== id) return { unchanged: survivor };
          throw new AppException(ErrorCodes.mergeIntoSelf, `Contact ${id} was merged into ${intoId} already`);
        }
        const erased = await this.contacts.erasedIds(manager, workspaceId, [merged.id, survivor.id]);
        if (erased.size > 0) throw new AppException(ErrorCodes.contactErased, `Contact ${[...erased].join(', ')} was erased`);
        for (const contact of [merged, survivor]) {
          if (contact.deleted_at !== null) {
            throw new AppException(ErrorCodes.contactDeleted, `Contact ${contact.id} is deleted: restore it before merging`);
          }
        }
        const after = await this.contacts.merge(manager, workspaceId, survivor.id, merged.id, { reason: 'admin', actor: request.actor });
        await this.outbox.addMany(manager, [
          { type: EventTypes.contactMerged, workspaceId, data: { survivorId: survivor.id, mergedId: merged.id } },
          {
            type: EventTypes.contactUpdated,
            workspaceId,
            data: {
              contactId: after.id,
              email: after.email,
              phone: after.phone,
              firstName: after.first_name,
              lastName: after.last_name,
              country: after.country,
              version: Number(after.version),
            },
          },
        ]);
        return { before: survivor, after };
      },
    );
    if ('unchanged' in outcome) return { outcome: 'unchanged', contact: await this.query.view(outcome.unchanged) };
    // The view before the merge: the survivor's row as it was locked, with its links as they are now.
    return { outcome: 'written', contact: await this.query.view(outcome.after), before: await this.query.view(outcome.before) };
  }
}
