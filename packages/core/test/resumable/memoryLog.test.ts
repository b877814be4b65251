import { memoryLog } from '@ssekit/core';
import { describeResumableLog } from '../../../conformance/src/resumable-log.js';

describeResumableLog('memoryLog', () => memoryLog());
