import { describeServiceContract } from '@leadflow/testing';

describeServiceContract('ingestion');
