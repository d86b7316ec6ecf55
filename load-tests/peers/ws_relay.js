// Relay peer on npm `ws` (Node): the two connections that open /r/<room> are paired and every
// message one sends is forwarded to the other, as the server does for a visitor and an agent
// (without persistence). Usage: node ws_relay.js PORT  (stops on SIGTERM/SIGINT).
'use strict';
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] || 9001);
const waiting = new Map();  // room -> the first socket, until its peer arrives

const wss = new WebSocketServer({ host: '127.0.0.1', port, backlog: 4096, perMessageDeflate: false,
  maxPayload: 1 << 20, clientTracking: false });

wss.on('connection', (ws, req) => {
  const room = req.url.startsWith('/r/') ? req.url.slice(3) : '';
  if (!room) return ws.close(1008, 'bad room');
  const other = waiting.get(room);
  if (other) {
    waiting.delete(room);
    ws.peer = other;
    other.peer = ws;
  } else {
    waiting.set(room, ws);
  }
  ws.on('message', (data, isBinary) => {
    const p = ws.peer;
    if (p && p.readyState === 1) p.send(data, { binary: isBinary });
  });
  ws.on('close', () => {
    if (waiting.get(room) === ws) waiting.delete(room);
    if (ws.peer) ws.peer.peer = null;
  });
  ws.on('error', () => {});
});

wss.on('listening', () => console.log(`listening ${port}`));
const stop = () => { wss.close(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
