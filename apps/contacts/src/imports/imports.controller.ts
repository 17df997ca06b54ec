import {
  ByIdRequest,
  ImportAbortRequest,
  ImportChunkRequest,
  ImportFinishRequest,
  type ImportIssuePage,
  ImportIssuesRequest,
  ImportListRequest,
  ImportStartRequest,
  type ImportView,
  type Page,
  RpcSubjects,
} from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ImportsService } from './imports.service';

@Controller()
export class ImportsController {
  constructor(private readonly imports: ImportsService) {}

  @MessagePattern(RpcSubjects.contacts.importStart)
  start(@Payload() request: ImportStartRequest): Promise<ImportView> {
    return this.imports.start(request);
  }

  @MessagePattern(RpcSubjects.contacts.importChunk)
  chunk(@Payload() request: ImportChunkRequest): Promise<{ stored: number }> {
    return this.imports.chunk(request);
  }

  @MessagePattern(RpcSubjects.contacts.importFinish)
  finish(@Payload() request: ImportFinishRequest): Promise<ImportView> {
    return this.imports.finish(request);
  }

  @MessagePattern(RpcSubjects.contacts.importAbort)
  abort(@Payload() request: ImportAbortRequest): Promise<ImportView> {
    return this.imports.abort(request);
  }

  @MessagePattern(RpcSubjects.contacts.importGet)
  get(@Payload() request: ByIdRequest): Promise<ImportView> {
    return this.imports.get(request);
  }

  @MessagePattern(RpcSubjects.contacts.importList)
  list(@Payload() request: ImportListRequest): Promise<Page<ImportView>> {
    return this.imports.list(request);
  }

  @MessagePattern(RpcSubjects.contacts.importIssues)
  issues(@Payload() request: ImportIssuesRequest): Promise<ImportIssuePage> {
    return this.imports.issues(request);
  }
}
