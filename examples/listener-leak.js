// An event-listener leak: every request subscribes to a long-lived emitter and never
// unsubscribes, so each handler (and what it closes over) stays for the life of the process.
'use strict';

const { EventEmitter } = require('node:events');

const configChanges = new EventEmitter();
configChanges.setMaxListeners(0);

function handleRequest(id) {
  const context = { id, scratch: new Array(64).fill(id) };
  configChanges.on('change', () => {
    context.stale = true;
  });
  return context.id;
}

let next = 0;
setInterval(() => {
  for (let i = 0; i < 50; i++) handleRequest(next++);
}, 50);
