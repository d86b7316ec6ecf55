// Relay peer that persists, on npm `ws` + `ioredis` (Node): the two connections that open
// /r/<room> are paired, and every message one sends is appended to the room's Redis stream
// (XADD r:<room> * m <bytes>) and forwarded to the other only once Redis has replied, as the
// server persists a message before delivering it. Order per room holds because every XADD goes
// down one Redis connection, whose replies come back in the order the commands were sent.
// Usage: node ws_persist_relay.js PORT REDIS_PORT  (stops on SIGTERM/SIGINT).
'use strict';
const { WebSocketServer } = require('ws');
const Redis = require('ioredis');

const port = Number(process.argv[2] || 9002);
const redis = new Redis({ host: '127.0.0.1', port: Number(process.argv[3] || 6379) });
const waiting = new Map();  // room -> the first socket, until its peer arrives

const wss = new WebSocketServer({ host: '127.0.0.1', port, backlog: 4096, perMessageDeflate: false,
  maxPayload: 1 << 20, clientTracking: false });

wss.on('connection', (ws, req) => {
  const room = req.url.startsWith('/r/') ? req.url.slice(3) : '';
  if (!room) return ws.close(1008, 'bad room');
  const key = `r:${room}`;
  const other = waiting.get(room);
  if (other) {
    waiting.delete(room);
    ws.peer = other;
    other.peer = ws;
  } else {
    waiting.set(room, ws);
  }
  ws.on('message', (data, isBinary) => {
    redis.xadd(key, '*', 'm', data).then(() => {
      const p = ws.peer;
      if (p && p.readyState === 1) p.send(data, { binary: isBinary });
    }, () => ws.close(1011, 'not stored'));
  });
  ws.on('close', () => {
    if (waiting.get(room) === ws) waiting.delete(room);
    if (ws.peer) ws.peer.peer = null;
  });
  ws.on('error', () => {});
});

redis.on('error', (e) => console.error(`redis: ${e.message}`));
wss.on('listening', () => console.log(`listening ${port}`));
const stop = () => { wss.close(); redis.disconnect(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
