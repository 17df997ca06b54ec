import { ApiProperty } from '@nestjs/swagger';
import type { Type } from '@nestjs/common';

/** The OpenAPI shape of a cursor page of `item` (contracts' `Page<T>`); subclass it to name the schema. */
export function PageDoc<T>(item: Type<T>) {
  class PageOf {
    @ApiProperty({ type: [item] }) items!: T[];
    @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last one' })
    nextCursor!: string | null;
  }
  return PageOf;
}
