-- bench/http.py's wrk script: every request comes from prepared lists, every response is counted.
--
-- wrk -s rotate.lua URL -- THREADS SET [SET ...], where each SET is WEIGHT:MODE:FILE.
-- FILE has one request a line, tab-separated: method, path, Cookie, X-CSRFToken, Content-Type, body
-- and optionally one more header as "Name: value" (empty fields are left out). Every request says `Accept-Encoding: gzip`, as every browser does.
-- The sets are interleaved by smooth weighted round robin (80:15:5 gives exactly those shares).
-- MODE "cycle" goes round the whole list again and again, each thread from its own place in it; "once"
-- sends each line once, each thread its own share (every THREADS-th line): when a thread has sent all of
-- its share it sends GET /healthz instead, counted in `exhausted` (the rate measured is then a lower
-- bound: the harness sizes the lists so that this happens only far above the goal).
--
-- done() prints one line, "WRK_JSON {...}": wrk's own figures (requests, duration, latency percentiles
-- of every answer, socket errors and timeouts) and the statuses counted by response(), with a 3xx's
-- Location.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local sets = {}
counts = {}
sent = {}
exhausted = 0

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    fields[#fields + 1] = field
  end
  return fields
end

function init(args)
  local nthreads = tonumber(args[1])
  for i = 2, #args do
    local weight, mode, file = args[i]:match("^(%d+):(%a+):(.+)$")
    assert(file, "bad set: " .. args[i])
    local set = { weight = tonumber(weight), once = mode == "once", requests = {}, next = 1, current = 0 }
    local n = 0
    for line in io.lines(file) do
      -- "once": this thread's share only; "cycle": every line, this thread starting at its own place.
      if not set.once or n % nthreads == id then
        local f = split(line)
        local headers = { ["Accept-Encoding"] = "gzip" }
        if f[3] ~= "" then headers["Cookie"] = f[3] end
        if f[4] ~= "" then headers["X-CSRFToken"] = f[4] end
        if f[5] ~= "" then headers["Content-Type"] = f[5] end
        -- An optional 7th field: one more header, "Name: value" (a webhook's signature).
        if f[7] and f[7] ~= "" then
          local name, value = f[7]:match("^([^:]+): (.*)$")
          headers[name] = value
        end
        local body = nil
        if f[6] ~= "" then body = f[6] end
        set.requests[#set.requests + 1] = wrk.format(f[1], f[2], headers, body)
      end
      n = n + 1
    end
    if not set.once then
      set.next = 1 + math.floor(id * #set.requests / nthreads)
    end
    assert(#set.requests > 0, "no request for thread " .. id .. " in " .. file)
    sets[#sets + 1] = set
    sent[#sets] = 0
  end
end

local filler = nil

function request()
  local best, total = nil, 0
  for _, set in ipairs(sets) do
    set.current = set.current + set.weight
    total = total + set.weight
    if best == nil or set.current > best.current then
      best = set
    end
  end
  best.current = best.current - total
  if best.next > #best.requests then
    if best.once then
      -- This thread has used up its share. Stopping the thread would lose the answers still on their way,
      -- so it goes on with a request that changes nothing (its 200s are not counted as successes).
      exhausted = exhausted + 1
      filler = filler or wrk.format("GET", "/healthz")
      return filler
    end
    best.next = 1
  end
  local req = best.requests[best.next]
  best.next = best.next + 1
  for i, set in ipairs(sets) do
    if set == best then
      sent[i] = sent[i] + 1
    end
  end
  return req
end

function response(status, headers, body)
  local key = tostring(status)
  if status >= 300 and status < 400 then
    key = key .. " " .. (headers["Location"] or headers["location"] or "")
  end
  counts[key] = (counts[key] or 0) + 1
end

local function quote(s)
  return '"' .. tostring(s):gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

-- The q-th percentile of every answer, in microseconds; -1 when it is at least wrk's timeout. wrk leaves
-- the answers that came after its timeout out of `latency` (and counts them as timeouts): below them, the
-- q-th percentile of all answers is the (q / share within the timeout)-th of those it kept.
local function percentile(latency, q, answered, timeouts)
  local kept = answered - timeouts
  if kept <= 0 or q >= 100 * kept / answered then
    return -1
  end
  return latency:percentile(q * answered / kept)
end

function done(summary, latency, requests)
  local statuses, sets_sent, fillers = {}, {}, 0
  for _, t in ipairs(threads) do
    for key, n in pairs(t:get("counts")) do
      statuses[key] = (statuses[key] or 0) + n
    end
    for i, n in pairs(t:get("sent")) do
      sets_sent[i] = (sets_sent[i] or 0) + n
    end
    fillers = fillers + t:get("exhausted")
  end
  local parts = {}
  for key, n in pairs(statuses) do
    parts[#parts + 1] = quote(key) .. ":" .. n
  end
  local sent_parts = {}
  for i = 1, #sets_sent do
    sent_parts[#sent_parts + 1] = tostring(sets_sent[i] or 0)
  end
  local e = summary.errors
  io.write(
    string.format(
      'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,'
        .. '"status":%d,"timeout":%d},"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},'
        .. '"statuses":{%s},"sent":[%s],"exhausted":%d}\n',
      summary.requests,
      summary.duration,
      summary.bytes,
      e.connect,
      e.read,
      e.write,
      e.status,
      e.timeout,
      percentile(latency, 50, summary.requests, e.timeout),
      percentile(latency, 90, summary.requests, e.timeout),
      percentile(latency, 99, summary.requests, e.timeout),
      latency.max,
      latency.mean,
      table.concat(parts, ","),
      table.concat(sent_parts, ","),
      fillers
    )
  )
end
