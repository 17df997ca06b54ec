import {
  type ContactFields,
  LIFECYCLES,
  type Lifecycle,
  MAX_CONTACT_PROPERTIES_BYTES,
  MAX_CONTACT_TAG_LENGTH,
  MAX_CONTACT_TAGS,
} from '@leadflow/contracts';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsObject, IsString, IsUUID, MaxLength, ValidateIf } from 'class-validator';

/** Checked only when present and not null: null empties the field (PUT, POST) or removes it (merge patch). */
const Optional = (): PropertyDecorator => ValidateIf((_object: object, value: unknown) => value !== null && value !== undefined);
const text = { type: String, nullable: true } as const;

/**
 * A contact's fields. On POST and PUT a field left out is empty (tags [], lifecycle `lead`,
 * properties {}); as a merge patch (PATCH) a field left out stays as it is and null removes it.
 * Email and phone are normalized as leads' are and must be valid: they identify the person.
 */
export class ContactFieldsDto implements ContactFields {
  @ApiPropertyOptional(text)
  @Optional()
  @IsString()
  @MaxLength(500)
  firstName?: string | null;

  @ApiPropertyOptional(text)
  @Optional()
  @IsString()
  @MaxLength(500)
  lastName?: string | null;

  @ApiPropertyOptional(text)
  @Optional()
  @IsString()
  @MaxLength(500)
  company?: string | null;

  @ApiPropertyOptional(text)
  @Optional()
  @IsString()
  @MaxLength(500)
  title?: string | null;

  @ApiPropertyOptional({ ...text, description: 'ISO 3166 code or English name; stored as alpha-2 (400 invalid_country otherwise)' })
  @Optional()
  @IsString()
  @MaxLength(100)
  country?: string | null;

  @ApiPropertyOptional({ ...text, description: 'Normalized (trimmed, lower-cased); 400 invalid_email when not a valid address' })
  @Optional()
  @IsString()
  @MaxLength(254)
  email?: string | null;

  @ApiPropertyOptional({
    ...text,
    description: 'Stored as E.164, read with the contact country; 400 invalid_phone when not a valid number',
  })
  @Optional()
  @IsString()
  @MaxLength(64)
  phone?: string | null;

  @ApiPropertyOptional({ ...text, format: 'uuid', description: 'An admin account of the workspace (400 invalid_owner otherwise)' })
  @Optional()
  @IsUUID()
  ownerId?: string | null;

  @ApiPropertyOptional({ type: [String], nullable: true, maxItems: MAX_CONTACT_TAGS })
  @Optional()
  @IsArray()
  @ArrayMaxSize(MAX_CONTACT_TAGS)
  @IsString({ each: true })
  @MaxLength(MAX_CONTACT_TAG_LENGTH, { each: true })
  tags?: string[] | null;

  @ApiPropertyOptional({ enum: LIFECYCLES, nullable: true, description: 'Default lead' })
  @Optional()
  @IsIn(LIFECYCLES)
  lifecycle?: Lifecycle | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: `Custom properties, at most ${MAX_CONTACT_PROPERTIES_BYTES} bytes as JSON (400 properties_too_large)`,
  })
  @Optional()
  @IsObject()
  properties?: Record<string, unknown> | null;
}
