import type { ContactsReportQuery } from '@leadflow/contracts';
import { IsNotEmpty, IsString, MaxLength, NotContains } from 'class-validator';

/** `metrics.contacts.daily` query; the dates are checked by `resolveReportRange` (`invalid_query`). */
export class ContactsReportQueryDto implements ContactsReportQuery {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  @NotContains('\u0000')
  workspaceId!: string;

  @IsString()
  @MaxLength(32)
  from!: string;

  @IsString()
  @MaxLength(32)
  to!: string;
}
