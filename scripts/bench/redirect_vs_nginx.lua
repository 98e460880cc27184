-- wrk script of scripts/bench/redirect-vs-nginx: sends the request targets of the file named by
-- TARGETS (one a line) in turn, with the Host header HOST_HEADER, and prints one RESULT line.
-- The requests are formatted once here, so each one costs wrk only a table lookup.
local requests = {}
local host = os.getenv("HOST_HEADER")
for line in io.lines(os.getenv("TARGETS")) do
  requests[#requests + 1] = wrk.format("GET", line, { ["Host"] = host })
end
local count = #requests
local next_index = 0

function init(args)
  -- Each thread starts at another place in the list.
  next_index = math.random(0, count - 1)
end

function request()
  next_index = next_index % count + 1
  return requests[next_index]
end

-- The RESULT line at the end: bench_result.lua, next to this script.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "bench_result.lua")
