-- wrk script: POST a comment as one of many signed-in readers (sessions made by
-- bench/comments.sh), each request with new text so that duplicate detection never applies.
-- SESSIONS (a file of session tokens, one a line) and THREAD (the thread's path) come from
-- the environment.
local csrf = "benchbenchbenchbenchbenchbenchbenchbench123"
local sessions = {}
for line in io.lines(os.getenv("SESSIONS")) do sessions[#sessions + 1] = line end
local path = os.getenv("THREAD")
local counter = 0
-- Set per thread by setup() (a global: a `local` here would hide it); the run's start time
-- keeps texts of a second run apart from the first's.
thread_id = 0
local run = tostring(os.time())

local threads_set_up = 0
function setup(thread)
  thread:set("thread_id", threads_set_up)
  threads_set_up = threads_set_up + 1
end

function request()
  counter = counter + 1
  local token = sessions[((counter * 2 + thread_id) % #sessions) + 1]
  local body = "csrf=" .. csrf .. "&text=Bench+comment+" .. run .. "-" .. thread_id .. "-" .. counter .. "+about+the+harbour."
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "mh_csrf=" .. csrf .. "; mh_session=" .. token,
  }, body)
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx/3xx: %d\n", summary.errors.status))
end
