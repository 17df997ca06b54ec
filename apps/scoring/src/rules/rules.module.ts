import { type DynamicModule, Module } from '@nestjs/common';
import { RuleRepository } from './rule.repository';
import { RulesAdminService } from './rules-admin.service';
import { RulesController } from './rules.controller';
import { RULES_CACHE_MS, RulesService } from './rules.service';

/** Each workspace's scoring rules and stage thresholds: read by the scorers, managed over RPC. */
@Module({})
export class RulesModule {
  static forRoot(options: { cacheMs: number }): DynamicModule {
    return {
      module: RulesModule,
      controllers: [RulesController],
      providers: [{ provide: RULES_CACHE_MS, useValue: options.cacheMs }, RuleRepository, RulesService, RulesAdminService],
      exports: [RulesService],
    };
  }
}
