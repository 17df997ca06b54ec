import { describeServiceContract } from '@leadflow/testing';

describeServiceContract('scoring');
