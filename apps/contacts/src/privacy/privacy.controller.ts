import {
  ByIdRequest,
  type ContactExport,
  type EraseContactReply,
  EraseContactRequest,
  type ErasureGetReply,
  ErasureStepRequest,
  RpcSubjects,
} from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ContactErasureService } from './contact-erasure.service';

@Controller()
export class PrivacyController {
  constructor(private readonly erasures: ContactErasureService) {}

  @MessagePattern(RpcSubjects.contacts.contactErase)
  erase(@Payload() request: EraseContactRequest): Promise<EraseContactReply> {
    return this.erasures.erase(request);
  }

  @MessagePattern(RpcSubjects.contacts.erasureGet)
  get(@Payload() request: ErasureStepRequest): Promise<ErasureGetReply> {
    return this.erasures.get(request);
  }

  @MessagePattern(RpcSubjects.contacts.contactExport)
  export(@Payload() query: ByIdRequest): Promise<ContactExport> {
    return this.erasures.export(query);
  }
}
