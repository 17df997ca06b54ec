import { type ErasureStepReply, ErasureStepRequest, RpcSubjects } from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { PrivacyService } from './privacy.service';

@Controller()
export class PrivacyController {
  constructor(private readonly privacy: PrivacyService) {}

  @MessagePattern(RpcSubjects.metrics.erasureStep)
  erasureStep(@Payload() request: ErasureStepRequest): Promise<ErasureStepReply> {
    return this.privacy.erasureStep(request);
  }
}
