-- wrk script of scripts/bench/rehearsal-forum for the write workload: POST /posts.json replies
-- with the admin key of API_KEY as `system` (staff: no per-user limits) and
-- skip_validations=true, as an importer posts, to the topics of REPLY_TOPICS (comma-separated ids)
-- in turn. Every body is new (a counter and a per-thread tag), so the server's 120-second memo of
-- identical requests never answers instead of the write. Prints one RESULT line.
local key = os.getenv("API_KEY")
local topics = {}
for id in string.gmatch(os.getenv("REPLY_TOPICS"), "[0-9]+") do
  topics[#topics + 1] = id
end
local headers = {
  ["Api-Key"] = key,
  ["Api-Username"] = "system",
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["Host"] = os.getenv("HOST_HEADER"),
}
local counter = 0
local tag = 0

function init(args)
  tag = math.random(1, 1000000000)
end

function request()
  counter = counter + 1
  local topic = topics[counter % #topics + 1]
  local body = "topic_id=" .. topic .. "&skip_validations=true&raw=Benchmark+reply+" .. tag .. "-" .. counter ..
    "+to+topic+" .. topic .. "%2C+long+enough+to+be+a+real+post."
  return wrk.format("POST", "/posts.json", headers, body)
end

-- The RESULT line at the end: bench_result.lua, next to this script.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "bench_result.lua")
