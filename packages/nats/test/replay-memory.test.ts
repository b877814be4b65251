// Clients resuming from far back that never read: what the instance holds for them stays bounded.
import { describeReplayMemory } from '@ssekit/test-kit';
import { natsEngine } from './engine.js';

describeReplayMemory(natsEngine);
