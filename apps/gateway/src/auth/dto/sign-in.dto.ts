import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { ROLES, type Role } from '../roles';

export class SignInDto {
  @ApiProperty({ example: 'owner@example.com' })
  @IsString()
  @MaxLength(320)
  email!: string;

  @ApiProperty()
  @IsString()
  @MaxLength(1024)
  password!: string;

  @ApiPropertyOptional({ description: "The workspace to sign in to; the account's first one when absent" })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  workspaceId?: string;
}

export class RefreshDto {
  @ApiProperty()
  @IsString()
  @MaxLength(200)
  refreshToken!: string;

  @ApiPropertyOptional({ description: 'Switch to another workspace of the account' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  workspaceId?: string;
}

export class SignedIn {
  @ApiProperty({ description: 'Send as Authorization: Bearer <accessToken>' }) accessToken!: string;
  @ApiProperty({ enum: ['Bearer'] }) tokenType!: 'Bearer';
  @ApiProperty({ example: 900, description: 'Seconds until the access token expires' }) expiresIn!: number;
  @ApiProperty({ example: 'lf_rt_…', description: 'Exchange at /api/v1/auth/refresh; works once' }) refreshToken!: string;
  @ApiProperty({ example: 'default' }) workspaceId!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
}
