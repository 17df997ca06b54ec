import { describeServiceContract } from '@leadflow/testing';

describeServiceContract('contacts');
