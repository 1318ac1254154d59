'use strict';
/*
 * The benchmark's peer: a small socket.io 4.8 server doing the same work as Tandem's
 * Socket.IO side for the events the benchmark sends, on a copy of Tandem's own SQLite
 * database (same tables, same rows):
 *
 *   - connect: the token from the auth payload is checked against api_tokens by its
 *     SHA-256 (as Tandem stores it), the user must not be banned, last_used_at is touched
 *     at most every 10 minutes; the socket joins the rooms of its stream (user, parties,
 *     party drivers, conversations, presence of the people it follows); presence online;
 *   - party:play / party:pause / party:seek: user, party and participant loaded, the
 *     caller must be host or co-host; the new state is written (version + 1), read back
 *     and sent as party:state (Tandem's whole shape: the protocol's fields, duration,
 *     status and what plays by name) to the party's room, sender included;
 *   - message:send: user, conversation and membership checked, client_id looked up,
 *     the message inserted and the conversation's and sender's read positions moved in
 *     one transaction, the durable event stored in stream_events (its id is the cursor),
 *     then message:new to the conversation's room;
 *   - typing:start / typing:stop (a start stops by itself after 3 s), presence:set,
 *     time:ping; disconnects go offline after a 5 s linger.
 *
 * With --redis, rooms span processes through @socket.io/redis-adapter.
 *
 *     node server.js --port 7001 --db /path/tandem.db [--redis redis://127.0.0.1:6379/0]
 */

const crypto = require('node:crypto');
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const { parseArgs } = require('node:util');
const Database = require('better-sqlite3');
const { Server } = require('socket.io');

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '7001' },
    host: { type: 'string', default: '127.0.0.1' },
    db: { type: 'string' },
    redis: { type: 'string' },
  },
});
if (!args.db) {
  console.error('--db is required');
  process.exit(2);
}

const TOKEN_PREFIX = 'tdm_';
const TOKEN_TOUCH_MS = 10 * 60 * 1000;
const TYPING_TIMEOUT_MS = 3000;
const PRESENCE_LINGER_MS = 5000;
const POSITION_MAX = 7 * 24 * 3600;
const BODY_MAX = 4000;
const DRIVERS = new Set(['host', 'co-host']);

// -- the database -------------------------------------------------------------------------
const db = new Database(args.db);
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 5000');
db.pragma('foreign_keys = ON');
db.pragma('synchronous = NORMAL');

const sql = {
  token: db.prepare(
    `SELECT t.id, t.user_id, t.last_used_at, u.banned_at, u.banned_until
       FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = ? AND t.revoked_at IS NULL`,
  ),
  touchToken: db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?'),
  user: db.prepare('SELECT * FROM users WHERE id = ?'),
  partyChannels: db.prepare(
    `SELECT p.party_id, p.role FROM party_participants p JOIN parties y ON y.id = p.party_id
      WHERE p.user_id = ? AND p.status = 'active' AND y.status != 'ended'`,
  ),
  conversationChannels: db.prepare(
    `SELECT c.id, c.kind, c.direct_key FROM conversations c
       JOIN memberships m ON m.conversation_id = c.id
      WHERE m.user_id = ? AND c.deleted_at IS NULL`,
  ),
  followees: db.prepare('SELECT followee_id FROM follows WHERE follower_id = ?'),
  blockedBetween: db.prepare(
    `SELECT 1 FROM blocks WHERE (blocker_id = ? AND blocked_id = ?)
                             OR (blocker_id = ? AND blocked_id = ?) LIMIT 1`,
  ),
  party: db.prepare('SELECT * FROM parties WHERE id = ?'),
  queueItem: db.prepare('SELECT title, media_url FROM party_queue WHERE id = ?'),
  participant: db.prepare('SELECT * FROM party_participants WHERE party_id = ? AND user_id = ?'),
  setPlayback: db.prepare(
    'UPDATE parties SET playing = ?, position = ?, at = ?, version = version + 1 WHERE id = ?',
  ),
  conversation: db.prepare('SELECT * FROM conversations WHERE id = ?'),
  membership: db.prepare('SELECT * FROM memberships WHERE conversation_id = ? AND user_id = ?'),
  byClientId: db.prepare('SELECT * FROM messages WHERE sender_id = ? AND client_id = ?'),
  insertMessage: db.prepare(
    `INSERT INTO messages (conversation_id, sender_id, kind, body, client_id, created_at)
     VALUES (?, ?, 'text', ?, ?, ?)`,
  ),
  lastMessage: db.prepare('UPDATE conversations SET last_message_id = ? WHERE id = ?'),
  readUpTo: db.prepare('UPDATE memberships SET last_read_message_id = ? WHERE id = ?'),
  appendEvent: db.prepare(
    'INSERT INTO stream_events (channel, name, payload, created_at) VALUES (?, ?, ?, ?)',
  ),
};

