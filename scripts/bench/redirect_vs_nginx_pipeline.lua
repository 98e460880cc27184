-- wrk script of scripts/bench/redirect-vs-nginx, pipelining mode: like redirect_vs_nginx.lua it
-- sends the request targets of the file named by TARGETS in turn with the Host header
-- HOST_HEADER, but PIPELINE_DEPTH of them (16 if unset) in one batch: request() returns the
-- batch, written at once, and the next batch goes out when the last answer of this one is in.
--
-- wrk counts the batch's requests when it first calls request() (script_verify_request) and then
-- expects that many answers per batch, counting each answer as one request: the RESULT line's
-- requests are HTTP requests, not batches. Its latency is one figure per batch, though: the time
-- from writing the batch to its last answer.
local depth = tonumber(os.getenv("PIPELINE_DEPTH") or "16")
local host = os.getenv("HOST_HEADER")
local targets = {}
for line in io.lines(os.getenv("TARGETS")) do
  targets[#targets + 1] = line
end
-- The batches are formatted once here, so each one costs wrk only a table lookup. Every batch has
-- exactly `depth` requests (the list wraps around at its end).
local batches = {}
local count = math.floor(#targets / depth)
if count == 0 then count = 1 end
for b = 0, count - 1 do
  local batch = {}
  for i = 1, depth do
    batch[i] = wrk.format("GET", targets[(b * depth + i - 1) % #targets + 1], { ["Host"] = host })
  end
  batches[b + 1] = table.concat(batch)
end
local next_index = 0

function init(args)
  -- Each thread starts at another place in the list.
  next_index = math.random(0, count - 1)
end

function request()
  next_index = next_index % count + 1
  return batches[next_index]
end

-- The RESULT line at the end: bench_result.lua, next to this script.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "bench_result.lua")
