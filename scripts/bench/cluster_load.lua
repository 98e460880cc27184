-- wrk script of scripts/cluster-test: sends the request targets of the file named by TARGETS
-- (one a line, already in the order of the mix) in turn with the Host header HOST_HEADER, each
-- connection pausing PAUSE_MS milliseconds between two requests (0: none), so that the load is a
-- steady rate rather than saturation. Counts the answers that are not 301 (every target is in
-- the map) and prints one RESULT line at the end (bench_result.lua's fields, then not_301 and
-- the first other status seen), and one QUANTILES line: the latency at every tenth of a percent
-- from 50 to 100, so that runs can be pooled (scripts/cluster-test's pool).
local requests = {}
local host = os.getenv("HOST_HEADER")
for line in io.lines(os.getenv("TARGETS")) do
  requests[#requests + 1] = wrk.format("GET", line, { ["Host"] = host })
end
local count = #requests
local next_index = 0
local pause_ms = tonumber(os.getenv("PAUSE_MS") or "0") or 0

-- The threads, kept by setup() in the main state so that done() can read their counts.
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  -- Each thread starts at another place in the list.
  next_index = math.random(0, count - 1)
  not_301 = 0
  other_status = 0
end

function request()
  next_index = next_index % count + 1
  return requests[next_index]
end

if pause_ms > 0 then
  function delay()
    return pause_ms
  end
end

function response(status, headers, body)
  if status ~= 301 then
    not_301 = not_301 + 1
    if other_status == 0 then
      other_status = status
    end
  end
end

function done(summary, latency, _)
  local e = summary.errors
  local others, first_other = 0, 0
  for _, thread in ipairs(threads) do
    others = others + (thread:get("not_301") or 0)
    if first_other == 0 then
      first_other = thread:get("other_status") or 0
    end
  end
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d connect=%d read=%d write=%d status=%d timeout=%d not_301=%d first_other=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout, others, first_other))
  local quantiles = {}
  for tenth = 500, 999 do
    quantiles[#quantiles + 1] = string.format("%d", latency:percentile(tenth / 10))
  end
  quantiles[#quantiles + 1] = string.format("%d", latency.max) -- wrk's percentile(100) is 0
  io.write(string.format("QUANTILES requests=%d us=%s\n", summary.requests, table.concat(quantiles, ",")))
end