const storeMessage = db.transaction((conversationId, senderId, membershipId, body, clientId, at) => {
  const id = Number(sql.insertMessage.run(conversationId, senderId, body, clientId, at).lastInsertRowid);
  sql.lastMessage.run(id, conversationId);
  sql.readUpTo.run(id, membershipId);
  return id;
});

// -- small helpers ------------------------------------------------------------------------
function epochSeconds() {
  return (performance.timeOrigin + performance.now()) / 1000;
}

/** The way SQLAlchemy stores a UTC datetime in SQLite: "YYYY-MM-DD HH:MM:SS.ffffff". */
function sqlTime(date = new Date()) {
  return date.toISOString().replace('T', ' ').replace('Z', '000');
}

function isoTime(stored) {
  return stored ? `${stored.replace(' ', 'T')}Z` : null;
}

function future(stored) {
  return stored && Date.parse(`${stored.replace(' ', 'T')}Z`) > Date.now();
}

function cursor(id) {
  return `c${id.toString(36)}`;
}

class Failure extends Error {
  constructor(code, message, field) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

function summary(user) {
  return { id: user.id, username: user.username, display_name: user.display_name };
}

function integerId(value, what) {
  if (!Number.isInteger(value)) throw new Failure('not_found', `No such ${what}.`);
  return value;
}

// -- the server ---------------------------------------------------------------------------
const httpServer = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"status": "ok"}');
    return;
  }
  res.writeHead(404);
  res.end();
});

const io = new Server(httpServer, { maxHttpBufferSize: 64 * 1024 });

function roomsOf(userId) {
  const rooms = [`user:${userId}`];
  for (const row of sql.partyChannels.all(userId)) {
    rooms.push(`party:${row.party_id}`);
    if (DRIVERS.has(row.role)) rooms.push(`party:${row.party_id}:drivers`);
  }
  for (const row of sql.conversationChannels.all(userId)) {
    rooms.push(`conversation:${row.id}`);
    if (row.kind === 'direct' && row.direct_key) {
      const [low, high] = row.direct_key.split(':').map(Number);
      const other = low === userId ? high : low;
      if (!sql.blockedBetween.get(userId, other, other, userId)) rooms.push(`presence:${other}`);
    }
  }
  for (const row of sql.followees.all(userId)) rooms.push(`presence:${row.followee_id}`);
  return rooms;
}

io.use((socket, next) => {
  const token = socket.handshake.auth && socket.handshake.auth.token;
  const refuse = (message) => {
    const error = new Error(message);
    error.data = { code: 'unauthenticated' };
    next(error);
  };
  if (typeof token !== 'string' || !token.startsWith(TOKEN_PREFIX) || token.length > 128) {
    return refuse('That token is not valid.');
  }
  const hash = crypto.createHash('sha256').update(token).digest('hex');
  const record = sql.token.get(hash);
  if (!record) return refuse('That token is not valid.');
  if (record.banned_at && (!record.banned_until || future(record.banned_until))) {
    return refuse('That token is not valid.');
  }
  const last = record.last_used_at ? Date.parse(`${record.last_used_at.replace(' ', 'T')}Z`) : 0;
  if (last + TOKEN_TOUCH_MS < Date.now()) sql.touchToken.run(sqlTime(), record.id);
  socket.data.userId = record.user_id;
  socket.data.tokenId = record.id;
  next();
});

// -- presence: online while a connection lives, offline after a short linger -------------
const presence = new Map(); // user id -> {connections, status, lastSeen, timer}

function announcePresence(userId) {
  const entry = presence.get(userId);
  const data = {
    user_id: userId,
    status: entry && entry.connections > 0 ? entry.status : 'offline',
    last_seen: entry ? new Date(entry.lastSeen).toISOString() : null,
  };
  io.to(`presence:${userId}`).emit('presence', data);
  return data;
}

function connected(userId) {
  let entry = presence.get(userId);
  if (!entry) {
    entry = { connections: 0, status: 'online', lastSeen: Date.now(), timer: null };
    presence.set(userId, entry);
  }
  if (entry.timer) {
    clearTimeout(entry.timer);
    entry.timer = null;
  }
  entry.connections += 1;
  entry.lastSeen = Date.now();
  if (entry.connections === 1 && !entry.online) {
    entry.online = true;
    announcePresence(userId);
  }
}

