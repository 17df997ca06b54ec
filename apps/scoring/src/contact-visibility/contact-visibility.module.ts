import { Module } from '@nestjs/common';
import { ContactDeletionsHandler } from './contact-deletions.handler';
import { ContactDeletionsRepository } from './contact-deletions.repository';
import { LeaderboardController } from './leaderboard.controller';

/** Soft-deleted contacts as scoring sees them: kept scores, off the leaderboard, marked in score reads. */
@Module({
  controllers: [LeaderboardController],
  providers: [ContactDeletionsRepository, ContactDeletionsHandler],
  exports: [ContactDeletionsRepository],
})
export class ContactVisibilityModule {}
