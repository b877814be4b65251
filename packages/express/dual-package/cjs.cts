import express = require('express');
import ssekit = require('@ssekit/express');

const app = express();
app.get('/cjs', ssekit.sse(), (_req, res) => {
  const stream: ssekit.SSEStream = res.sse;
  void stream.send('from a CommonJS module');
});
