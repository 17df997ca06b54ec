import {
  AppException,
  ErrorCodes,
  EventTypes,
  type LeadConversionView,
  type LeadConvertCommand,
  type LeadConvertReply,
} from '@leadflow/contracts';
import { Outbox } from '@leadflow/messaging';
import { fingerprint } from '@leadflow/normalization';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { OpportunitiesService } from '../opportunities/opportunities.service';
import { type OpportunityChange, readOpportunityFields } from '../opportunities/opportunity-fields';
import { LeadConversionRepository } from './lead-conversion.repository';

/**
 * Lead conversion, one transaction: the lead's contact (the one the pipeline attributed it to, or
 * an existing contact named in the request) moves from lifecycle `lead` to `contact`, an
 * opportunity is created if asked, and `lead.converted` is published. A lead converts once. With an
 * Idempotency-Key, the same key and request answer the first conversion again; the same key with
 * another request is 422 `idempotency_key_reused`. Concurrent requests for one lead or one key are
 * serialized by advisory locks, so duplicates find the first one's row.
 *
 * A lead the pipeline has not attributed yet (it is attributed within moments of its intake) is
 * 409 `lead_not_attributed`, to retry; the conversion does not make a contact of its own, which
 * would race the pipeline's resolution of the same person.
 */
@Injectable()
export class LeadConversionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly conversions: LeadConversionRepository,
    private readonly opportunities: OpportunitiesService,
    private readonly outbox: Outbox,
  ) {}

  async convert(command: LeadConvertCommand): Promise<LeadConvertReply> {
    return this.dataSource.transaction((manager) => this.convertIn(manager, command));
  }

  /** Converts inside the caller's transaction (CRM sync applies a CRM's `lead.converted` so). */
  async convertIn(manager: EntityManager, command: LeadConvertCommand): Promise<LeadConvertReply> {
    const { workspaceId, leadId, idempotencyKey, actor } = command;
    const requestFingerprint = fingerprint({ leadId, contactId: command.contactId ?? null, opportunity: command.opportunity ?? null });
    const opportunity = command.opportunity === undefined ? undefined : readConversionOpportunity(command.opportunity);
    const keys = [`lead-conversion:lead:${workspaceId}:${leadId}`];
    if (idempotencyKey !== null) keys.push(`lead-conversion:key:${workspaceId}:${idempotencyKey}`);
    await this.conversions.lockKeys(manager, keys);
    if (idempotencyKey !== null) {
      const earlier = await this.conversions.findByKey(manager, workspaceId, idempotencyKey);
      if (earlier) {
        if (earlier.request_fingerprint !== requestFingerprint) {
          throw new AppException(ErrorCodes.idempotencyKeyReused, 'This Idempotency-Key was used for another conversion request');
        }
        return { conversion: earlier.result, replayed: true };
      }
    }
    const converted = await this.conversions.findByLead(manager, workspaceId, leadId);
    if (converted) {
      throw new AppException(ErrorCodes.leadAlreadyConverted, `Lead ${leadId} was converted before, to contact ${converted.contact_id}`);
    }
    const contactId = command.contactId ?? (await this.conversions.attributedContact(manager, workspaceId, leadId));
    if (!contactId) {
      throw new AppException(ErrorCodes.leadNotAttributed, `Lead ${leadId} is not attributed to a contact yet; retry shortly`);
    }
    const contact = await this.conversions.lockContact(manager, workspaceId, contactId);
    if (!contact?.live) throw new AppException(ErrorCodes.unknownContact, `No live contact ${contactId} in this workspace`);
    if (contact.lifecycle === 'lead') {
      await this.conversions.markConverted(manager, workspaceId, contactId, actor);
      await this.outbox.add(manager, {
        type: EventTypes.contactUpdated,
        workspaceId,
        data: {
          contactId,
          email: contact.email,
          phone: contact.phone,
          firstName: contact.first_name,
          lastName: contact.last_name,
          country: contact.country,
        },
      });
    }
    const created = opportunity
      ? await this.opportunities.createIn(manager, workspaceId, actor, { ...opportunity, contactId, leadId }, { leadChecked: true })
      : null;
    const conversion: LeadConversionView = {
      leadId,
      contactId,
      lifecycle: contact.lifecycle === 'lead' ? 'contact' : contact.lifecycle,
      opportunity: created,
      convertedAt: new Date().toISOString(),
    };
    await this.conversions.insert(manager, {
      workspaceId,
      leadId,
      contactId,
      opportunityId: created?.id ?? null,
      idempotencyKey,
      fingerprint: requestFingerprint,
      result: conversion,
      by: actor,
    });
    await this.outbox.add(manager, {
      type: EventTypes.leadConverted,
      workspaceId,
      data: {
        leadId,
        contactId,
        opportunityId: created?.id ?? null,
        source: command.source,
        offer: command.offer,
        convertedAt: conversion.convertedAt,
      },
    });
    return { conversion, replayed: false };
  }
}

/** The opportunity a conversion creates: its contact and lead are the conversion's own. */
function readConversionOpportunity(fields: LeadConvertCommand['opportunity'] & object): OpportunityChange {
  const { contactId: _contactId, leadId: _leadId, ...own } = fields;
  const change = readOpportunityFields(own, false);
  for (const required of ['name', 'amount'] as const) {
    if (change[required] === undefined) throw new AppException(ErrorCodes.validationFailed, `opportunity.${required} is required`);
  }
  return change;
}
