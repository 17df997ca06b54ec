import {
  AppException,
  decodeKeysetCursor,
  encodeKeysetCursor,
  ErrorCodes,
  type LeaderboardEntry,
  type Page,
  RpcSubjects,
} from '@leadflow/contracts';
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

  /** A page of the leaderboard; `nextCursor` carries the (score, contact id) of its last row. */
  @MessagePattern(RpcSubjects.scoring.leaderboard)
  async leaderboard(@Payload() query: LeaderboardQueryDto): Promise<Page<LeaderboardEntry>> {
    let after: { score: number; contactId: string } | undefined;
    if (query.cursor !== undefined) {
      const decoded = decodeKeysetCursor(query.cursor);
      if (!decoded || !/^-?\d{1,10}$/.test(decoded.key)) throw new AppException(ErrorCodes.invalidCursor, 'cursor is not one of ours');
      after = { score: Number(decoded.key), contactId: decoded.id };
    }
    const page = await this.deletions.leaderboard(this.dataSource.manager, query.workspaceId, {
      limit: query.limit,
      stage: query.stage,
      after,
    });
    const last = page.items.at(-1);
    return { items: page.items, nextCursor: page.more && last ? encodeKeysetCursor(String(last.score), last.contactId) : null };
  }
}
