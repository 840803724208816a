-- wrk script for the gateway benchmark (bench/gateway_load.py runs it).
--
--   wrk ... -s bench/wrk_portal.lua URL -- get
--   wrk ... -s bench/wrk_portal.lua URL -- post BODIES_FILE TAG
--
-- "post" sends the portal's POST /v1/requests with one body per line of BODIES_FILE,
-- rotating, each request with a fresh Idempotency-Key (TAG-thread-counter), so the gateway
-- never answers from its idempotency store. "get" sends a plain GET of URL's path.
-- At the end it prints one line "BENCHJSON {...}" with the counts and latency percentiles.

local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
end

local mode = "get"
local bodies = {}
local tag = "x"
local counter = 0

function init(args)
  mode = args[1] or "get"
  if mode == "post" then
    for line in io.lines(args[2]) do
      bodies[#bodies + 1] = line
    end
    tag = args[3] or "x"
    -- start each thread at a different place in the rotation
    counter = thread_id * 7919
  end
end

function request()
  if mode ~= "post" then
    return wrk.format("GET")
  end
  counter = counter + 1
  local headers = {
    ["Authorization"] = "Bearer ekomunat-dev-portal-key",
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = tag .. "-" .. thread_id .. "-" .. counter,
  }
  return wrk.format("POST", "/v1/requests", headers, bodies[counter % #bodies + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,'
      .. '"status":%d,"timeout":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
