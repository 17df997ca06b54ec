import { describeServiceContract } from '@leadflow/testing';

describeServiceContract('gateway');
