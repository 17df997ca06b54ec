import { type ContactListQuery, PageRequest } from '@leadflow/contracts';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class ContactListDto extends PageRequest implements ContactListQuery {
  @IsOptional()
  @IsString()
  @MaxLength(500)
  email?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  phone?: string;
}
