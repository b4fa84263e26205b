-- wrk script for scripts/bench/onsale: every request is a one-ticket sale
-- (best available) with an idempotency key of its own.
local counter = 0
local prefix = ""
local threads = {}

function setup(thread)
   thread:set("tid", tostring(#threads + 1))
   table.insert(threads, thread)
end

function init(args)
   prefix = os.getenv("ONSALE_RUN") .. "-" .. tid .. "-"
end

local headers = {
   ["Authorization"] = "Bearer " .. os.getenv("ONSALE_TOKEN"),
   ["Content-Type"] = "application/json",
}
local path = os.getenv("ONSALE_PATH")

function request()
   counter = counter + 1
   headers["Idempotency-Key"] = prefix .. counter
   -- Every buyer's chip is another.
   local body = string.format(
      '{"seats":{"best_available":{"quantity":1}},"holder":"chip:%016x%016x"}', tid, counter)
   return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
   io.write(string.format("RESULT requests=%d errors_status=%d errors_connect=%d errors_timeout=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d duration_us=%d\n",
      summary.requests, summary.errors.status, summary.errors.connect, summary.errors.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      summary.duration))
end
