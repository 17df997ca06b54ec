import { ApiProperty } from '@nestjs/swagger';
import { SCOPES, type Scope } from '../../auth/api-key';
import { ROLES, type Role } from '../../auth/roles';
import { PageDoc } from '../../http/page.dto';

export class WorkspaceView {
  @ApiProperty({ example: 'default' }) id!: string;
  @ApiProperty({ example: 'Acme' }) name!: string;
  @ApiProperty({ description: 'Default workspace only: POST /api/lead takes leads without a key' }) legacyIntakeOpen!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class WorkspacePage extends PageDoc(WorkspaceView) {}

export class RateLimitView {
  @ApiProperty({ example: 100 }) perSecond!: number;
  @ApiProperty({ example: 200 }) burst!: number;
}

export class ApiKeyView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'landing-pages' }) name!: string;
  @ApiProperty({ example: 'lf_live_Xy3kP0aQ', description: 'The first characters of the key, to recognise it' }) prefix!: string;
  @ApiProperty({ enum: SCOPES, isArray: true }) scopes!: Scope[];
  @ApiProperty({ type: RateLimitView, nullable: true, description: 'null: the default limit' }) rateLimit!: RateLimitView | null;
  @ApiProperty({ type: [String], nullable: true, description: 'A browser key: the origins it may be used from; null for other keys' })
  allowedOrigins!: string[] | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastUsedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: string | null;
}

export class ApiKeyPage extends PageDoc(ApiKeyView) {}

export class CreatedApiKey extends ApiKeyView {
  @ApiProperty({ example: 'lf_live_Xy3kP0aQ…', description: 'The key itself: shown in this answer only' }) key!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The postback URL template, when the key has one' })
  postbackUrl!: string | null;
}

export class AdminView {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ example: 'viewer@example.com' }) email!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class AdminPage extends PageDoc(AdminView) {}
