import { type LeaderboardEntry, RpcSubjects } from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ContactDeletionsRepository } from './contact-deletions.repository';
import { LeaderboardQueryDto } from './dto/leaderboard-query.dto';

@Controller()
export class LeaderboardController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly deletions: ContactDeletionsRepository,
  ) {}

  @MessagePattern(RpcSubjects.scoring.leaderboard)
  async leaderboard(@Payload() query: LeaderboardQueryDto): Promise<{ items: LeaderboardEntry[] }> {
    return { items: await this.deletions.leaderboard(this.dataSource.manager, query.workspaceId, query.limit) };
  }
}
