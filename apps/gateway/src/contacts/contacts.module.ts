import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ContactIdentityService } from './contact-identity.service';
import { ContactMergeController } from './contact-merge.controller';
import { ContactPrivacyController } from './contact-privacy.controller';
import { ContactTimelineController } from './contact-timeline.controller';
import { ContactPrivacyService } from './contact-privacy.service';
import { WorkspaceAdminsRepository } from '../workspaces/workspace-admins.repository';
import { ContactsController } from './contacts.controller';
import { ContactsService } from './contacts.service';
import { ScoreLeaderboardController } from './score-leaderboard.controller';

/** The admin API's contacts and scores: reads and writes asked of contacts and scoring over NATS, writes audited; GDPR erasure and export. */
@Module({
  imports: [AuditModule],
  controllers: [
    ContactsController,
    ScoreLeaderboardController,
    ContactPrivacyController,
    ContactMergeController,
    ContactTimelineController,
  ],
  providers: [ContactsService, WorkspaceAdminsRepository, ContactPrivacyService, ContactIdentityService],
})
export class ContactsModule {}
