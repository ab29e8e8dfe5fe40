-- post.lua: wrk script for the POST scenarios (POST /auth/token/, /auth/token/refresh/).
-- BENCH_BODIES names a file with one JSON body per line. One line: every request sends
-- it (static request, wrk's fast path). Several lines (one login per benchmark account):
-- each thread walks them round-robin from its own offset, so that concurrent requests
-- use different accounts and the per-account login throttle (10 in flight) never fires.
-- Errors are counted by wrk itself ("Non-2xx or 3xx responses" covers every status
-- >= 400; 3xx answers are caught by bench.py's probe, which requires a 2xx).
local path = os.getenv("BENCH_BODIES")
assert(path, "BENCH_BODIES is not set")
local bodies = {}
for line in io.lines(path) do
   if #line > 0 then bodies[#bodies + 1] = line end
end
assert(#bodies > 0, "no bodies in " .. path)

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = bodies[1]

local threads = 0
function setup(thread)
   thread:set("offset", threads * 7919)
   threads = threads + 1
end

if #bodies > 1 then
   local i = 0
   function request()
      i = i + 1
      local b = bodies[((offset or 0) + i) % #bodies + 1]
      return wrk.format(nil, nil, nil, b)
   end
end
