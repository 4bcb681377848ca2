// Drives the handler with simulated requests: the leak is a Map in store.js fed by handler.js.
// Run this file; Leakscope should point at handler.js's `sessions.set(...)`.
'use strict';

const { handleRequest } = require('./handler');

let next = 0;
setInterval(() => {
  for (let i = 0; i < 100; i++) handleRequest(next++);
}, 50);
