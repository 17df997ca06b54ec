import { ApiProperty } from '@nestjs/swagger';

class ErrorDetailDoc {
  @ApiProperty({ example: 'invalid_query', description: 'Stable machine-readable code' })
  code!: string;

  @ApiProperty({ example: 'limit must not be greater than 200' })
  message!: string;

  @ApiProperty({ example: '0193b0f4-5d2a-7c3e-9a1b-2f4e6d8c0a12' })
  requestId!: string;
}

/** The error body of every route except the legacy intake. */
export class ErrorBodyDoc {
  @ApiProperty({ type: ErrorDetailDoc })
  error!: ErrorDetailDoc;
}
