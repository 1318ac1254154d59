'use strict';
/*
 * The benchmark's load generator: one Node.js process, socket.io-client for Socket.IO
 * (WebSocket or Engine.IO polling) and plain HTTP for Server-Sent Events and long-polling.
 * It both sends and receives, so every latency is measured on one clock.
 *
 *     node loadgen.js spec.json > result.json
 *
 * The spec names the scenario (fanout, chat, idle, skew) and one or more targets (Tandem
 * and the peer), each with its servers' URLs, process ids (CPU time and memory are read
 * from /proc) and the tokens and ids to use. All targets are connected at once and their
 * runs alternate (T P, P T, T P, ...), so a slow patch of the machine hits both alike.
 * The result is one JSON object on stdout; progress goes to stderr.
 */

const fs = require('node:fs');
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const { io } = require('socket.io-client');

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const CLK_TCK = spec.clk_tck || 100;
const CLIENT_BOUND_PCT = 85;

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

// -- time, /proc and small tools -----------------------------------------------------------
const now = () => performance.now();
const wallMs = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function log(...parts) {
  process.stderr.write(`[loadgen ${spec.label || spec.scenario}] ${parts.join(' ')}\n`);
}

function fmt(value, digits = 1) {
  return value === null || value === undefined ? '-' : value.toFixed(digits);
}

function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function rssBytes(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

/** Busy and total ticks of each core, from /proc/stat. */
function coreTicks() {
  const cores = {};
  for (const line of fs.readFileSync('/proc/stat', 'utf8').split('\n')) {
    const match = /^cpu(\d+) (.*)$/.exec(line);
    if (!match) continue;
    const f = match[2].trim().split(/\s+/).map(Number);
    const idle = f[3] + f[4];
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    cores[match[1]] = { busy: total - idle, total };
  }
  return cores;
}

/*
 * CPU over a window of wall time. Process CPU (utime + stime) is the work done, and is
 * what "CPU per delivery" divides. On a virtual machine whose host takes time away from
 * its vCPUs, a process that never waits still gets well under 100% of the wall clock, so
 * whether the load generator kept up is read from its event loop instead: the share of
 * wall time it was not waiting for input (Node's event-loop utilisation). The servers'
 * cores' busy share from /proc/stat is recorded beside their CPU time.
 */
class Meter {
  constructor(target) {
    this.pids = target.server_pids;
    this.cores = target.server_cores || [];
    this.redisPids = target.redis_pids || [];
  }

  start() {
    this.t0 = now();
    this.cpu0 = this.pids.map(cpuSeconds);
    this.redis0 = this.redisPids.map(cpuSeconds);
    this.ticks0 = coreTicks();
    this.elu0 = performance.eventLoopUtilization();
    this.self0 = process.cpuUsage();
    return this;
  }

  stop() {
    const wall = (now() - this.t0) / 1000;
    const ticks = coreTicks();
    const busyPct = (core) => {
      const a = this.ticks0[core];
      const b = ticks[core];
      return b.total > a.total ? ((b.busy - a.busy) / (b.total - a.total)) * 100 : 0;
    };
    const server = this.pids.map((pid, i) => cpuSeconds(pid) - this.cpu0[i]);
    const redis = this.redisPids.map((pid, i) => cpuSeconds(pid) - this.redis0[i]);
    const selfUsage = process.cpuUsage(this.self0);
    const self = (selfUsage.user + selfUsage.system) / 1e6;
    const serverCpu = server.reduce((a, b) => a + b, 0);
    const loadgenBusy = performance.eventLoopUtilization(this.elu0).utilization * 100;
    return {
      wall_s: wall,
      server_cpu_s: serverCpu,
      server_cpu_pct: (serverCpu / wall) * 100,
      server_core_busy_pct: this.cores.length
        ? this.cores.reduce((sum, core) => sum + busyPct(String(core)), 0) / this.cores.length
        : null,
      redis_cpu_pct: redis.length ? (redis.reduce((a, b) => a + b, 0) / wall) * 100 : null,
      loadgen_cpu_pct: (self / wall) * 100,
      loadgen_busy_pct: loadgenBusy,
      client_bound: loadgenBusy > CLIENT_BOUND_PCT,
    };
  }
}

/** Latency samples in milliseconds, kept raw and sorted once for percentiles. */
class Samples {
  constructor() {
    this.values = new Float64Array(1 << 16);
    this.length = 0;
  }

  push(value) {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = value;
  }

  summary() {
    if (!this.length) return { count: 0, p50_ms: null, p99_ms: null, max_ms: null };
    const sorted = this.values.slice(0, this.length).sort();
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    return { count: this.length, p50_ms: at(0.5), p99_ms: at(0.99), max_ms: sorted[sorted.length - 1] };
  }
}

function percentile(values, q) {
  if (!values.length) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** A small seeded generator, so every target gets the same choices. */
function randomFrom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function inPool(items, concurrency, fn) {
  const results = new Array(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** Send on a fixed schedule (open loop) until `stop()`; `send()` is called when due. */
function schedule(perSecond, send) {
  const interval = 1000 / perSecond;
  let next = now();
  let running = true;
  function tick() {
    if (!running) return;
    const t = now();
    while (next <= t) {
      send();
      next += interval;
    }
    setTimeout(tick, Math.max(0, Math.min(next - now(), 4)));
  }
  tick();
  return () => {
    running = false;
  };
}

// -- connections ---------------------------------------------------------------------------
let connectFailures = 0;

function connectOnce(url, token, transport) {
  return new Promise((resolve, reject) => {
    const socket = io(url, {
      transports: [transport],
      upgrade: false,
      auth: { token },
      reconnection: false,
      forceNew: true,
      timeout: 30000,
    });
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('connect timed out'));
    }, 45000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
  });
}

async function connectSocket(url, token, transport = 'websocket') {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectOnce(url, token, transport);
    } catch (error) {
      connectFailures++;
      if (attempt >= 5) throw error;
      await sleep(200 * attempt);
    }
  }
}

