-- wrk script: editors autosaving their own drafts (bench/newsroom.sh). Run with as many
-- threads as connections (-tN -cN): thread k is editor k, with its own session cookie and
-- article, so no two requests of one editor are ever in flight together, as in a browser.
-- EDITORS_FILE (from `newsroom.py drafts`) has one line per editor: session token, autosave path,
-- JSON body with @@N@@ where each request puts "editor-counter" (every autosave a new text).
local csrf = "benchbenchbenchbenchbenchbenchbenchbench123"
local editors = {}
for line in io.lines(os.getenv("EDITORS_FILE")) do
  local token, path, body = line:match("^([^\t]+)\t([^\t]+)\t(.+)$")
  editors[#editors + 1] = { token = token, path = path, body = body }
end

local threads = {}
local threads_set_up = 0
function setup(thread)
  thread:set("editor_index", threads_set_up)
  threads_set_up = threads_set_up + 1
  threads[#threads + 1] = thread
end

-- Per thread (each thread has its own Lua state): `editor_index` is set by setup().
local me, counter = nil, 0
bad = 0
stale = 0
local headers
function init(args)
  me = editors[(editor_index % #editors) + 1]
  headers = {
    ["Content-Type"] = "application/json",
    ["X-CSRF-Token"] = csrf,
    ["Cookie"] = "mh_csrf=" .. csrf .. "; mh_session=" .. me.token,
  }
end

function request()
  counter = counter + 1
  local body = me.body:gsub("@@N@@", editor_index .. "-" .. counter, 1)
  return wrk.format("POST", me.path, headers, body)
end

-- AUTOSAVE_DELAY_MS (default 0: the next autosave as soon as the last is answered): a pause
-- between an editor's autosaves, for a load nearer to people typing (newsroom.js autosaves a
-- few seconds after typing stops).
local pause = tonumber(os.getenv("AUTOSAVE_DELAY_MS") or "0")
function delay()
  return pause
end

-- Every answer must be a saved autosave (200 with saved_at, not stale: nobody saves these
-- drafts during the run).
function response(status, _, body)
  if status ~= 200 or not body:find('"saved_at"', 1, true) then
    bad = bad + 1
  elseif body:find('"stale":true', 1, true) then
    stale = stale + 1
  end
end

function done(summary, latency, requests)
  local b, s = 0, 0
  for _, t in ipairs(threads) do
    b = b + (t:get("bad") or 0)
    s = s + (t:get("stale") or 0)
  end
  io.write(string.format("editors: %d\nnot saved: %d\nstale: %d\nnon-2xx/3xx: %d\n",
    #threads, b, s, summary.errors.status))
end
