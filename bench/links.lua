-- wrk script: POST /sign-in/link once for each token in $TOKENS (one per line), spread over
-- the threads; when a thread runs out of tokens it stops sending real ones (and the run's
-- request count tells how many were spent).
local csrf = "benchbenchbenchbenchbenchbenchbenchbench123"
local tokens = {}
local next_index = 1
local step = 1

local threads_set_up = 0
function setup(thread)
  thread:set("offset", tostring(threads_set_up))
  threads_set_up = threads_set_up + 1
end

function init(args)
  for line in io.lines(os.getenv("TOKENS")) do
    tokens[#tokens + 1] = line
  end
  local n = tonumber(os.getenv("THREADS") or "2")
  step = n
  next_index = (tonumber(offset) or 0) % n + 1
end

function request()
  local token = tokens[next_index] or "exhaustedexhaustedexhaustedexhaustedexhaust"
  next_index = next_index + step
  return wrk.format("POST", "/sign-in/link", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "mh_csrf=" .. csrf,
  }, "csrf=" .. csrf .. "&token=" .. token)
end

-- Spent tokens answer 303 (signed in); exhausted or replayed ones 410.
local signed_in = 0
function response(status)
  if status == 303 then signed_in = signed_in + 1 end
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx/3xx (not signed in): %d\n", summary.errors.status))
end
