import { type ContactSummary, type ContactView, type LeadContactReply, type Page, ByIdRequest, RpcSubjects } from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ContactQueryService } from './contact-query.service';
import { ContactListDto } from './dto/contact-query.dto';

@Controller()
export class ContactsController {
  constructor(private readonly contacts: ContactQueryService) {}

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
}
