import { IsInt, IsObject, IsString, IsUUID, Matches, MaxLength, Min } from 'class-validator';
import { IsStrictISO8601 } from './iso-timestamp';

/**
 * Every domain event travels in this envelope. `id` doubles as the JetStream `Nats-Msg-Id`
 * (de-duplication) and as the inbox key of idempotent consumers.
 */
export class EventEnvelope<TData extends object = Record<string, unknown>> {
  @IsUUID()
  id!: string;

  @IsString()
  // `<aggregate>.<past tense>`, either part snake_case (`crm_event.received`).
  @Matches(/^[a-z][a-z_]*\.[a-z_]+$/)
  type!: string;

  @IsInt()
  @Min(1)
  version!: number;

  @IsString()
  @MaxLength(64)
  workspaceId!: string;

  @IsStrictISO8601()
  occurredAt!: string;

  @IsString()
  producer!: string;

  @IsString()
  @MaxLength(128)
  correlationId!: string;

  @IsObject()
  data!: TData;
}

export const DEFAULT_WORKSPACE_ID = 'default';
