import { ByIdRequest, type ErasureStepReply, ErasureStepRequest, RpcSubjects, type ScoreExport } from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { PrivacyService } from './privacy.service';

@Controller()
export class PrivacyController {
  constructor(private readonly privacy: PrivacyService) {}

  @MessagePattern(RpcSubjects.scoring.scoreExport)
  export(@Payload() query: ByIdRequest): Promise<ScoreExport> {
    return this.privacy.export(query);
  }

  @MessagePattern(RpcSubjects.scoring.erasureStep)
  erasureStep(@Payload() request: ErasureStepRequest): Promise<ErasureStepReply> {
    return this.privacy.erasureStep(request);
  }
}
