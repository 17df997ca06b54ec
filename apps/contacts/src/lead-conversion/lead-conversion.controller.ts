import { type LeadConvertReply, RpcSubjects } from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { LeadConvertDto } from './dto/lead-convert.dto';
import { LeadConversionService } from './lead-conversion.service';

@Controller()
export class LeadConversionController {
  constructor(private readonly conversions: LeadConversionService) {}

  @MessagePattern(RpcSubjects.contacts.leadConvert)
  convert(@Payload() command: LeadConvertDto): Promise<LeadConvertReply> {
    return this.conversions.convert(command);
  }
}
