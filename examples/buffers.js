// Buffers kept outside the heap: an audit log keeps every request body as a Buffer. The JS
// heap barely moves; RSS and external memory climb.
'use strict';

const auditLog = [];

function record(requestId) {
  auditLog.push(Buffer.alloc(16 * 1024, requestId % 256));
}

let next = 0;
setInterval(() => {
  for (let i = 0; i < 20; i++) record(next++);
}, 50);
