// Workers awaiting replies that never come: each job parks its resolver in `pending` and
// awaits it; the "reply" never arrives, so every worker stays suspended at its await.
// The seed article's "goroutines that never wake up", in Node.
'use strict';

const pending = new Map();
let nextId = 0;

function requestReply(payload) {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, { resolve, payload, sentAt: Date.now() });
  });
}

async function worker(job) {
  const reply = await requestReply({ job, body: 'x'.repeat(256) });
  return reply.length;
}

setInterval(() => {
  for (let i = 0; i < 20; i++) worker(i);
}, 50);
