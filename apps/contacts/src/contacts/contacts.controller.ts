import {
  type ContactLeadEntry,
  type ContactSummary,
  type ContactView,
  type ContactWriteReply,
  type LeadContactReply,
  type Page,
  ByIdRequest,
  RpcSubjects,
} from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ContactQueryService } from './contact-query.service';
import { ContactRecordsService } from './contact-records.service';
import { ContactLeadsDto, ContactListDto } from './dto/contact-query.dto';
import { ContactCreateDto, ContactPatchDto, ContactReplaceDto, ContactVersionedDto } from './dto/contact-write.dto';

@Controller()
export class ContactsController {
  constructor(
    private readonly contacts: ContactQueryService,
    private readonly records: ContactRecordsService,
  ) {}

  @MessagePattern(RpcSubjects.contacts.contactList)
  list(@Payload() query: ContactListDto): Promise<Page<ContactSummary>> {
    return this.contacts.list(query);
  }

  @MessagePattern(RpcSubjects.contacts.contactGet)
  get(@Payload() query: ByIdRequest): Promise<ContactView> {
    return this.contacts.get(query);
  }

  @MessagePattern(RpcSubjects.contacts.leadContact)
  contactOfLead(@Payload() query: ByIdRequest): Promise<LeadContactReply> {
    return this.contacts.contactOfLead(query);
  }

  @MessagePattern(RpcSubjects.contacts.contactLeads)
  leads(@Payload() query: ContactLeadsDto): Promise<Page<ContactLeadEntry>> {
    return this.contacts.leads(query);
  }

  @MessagePattern(RpcSubjects.contacts.contactCreate)
  create(@Payload() request: ContactCreateDto): Promise<ContactWriteReply> {
    return this.records.create(request);
  }

  @MessagePattern(RpcSubjects.contacts.contactReplace)
  replace(@Payload() request: ContactReplaceDto): Promise<ContactWriteReply> {
    return this.records.replace(request);
  }

  @MessagePattern(RpcSubjects.contacts.contactPatch)
  patch(@Payload() request: ContactPatchDto): Promise<ContactWriteReply> {
    return this.records.patch(request);
  }

  @MessagePattern(RpcSubjects.contacts.contactDelete)
  delete(@Payload() request: ContactVersionedDto): Promise<ContactWriteReply> {
    return this.records.delete(request);
  }

  @MessagePattern(RpcSubjects.contacts.contactRestore)
  restore(@Payload() request: ContactVersionedDto): Promise<ContactWriteReply> {
    return this.records.restore(request);
  }
}
