import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ContactPrivacyController } from './contact-privacy.controller';
import { ContactPrivacyService } from './contact-privacy.service';
import { WorkspaceAdminsRepository } from '../workspaces/workspace-admins.repository';
import { ContactsController } from './contacts.controller';
import { ContactsService } from './contacts.service';
import { ScoreLeaderboardController } from './score-leaderboard.controller';

/** The admin API's contacts and scores: reads and writes asked of contacts and scoring over NATS, writes audited; GDPR erasure and export. */
@Module({
  imports: [AuditModule],
  controllers: [ContactsController, ScoreLeaderboardController, ContactPrivacyController],
  providers: [ContactsService, WorkspaceAdminsRepository, ContactPrivacyService],
})
export class ContactsModule {}