function disconnected(userId) {
  const entry = presence.get(userId);
  if (!entry) return;
  entry.connections -= 1;
  entry.lastSeen = Date.now();
  if (entry.connections > 0) return;
  entry.timer = setTimeout(() => {
    entry.timer = null;
    if (entry.connections === 0) {
      entry.online = false;
      entry.status = 'online';
      announcePresence(userId);
    }
  }, PRESENCE_LINGER_MS);
}

// -- the event frame: object payload, ack shape, errors as acks --------------------------
function handle(socket, event, fn) {
  socket.on(event, (payload, ack) => {
    const reply = typeof ack === 'function' ? ack : () => {};
    try {
      if (payload === undefined || payload === null) payload = {};
      if (typeof payload !== 'object' || Array.isArray(payload)) {
        throw new Failure('invalid', "'payload' must be an object.", 'payload');
      }
      reply({ ok: true, ...(fn(socket.data.userId, payload) || {}) });
    } catch (error) {
      if (error instanceof Failure) {
        const body = { code: error.code, message: error.message };
        if (error.field) body.field = error.field;
        reply({ ok: false, error: body });
      } else {
        console.error(`${event} failed`, error);
        reply({ ok: false, error: { code: 'internal_error', message: 'Something went wrong.' } });
      }
    }
  });
}

function actor(userId) {
  const user = sql.user.get(userId);
  if (!user) throw new Failure('unauthenticated', 'This account no longer exists.');
  return user;
}

// -- watch parties ------------------------------------------------------------------------
function partyState(party) {
  return {
    party_id: party.id,
    media_url: party.media_url,
    playing: party.playing === 1,
    position: party.position,
    rate: party.rate,
    at: party.at,
    version: party.version,
    host_id: party.host_id,
    duration: party.duration,
    status: party.status,
    media_title: mediaTitle(party),
  };
}

/** Tandem's party:state names what plays: the queue item's title, else the party's. */
function mediaTitle(party) {
  const item = party.queue_item_id === null ? undefined : sql.queueItem.get(party.queue_item_id);
  if (item) return item.title || item.media_url;
  return party.title;
}

function driver(user, partyId) {
  const party = sql.party.get(integerId(partyId, 'party'));
  if (!party) throw new Failure('not_found', 'No such party.');
  const participant = sql.participant.get(party.id, user.id);
  const belongs =
    party.host_id === user.id ||
    (participant && (participant.status === 'active' || participant.status === 'left'));
  if (party.visibility === 'private' && !belongs) throw new Failure('not_found', 'No such party.');
  if (!participant || participant.status !== 'active') {
    throw new Failure('not_participant', 'Join the party first.');
  }
  if (party.status === 'ended') throw new Failure('ended', 'This party has ended.');
  if (!DRIVERS.has(participant.role)) {
    throw new Failure('forbidden', 'Only the host and co-hosts control playback.');
  }
  return party;
}

function position(value, required) {
  if (value === undefined || value === null) {
    if (required) throw new Failure('invalid', "'position' must be a number of seconds.", 'position');
    return null;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > POSITION_MAX) {
    throw new Failure('invalid', `'position' must be from 0 to ${POSITION_MAX}.`, 'position');
  }
  return value;
}

function expectedPosition(party, now) {
  if (!party.playing) return party.position;
  return Math.max(0, party.position + (now - party.at) * party.rate);
}

function changePlayback(party, playing, newPosition) {
  sql.setPlayback.run(playing ? 1 : 0, newPosition, epochSeconds(), party.id);
  const state = partyState(sql.party.get(party.id));
  io.to(`party:${party.id}`).emit('party:state', state);
  return { state };
}

// -- conversations ------------------------------------------------------------------------
function member(user, conversationId) {
  const conversation = sql.conversation.get(integerId(conversationId, 'conversation'));
  if (!conversation || conversation.deleted_at) {
    throw new Failure('not_found', 'No such conversation.');
  }
  const membership = sql.membership.get(conversation.id, user.id);
  if (!membership) {
    const open = conversation.kind === 'room' && conversation.visibility === 'public';
    if (!open) throw new Failure('not_found', 'No such conversation.');
    throw new Failure('not_member', 'Join the room first.');
  }
  return { conversation, membership };
}

function messageDict(row, sender) {
  return {
    id: row.id,
    conversation_id: row.conversation_id,
    sender: summary(sender),
    kind: 'text',
    body: row.body,
    created_at: isoTime(row.created_at),
    edited_at: null,
    deleted: false,
    reply_to: null,
    client_id: row.client_id,
    attachment: null,
    reactions: [],
  };
}