function getJson(url, token) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode} ${text}`));
        else resolve(JSON.parse(text));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** A Server-Sent-Events reader calling `onEvent(name, data)`. */
function openSse(base, token, onEvent) {
  return new Promise((resolve, reject) => {
    const req = http.get(
      `${base}/api/v1/events/stream`,
      { agent, headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' } },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`SSE answered ${res.statusCode}`));
          res.resume();
          return;
        }
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk) => {
          buffer += chunk;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let name = 'message';
            const data = [];
            for (const line of frame.split('\n')) {
              if (line.startsWith('event: ')) name = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            if (data.length) onEvent(name, JSON.parse(data.join('\n')));
          }
        });
        res.on('error', () => {});
        resolve({ close: () => req.destroy() });
      },
    );
    req.on('error', reject);
  });
}

/** A plain long-poller calling `onEvent(name, data)` until closed. */
async function openLongPoll(base, token, onEvent) {
  const first = await getJson(`${base}/api/v1/events`, token);
  const poller = { cursor: first.cursor, closed: false };
  (async () => {
    while (!poller.closed) {
      try {
        const body = await getJson(`${base}/api/v1/events?cursor=${poller.cursor}&timeout=20`, token);
        for (const event of body.events) onEvent(event.event, event.data);
        poller.cursor = body.cursor;
      } catch (error) {
        if (poller.closed) break;
        await sleep(100);
      }
    }
  })();
  poller.close = () => {
    poller.closed = true;
  };
  return poller;
}

function closeHandle(handle) {
  if (!handle) return;
  if (typeof handle.disconnect === 'function') handle.disconnect();
  else if (typeof handle.close === 'function') handle.close();
}

// -- scenario: party fan-out ---------------------------------------------------------------
/*
 * One host seeks; every viewer receives party:state. The seek's position carries its
 * sequence number, so each delivery finds its send time.
 *
 * saturate: a closed loop keeping `window` seeks in flight; a seek leaves the window when
 * every viewer has it (or after `lost_after_ms`). fixed: seeks sent open-loop at the rate
 * that makes `rate` deliveries per second; latency is recorded for the seeks sent inside
 * the measured window. A phase may be filed under another name (`as`): long-pollers miss
 * what is published between two of their polls, so their "saturation" is an open-loop
 * phase at a high rate.
 */
class Fanout {
  constructor(target) {
    this.target = target;
    this.N = target.viewers.length;
    this.transport = spec.transport || 'websocket';
    this.lostAfter = spec.lost_after_ms || 3000;
    this.seeks = new Map();
    this.seq = 0;
    this.deliveries = 0;
    this.counting = false;
    this.stray = 0;
    this.ackErrors = 0;
    this.inFlight = 0;
    this.onRetire = null;
    this.latencies = new Samples();
    this.meter = new Meter(target);
  }

  async connect() {
    const { servers } = this.target;
    this.host = await connectSocket(servers[0], this.target.host_token, 'websocket');
    const t0 = now();
    this.handles = await inPool(this.target.viewers, spec.connect_concurrency || 50, async (viewer, i) => {
      const url = servers[i % servers.length];
      // Each viewer counts a state once: a long-poll may hand the current state back again.
      let seen = -1;
      const onState = (data) => {
        if (data.version <= seen) return;
        seen = data.version;
        this.onState(data);
      };
      if (this.transport === 'sse') {
        return openSse(url, viewer.token, (name, data) => name === 'party:state' && onState(data));
      }
      if (this.transport === 'longpoll') {
        return openLongPoll(url, viewer.token, (name, data) => name === 'party:state' && onState(data));
      }
      const socket = await connectSocket(url, viewer.token, this.transport);
      socket.on('party:state', onState);
      return socket;
    });
    this.connectSeconds = (now() - t0) / 1000;
    log(`${this.target.name}: ${this.N} viewers connected over ${this.transport} in ${fmt(this.connectSeconds)} s`);
    this.sweeper = setInterval(() => this.sweep(), 50);
  }

  retire(position, entry) {
    this.seeks.delete(position);
    if (entry.windowed) {
      this.inFlight--;
      if (this.onRetire) this.onRetire();
    }
  }

  sweep() {
    const limit = now() - this.lostAfter;
    for (const [position, entry] of this.seeks) if (entry.sent < limit) this.retire(position, entry);
  }

  onState(data) {
    const entry = this.seeks.get(data.position);
    if (!entry) {
      this.stray++;
      return;
    }
    entry.received++;
    if (this.counting) this.deliveries++;
    if (entry.record) this.latencies.push(now() - entry.sent);
    if (entry.received >= this.N) this.retire(data.position, entry);
  }

  sendSeek(windowed, record) {
    const position = (this.seq++ % 600000) + 1;
    const entry = { sent: now(), received: 0, windowed, record };
    this.seeks.set(position, entry);
    if (windowed) this.inFlight++;
    this.host.emit('party:seek', { party_id: this.target.party_id, position }, (ack) => {
      if (!ack || !ack.ok) {
        this.ackErrors++;
        if (this.ackErrors <= 3) log(`${this.target.name}: party:seek refused: ${JSON.stringify(ack)}`);
      }
    });
    return entry;
  }

  async drain() {
    const until = now() + this.lostAfter + 500;
    while (this.seeks.size && now() < until) await sleep(20);
  }

  async run(phase) {
    return phase.kind === 'saturate' ? this.saturate(phase) : this.fixed(phase);
  }

  async saturate(phase) {
    let running = true;
    this.onRetire = () => {
      while (running && this.inFlight < phase.window) this.sendSeek(true, false);
    };
    this.onRetire();
    await sleep(phase.warmup_ms);
    this.deliveries = 0;
    this.counting = true;
    this.meter.start();
    await sleep(phase.duration_ms);
    const m = this.meter.stop();
    this.counting = false;
    running = false;
    this.onRetire = null;
    const counted = this.deliveries;
    await this.drain();
    return {
      deliveries_per_s: counted / m.wall_s,
      cpu_us_per_delivery: counted ? (m.server_cpu_s * 1e6) / counted : null,
      window: phase.window,
      ...m,
    };
  }

  async fixed(phase) {
    let recording = false;
    let recorded = 0;
    const sent = [];
    this.latencies = new Samples();
    const stop = schedule(phase.rate / this.N, () => {
      const entry = this.sendSeek(false, recording);
      if (recording) {
        recorded++;
        sent.push(entry);
      }
    });
    await sleep(phase.warmup_ms);
    this.deliveries = 0;
    this.counting = true;
    recording = true;
    this.meter.start();
    await sleep(phase.duration_ms);
    const m = this.meter.stop();
    recording = false;
    this.counting = false;
    stop();
    const counted = this.deliveries;
    await this.drain();
    const expected = recorded * this.N;
    const got = sent.reduce((sum, entry) => sum + Math.min(entry.received, this.N), 0);
    const achieved = counted / m.wall_s;
    return {
      offered_per_s: phase.rate,
      deliveries_per_s: achieved,
      delivered_share: expected ? got / expected : null,
      overloaded: achieved < 0.95 * phase.rate,
      cpu_us_per_delivery: counted ? (m.server_cpu_s * 1e6) / counted : null,
      ...this.latencies.summary(),
      ...m,
    };
  }

  describe(result) {
    const parts = [`${Math.round(result.deliveries_per_s)} deliveries/s`];
    if (result.cpu_us_per_delivery) parts.push(`${fmt(result.cpu_us_per_delivery)} us/delivery`);
    if (result.p50_ms !== undefined) parts.push(`p50 ${fmt(result.p50_ms)} ms p99 ${fmt(result.p99_ms)} ms`);
    parts.push(`server core ${Math.round(result.server_core_busy_pct)}% loadgen busy ${Math.round(result.loadgen_busy_pct)}%`);
    return parts.join(', ');
  }

  close() {
    clearInterval(this.sweeper);
    closeHandle(this.host);
    for (const handle of this.handles || []) closeHandle(handle);
  }

  info() {
    return { viewers: this.N, transport: this.transport, connect_s: this.connectSeconds, stray: this.stray, ack_errors: this.ackErrors };
  }
}

// -- scenario: chat -------------------------------------------------------------------------
/*
 * Groups of members send messages that are stored and fanned out to the group; a share
 * of messages is preceded by typing:start, and a set of "churners" keep disconnecting and
 * reconnecting (the groups follow them, so each change is a presence event for a group).
 * saturate: a closed loop with `window` messages in flight (one leaves when every other
 * member of its group has it); half: open loop at half the target's own saturated rate.
 */
class Chat {
  constructor(target) {
    this.target = target;
    this.random = randomFrom(spec.seed || 7);
    this.lostAfter = spec.lost_after_ms || 5000;
    this.messages = new Map();
    this.seq = 0;
    this.delivered = 0;
    this.counting = false;
    this.typingSeen = 0;
    this.presenceSeen = 0;
    this.ackErrors = 0;
    this.inFlight = 0;
    this.onRetire = null;
    this.latencies = new Samples();
    this.meter = new Meter(target);
    this.churns = 0;
  }

  async connect() {
    const url = this.target.servers[0];
    this.groups = this.target.groups;
    this.members = [];
    for (const group of this.groups) {
      for (const person of group.members) {
        this.members.push({ ...person, conversation_id: group.conversation_id, size: group.members.length });
      }
    }
    const t0 = now();
    await inPool(this.members, spec.connect_concurrency || 50, async (person) => {
      person.socket = await connectSocket(url, person.token);
      person.socket.on('message:new', (data) => this.onMessage(person.id, data));
      person.socket.on('typing', () => this.typingSeen++);
      person.socket.on('presence', () => this.presenceSeen++);
    });
    this.churners = this.target.churners.map((person) => ({ ...person, socket: null }));
    await inPool(this.churners, 50, async (person) => {
      person.socket = await connectSocket(url, person.token);
    });
    this.connectSeconds = (now() - t0) / 1000;
    log(`${this.target.name}: ${this.members.length} members and ${this.churners.length} churners connected in ${fmt(this.connectSeconds)} s`);
    this.sweeper = setInterval(() => {
      const limit = now() - this.lostAfter;
      for (const [n, entry] of this.messages) if (entry.sent < limit) this.retire(n, entry);
    }, 50);
  }

  /** Presence churn while this target is measured: a churner leaves, and is back 1 s later. */
  startChurn() {
    let index = 0;
    this.churnTimer = setInterval(() => {
      const person = this.churners[index++ % this.churners.length];
      if (!person.socket) return;
      person.socket.disconnect();
      person.socket = null;
      this.churns++;
      setTimeout(async () => {
        try {
          person.socket = await connectSocket(this.target.servers[0], person.token);
        } catch (error) {
          log(`churner reconnect failed: ${error.message}`);
        }
      }, 1000);
    }, 1000 / spec.churn_per_s);
  }

  stopChurn() {
    clearInterval(this.churnTimer);
  }

  retire(n, entry) {
    this.messages.delete(n);
    if (entry.windowed) {
      this.inFlight--;
      if (this.onRetire) this.onRetire();
    }
  }

  onMessage(me, data) {
    if (data.sender && data.sender.id === me) return;
    const n = Number(data.body.slice(6));
    const entry = this.messages.get(n);
    if (!entry) return;
    entry.received++;
    if (this.counting) this.delivered++;
    if (entry.record) this.latencies.push(now() - entry.sent);
    if (entry.received >= entry.expected) this.retire(n, entry);
  }

  send(windowed, record) {
    const n = this.seq++;
    const g = n % this.groups.length;
    const size = this.groups[g].members.length;
    const person = this.members[g * size + (Math.floor(n / this.groups.length) % size)];
    const entry = { sent: now(), received: 0, expected: size - 1, windowed, record };
    this.messages.set(n, entry);
    if (windowed) this.inFlight++;
    if (this.random() < spec.typing_share) {
      person.socket.emit('typing:start', { conversation_id: person.conversation_id }, () => {});
    }
    person.socket.emit(
      'message:send',
      { conversation_id: person.conversation_id, body: `bench ${n}`, client_id: `${spec.tag}-${n}` },
      (ack) => {
        if (!ack || !ack.ok) {
          this.ackErrors++;
          if (this.ackErrors < 5) log(`message:send refused: ${JSON.stringify(ack)}`);
        }
      },
    );
  }

  async drain() {
    const until = now() + this.lostAfter + 500;
    while (this.messages.size && now() < until) await sleep(20);
  }

  async run(phase) {
    this.startChurn();
    try {
      return phase.kind === 'saturate' ? await this.saturate(phase) : await this.fixed(phase);
    } finally {
      this.stopChurn();
    }
  }

  async saturate(phase) {
    let running = true;
    let sent = 0;
    this.onRetire = () => {
      while (running && this.inFlight < phase.window) {
        this.send(true, false);
        if (this.counting) sent++;
      }
    };
    this.onRetire();
    await sleep(phase.warmup_ms);
    this.delivered = 0;
    this.counting = true;
    this.meter.start();
    await sleep(phase.duration_ms);
    const m = this.meter.stop();
    this.counting = false;
    running = false;
    this.onRetire = null;
    const counted = this.delivered;
    await this.drain();
    return {
      messages_per_s: sent / m.wall_s,
      deliveries_per_s: counted / m.wall_s,
      cpu_us_per_message: sent ? (m.server_cpu_s * 1e6) / sent : null,
      window: phase.window,
      ...m,
    };
  }

  async fixed(phase) {
    let recording = false;
    let sent = 0;
    this.latencies = new Samples();
    const stop = schedule(phase.rate, () => {
      this.send(false, recording);
      if (recording) sent++;
    });
    await sleep(phase.warmup_ms);
    recording = true;
    this.meter.start();
    await sleep(phase.duration_ms);
    const m = this.meter.stop();
    recording = false;
    stop();
    await this.drain();
    const achieved = sent / m.wall_s;
    return {
      offered_per_s: phase.rate,
      messages_per_s: achieved,
      overloaded: achieved < 0.95 * phase.rate,
      ...this.latencies.summary(),
      ...m,
    };
  }

  describe(result) {
    const parts = [`${Math.round(result.messages_per_s)} messages/s`];
    if (result.cpu_us_per_message) parts.push(`${Math.round(result.cpu_us_per_message)} us/message`);
    if (result.p50_ms !== undefined) parts.push(`p50 ${fmt(result.p50_ms)} ms p99 ${fmt(result.p99_ms)} ms`);
    parts.push(`server core ${Math.round(result.server_core_busy_pct)}% loadgen busy ${Math.round(result.loadgen_busy_pct)}%`);
    return parts.join(', ');
  }

  close() {
    clearInterval(this.sweeper);
    for (const person of this.members) closeHandle(person.socket);
    for (const person of this.churners) closeHandle(person.socket);
  }

  info() {
    return {
      members: this.members.length,
      churners: this.churners.length,
      connect_s: this.connectSeconds,
      churns: this.churns,
      typing_seen: this.typingSeen,
      presence_seen: this.presenceSeen,
      ack_errors: this.ackErrors,
    };
  }
}

// -- scenario: sync skew --------------------------------------------------------------------
/*
 * Each viewer has its own clock, off the real one by up to ±offset_ms, and estimates its
 * offset to the server the way Tandem's page does: several time:ping samples, keeping
 * the one with the lowest round trip. When a party:state arrives the viewer works out the
 * local moment at which the server's clock read `at` (where its timeline puts `position`)
 * and plays from there. Brought back to the real clock, those moments should coincide;
 * the p99 of their distance to the median is the sync skew. How spread out the arrivals
 * themselves are is reported beside it.
 */
class Skew {
  constructor(target) {
    this.target = target;
    this.random = randomFrom(spec.seed || 11);
    this.seeks = new Map();
    this.position = 1000;
    this.meter = new Meter(target);
  }

  async connect() {
    const url = this.target.servers[0];
    const range = spec.offset_ms;
    this.viewers = this.target.viewers.map((v) => ({
      ...v,
      fake: (this.random() * 2 - 1) * range,
      offset: 0,
      bestRtt: Infinity,
      samples: 0,
    }));
    this.host = await connectSocket(url, this.target.host_token);
    const t0 = now();
    await inPool(this.viewers, spec.connect_concurrency || 50, async (viewer) => {
      viewer.socket = await connectSocket(url, viewer.token);
      viewer.socket.on('party:state', (state) => {
        const received = wallMs();
        const record = this.seeks.get(state.position);
        if (!record) return;
        // The viewer's clock reads wallMs() + fake; the server's reads that + offset.
        const localApply = state.at * 1000 - viewer.offset;
        record.apply.push(localApply - viewer.fake);
        record.received.push(received);
      });
    });
    log(`${this.target.name}: ${this.viewers.length} viewers connected in ${fmt((now() - t0) / 1000)} s`);
    // The first estimate: `pings` samples each, 500 ms apart, as each viewer's page loads;
    // the loads are spread over `join_spread_ms`.
    const spread = spec.join_spread_ms || 8000;
    for (const viewer of this.viewers) {
      const start = this.random() * spread;
      for (let k = 0; k < spec.pings; k++) setTimeout(() => this.ping(viewer), start + k * 500);
    }
    await sleep(spread + spec.pings * 500 + 1000);
  }

  ping(viewer) {
    const localSent = wallMs() + viewer.fake;
    viewer.socket.emit('time:ping', {}, (ack) => {
      const localBack = wallMs() + viewer.fake;
      if (!ack || !ack.ok) return;
      const rtt = localBack - localSent;
      viewer.samples++;
      if (rtt < viewer.bestRtt) {
        viewer.bestRtt = rtt;
        viewer.offset = ack.server_time * 1000 - (localSent + localBack) / 2;
      }
    });
  }

  async run(phase) {
    // A client keeps sampling now and then: one ping per viewer every ~4 s meanwhile.
    const repinger = setInterval(() => {
      for (let k = 0; k < Math.ceil(this.viewers.length / 40); k++) {
        this.ping(this.viewers[Math.floor(this.random() * this.viewers.length)]);
      }
    }, 100);
    this.meter.start();
    const records = [];
    for (let k = 0; k < phase.seeks; k++) {
      this.position += 1;
      const record = { apply: [], received: [] };
      this.seeks.set(this.position, record);
      records.push(record);
      this.host.emit('party:seek', { party_id: this.target.party_id, position: this.position }, () => {});
      await sleep(phase.interval_ms);
    }
    await sleep(2000); // the last seek's stragglers
    const m = this.meter.stop();
    clearInterval(repinger);
    const skews = [];
    const arrivals = [];
    let coverage = 0;
    for (const record of records) {
      coverage += record.apply.length / this.viewers.length;
      if (!record.apply.length) continue;
      const mid = percentile(record.apply, 0.5);
      skews.push(percentile(record.apply.map((t) => Math.abs(t - mid)), 0.99));
      const midArrival = percentile(record.received, 0.5);
      arrivals.push(percentile(record.received.map((t) => Math.abs(t - midArrival)), 0.99));
    }
    return {
      skew_p99_ms: percentile(skews, 0.5),
      skew_p99_worst_ms: skews.length ? Math.max(...skews) : null,
      arrival_spread_p99_ms: percentile(arrivals, 0.5),
      coverage: coverage / records.length,
      seeks: records.length,
      ...m,
    };
  }

  describe(result) {
    return `skew p99 ${fmt(result.skew_p99_ms, 2)} ms (worst ${fmt(result.skew_p99_worst_ms, 2)}), arrival spread p99 ${fmt(result.arrival_spread_p99_ms)} ms, coverage ${fmt(result.coverage * 100)}%`;
  }

  close() {
    closeHandle(this.host);
    for (const viewer of this.viewers) closeHandle(viewer.socket);
  }

  info() {
    const rtts = this.viewers.map((v) => v.bestRtt).filter(Number.isFinite);
    return {
      viewers: this.viewers.length,
      best_rtt_p50_ms: percentile(rtts, 0.5),
      best_rtt_p99_ms: percentile(rtts, 0.99),
      ping_samples: this.viewers.reduce((sum, v) => sum + v.samples, 0),
    };
  }
}

// -- scenario: idle connections -----------------------------------------------------------
/** Memory per connection (RSS delta) and the CPU an idle server spends on its sockets. */
async function idle(target) {
  const url = target.servers[0];
  const pid = target.server_pids[0];
  const warm = await inPool(target.warm_tokens, 10, (token) => connectSocket(url, token));
  log(`${target.name}: ${warm.length} warm connections`);
  await sleep(2000);
  const rssBefore = rssBytes(pid);
  const t0 = now();
  const connectMeter = new Meter(target).start();
  const sockets = await inPool(target.tokens, spec.connect_concurrency || 50, (token) => connectSocket(url, token));
  const connecting = connectMeter.stop();
  const connectSeconds = (now() - t0) / 1000;
  log(`${target.name}: ${sockets.length} idle connections in ${fmt(connectSeconds)} s`);
  await sleep(spec.settle_ms);
  const rssAfter = rssBytes(pid);
  const meter = new Meter(target).start();
  await sleep(spec.idle_ms);
  const m = meter.stop();
  const stillConnected = sockets.filter((socket) => socket.connected).length;
  for (const socket of [...sockets, ...warm]) closeHandle(socket);
  const result = {
    connections: sockets.length,
    still_connected: stillConnected,
    connect_s: connectSeconds,
    connections_per_s: sockets.length / connectSeconds,
    // The server's CPU per handshake while connecting: steadier than the rate on a shared machine.
    connect_cpu_us: (connecting.server_cpu_s * 1e6) / sockets.length,
    rss_before_mb: rssBefore / 2 ** 20,
    rss_after_mb: rssAfter / 2 ** 20,
    kb_per_connection: (rssAfter - rssBefore) / 1024 / sockets.length,
    idle_cpu_pct: m.server_cpu_pct,
    ...m,
  };
  log(`${target.name}: ${fmt(result.kb_per_connection)} KB per connection, idle CPU ${fmt(result.idle_cpu_pct, 2)}%`);
  return { runs: [result] };
}

// -- the driver: connect every target, then alternate their runs --------------------------
/** Wait until no server process is still working off an earlier phase (at most 10 s). */
async function quiesce() {
  // Long-pollers in a party keep polling whatever happens: there is nothing to wait for.
  if (spec.transport === 'longpoll') return;
  const pids = spec.targets.flatMap((target) => target.server_pids);
  const until = now() + 10000;
  while (now() < until) {
    const before = pids.map(cpuSeconds);
    await sleep(300);
    const busy = pids.some((pid, i) => (cpuSeconds(pid) - before[i]) / 0.3 > 0.15);
    if (!busy) return;
  }
  log('servers still busy after 10 s; going on');
}

async function alternate(Kind) {
  const sessions = [];
  for (const target of spec.targets) {
    const session = new Kind(target);
    await session.connect();
    sessions.push(session);
  }
  await sleep(spec.settle_ms || 1000);
  const runs = sessions.map(() => []);
  const order = (run) => (run % 2 === 0 ? sessions.map((_, i) => i) : sessions.map((_, i) => sessions.length - 1 - i));

  async function play(phaseFor, key) {
    for (let run = 0; run < spec.runs; run++) {
      for (const i of order(run)) {
        const phase = phaseFor(i);
        await quiesce();
        const result = await sessions[i].run(phase);
        runs[i][run] = { ...(runs[i][run] || {}), [key]: result };
        log(`run ${run + 1}/${spec.runs} ${spec.targets[i].name} ${key}: ${sessions[i].describe(result)}`);
      }
    }
  }

  for (const phase of spec.phases) {
    if (phase.kind === 'half') {
      // Half of each target's own median saturated rate, measured just before.
      const rates = runs.map((list) => percentile(list.map((r) => r.saturate.messages_per_s), 0.5));
      await play((i) => ({ ...phase, kind: 'fixed', rate: rates[i] / 2 }), 'half');
    } else {
      await play(() => phase, phase.as || phase.kind);
    }
  }
  const out = {};
  sessions.forEach((session, i) => {
    out[spec.targets[i].name] = { ...session.info(), runs: runs[i] };
    session.close();
  });
  return out;
}

async function main() {
  if (spec.scenario === 'idle') {
    const out = {};
    for (const target of spec.targets) out[target.name] = await idle(target);
    return out;
  }
  const kinds = { fanout: Fanout, chat: Chat, skew: Skew };
  return alternate(kinds[spec.scenario]);
}

main()
  .then((targets) => {
    process.stdout.write(`${JSON.stringify({ targets, connect_failures: connectFailures })}\n`);
    // Closing thousands of sockets politely can take a moment; the result is out.
    setTimeout(() => process.exit(0), 200);
  })
  .catch((error) => {
    log(`failed: ${error && error.stack ? error.stack : error}`);
    process.exit(1);
  });
