// The README's resumable-streams snippet, run as written on both Express majors.
import * as ssekit from '@ssekit/express';
import { describeReadmeResumableSnippet, runReadmeSnippet, wordModel } from '@ssekit/test-kit';
import { expressVersions, listen } from './helpers.js';

for (const [name, express] of expressVersions) {
  describeReadmeResumableSnippet(name, () => {
    const app = express();
    runReadmeSnippet(
      new URL('../README.md', import.meta.url),
      'resumableRoutes(answers',
      { '@ssekit/express': ssekit },
      { express, app, model: wordModel },
    );
    return listen(app);
  });
}
