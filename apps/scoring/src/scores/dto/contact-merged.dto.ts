import type { ContactMergedData } from '@leadflow/contracts';
import { IsUUID } from 'class-validator';

/** The data of `contact.merged` as scoring checks it on receipt. */
export class ContactMergedDto implements ContactMergedData {
  @IsUUID()
  survivorId!: string;

  @IsUUID()
  mergedId!: string;
}
