// A forgotten setInterval: each connection starts a heartbeat and nobody clears it when
// the connection goes away, so the timers (and the connections they close over) pile up.
'use strict';

function openConnection(id) {
  const connection = { id, buffer: new Array(128).fill(0), alive: true };
  setInterval(() => {
    connection.lastBeat = Date.now();
  }, 60_000);
  return connection;
}

let next = 0;
setInterval(() => {
  for (let i = 0; i < 20; i++) {
    const connection = openConnection(next++);
    connection.alive = false;
  }
}, 50);
