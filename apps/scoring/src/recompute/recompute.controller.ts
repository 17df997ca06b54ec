import { type RecomputeView, RpcSubjects } from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { RecomputeGetDto, RecomputeStartDto } from './dto/recompute.dto';
import { RecomputeService } from './recompute.service';

@Controller()
export class RecomputeController {
  constructor(private readonly recompute: RecomputeService) {}

  @MessagePattern(RpcSubjects.scoring.recomputeStart)
  start(@Payload() command: RecomputeStartDto): Promise<RecomputeView> {
    return this.recompute.start(command);
  }

  @MessagePattern(RpcSubjects.scoring.recomputeGet)
  get(@Payload() query: RecomputeGetDto): Promise<RecomputeView> {
    return this.recompute.get(query.workspaceId, query.id);
  }
}
