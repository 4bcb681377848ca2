'use strict';

const sessions = new Map();
let pending = null;

function handleRequest(id) {
  const session = { id, user: `user-${id}` };
  sessions.set(`session-${id}`, session);
  return session.user;
}

let next = 0;
setInterval(() => {
  pending = { started: Date.now() };
  for (let i = 0; i < 100; i++) handleRequest(next++);
}, 500);

exports.pending = () => pending;
