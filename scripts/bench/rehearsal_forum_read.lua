-- wrk script of scripts/bench/rehearsal-forum for the read routes: wrk requests the URL it is
-- given (with -H "Host: …"); this only prints one RESULT line at the end.
-- The RESULT line at the end: bench_result.lua, next to this script.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "bench_result.lua")
