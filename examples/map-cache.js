// A cache that never forgets: every request adds a session, nothing ever removes one.
// The seed article's "map that never forgets", in Node.
'use strict';

const sessions = new Map();

function handleRequest(id) {
  const session = {
    id,
    user: `user-${id}`,
    payload: Buffer.alloc(2048),
    createdAt: Date.now(),
  };
  sessions.set(`session-${id}`, session);
  return session.user;
}

let next = 0;
setInterval(() => {
  for (let i = 0; i < 100; i++) handleRequest(next++);
}, 50);
