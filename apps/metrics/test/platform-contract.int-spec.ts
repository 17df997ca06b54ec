import { describeServiceContract } from '@leadflow/testing';

describeServiceContract('metrics');
