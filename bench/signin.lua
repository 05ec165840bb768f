-- wrk script: POST /register with a fresh address each time (so the per-address limit never
-- applies) and a valid double-submit CSRF pair (any token-shaped value works as long as the
-- cookie and the field match).
local csrf = "benchbenchbenchbenchbenchbenchbenchbench123"
local counter = 0
-- `thread_id` is set per thread by setup() (a global: a local here would hide it and every
-- thread would send the same addresses).

local threads_set_up = 0
function setup(thread)
  thread:set("thread_id", tostring(threads_set_up))
  threads_set_up = threads_set_up + 1
end

function request()
  counter = counter + 1
  local body = "csrf=" .. csrf .. "&email=reader-" .. (thread_id or "0") .. "-" .. counter .. "%40bench.example&daily_edition=on"
  return wrk.format("POST", "/register", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "mh_csrf=" .. csrf,
  }, body)
end

local statuses = {}
function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx/3xx: %d\n", summary.errors.status))
end
