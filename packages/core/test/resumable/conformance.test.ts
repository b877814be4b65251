// The reference harness of the resumable suite: the three routes on a bare node:http server.
import { describeResumable } from '../../../conformance/src/resumable.js';
import { serveResumable } from './serve.js';

describeResumable({
  name: `node:http (node ${process.versions.node.split('.')[0]})`,
  start: (resumable, startOf) => serveResumable(resumable, startOf),
});
