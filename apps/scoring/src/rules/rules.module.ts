import { type DynamicModule, Module } from '@nestjs/common';
import { RuleRepository } from './rule.repository';
import { RULES_CACHE_MS, RulesService } from './rules.service';

/** Scoring rules: stored in the `rules` table (seeded by a migration), read by the scorers. */
@Module({})
export class RulesModule {
  static forRoot(options: { cacheMs: number }): DynamicModule {
    return {
      module: RulesModule,
      providers: [{ provide: RULES_CACHE_MS, useValue: options.cacheMs }, RuleRepository, RulesService],
      exports: [RulesService],
    };
  }
}
