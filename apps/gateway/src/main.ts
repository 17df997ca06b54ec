/** gateway: the public HTTP surface: intake, admin REST and platform status. */
import 'reflect-metadata';
import { runService } from '@leadflow/runtime';
import { gatewayDefinition } from './gateway.definition';

void runService(gatewayDefinition);
