import { SessionStore } from './session-store.ts';

const store = new SessionStore();
let nextUser = 0;

// Stands in for request handling: every "request" opens a session.
setInterval(() => {
  for (let i = 0; i < 100; i++) store.open(`user-${nextUser++}`);
}, 50);
