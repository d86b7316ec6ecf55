#!lua name=livechat
-- The live-chat Redis Functions library. Every state change that must be atomic across server
-- nodes happens inside one of these functions: matching, posting, closing, transfers, presence,
-- grace sweeps. Loaded with FUNCTION LOAD REPLACE at every start of every node.
--
-- Errors are returned as "<CODE> <text>" where CODE is NOT_FOUND, CONFLICT, FORBIDDEN or INVALID;
-- the C++ store maps them onto the protocol's ErrorCode.
--
-- Time is Redis's (TIME), so durations never depend on node clocks.
-- Stream ids are "0-<seq>": the conversation's seq is the stream id, so a reader resumes with
-- XRANGE key (0-<last_seq> + and a receipt finds its message with XRANGE key 0-<seq> 0-<seq>.
-- An entry's fields start at ts (entries written before that also hold seq); a message's other
-- fields are packed into one, e (netstrings, as in a wake-up). A wake-up's netstrings start with
-- seq.

local EV_MESSAGE, EV_JOINED, EV_ASSIGNED, EV_TRANSFERRED, EV_REQUEUED, EV_CLOSED = 1, 2, 3, 4, 5, 6
-- Staff-only events: stored in the stream like any other, woken only on agents' nodes, and
-- never delivered to a visitor (the node filters them out of every visitor path).
local EV_NOTE, EV_TAGGED, EV_MONITORED = 7, 8, 10
-- A supervisor joined as a participant; the visitor was asked whether they are still there.
local EV_BARGED_IN, EV_IDLE_PROMPT = 9, 11
-- staff only: the visitor went to another page during the chat
local EV_NAVIGATED = 12
local ROLE_VISITOR, ROLE_AGENT, ROLE_SYSTEM, ROLE_ADMIN, ROLE_SUPERVISOR = 1, 2, 3, 4, 5
local FRONT = 1              -- priority of requeued and transferred conversations
local PRIO_SPAN = 1e13       -- score = (FRONT - prio) * PRIO_SPAN + enqueue ms

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The same clock as a decimal string of ms, without formatting a number: the per-message path
-- writes it into the stream and a wake-up (Lua 5.1 turns numbers into strings with printf).
local function now_ms_string()
  local t = redis.call('TIME')
  local us = t[2]
  if #us <= 3 then return t[1] .. '000' end
  local ms = string.sub(us, 1, -4)
  return t[1] .. string.sub('00' .. ms, -3)
end

-- Protocol numbers as the strings they arrive as, and lengths as strings: lookups instead of
-- number formatting on the per-message path.
local ROLE_OF = { ['1'] = ROLE_VISITOR, ['2'] = ROLE_AGENT, ['3'] = ROLE_SYSTEM,
  ['4'] = ROLE_ADMIN, ['5'] = ROLE_SUPERVISOR }
local LEN = {}
for i = 1, 32 do LEN[i] = '' .. i end

local function err(code, text) return redis.error_reply(code .. ' ' .. text) end

-- Keys and channels: the library's one table of names, mirrored by server/store/keys.hpp.
-- Nothing else in this file spells a key.
local K = {
  conv = function(id) return 'lc:conv:' .. id end,                 -- hash: the conversation
  stream = function(id) return 'lc:conv:' .. id .. ':s' end,       -- stream: its events
  dedup = function(id) return 'lc:conv:' .. id .. ':c' end,        -- hash: client ids -> seq
  meta = function(id) return 'lc:conv:' .. id .. ':meta' end,      -- hash: visitor metadata
  agent = function(id) return 'lc:agent:' .. id end,               -- hash
  agent_convs = function(id) return 'lc:agent:' .. id .. ':convs' end,
  visitor = function(id) return 'lc:visitor:' .. id end,           -- hash
  visitor_convs = function(id) return 'lc:visitor:' .. id .. ':convs' end,
  queue = function(dept) return 'lc:q:' .. dept end,               -- zset by priority, time
  queue_times = function(dept) return 'lc:qt:' .. dept end,        -- zset by enqueue time
  free = function(dept) return 'lc:free:' .. dept end,             -- zset of agents with room
  online = function(dept) return 'lc:online:' .. dept end,         -- set
  addr_queued = function(a) return 'lc:addr:' .. a .. ':queued' end, -- set: waiting chats
  revoked = 'lc:revoked',                                          -- hash: agent -> ms
  unanswered = 'lc:unanswered',              -- zset: assigned, not yet answered -> assigned ms
  agents = 'lc:agents',
  agent_grace = 'lc:grace:agents',
  visitor_grace = 'lc:grace:visitors',
  archive_pending = 'lc:archive:pending',                          -- zset: closed, by ms
  conv_pattern = 'lc:conv:*',                                      -- SCAN pattern (backfill)
  backfill = 'lc:backfill',                                        -- string: SCAN cursor, 'done'
  -- What the version before the system of record kept, deleted once the backfill is done.
  legacy_records_pending = 'lc:records:pending',
  legacy_records = function(measure) return 'lc:rec:' .. measure end,
  offline = function(id) return 'lc:offline:' .. id end,
  offline_all = 'lc:offline',
  offline_dept = function(dept) return 'lc:offline:d:' .. dept end,
  lease = function(node) return 'lc:node:' .. node end,            -- string (PX): fencing epoch
  node_epoch = 'lc:node_epoch',
  nodes = 'lc:nodes',
  node_agents = function(node) return 'lc:node:' .. node .. ':agents' end,
  node_convs = function(node) return 'lc:node:' .. node .. ':convs' end,
  node_channel = function(node) return 'lc:n:' .. node end,        -- Pub/Sub wake-ups
  all_channel = 'lc:all',
  -- The live visitor list (PageView): who is on the site, scored by when their entry lapses.
  site = 'lc:site',
  site_visitor = function(id) return 'lc:site:v:' .. id end,       -- hash: where they are
  site_pages = function(id) return 'lc:site:v:' .. id .. ':p' end, -- list: the visit's pages
}

-- Functions that act for a node take (node, epoch) first and refuse to run for a node whose
-- lease is no longer the one it holds (fencing).
local function fence_error(args)
  if redis.call('GET', K.lease(args[1])) ~= args[2] then
    return err('FENCED', 'node ' .. args[1] .. ' does not hold its lease')
  end
  return nil
end

local function split_csv(s)
  local out = {}
  if s == nil or s == false then return out end
  for part in string.gmatch(s, '[^,]+') do out[#out + 1] = part end
  return out
end

local function hgetall_map(key)
  local flat = redis.call('HGETALL', key)
  local m = {}
  for i = 1, #flat, 2 do m[flat[i]] = flat[i + 1] end
  return m
end

-- Length-prefixed encoding of a field list: "<len>:<bytes>" repeated. Used for Pub/Sub payloads
-- so a node can deliver an event without reading the stream back.
local function netstrings(fields)
  local parts = {}
  for i = 1, #fields do
    local v = tostring(fields[i])
    parts[#parts + 1] = #v .. ':' .. v
  end
  return table.concat(parts)
end

local function notify(nodes, msg)
  local seen = {}
  for _, node in ipairs(nodes) do
    if node and node ~= '' and not seen[node] then
      seen[node] = true
      redis.call('PUBLISH', K.node_channel(node), msg)
    end
  end
end

-- The node of a conversation's agent from its `anode` field, or from the agent (a conversation
-- stored before the field existed has none).
local function agent_node(agent, anode)
  if anode ~= nil or agent == nil or agent == '' then return anode end
  return redis.call('HGET', K.agent(agent), 'node')
end

-- notify() for the usual pair of nodes (the visitor's, the agent's) without building a table,
-- leaving out `asking`: the node that asked, when it delivers the event itself.
local function notify2(a, b, msg, asking)
  if a and a ~= '' and a ~= asking then redis.call('PUBLISH', K.node_channel(a), msg) end
  if b and b ~= '' and b ~= a and b ~= asking then
    redis.call('PUBLISH', K.node_channel(b), msg)
  end
end

-- The nodes of the supervisors who barged in (a comma list of their ids), added to `nodes`.
local function add_sup_nodes(sup, nodes)
  if not sup or sup == '' then return nodes end
  for _, s in ipairs(split_csv(sup)) do
    nodes[#nodes + 1] = redis.call('HGET', K.agent(s), 'node')
  end
  return nodes
end

local function conv_nodes(conv)
  local vnode, agent, sup = unpack(redis.call('HMGET', K.conv(conv), 'vnode', 'agent', 'sup'))
  local nodes = { vnode }
  if agent and agent ~= '' then nodes[#nodes + 1] = redis.call('HGET', K.agent(agent), 'node') end
  return add_sup_nodes(sup, nodes)
end

-- Appends one event to the conversation's stream with the next seq (its id) and tells the nodes
-- of both participants. `f` holds the event's fields besides seq and ts.
-- `nodes`, when the caller already knows them, saves reading them again.
local function append(conv, now, f, extra_nodes, nodes)
  local seq = redis.call('HINCRBY', K.conv(conv), 'seq', 1)
  local fields = { 'seq', seq, 'ts', now }
  for i = 1, #f do fields[#fields + 1] = f[i] end
  redis.call('XADD', K.stream(conv), '0-' .. seq, unpack(fields, 3))
  nodes = nodes or conv_nodes(conv)
  if extra_nodes then for _, n in ipairs(extra_nodes) do nodes[#nodes + 1] = n end end
  notify(nodes, 'e|' .. conv .. '|' .. netstrings(fields))
  return seq
end

local function queue_changed(dept)
  redis.call('PUBLISH', K.all_channel, 'q|' .. dept)
end

local function enqueue(conv, dept, prio, now)
  redis.call('ZADD', K.queue(dept), (FRONT - prio) * PRIO_SPAN + now, conv)
  redis.call('ZADD', K.queue_times(dept), now, conv)
end

local function dequeue(conv, dept)
  redis.call('ZREM', K.queue(dept), conv)
  redis.call('ZREM', K.queue_times(dept), conv)
end

-- Keeps the agent's entry in each department's free set true to its status and load:
-- present only while online, connected and below capacity; scored by load then last assignment
-- so the least-loaded, longest-idle agent sorts first.
local function refresh_agent(agent)
  local a = hgetall_map(K.agent(agent))
  local active = tonumber(a.active or '0')
  local cap = tonumber(a.cap or '0')
  local available = a.status == 'online' and (a.gone == nil or a.gone == '')
  for _, d in ipairs(split_csv(a.depts)) do
    if available then
      redis.call('SADD', K.online(d), agent)
    else
      redis.call('SREM', K.online(d), agent)
    end
    if available and active < cap then
      redis.call('ZADD', K.free(d), active * PRIO_SPAN + tonumber(a.last or '0'), agent)
    else
      redis.call('ZREM', K.free(d), agent)
    end
  end
end

local function has_dept(a, dept)
  for _, d in ipairs(split_csv(a.depts)) do if d == dept then return true end end
  return false
end

-- Re-checks everything matching relies on, inside the same atomic call.
local function agent_can_take(agent, dept)
  if agent == nil or agent == '' then return false end
  local a = hgetall_map(K.agent(agent))
  if a.status ~= 'online' or (a.gone ~= nil and a.gone ~= '') then return false end
  if tonumber(a.active or '0') >= tonumber(a.cap or '0') then return false end
  if dept and not has_dept(a, dept) then return false end
  if a.node == nil or redis.call('EXISTS', K.lease(a.node)) == 0 then return false end
  return true
end

-- The agent has a console connected through a live node.
local function agent_connected(agent)
  local node, gone = unpack(redis.call('HMGET', K.agent(agent), 'node', 'gone'))
  if not node or node == '' or (gone and gone ~= '') then return false end
  return redis.call('EXISTS', K.lease(node)) == 1
end

local function take_slot(agent, now)
  redis.call('HINCRBY', K.agent(agent), 'active', 1)
  redis.call('HSET', K.agent(agent), 'last', now)
  refresh_agent(agent)
end

local function release_slot(agent, conv)
  if agent == nil or agent == '' then return end
  if redis.call('SREM', K.agent_convs(agent), conv) == 1 then
    local active = redis.call('HINCRBY', K.agent(agent), 'active', -1)
    if active < 0 then redis.call('HSET', K.agent(agent), 'active', 0) end
  end
  refresh_agent(agent)
end

-- reassign_ms: how long the agent has to answer before the sweep hands the chat to another (the
-- department's --reassign-after; 0: never). actor: who assigned it by hand (a supervisor), if any.
local function assign(conv, agent, now, kind, reassign_ms, actor)
  local aname, anode = unpack(redis.call('HMGET', K.agent(agent), 'name', 'node'))
  aname = aname or agent
  local epoch = redis.call('HINCRBY', K.conv(conv), 'epoch', 1)
  redis.call('HSET', K.conv(conv), 'state', 'assigned', 'agent', agent, 'anode', anode or '',
    'aname', aname, 'assigned', now, 'pref', '', 'await', '1', 'mon', '')
  -- Until this agent answers (lc_post), the sweep may hand it to another: scored by the deadline.
  if reassign_ms and reassign_ms > 0 then
    redis.call('ZADD', K.unanswered, now + reassign_ms, conv)
  else
    redis.call('ZREM', K.unanswered, conv)
  end
  redis.call('SADD', K.agent_convs(agent), conv)
  take_slot(agent, now)
  local visitor = redis.call('HGET', K.conv(conv), 'visitor')
  redis.call('HSET', K.visitor(visitor), 'last_agent', agent)
  local f = { 'k', kind, 'r', ROLE_SYSTEM, 'a', agent, 'n', aname }
  if actor and actor ~= '' then f[#f + 1] = 'id'; f[#f + 1] = actor end
  append(conv, now, f)
  notify(conv_nodes(conv), 'a|' .. conv .. '|' .. agent .. '|' .. epoch)
  return epoch
end

-- Back to the front of its department's queue (agent lost, offline, department transfer).
local function requeue(conv, dept, now, kind, note, extra_nodes)
  local c = hgetall_map(K.conv(conv))
  local old_agent = c.agent
  redis.call('HSET', K.conv(conv), 'state', 'queued', 'agent', '', 'anode', '', 'aname', '',
    'dept', dept, 'prio', FRONT, 'qsince', now, 'pref', '', 'await', '0')
  redis.call('ZREM', K.unanswered, conv)
  local f = { 'k', kind, 'r', ROLE_SYSTEM, 'd', dept }
  if note and note ~= '' then f[#f + 1] = 't'; f[#f + 1] = note end
  append(conv, now, f, extra_nodes)
  enqueue(conv, dept, FRONT, now)
  if old_agent and old_agent ~= '' then
    local node = redis.call('HGET', K.agent(old_agent), 'node')
    release_slot(old_agent, conv)
    notify({ node }, 'u|' .. conv .. '|' .. old_agent)
  end
  queue_changed(dept)
end

-- Records which node holds the visitor's connection, with a per-node index so the sweeper can
-- find a dead node's visitors.
-- `old`, when the caller has read it, saves reading it again.
local function set_vnode(conv, node, old)
  if node == nil or node == '' then return end
  if old == nil then old = redis.call('HGET', K.conv(conv), 'vnode') end
  if old == node then return end
  if old and old ~= '' then redis.call('SREM', K.node_convs(old), conv) end
  redis.call('SADD', K.node_convs(node), conv)
  redis.call('HSET', K.conv(conv), 'vnode', node)
end

-- The agent's connection is gone: they keep their chats until `deadline`, take no new ones, and
-- their visitors are told.
local function start_agent_grace(agent, deadline, grace_ms)
  redis.call('HSET', K.agent(agent), 'gone', deadline)
  redis.call('ZADD', K.agent_grace, deadline, agent)
  refresh_agent(agent)
  local convs = redis.call('SMEMBERS', K.agent_convs(agent))
  for _, conv in ipairs(convs) do
    notify({ redis.call('HGET', K.conv(conv), 'vnode') },
      'c|' .. conv .. '|0|' .. math.floor(grace_ms / 1000))
  end
  return convs
end

-- A participant may act on a conversation only if it is theirs: the visitor who opened it or
-- the agent it is assigned to. Anything else looks like a missing conversation.
-- A supervisor (or admin) who barged in is a participant too: `sup` lists them.
local function member_error(state, visitor, agent, role, id, sup)
  if state == nil then return err('NOT_FOUND', 'no such conversation') end
  if role == ROLE_VISITOR then
    if visitor ~= id then return err('NOT_FOUND', 'no such conversation') end
  elseif role == ROLE_AGENT then
    if agent ~= id then return err('NOT_FOUND', 'no such conversation') end
  elseif role == ROLE_SUPERVISOR or role == ROLE_ADMIN then
    if not sup or not string.find(',' .. sup .. ',', ',' .. id .. ',', 1, true) then
      return err('NOT_FOUND', 'no such conversation')
    end
  else
    return err('FORBIDDEN', 'role may not act on conversations')
  end
  return nil
end

local function member_check(c, role, id)
  return member_error(c.state, c.visitor, c.agent, role, id, c.sup)
end

-- join(conv, visitor, name, email, dept, page, first_text, cmid, addr, max_queued, form,
--      invitation, meta_k1, meta_v1, ...)
-- -> {conv, seq, joined_ms, existing(0|1), invited_agent}; seq is the first message's (JOINED's
-- without one), also when a retry of the same join finds the conversation it opened. addr (the
-- hex of the client's address, or '') may have at most max_queued (0: any number) chats waiting
-- at once. form: the pre-chat answers as the node encoded them. invitation: the id of the
-- visitor's pending invitation they accept ('' for none): the chat prefers its agent and waits
-- first in the queue; one that expired, was answered or names another department is ignored.
local function join(node, args)
  local conv, visitor, name, email, dept, page, text, cmid, addr, max_queued, form, invitation =
    args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9],
    tonumber(args[10]), args[11] or '', args[12] or ''
  local vk = K.visitor(visitor)
  local open = redis.call('HGET', vk, 'open')
  if open and open ~= '' then
    local c = hgetall_map(K.conv(open))
    if c.state and c.state ~= 'closed' then
      if cmid ~= '' and c.first_cmid == cmid then
        local first = redis.call('HGET', K.dedup(open), ROLE_VISITOR .. ':' .. visitor .. ':' .. cmid)
        return { open, tonumber(first or '1'), tonumber(c.joined), 1, '' }
      end
      return err('CONFLICT', 'visitor already has an open conversation ' .. open)
    end
  end
  if redis.call('EXISTS', K.conv(conv)) == 1 then return err('CONFLICT', 'conversation id taken') end
  local ak = addr ~= '' and K.addr_queued(addr) or nil
  -- Members that stopped waiting are pruned only when the set is full, so a join costs O(1)
  -- below the bound and O(max_queued) at it, whatever the bound (a storm of 10,000 joins from a
  -- few addresses with a loose bound walked every member on every join).
  if ak and max_queued > 0 and redis.call('SCARD', ak) >= max_queued then
    for _, m in ipairs(redis.call('SMEMBERS', ak)) do
      if redis.call('HGET', K.conv(m), 'state') ~= 'queued' then redis.call('SREM', ak, m) end
    end
    if redis.call('SCARD', ak) >= max_queued then
      return err('LIMITED', 'too many chats waiting from this address; try again later')
    end
  end
  local now = now_ms()
  local last_agent = redis.call('HGET', vk, 'last_agent') or ''
  local prio, invited = 0, ''
  if invitation ~= '' then
    local sk = K.site_visitor(visitor)
    local id, state, exp, agent, idept = unpack(redis.call('HMGET', sk, 'inv', 'invs', 'invexp',
      'inva', 'invd'))
    if id == invitation and state == 'pending' and tonumber(exp or '0') > now and idept == dept then
      redis.call('HSET', sk, 'invs', 'accepted')
      last_agent, prio, invited = agent, FRONT, agent
    end
  end
  -- The fields every message and receipt reads come first: the hash is a listpack while small,
  -- and HMGET finds a field by walking it from the start (a field missing walks all of it: the
  -- ones that are set later, such as sup, are there from the start, empty).
  redis.call('HSET', K.conv(conv), 'state', 'queued', 'visitor', visitor, 'agent', '',
    'epoch', 0, 'vnode', '', 'anode', '', 'seq', 0, 'answered', 0, 'unanswered', 0,
    'await', 0, 'sup', '', 'lw', '', 'dl1', 0, 'dl2', 0, 'rd1', 0, 'rd2', 0, 'id', conv,
    'vname', name, 'email', email,
    'dept', dept, 'page', page, 'joined', now, 'qsince', now, 'prio', prio, 'pref', last_agent,
    'first', text, 'first_cmid', cmid, 'addr', addr, 'form', form)
  set_vnode(conv, node)
  if ak then
    redis.call('SADD', ak, conv)
    redis.call('PEXPIRE', ak, 86400000)
  end
  if #args > 12 then
    local meta = {}
    for i = 13, #args do meta[#meta + 1] = args[i] end
    redis.call('HSET', K.meta(conv), unpack(meta))
  end
  redis.call('HSET', vk, 'open', conv, 'name', name, 'email', email)
  redis.call('LPUSH', K.visitor_convs(visitor), conv)
  -- A returning visitor's keys may be counting down since their last chat was archived.
  redis.call('PERSIST', vk)
  redis.call('PERSIST', K.visitor_convs(visitor))
  redis.call('LTRIM', K.visitor_convs(visitor), 0, 49)
  local seq = append(conv, now, { 'k', EV_JOINED, 'r', ROLE_VISITOR, 'id', visitor, 'n', name,
    'd', dept })
  if text ~= '' then
    seq = append(conv, now, { 'k', EV_MESSAGE, 'r', ROLE_VISITOR, 'id', visitor, 'n', name,
      't', text, 'c', cmid })
    redis.call('HSET', K.dedup(conv), ROLE_VISITOR .. ':' .. visitor .. ':' .. cmid, seq)
    redis.call('HINCRBY', K.conv(conv), 'unanswered', 1)
  end
  enqueue(conv, dept, prio, now)
  queue_changed(dept)
  return { conv, seq, now, 0, invited }
end

-- match(dept, max) -> { {conv, agent, wait_ms}, ... }
-- match(dept, max, reassign_ms) -> {{conv, agent, waited_ms}...}
local function match(keys, args)
  local dept, max, reassign_ms = args[1], tonumber(args[2] or '16'), tonumber(args[3] or '0')
  local out = {}
  local now = now_ms()
  while #out < max do
    local head = redis.call('ZRANGE', K.queue(dept), 0, 0)[1]
    if not head then break end
    local c = hgetall_map(K.conv(head))
    if c.state ~= 'queued' or c.dept ~= dept then
      dequeue(head, dept) -- stale entry: the conversation moved on
    else
      local agent = nil
      if agent_can_take(c.pref, dept) then agent = c.pref end
      if not agent then
        local candidates = redis.call('ZRANGE', K.free(dept), 0, 31)
        for _, cand in ipairs(candidates) do
          if agent_can_take(cand, dept) then agent = cand; break end
          redis.call('ZREM', K.free(dept), cand)
        end
      end
      if not agent then break end
      dequeue(head, dept)
      assign(head, agent, now, EV_ASSIGNED, reassign_ms)
      out[#out + 1] = { head, agent, now - tonumber(c.qsince or now) }
    end
  end
  if #out > 0 then queue_changed(dept) end
  return out
end

-- post(conv, role, sender, cmid, epoch, max_before_answer, body) -> {seq, ts, duplicate(0|1)}
-- The posting node delivers the message to its own connections from the reply: only the other
-- participant's node, when it is another, is woken. An agent passes the assignment epoch it
-- saw: a write for an assignment that has since changed (requeued and matched again) is refused.
-- `body` is the message's fields as netstrings (k, r, id, n, t, c), built by the node: the
-- stream entry is {ts, e = body} and the wake-up seq and ts followed by body, so this function
-- copies the message but never takes it apart.
-- The per-message path is written for Redis CPU (issue 10): arguments read in place (no
-- `fenced` copy), the conversation read with one HMGET and written with one HSET, the dedup id
-- claimed with one HSETNX, numbers formatted once and no table built but the reply.
local function post(keys, args)
  -- Exactly these arguments: a node of an earlier version (which sent text and name apart)
  -- must be refused, not have its arguments read in the wrong places.
  if #args ~= 9 then return err('INVALID', 'lc_post takes 9 arguments, not ' .. #args) end
  local bad = fence_error(args)
  if bad then return bad end
  local node, conv, rs, sender, cmid, epoch, body =
    args[1], args[3], args[4], args[5], args[6], args[7], args[9]
  local role = ROLE_OF[rs]
  local ck = K.conv(conv)
  -- answered: '1' once an agent has written (nil: stored before the field, not bounded);
  -- unanswered: the visitor's messages until then.
  local state, visitor, agent, cepoch, vnode, last, anode, answered, unanswered, await, sup =
    unpack(redis.call('HMGET', ck, 'state', 'visitor', 'agent', 'epoch', 'vnode', 'seq', 'anode',
      'answered', 'unanswered', 'await', 'sup'))
  bad = member_error(state, visitor, agent, role, sender, sup)
  if bad then return bad end
  local seq = tostring(tonumber(last or '0') + 1)
  -- Client ids are the sender's own: a visitor's "m1" and an agent's "m1" are two messages.
  -- Claiming the id with the seq it will get settles "seen before?" in one command; a refusal
  -- below gives the claim back.
  local dk = K.dedup(conv)
  local dedup = rs .. ':' .. sender .. ':' .. cmid
  if redis.call('HSETNX', dk, dedup, seq) == 0 then
    local seen = redis.call('HGET', dk, dedup)
    local e = redis.call('XRANGE', K.stream(conv), '0-' .. seen, '0-' .. seen)[1]
    local ts = 0
    if e then for i = 1, #e[2], 2 do if e[2][i] == 'ts' then ts = tonumber(e[2][i + 1]) end end end
    return { tonumber(seen), ts, 1 }
  end
  local max_before = tonumber(args[8]) or 0
  local refusal
  if state == 'closed' then
    refusal = err('CONFLICT', 'conversation is closed')
  elseif role == ROLE_AGENT and state ~= 'assigned' then
    refusal = err('CONFLICT', 'conversation is not assigned')
  elseif role ~= ROLE_VISITOR and state ~= 'assigned' then
    refusal = err('CONFLICT', 'conversation is not assigned')
  elseif role == ROLE_AGENT and epoch ~= '' and epoch ~= cepoch then
    refusal = err('CONFLICT', 'the assignment changed; reload the conversation')
  elseif role == ROLE_VISITOR and max_before > 0 and answered == '0' and
      tonumber(unanswered or '0') >= max_before then
    -- Until an agent answers, what a visitor sends is bounded: the whole of it is history every
    -- agent who takes the chat loads.
    refusal = err('LIMITED', 'wait for an agent to answer before sending more')
  end
  if refusal then
    redis.call('HDEL', dk, dedup)
    return refusal
  end
  local now = now_ms_string()
  -- lw: who wrote last (the role digit) and when (ms), for the idle check (lc_idle); one field,
  -- as every field written per message costs.
  local lw = rs .. now
  if role == ROLE_VISITOR then
    if node ~= '' and node ~= vnode then
      set_vnode(conv, node, vnode or '')
      vnode = node
    end
    if answered == '0' then
      redis.call('HSET', ck, 'seq', seq, 'lw', lw, 'unanswered',
        tonumber(unanswered or '0') + 1)
    else
      redis.call('HSET', ck, 'seq', seq, 'lw', lw)
    end
  elseif role ~= ROLE_AGENT then
    -- A supervisor who barged in: an answer to the visitor, not the agent's.
    redis.call('HSET', ck, 'seq', seq, 'lw', lw)
  elseif await == '1' then
    -- This assignment's first answer: the chat is no longer the sweep's to reassign.
    redis.call('HSET', ck, 'seq', seq, 'lw', lw, 'answered', '1', 'await', '0')
    redis.call('ZREM', K.unanswered, conv)
  elseif answered == '0' then
    redis.call('HSET', ck, 'seq', seq, 'lw', lw, 'answered', '1')
  else
    redis.call('HSET', ck, 'seq', seq, 'lw', lw)
  end
  redis.call('XADD', K.stream(conv), '0-' .. seq, 'ts', now, 'e', body)
  local wake = 'e|' .. conv .. '|3:seq' .. LEN[#seq] .. ':' .. seq .. '2:ts' .. LEN[#now] .. ':' ..
    now .. body
  anode = agent_node(agent, anode)
  notify2(vnode, anode, wake, node)
  if sup and sup ~= '' then
    local seen = { [vnode or ''] = true, [anode or ''] = true, [node] = true }
    for _, n in ipairs(add_sup_nodes(sup, {})) do
      if n and not seen[n] then
        seen[n] = true
        redis.call('PUBLISH', K.node_channel(n), wake)
      end
    end
  end
  return { seq, now, 0 }
end

-- signal(conv, role, sender, kind, value, name[, draft]) kind: typing (value 0|1; a visitor's
-- draft with sneak peek) or delivered/read (value seq). -> the delivery latency in ms (Redis clock, may be 0) of a delivered receipt that
-- moved the high-water mark, else -1. Per message like post, and written the same way.
local function signal(keys, args)
  local bad = fence_error(args)
  if bad then return bad end
  local conv, rs, sender, kind, value = args[3], args[4], args[5], args[6], args[7]
  local role = ROLE_OF[rs]
  local field = (kind == 'read' and 'rd' or 'dl') .. rs
  local ck = K.conv(conv)
  local state, visitor, agent, vnode, last, prev, anode, sup = unpack(redis.call('HMGET', ck,
    'state', 'visitor', 'agent', 'vnode', 'seq', field, 'anode', 'sup'))
  bad = member_error(state, visitor, agent, role, sender, sup)
  if bad then return bad end
  anode = agent_node(agent, anode)
  if kind == 'typing' then
    if state ~= 'assigned' and not (state == 'queued' and role == ROLE_VISITOR) then
      return err('CONFLICT', 'conversation is ' .. state)
    end
    local draft = args[9]
    if draft and draft ~= '' and role == ROLE_VISITOR then
      -- Sneak peek: the visitor's unsent text, for the agent's node (and the visitor's, whose
      -- staff followers see it there); delivery hands it to staff only. Never stored.
      notify2(vnode, anode, 'p|' .. conv .. '|' .. rs .. '|' .. netstrings({ args[8] or '', draft }))
    else
      notify2(vnode, anode, 't|' .. conv .. '|' .. rs .. '|' .. value .. '|' .. (args[8] or ''))
    end
    return -1
  end
  local seq = tonumber(value)
  if seq > tonumber(last or '0') then return err('INVALID', 'seq is beyond the conversation') end
  if seq <= tonumber(prev or '0') then return -1 end
  redis.call('HSET', ck, field, value)
  local latency = -1
  if kind == 'delivered' then
    local e = redis.call('XRANGE', K.stream(conv), '0-' .. value, '0-' .. value)[1]
    if e then
      for i = 1, #e[2], 2 do
        if e[2][i] == 'ts' then latency = now_ms() - tonumber(e[2][i + 1]) end
      end
    end
  end
  notify2(vnode, anode, 'r|' .. conv .. '|' .. rs .. '|' .. kind .. '|' .. value)
  return latency
end

-- close(conv, role, id, tagged_depts) -> {seq, dept, agent, was_queued(0|1)}. tagged_depts: the
-- departments (comma list) that want a tag on every chat their agents close.
local function close(node, args)
  local conv, role, id, tagged_depts = args[1], tonumber(args[2]), args[3], args[4]
  local c = hgetall_map(K.conv(conv))
  if role ~= ROLE_SYSTEM then
    local bad = member_check(c, role, id)
    if bad then return bad end
  elseif c.state == nil then
    return err('NOT_FOUND', 'no such conversation')
  end
  if c.state == 'closed' then return err('CONFLICT', 'conversation is closed') end
  if role == ROLE_AGENT and tagged_depts and tagged_depts ~= '' and (c.tags or '') == '' and
      string.find(',' .. tagged_depts .. ',', ',' .. c.dept .. ',', 1, true) then
    return err('CONFLICT', 'add a tag before closing this chat')
  end
  local now = now_ms()
  local seq = append(conv, now, { 'k', EV_CLOSED, 'r', role, 'id', id })
  redis.call('HSET', K.conv(conv), 'state', 'closed', 'closed', now, 'closed_by', role)
  local was_queued = 0
  if c.state == 'queued' then
    dequeue(conv, c.dept)
    was_queued = 1
    queue_changed(c.dept)
  end
  release_slot(c.agent, conv)
  local vk = K.visitor(c.visitor)
  if redis.call('HGET', vk, 'open') == conv then redis.call('HSET', vk, 'open', '') end
  redis.call('ZADD', K.archive_pending, now, conv)
  redis.call('ZREM', K.visitor_grace, conv)
  redis.call('ZREM', K.unanswered, conv)
  if c.vnode and c.vnode ~= '' then redis.call('SREM', K.node_convs(c.vnode), conv) end
  return { seq, c.dept, c.agent or '', was_queued }
end

-- rate(conv, visitor, rating, comment) -> 1
-- rate(conv, visitor, rating, comment, scale, answers): rating is 1..scale, the department's
-- survey scale; answers are the survey's other answers as the node encoded them.
local function rate(node, args)
  local conv, visitor, rating, comment, scale, answers =
    args[1], args[2], tonumber(args[3]), args[4], tonumber(args[5] or '5'), args[6] or ''
  local c = hgetall_map(K.conv(conv))
  local bad = member_check(c, ROLE_VISITOR, visitor)
  if bad then return bad end
  if c.state ~= 'closed' then return err('CONFLICT', 'rate the conversation after it is closed') end
  if c.rating and c.rating ~= '' then return err('CONFLICT', 'conversation already rated') end
  if rating < 1 or rating > scale then return err('INVALID', 'rating must be 1..' .. scale) end
  local now = now_ms()
  redis.call('HSET', K.conv(conv), 'rating', rating, 'comment', comment, 'rated', now,
    'rscale', scale, 'survey', answers)
  -- Archived again, rating and all (the archive takes a late rating as an update).
  redis.call('ZADD', K.archive_pending, 'NX', now, conv)
  return 1
end

-- The caller may act on the conversation as staff: its agent, or (scope '*': an admin; else a
-- comma list of the departments they supervise) a supervisor of its department.
local function staff_error(c, sender, scope)
  if not c.state then return err('NOT_FOUND', 'no such conversation') end
  if c.agent == sender and c.agent ~= '' then return nil end
  if scope == '*' then return nil end
  for _, d in ipairs(split_csv(scope)) do
    if d == c.dept then return nil end
  end
  return err('NOT_FOUND', 'no such conversation')
end

-- The nodes of the conversation's agent and of those asking (never the visitor's, unless it is
-- also an agent's): where staff-only events are woken.
local function staff_nodes(c)
  local anode = c.anode
  if (not anode or anode == '') and c.agent and c.agent ~= '' then
    anode = redis.call('HGET', K.agent(c.agent), 'node')
  end
  return { anode }
end

-- transfer(conv, from, to_agent, to_dept, note, scope, reassign_ms)
--   -> {kind('agent'|'dept'), target}
-- `from` moves their own assigned chat; or, with a scope (as staff_error), a supervisor moves any
-- assigned or waiting chat of their departments: to themselves (take over), to a chosen agent,
-- or a waiting visitor picked by hand. reassign_ms as in assign().
local function transfer(node, args)
  local conv, from, to_agent, to_dept, note, scope, reassign_ms =
    args[1], args[2], args[3], args[4], args[5], args[6] or '', tonumber(args[7] or '0')
  local c = hgetall_map(K.conv(conv))
  local actor = nil
  if c.agent == nil or c.agent == '' or c.agent ~= from then
    local bad
    if scope == '' then
      bad = member_check(c, ROLE_AGENT, from)
    else
      bad = staff_error(c, from, scope)
    end
    if bad then return bad end
    actor = from
  end
  if c.state ~= 'assigned' and not (actor and c.state == 'queued') then
    return err('CONFLICT', 'conversation is ' .. c.state)
  end
  local now = now_ms()
  if to_agent ~= '' then
    if to_agent == c.agent then
      return err('CONFLICT', to_agent == from and 'conversation is already yours' or
        'conversation is already with ' .. to_agent)
    end
    if redis.call('EXISTS', K.agent(to_agent)) == 0 then return err('NOT_FOUND', 'no such agent') end
    -- A supervisor taking a chat themselves needs only to be connected (away keeps matching off
    -- them, not their own hands); anyone else must be free for it.
    local by_hand = actor and to_agent == from and agent_connected(to_agent)
    if not by_hand and not agent_can_take(to_agent, nil) then
      return err('CONFLICT', 'agent ' .. to_agent .. ' is not available')
    end
  elseif to_dept == c.dept and c.state == 'queued' then
    return err('CONFLICT', 'conversation is already waiting in ' .. to_dept)
  end
  -- The note is for colleagues: an internal note of its own, before the transfer, woken on the
  -- agents' nodes only (it once rode in the TRANSFERRED event's text, which visitors receive).
  if note and note ~= '' then
    local from_name, from_node = unpack(redis.call('HMGET', K.agent(from), 'name', 'node'))
    local nodes = staff_nodes(c)
    nodes[#nodes + 1] = from_node
    if to_agent ~= '' then nodes[#nodes + 1] = redis.call('HGET', K.agent(to_agent), 'node') end
    append(conv, now, { 'k', EV_NOTE, 'r', ROLE_AGENT, 'id', from, 'n', from_name or from,
      't', note }, nil, nodes)
  end
  if c.state == 'queued' then
    dequeue(conv, c.dept)
    queue_changed(c.dept)
    if to_agent ~= '' then
      assign(conv, to_agent, now, EV_ASSIGNED, reassign_ms, actor)
      return { 'agent', to_agent }
    end
    requeue(conv, to_dept, now, EV_TRANSFERRED)
    return { 'dept', to_dept }
  end
  if to_agent ~= '' then
    local old = c.agent
    local old_node = redis.call('HGET', K.agent(old), 'node')
    release_slot(old, conv)
    notify({ old_node }, 'u|' .. conv .. '|' .. old)
    redis.call('HSET', K.conv(conv), 'agent', to_agent)
    assign(conv, to_agent, now, EV_TRANSFERRED, reassign_ms, actor)
    return { 'agent', to_agent }
  end
  requeue(conv, to_dept, now, EV_TRANSFERRED)
  return { 'dept', to_dept }
end

-- supervise(conv, sup, role, name, scope, action) -> {seq, ts, already(0|1)}: a supervisor of
-- the conversation's department (scope as staff_error) begins to monitor it (a staff-only
-- MONITORED event) or barges in (joins it as a participant the visitor sees: BARGED_IN, and
-- lc_post takes their messages from then on).
local function supervise(node, args)
  local conv, sup, role, name, scope, action = args[1], args[2], args[3], args[4], args[5], args[6]
  local c = hgetall_map(K.conv(conv))
  local bad = staff_error(c, sup, scope)
  if bad then return bad end
  if c.state == 'closed' then return err('CONFLICT', 'conversation is closed') end
  local now = now_ms()
  if action == 'monitor' then
    -- Once per supervisor and assignment: a console that reconnects and watches again is not
    -- news to the agent (a new agent is told again: assign() empties 'mon').
    local mon = c.mon or ''
    if string.find(',' .. mon .. ',', ',' .. sup .. ',', 1, true) then return { 0, now, 1 } end
    if #split_csv(mon) < 16 then
      redis.call('HSET', K.conv(conv), 'mon', mon == '' and sup or mon .. ',' .. sup)
    end
    local nodes = staff_nodes(c)
    nodes[#nodes + 1] = node
    local seq = append(conv, now, { 'k', EV_MONITORED, 'r', tonumber(role), 'id', sup, 'n', name },
      nil, add_sup_nodes(c.sup, nodes))
    return { seq, now, 0 }
  end
  if c.state ~= 'assigned' then return err('CONFLICT', 'conversation is not assigned') end
  if c.agent == sup then return err('CONFLICT', 'conversation is yours') end
  local list = c.sup or ''
  if string.find(',' .. list .. ',', ',' .. sup .. ',', 1, true) then return { 0, now, 1 } end
  if #split_csv(list) >= 8 then return err('CONFLICT', 'too many supervisors in this chat') end
  redis.call('HSET', K.conv(conv), 'sup', list == '' and sup or list .. ',' .. sup)
  local seq = append(conv, now, { 'k', EV_BARGED_IN, 'r', tonumber(role), 'id', sup, 'n', name })
  return { seq, now, 0 }
end

-- note(conv, role, sender, name, cmid, scope, text) -> {seq, ts, duplicate(0|1)}: an internal
-- note by the conversation's agent or a supervisor of its department (scope as staff_error);
-- deduplicated on the sender's client id like a message.
local function note(node, args)
  local conv, rs, sender, name, cmid, scope, text =
    args[1], args[2], args[3], args[4], args[5], args[6], args[7]
  local c = hgetall_map(K.conv(conv))
  local bad = staff_error(c, sender, scope)
  if bad then return bad end
  local dk = K.dedup(conv)
  local dedup = rs .. ':' .. sender .. ':' .. cmid
  local seen = redis.call('HGET', dk, dedup)
  if seen then
    local e = redis.call('XRANGE', K.stream(conv), '0-' .. seen, '0-' .. seen)[1]
    local ts = 0
    if e then for i = 1, #e[2], 2 do if e[2][i] == 'ts' then ts = tonumber(e[2][i + 1]) end end end
    return { tonumber(seen), ts, 1 }
  end
  if c.state == 'closed' then return err('CONFLICT', 'conversation is closed') end
  local now = now_ms()
  local seq = append(conv, now, { 'k', EV_NOTE, 'r', tonumber(rs), 'id', sender, 'n', name,
    't', text, 'c', cmid }, nil, staff_nodes(c))
  redis.call('HSET', dk, dedup, seq)
  return { seq, now, 0 }
end

-- tag(conv, sender, name, scope, tags_csv) -> {seq, ts}: the conversation's whole list of tags,
-- as a TAGGED event (the archive takes the last one's).
local function tag(node, args)
  local conv, sender, name, scope, tags = args[1], args[2], args[3], args[4], args[5]
  local c = hgetall_map(K.conv(conv))
  local bad = staff_error(c, sender, scope)
  if bad then return bad end
  if c.state == 'closed' then return err('CONFLICT', 'conversation is closed') end
  local now = now_ms()
  redis.call('HSET', K.conv(conv), 'tags', tags)
  local seq = append(conv, now, { 'k', EV_TAGGED, 'r', ROLE_AGENT, 'id', sender, 'n', name,
    't', tags }, nil, add_sup_nodes(c.sup, staff_nodes(c)))
  return { seq, now }
end

-- agent_connect(agent, name, cap, depts_csv) -> {status, conv...}: the agent is now connected
-- through `node`.
local function agent_connect(node, args)
  local agent, name, cap, depts = args[1], args[2], args[3], args[4]
  local k = K.agent(agent)
  local old = hgetall_map(k)
  -- Departments the token no longer grants must not keep the agent in their sets.
  for _, d in ipairs(split_csv(old.depts)) do
    redis.call('ZREM', K.free(d), agent)
    redis.call('SREM', K.online(d), agent)
  end
  local was_gone = old.gone ~= nil and old.gone ~= ''
  if old.node and old.node ~= node then redis.call('SREM', K.node_agents(old.node), agent) end
  redis.call('SADD', K.node_agents(node), agent)
  redis.call('SADD', K.agents, agent)
  redis.call('HSET', k, 'name', name, 'depts', depts, 'node', node, 'gone', '',
    'status', old.status or 'offline', 'active', old.active or 0, 'last', old.last or 0)
  -- A capacity lowered with SetPresence survives a reconnect with the same token.
  if old.cap == nil or old.maxcap ~= cap then redis.call('HSET', k, 'cap', cap) end
  redis.call('HSET', k, 'maxcap', cap)
  redis.call('ZREM', K.agent_grace, agent)
  refresh_agent(agent)
  local convs = redis.call('SMEMBERS', K.agent_convs(agent))
  -- Their chats' wake-ups go to the node they are on now (post and signal read `anode`).
  if old.node ~= node then
    for _, conv in ipairs(convs) do redis.call('HSET', K.conv(conv), 'anode', node) end
  end
  if was_gone then
    for _, conv in ipairs(convs) do
      notify({ redis.call('HGET', K.conv(conv), 'vnode') }, 'c|' .. conv .. '|1|0')
    end
  end
  local out = { redis.call('HGET', k, 'status') }
  for _, conv in ipairs(convs) do out[#out + 1] = conv end
  return out
end

-- presence(agent, status, cap) -> {requeued conv...}; cap 0 keeps the current capacity.
local function presence(node, args)
  local agent, status, cap = args[1], args[2], tonumber(args[3])
  local k = K.agent(agent)
  if redis.call('EXISTS', k) == 0 then return err('NOT_FOUND', 'no such agent') end
  local maxcap = tonumber(redis.call('HGET', k, 'maxcap') or '0')
  if cap > maxcap then return err('INVALID', 'capacity above the token\'s ' .. maxcap) end
  if cap > 0 then redis.call('HSET', k, 'cap', cap) end
  redis.call('HSET', k, 'status', status)
  local requeued = {}
  if status == 'offline' then
    -- Going offline hands every open chat back: nobody's chat waits on an absent agent.
    local now = now_ms()
    for _, conv in ipairs(redis.call('SMEMBERS', K.agent_convs(agent))) do
      local dept = redis.call('HGET', K.conv(conv), 'dept')
      requeue(conv, dept, now, EV_REQUEUED, 'agent went offline')
      requeued[#requeued + 1] = conv
    end
  end
  refresh_agent(agent)
  return requeued
end

-- agent_disconnect(agent, grace_ms) -> {conv...} told "reconnecting"; only when the agent's
-- current connection is on `node` (a newer connection elsewhere wins).
local function agent_disconnect(node, args)
  local agent, grace = args[1], tonumber(args[2])
  local k = K.agent(agent)
  if redis.call('HGET', k, 'node') ~= node then return {} end
  return start_agent_grace(agent, now_ms() + grace, grace)
end

-- visitor_presence(conv, visitor, connected(0|1), grace_ms): a visitor's connection through
-- `node` came or went; a visitor gone past the grace has their conversation closed (abandoned).
local function visitor_presence(node, args)
  local conv, visitor, connected, grace = args[1], args[2], args[3], tonumber(args[4])
  local c = hgetall_map(K.conv(conv))
  if c.visitor ~= visitor or c.state == 'closed' then return 0 end
  if connected == '1' then
    set_vnode(conv, node)
    redis.call('ZREM', K.visitor_grace, conv)
  elseif c.vnode == node then
    redis.call('ZADD', K.visitor_grace, now_ms() + grace, conv)
  end
  return 1
end

-- sweep(max, agent_grace_ms, visitor_grace_ms) -> {{'requeued', dept, conv},
-- {'abandoned', dept, conv}, ...}. A node whose lease expired died without saying so: its agents
-- and visitors start their grace periods as if their connections had closed. Then agents whose
-- grace ran out lose their chats to the queue; visitors gone past theirs have their chats closed.
local function sweep(keys, args)
  local max = tonumber(args[1] or '100')
  local agent_grace = tonumber(args[2] or '30000')
  local visitor_grace = tonumber(args[3] or '120000')
  local sets_away = args[4] == '1'
  local now = now_ms()
  local out = {}
  for _, node in ipairs(redis.call('SMEMBERS', K.nodes)) do
    if redis.call('EXISTS', K.lease(node)) == 0 then
      for _, agent in ipairs(redis.call('SMEMBERS', K.node_agents(node))) do
        local a = hgetall_map(K.agent(agent))
        if a.node == node and (a.gone == nil or a.gone == '') then
          start_agent_grace(agent, now + agent_grace, agent_grace)
        end
      end
      for _, conv in ipairs(redis.call('SMEMBERS', K.node_convs(node))) do
        local vnode, state = unpack(redis.call('HMGET', K.conv(conv), 'vnode', 'state'))
        if vnode == node and state ~= 'closed' and
            not redis.call('ZSCORE', K.visitor_grace, conv) then
          redis.call('ZADD', K.visitor_grace, now + visitor_grace, conv)
        end
      end
      redis.call('DEL', K.node_agents(node), K.node_convs(node))
      redis.call('SREM', K.nodes, node)
    end
  end
  for _, agent in ipairs(redis.call('ZRANGEBYSCORE', K.agent_grace, '-inf', now, 'LIMIT', 0, max)) do
    redis.call('ZREM', K.agent_grace, agent)
    local k = K.agent(agent)
    local gone = redis.call('HGET', k, 'gone')
    if gone and gone ~= '' and tonumber(gone) <= now then
      for _, conv in ipairs(redis.call('SMEMBERS', K.agent_convs(agent))) do
        local dept = redis.call('HGET', K.conv(conv), 'dept')
        requeue(conv, dept, now, EV_REQUEUED, 'agent connection lost')
        out[#out + 1] = { 'requeued', dept, conv }
      end
      redis.call('HSET', k, 'status', 'offline', 'active', 0, 'gone', '')
      refresh_agent(agent)
    end
  end
  -- Assigned and not answered in time: to the front of the queue, for another agent; the silent
  -- one is set away (when asked), so matching passes them over until they come back.
  do
    for _, conv in ipairs(redis.call('ZRANGEBYSCORE', K.unanswered, '-inf', now, 'LIMIT', 0, max)) do
      redis.call('ZREM', K.unanswered, conv)
      local state, await, agent, dept = unpack(redis.call('HMGET', K.conv(conv), 'state', 'await',
        'agent', 'dept'))
      if state == 'assigned' and await == '1' and agent and agent ~= '' then
        requeue(conv, dept, now, EV_REQUEUED)
        if sets_away and redis.call('HGET', K.agent(agent), 'status') == 'online' then
          redis.call('HSET', K.agent(agent), 'status', 'away')
          refresh_agent(agent)
        end
        out[#out + 1] = { 'reassigned', dept, conv }
      end
    end
  end
  for _, conv in ipairs(redis.call('ZRANGEBYSCORE', K.visitor_grace, '-inf', now, 'LIMIT', 0, max)) do
    redis.call('ZREM', K.visitor_grace, conv)
    local c = hgetall_map(K.conv(conv))
    if c.state and c.state ~= 'closed' then
      close(nil, { conv, tostring(ROLE_SYSTEM), 'visitor-left' })
      out[#out + 1] = { 'abandoned', c.dept, conv }
    end
  end
  return out
end

-- idle(max, text, dept1, prompt_ms1, close_ms1, ...) -> {{'prompted'|'closed', dept, conv}...}
-- The assigned chats of this node's agents in the departments listed: where staff wrote last and
-- the visitor has not replied for prompt_ms, the visitor is asked whether they are still there
-- (an IDLE_PROMPT event with `text`); when nobody writes for close_ms after that (0: never), the
-- chat closes as idle. Any message since the prompt clears it.
local function idle(node, args)
  local max, text = tonumber(args[1] or '1000'), args[2]
  local policy = {}
  for i = 3, #args - 2, 3 do
    policy[args[i]] = { tonumber(args[i + 1]) or 0, tonumber(args[i + 2]) or 0 }
  end
  local now = now_ms()
  local out, seen = {}, 0
  for _, agent in ipairs(redis.call('SMEMBERS', K.node_agents(node))) do
    for _, conv in ipairs(redis.call('SMEMBERS', K.agent_convs(agent))) do
      seen = seen + 1
      if seen > max then return out end
      local ck = K.conv(conv)
      local state, dept, cagent, lw, asked = unpack(redis.call('HMGET', ck, 'state', 'dept',
        'agent', 'lw', 'idle'))
      local lr, lt = nil, nil
      if lw and lw ~= '' then lr, lt = lw:sub(1, 1), lw:sub(2) end
      local p = policy[dept or '']
      if p and p[1] > 0 and state == 'assigned' and cagent == agent then
        if asked and asked ~= '' then
          if tonumber(lt or '0') > tonumber(asked) then
            redis.call('HSET', ck, 'idle', '')
          elseif p[2] > 0 and now - tonumber(asked) >= p[2] then
            close(nil, { conv, tostring(ROLE_SYSTEM), 'idle' })
            out[#out + 1] = { 'closed', dept, conv }
          end
        elseif lr and lr ~= '' and lr ~= '1' and now - tonumber(lt or now) >= p[1] then
          append(conv, now, { 'k', EV_IDLE_PROMPT, 'r', ROLE_SYSTEM, 't', text })
          redis.call('HSET', ck, 'idle', now)
          out[#out + 1] = { 'prompted', dept, conv }
        end
      end
    end
  end
  return out
end

-- archived(conv, keep_ms, rating) -> 1 done, 0 to be archived again. The node wrote the closed
-- conversation (with `rating`, '' when none) to the system of record: Redis keeps it `keep_ms`
-- more (late resumes, rating, transcript) and then lets it go, with the visitor's keys when they
-- have nothing open. A rating given while the archive was being written keeps it pending.
local function archived(keys, args)
  local conv, keep = args[1], args[2]
  local state, rating, visitor, addr = unpack(redis.call('HMGET', K.conv(conv), 'state', 'rating',
    'visitor', 'addr'))
  if state ~= 'closed' then
    redis.call('ZREM', K.archive_pending, conv)  -- gone (erased, expired): nothing to archive
    return 1
  end
  if (rating or '') ~= args[3] then return 0 end
  redis.call('ZREM', K.archive_pending, conv)
  -- The address's set of waiting chats is pruned only at its bound: nothing of a finished
  -- conversation may stay behind in it.
  if addr and addr ~= '' then redis.call('SREM', K.addr_queued(addr), conv) end
  for _, k in ipairs({ K.conv(conv), K.stream(conv), K.dedup(conv), K.meta(conv) }) do
    redis.call('PEXPIRE', k, keep)
  end
  local vk = K.visitor(visitor)
  if (redis.call('HGET', vk, 'open') or '') == '' then
    redis.call('PEXPIRE', vk, keep)
    redis.call('PEXPIRE', K.visitor_convs(visitor), keep)
  end
  return 1
end

-- backfill(count) -> conversations added to the backlog by this step, or -1 when it is done.
-- Closed conversations kept from before the system of record (no expiry, not pending) are put in
-- the archive backlog, `count` keys of the keyspace per step; the cursor is shared by every
-- node, so the walk happens once. At its end the old response-time records go.
local function backfill(keys, args)
  local cursor = redis.call('GET', K.backfill)
  if cursor == 'done' then return -1 end
  local step = redis.call('SCAN', cursor or '0', 'MATCH', K.conv_pattern, 'COUNT', args[1])
  local added = 0
  for _, key in ipairs(step[2]) do
    local conv = string.match(key, '^lc:conv:([^:]+)$')
    if conv then
      local state, closed = unpack(redis.call('HMGET', key, 'state', 'closed'))
      if state == 'closed' and redis.call('PTTL', key) == -1 and
          not redis.call('ZSCORE', K.archive_pending, conv) then
        redis.call('ZADD', K.archive_pending, tonumber(closed) or 0, conv)
        added = added + 1
      end
    end
  end
  if step[1] == '0' then
    redis.call('SET', K.backfill, 'done')
    redis.call('DEL', K.legacy_records_pending)
    for _, m in ipairs({ 'queue_wait', 'first_response', 'response', 'resolution', 'missed',
        'rating' }) do
      redis.call('DEL', K.legacy_records(m))
    end
  else
    redis.call('SET', K.backfill, step[1])
  end
  return added
end

-- archive_backlog(max) -> {count, conv1, ms1, conv2, ms2, ...}: what still waits to be
-- archived, oldest first, with when it closed (or was rated).
local function archive_backlog(keys, args)
  local first = redis.call('ZRANGE', K.archive_pending, 0, tonumber(args[1]) - 1, 'WITHSCORES')
  local out = { redis.call('ZCARD', K.archive_pending) }
  for i = 1, #first do out[#out + 1] = first[i] end
  return out
end

-- erase_visitor(visitor) -> {conv...} erased; refused while the visitor has a chat open.
-- Everything Redis holds about the visitor goes: their closed conversations' keys, the
-- visitor's own keys.
local function erase_visitor(keys, args)
  local visitor = args[1]
  local vk = K.visitor(visitor)
  local open = redis.call('HGET', vk, 'open') or ''
  if open ~= '' and redis.call('HGET', K.conv(open), 'state') ~= 'closed' then
    return err('CONFLICT', 'the visitor has a conversation open: close it first')
  end
  local out = {}
  for _, conv in ipairs(redis.call('LRANGE', K.visitor_convs(visitor), 0, -1)) do
    if redis.call('HGET', K.conv(conv), 'visitor') == visitor then
      redis.call('DEL', K.conv(conv), K.stream(conv), K.dedup(conv), K.meta(conv))
      redis.call('ZREM', K.archive_pending, conv)
      out[#out + 1] = conv
    end
  end
  redis.call('DEL', vk, K.visitor_convs(visitor))
  -- Where they are on the site, and the pages of their visit, are theirs too.
  redis.call('DEL', K.site_visitor(visitor), K.site_pages(visitor))
  redis.call('ZREM', K.site, visitor)
  return out
end

-- queue_status(dept, conv...) -> {length, agents_online, free_slots, rank1|-1, ...}
local function queue_status(keys, args)
  local dept = args[1]
  local len = redis.call('ZCARD', K.queue(dept))
  local online = redis.call('SCARD', K.online(dept))
  local free = 0
  for _, agent in ipairs(redis.call('ZRANGE', K.free(dept), 0, 199)) do
    local active, cap = unpack(redis.call('HMGET', K.agent(agent), 'active', 'cap'))
    local slots = tonumber(cap or '0') - tonumber(active or '0')
    if slots > 0 then free = free + slots end
  end
  local out = { len, online, free }
  for i = 2, #args do
    local r = redis.call('ZRANK', K.queue(dept), args[i])
    out[#out + 1] = r or -1
  end
  return out
end

-- overview(dept...) -> {now, {dept, queue_len, oldest_enqueue_ms|0, agents_online, free}, ...}
-- for the departments the operator defined (the caller's configuration).
local function overview(keys, args)
  local out = { now_ms() }
  for _, d in ipairs(args) do
    local oldest = redis.call('ZRANGE', K.queue_times(d), 0, 0, 'WITHSCORES')
    local free = redis.call('ZCARD', K.free(d))
    out[#out + 1] = { d, redis.call('ZCARD', K.queue(d)), tonumber(oldest[2] or '0'),
      redis.call('SCARD', K.online(d)), free }
  end
  return out
end

-- waiting(limit, dept...) -> {now, {conv, dept, position, name, first, qsince}, ...}: who waits
-- in these departments, in queue order (at most `limit` each), for the consoles' waiting list.
local function waiting(keys, args)
  local limit = tonumber(args[1]) or 50
  local out = { now_ms() }
  for i = 2, #args do
    local d = args[i]
    for rank, conv in ipairs(redis.call('ZRANGE', K.queue(d), 0, limit - 1)) do
      local name, first, qsince = unpack(redis.call('HMGET', K.conv(conv), 'vname', 'first',
        'qsince'))
      out[#out + 1] = { conv, d, rank, name or '', first or '', tonumber(qsince or '0') }
    end
  end
  return out
end

-- live(dept...) -> {{conv, dept, agent, aname, vname, assigned, seq}, ...}: the conversations
-- agents hold now in these departments, for supervisors (the waiting ones are `waiting`'s).
local function live(keys, args)
  local wanted = {}
  for _, d in ipairs(args) do wanted[d] = true end
  local out = {}
  for _, agent in ipairs(redis.call('SMEMBERS', K.agents)) do
    for _, conv in ipairs(redis.call('SMEMBERS', K.agent_convs(agent))) do
      local dept, state, aname, vname, assigned, seq = unpack(redis.call('HMGET', K.conv(conv),
        'dept', 'state', 'aname', 'vname', 'assigned', 'seq'))
      if state == 'assigned' and wanted[dept] then
        out[#out + 1] = { conv, dept, agent, aname or agent, vname or '',
          tonumber(assigned or '0'), tonumber(seq or '0') }
      end
    end
  end
  return out
end

-- agents() -> {{id, name, status, active, cap, depts, connected(0|1)}, ...}: the team at a glance
-- for the on-call dashboard; 'connected' is false while gone (grace) or when the node is dead.
local function agents(keys, args)
  local out = {}
  for _, agent in ipairs(redis.call('SMEMBERS', K.agents)) do
    local a = hgetall_map(K.agent(agent))
    local connected = (a.gone == nil or a.gone == '') and a.node ~= nil and
      redis.call('EXISTS', K.lease(a.node)) == 1
    out[#out + 1] = { agent, a.name or agent, a.status or 'offline', tonumber(a.active or '0'),
      tonumber(a.cap or '0'), a.depts or '', connected and 1 or 0 }
  end
  return out
end

-- offline_leave(id, visitor, name, email, dept, text) -> ts
local function offline_leave(keys, args)
  local id, visitor, name, email, dept, text = args[1], args[2], args[3], args[4], args[5], args[6]
  local now = now_ms()
  redis.call('HSET', K.offline(id), 'id', id, 'visitor', visitor, 'name', name,
    'email', email, 'dept', dept, 'text', text, 'ts', now)
  redis.call('ZADD', K.offline_all, now, id)
  redis.call('ZADD', K.offline_dept(dept), now, id)
  return now
end

-- offline_replied(id, agent) -> ts, or 0 when there is no such message: an agent answered it by
-- email (the mail itself is in the system of record's outbox).
local function offline_replied(keys, args)
  local id, agent = args[1], args[2]
  if redis.call('EXISTS', K.offline(id)) == 0 then return 0 end
  local now = now_ms()
  redis.call('HSET', K.offline(id), 'replied_at', now, 'replied_by', agent)
  return now
end

-- ban_clear(key, id) -> 1 when deleted: the ban key, only while it still holds that ban (a newer
-- ban on the same identifier stays). The key is the caller's (store::keys::ban checked it).
local function ban_clear(keys, args)
  local key, id = args[1], args[2]
  if redis.call('GET', key) ~= id then return 0 end
  return redis.call('DEL', key)
end

-- revoke(agent) -> not_before_ms: every token of the agent minted before now is refused from
-- now on, and every node closes the agent's connections that hold one.
local function revoke(keys, args)
  local agent = args[1]
  local now = now_ms()
  redis.call('HSET', K.revoked, agent, now)
  redis.call('PUBLISH', K.all_channel, 'x|' .. agent .. '|' .. now)
  return now
end

-- lease(node, ttl_ms, epoch): epoch 0 acquires a new lease with a fresh fencing epoch (returned);
-- otherwise renews it if it is still ours, else returns 0: the lease was lost (the node was
-- paused or cut off past its TTL) and every write it makes with the old epoch is refused.
local function lease(keys, args)
  local node, ttl, epoch = args[1], args[2], args[3]
  local k = K.lease(node)
  if epoch == '0' then
    local e = redis.call('INCR', K.node_epoch)
    redis.call('SET', k, e, 'PX', ttl)
    redis.call('SADD', K.nodes, node)
    return e
  end
  if redis.call('GET', k) == epoch then
    redis.call('PEXPIRE', k, ttl)
    return tonumber(epoch)
  end
  return 0
end

-- release(node, epoch): a draining node gives its lease up, so the sweeper treats whoever is
-- still bound to it as disconnected right away.
local function release(keys, args)
  if redis.call('GET', K.lease(args[1])) == args[2] then redis.call('DEL', K.lease(args[1])) end
  return 1
end

-- The usual way to fence: the wrapped function gets the node and its own arguments from 1.
local function fenced(f)
  return function(keys, args)
    local bad = fence_error(args)
    if bad then return bad end
    return f(args[1], { unpack(args, 3) })
  end
end

-- The live visitor list. A visitor is on the site while their entry has not lapsed: a page view
-- or their node's heartbeat (lc_site_alive, while a connection of theirs is open) keeps it for
-- SITE_TTL; when their last connection closes it lapses after SITE_LEFT_MS unless a new page
-- (a reload, the next page of a site without client-side routing) comes first, so a visit
-- spans page loads.
local SITE_TTL, SITE_LEFT_MS, SITE_PAGES = 60000, 15000, 20
-- A chat's history takes at most this many NAVIGATED events: a page flipping its URL (or a
-- visitor's script doing it) cannot bury the conversation in them.
local MAX_NAVIGATED = 200

local function site_keep(visitor, deadline)
  redis.call('ZADD', K.site, deadline, visitor)
  redis.call('PEXPIREAT', K.site_visitor(visitor), deadline)
  redis.call('PEXPIREAT', K.site_pages(visitor), deadline)
end

-- The visitor's invitation while it is pending and not expired (and they are not chatting):
-- {id, agent, agent_name, dept, text, at, expires, automatic(0|1)}, else nil.
local function pending_invitation(visitor, now)
  local f = redis.call('HMGET', K.site_visitor(visitor), 'inv', 'inva', 'invn', 'invd', 'invt',
    'invat', 'invexp', 'invauto', 'invs')
  if f[9] ~= 'pending' or tonumber(f[7] or '0') <= now then return nil end
  return { f[1], f[2], f[3], f[4], f[5], tonumber(f[6]), tonumber(f[7]), tonumber(f[8] or '0') }
end

-- page_view(visitor, url, title, referrer, browser, os, device, language, time_zone, offset)
-- -> {now, seq, chats, invitation...}: where the visitor is now. A new URL is a new page of the
-- visit, and in their open chat a NAVIGATED event for staff (seq; 0 when there was none). chats:
-- the conversations Redis lists for them; then their pending invitation's fields (as
-- pending_invitation), if they have one, so each page shows it again.
local function page_view(node, args)
  local visitor, url, title, ref, br, os_, dev, lang, tz, off = unpack(args, 1, 10)
  local now = now_ms()
  local vk = K.site_visitor(visitor)
  local prev_url, started = unpack(redis.call('HMGET', vk, 'url', 'ssince'))
  local moved = prev_url ~= url
  local f = { 'url', url, 'title', title, 'node', node, 'br', br, 'os', os_, 'dev', dev,
    'lang', lang, 'tz', tz, 'off', off }
  if not started then
    f[#f + 1] = 'ssince'; f[#f + 1] = now; f[#f + 1] = 'ref'; f[#f + 1] = ref
  end
  if moved then f[#f + 1] = 'psince'; f[#f + 1] = now end
  redis.call('HSET', vk, unpack(f))
  if moved then
    redis.call('HINCRBY', vk, 'pages', 1)
    redis.call('LPUSH', K.site_pages(visitor), netstrings({ url, title, now }))
    redis.call('LTRIM', K.site_pages(visitor), 0, SITE_PAGES - 1)
  end
  site_keep(visitor, now + SITE_TTL)
  local seq = 0
  local conv = redis.call('HGET', K.visitor(visitor), 'open')
  local chats = redis.call('LLEN', K.visitor_convs(visitor))
  if moved and conv and conv ~= '' then
    local c = hgetall_map(K.conv(conv))
    if c.visitor == visitor and c.state and c.state ~= 'closed' and
        redis.call('HINCRBY', K.conv(conv), 'navs', 1) <= MAX_NAVIGATED then
      seq = append(conv, now, { 'k', EV_NAVIGATED, 'r', ROLE_VISITOR, 'id', visitor, 't', url,
        'pt', title }, nil, add_sup_nodes(c.sup, staff_nodes(c)))
    end
  end
  local out = { now, seq, chats }
  local inv = pending_invitation(visitor, now)
  if inv then for _, v in ipairs(inv) do out[#out + 1] = v end end
  return out
end

-- invite(visitor, id, agent, dept, text, ttl_ms, rule) -> {the invitation's fields (as
-- pending_invitation), site_node} or {} when a rule's invitation is not made: the visitor on the site is invited to
-- chat, by `agent` (an agent's hand; the node checked they may invite for `dept`) or, with
-- agent '', by the rule `rule` in the name of an agent of `dept` free to take the chat, once per
-- visit and never after the visitor declined one. One invitation at a time per visitor, kept in
-- their site hash (it ends with the visit). The node the visitor is connected to is woken.
local function invite(node, args)
  local visitor, id, agent, dept, text, ttl, rule = unpack(args, 1, 7)
  local vk = K.site_visitor(visitor)
  if redis.call('EXISTS', vk) == 0 then return err('NOT_FOUND', 'visitor is not on the site') end
  local now = now_ms()
  local open = redis.call('HGET', K.visitor(visitor), 'open')
  if open and open ~= '' then
    local state = redis.call('HGET', K.conv(open), 'state')
    if state and state ~= 'closed' then
      if agent == '' then return {} end
      return err('CONFLICT', 'visitor is chatting already')
    end
  end
  local h = hgetall_map(vk)
  if h.invs == 'pending' and tonumber(h.invexp or '0') > now then
    if agent == '' then return {} end
    return err('CONFLICT', 'visitor has an invitation already')
  end
  if agent == '' then
    if h.declined == '1' then return {} end
    for _, r in ipairs(split_csv(h.rules)) do
      if r == rule then return {} end
    end
    for _, cand in ipairs(redis.call('ZRANGE', K.free(dept), 0, 31)) do
      if agent_can_take(cand, dept) then agent = cand; break end
    end
    if agent == '' then return {} end
    redis.call('HSET', vk, 'rules', (h.rules and h.rules ~= '') and (h.rules .. ',' .. rule) or rule)
  elseif redis.call('EXISTS', K.agent(agent)) == 0 then
    return err('NOT_FOUND', 'no such agent')
  end
  local name = redis.call('HGET', K.agent(agent), 'name') or agent
  local exp = now + tonumber(ttl)
  redis.call('HSET', vk, 'inv', id, 'inva', agent, 'invn', name, 'invd', dept, 'invt', text,
    'invat', now, 'invexp', exp, 'invauto', rule ~= '' and 1 or 0, 'invs', 'pending')
  if h.node and h.node ~= '' and h.node ~= node then
    redis.call('PUBLISH', K.node_channel(h.node), 'v|' .. visitor)
  end
  return { id, agent, name, dept, text, now, exp, rule ~= '' and 1 or 0, h.node or '' }
end

-- decline_invitation(visitor, id) -> 1 when the pending invitation `id` is now declined, else 0.
-- Rules invite no more during this visit.
local function decline_invitation(node, args)
  local visitor, id = args[1], args[2]
  local vk = K.site_visitor(visitor)
  local cur, state = unpack(redis.call('HMGET', vk, 'inv', 'invs'))
  if cur ~= id or state ~= 'pending' then return 0 end
  redis.call('HSET', vk, 'invs', 'declined', 'declined', 1)
  return 1
end

-- invitation(visitor) -> {id, agent, agent_name, dept, text, at, expires, automatic} or {}: the
-- visitor's pending invitation, for the node that shows it.
local function invitation(keys, args)
  return pending_invitation(args[1], now_ms()) or {}
end

-- site_alive(visitor...) -> count: this node still holds a connection of each.
local function site_alive(node, args)
  local deadline = now_ms() + SITE_TTL
  local n = 0
  for _, visitor in ipairs(args) do
    if redis.call('EXISTS', K.site_visitor(visitor)) == 1 then
      site_keep(visitor, deadline)
      n = n + 1
    end
  end
  return n
end

-- site_left(visitor): this node's last connection of the visitor closed.
local function site_left(node, args)
  local visitor = args[1]
  if redis.call('HGET', K.site_visitor(visitor), 'node') == node then
    site_keep(visitor, now_ms() + SITE_LEFT_MS)
  end
  return 1
end

-- The fields of one live visitor: their site hash, their open chat and name, how many chats
-- they have had.
local function site_entry(visitor)
  local h = redis.call('HGETALL', K.site_visitor(visitor))
  if #h == 0 then return nil end
  local state, exp = unpack(redis.call('HMGET', K.site_visitor(visitor), 'invs', 'invexp'))
  if state == 'pending' and tonumber(exp or '0') <= now_ms() then
    h[#h + 1] = 'invs'; h[#h + 1] = 'expired'
  end
  local open, name = unpack(redis.call('HMGET', K.visitor(visitor), 'open', 'name'))
  h[#h + 1] = 'conv'; h[#h + 1] = open or ''
  h[#h + 1] = 'name'; h[#h + 1] = name or ''
  h[#h + 1] = 'chats'; h[#h + 1] = tostring(redis.call('LLEN', K.visitor_convs(visitor)))
  return h
end

-- site_list(limit) -> {now, visitor, fields, ...}: who is on the site, most recently active first.
local function site_list(keys, args)
  local limit = tonumber(args[1]) or 200
  local now = now_ms()
  redis.call('ZREMRANGEBYSCORE', K.site, '-inf', now)
  local out = { now }
  for _, visitor in ipairs(redis.call('ZREVRANGE', K.site, 0, limit - 1)) do
    local h = site_entry(visitor)
    if h then out[#out + 1] = visitor; out[#out + 1] = h end
  end
  return out
end

-- site_visit(visitor) -> {fields, pages}: one visitor's visit (empty when they are not on the
-- site), pages newest first, each the netstrings of url, title, ms.
local function site_visit(keys, args)
  local visitor = args[1]
  local h = site_entry(visitor)
  if not h then return { {}, {} } end
  return { h, redis.call('LRANGE', K.site_pages(visitor), 0, SITE_PAGES - 1) }
end

-- enums() -> {name, number, ...}: the protocol numbers this library writes into streams and
-- wake-ups, so a test can hold them against livechat.proto.
local function enums(keys, args)
  return { 'EVENT_KIND_MESSAGE', EV_MESSAGE, 'EVENT_KIND_JOINED', EV_JOINED,
    'EVENT_KIND_ASSIGNED', EV_ASSIGNED, 'EVENT_KIND_TRANSFERRED', EV_TRANSFERRED,
    'EVENT_KIND_REQUEUED', EV_REQUEUED, 'EVENT_KIND_CLOSED', EV_CLOSED,
    'EVENT_KIND_NOTE', EV_NOTE, 'EVENT_KIND_TAGGED', EV_TAGGED,
    'EVENT_KIND_BARGED_IN', EV_BARGED_IN, 'EVENT_KIND_MONITORED', EV_MONITORED,
    'EVENT_KIND_IDLE_PROMPT', EV_IDLE_PROMPT, 'EVENT_KIND_NAVIGATED', EV_NAVIGATED,
    'ROLE_VISITOR', ROLE_VISITOR, 'ROLE_AGENT', ROLE_AGENT, 'ROLE_SYSTEM', ROLE_SYSTEM,
    'ROLE_ADMIN', ROLE_ADMIN, 'ROLE_SUPERVISOR', ROLE_SUPERVISOR }
end

redis.register_function{ function_name = 'lc_enums', callback = enums, flags = { 'no-writes' } }
redis.register_function('lc_lease', lease)
redis.register_function('lc_release', release)
redis.register_function('lc_join', fenced(join))
redis.register_function('lc_match', match)
redis.register_function('lc_post', post)
redis.register_function('lc_signal', signal)
redis.register_function('lc_close', fenced(close))
redis.register_function('lc_rate', fenced(rate))
redis.register_function('lc_transfer', fenced(transfer))
redis.register_function('lc_note', fenced(note))
redis.register_function('lc_supervise', fenced(supervise))
redis.register_function('lc_idle', fenced(idle))
redis.register_function{ function_name = 'lc_waiting', callback = waiting, flags = { 'no-writes' } }
redis.register_function{ function_name = 'lc_live', callback = live, flags = { 'no-writes' } }
redis.register_function('lc_tag', fenced(tag))
redis.register_function('lc_agent_connect', fenced(agent_connect))
redis.register_function('lc_presence', fenced(presence))
redis.register_function('lc_agent_disconnect', fenced(agent_disconnect))
redis.register_function('lc_visitor_presence', fenced(visitor_presence))
redis.register_function('lc_sweep', sweep)
redis.register_function('lc_archived', archived)
redis.register_function{ function_name = 'lc_archive_backlog', callback = archive_backlog,
  flags = { 'no-writes' } }
redis.register_function('lc_erase_visitor', erase_visitor)
redis.register_function('lc_backfill', backfill)
redis.register_function('lc_queue_status', queue_status)
redis.register_function('lc_overview', overview)
redis.register_function('lc_agents', agents)
redis.register_function('lc_offline_leave', offline_leave)
redis.register_function('lc_offline_replied', offline_replied)
redis.register_function('lc_ban_clear', ban_clear)
redis.register_function('lc_revoke', revoke)
redis.register_function('lc_page_view', fenced(page_view))
redis.register_function('lc_site_alive', fenced(site_alive))
redis.register_function('lc_site_left', fenced(site_left))
redis.register_function('lc_site_list', site_list)
redis.register_function('lc_invite', fenced(invite))
redis.register_function('lc_decline_invitation', fenced(decline_invitation))
redis.register_function{ function_name = 'lc_invitation', callback = invitation,
  flags = { 'no-writes' } }
redis.register_function{ function_name = 'lc_site_visit', callback = site_visit,
  flags = { 'no-writes' } }