function sendMessage(user, payload) {
  const { conversation, membership } = member(user, payload.conversation_id);
  if (future(membership.muted_until)) throw new Failure('muted', 'You are muted here for now.');
  if (future(user.muted_until)) throw new Failure('muted', 'You are muted on this site for now.');
  let clientId = payload.client_id;
  if (clientId === undefined || clientId === null) clientId = null;
  else if (typeof clientId !== 'string' || clientId.length < 1 || clientId.length > 64) {
    throw new Failure('invalid', "'client_id' must be text of 1 to 64 characters.", 'client_id');
  }
  if (clientId !== null) {
    const earlier = sql.byClientId.get(user.id, clientId);
    if (earlier) return { message: messageDict(earlier, user) };
  }
  if (typeof payload.body !== 'string') throw new Failure('invalid', "'body' must be text.", 'body');
  const body = payload.body.trim();
  if (!body) throw new Failure('invalid', 'Write something first.', 'body');
  if (body.length > BODY_MAX) throw new Failure('too_long', 'Messages are too long.', 'body');
  const at = sqlTime();
  const id = storeMessage(conversation.id, user.id, membership.id, body, clientId, at);
  const message = messageDict(
    { id, conversation_id: conversation.id, body, created_at: at, client_id: clientId },
    user,
  );
  const channel = `conversation:${conversation.id}`;
  const eventId = Number(
    sql.appendEvent.run(channel, 'message:new', JSON.stringify(message), sqlTime()).lastInsertRowid,
  );
  io.to(channel).emit('message:new', { ...message, cursor: cursor(eventId) });
  return { message };
}

const typingGenerations = new Map();

function setTyping(user, payload, typing) {
  const { conversation } = member(user, payload.conversation_id);
  const room = `conversation:${conversation.id}`;
  const who = summary(user);
  const key = `${room}/${user.id}`;
  const generation = (typingGenerations.get(key) || 0) + 1;
  typingGenerations.set(key, generation);
  const announce = (now) =>
    io.to(room).emit('typing', { conversation_id: conversation.id, user: who, typing: now });
  announce(typing);
  if (typing) {
    setTimeout(() => {
      if (typingGenerations.get(key) === generation) {
        typingGenerations.delete(key);
        announce(false);
      }
    }, TYPING_TIMEOUT_MS);
  } else {
    typingGenerations.delete(key);
  }
}

// -- connections --------------------------------------------------------------------------
io.on('connection', (socket) => {
  const userId = socket.data.userId;
  socket.join(roomsOf(userId));
  connected(userId);
  socket.on('disconnect', () => disconnected(userId));

  handle(socket, 'time:ping', () => ({ server_time: epochSeconds() }));
  handle(socket, 'presence:set', (id, payload) => {
    if (!['online', 'away', 'busy'].includes(payload.status)) {
      throw new Failure('invalid', "'status' must be online, away or busy.", 'status');
    }
    presence.get(id).status = payload.status;
    return { presence: announcePresence(id) };
  });
  handle(socket, 'party:seek', (id, payload) => {
    const party = driver(actor(id), payload.party_id);
    return changePlayback(party, party.playing === 1, position(payload.position, true));
  });
  handle(socket, 'party:play', (id, payload) => {
    const party = driver(actor(id), payload.party_id);
    const start = position(payload.position, false);
    return changePlayback(party, true, start ?? expectedPosition(party, epochSeconds()));
  });
  handle(socket, 'party:pause', (id, payload) => {
    const party = driver(actor(id), payload.party_id);
    const stop = position(payload.position, false);
    return changePlayback(party, false, stop ?? expectedPosition(party, epochSeconds()));
  });
  handle(socket, 'message:send', (id, payload) => sendMessage(actor(id), payload));
  handle(socket, 'typing:start', (id, payload) => setTyping(actor(id), payload, true));
  handle(socket, 'typing:stop', (id, payload) => setTyping(actor(id), payload, false));
});

async function main() {
  if (args.redis) {
    const { createClient } = require('redis');
    const { createAdapter } = require('@socket.io/redis-adapter');
    const publisher = createClient({ url: args.redis });
    const subscriber = publisher.duplicate();
    await Promise.all([publisher.connect(), subscriber.connect()]);
    io.adapter(createAdapter(publisher, subscriber));
  }
  httpServer.listen(Number(args.port), args.host, () => {
    console.log(`peer on http://${args.host}:${args.port}${args.redis ? ' with redis' : ''}`);
  });
}

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    io.close();
    db.close();
    process.exit(0);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
