// An instance paused (as a stalled host is) while another sends more than the stream keeps.
import { describeStalledInstance } from '@ssekit/test-kit';
import { redisEngine } from './engine.js';

describeStalledInstance(redisEngine);
