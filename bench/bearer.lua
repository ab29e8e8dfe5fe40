-- bearer.lua: wrk script for authenticated GETs (GET /api/v1/customers/me/): adds
-- "Authorization: Bearer $BENCH_TOKEN" to the static request, so wrk keeps its fast
-- path (no Lua call per request). Errors are counted by wrk ("Non-2xx or 3xx").
local token = os.getenv("BENCH_TOKEN")
assert(token and #token > 0, "BENCH_TOKEN is not set")
wrk.headers["Authorization"] = "Bearer " .. token
