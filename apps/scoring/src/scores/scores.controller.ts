import { RpcSubjects, type ScoreView } from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ScoreGetDto } from './dto/score-get.dto';
import { ScoreQueryService } from './score-query.service';

@Controller()
export class ScoresController {
  constructor(private readonly scores: ScoreQueryService) {}

  @MessagePattern(RpcSubjects.scoring.scoreGet)
  get(@Payload() query: ScoreGetDto): Promise<ScoreView> {
    return this.scores.get(query.workspaceId, query.id);
  }
}
