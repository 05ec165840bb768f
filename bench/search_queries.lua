-- wrk script: GET /search?q=… cycling through the queries of $QUERIES (one per line, already
-- URL-encoded), each thread starting at its own offset so that the mix is the same for every
-- server measured.
local queries = {}
local i = 1
local threads_set_up = 0

function setup(thread)
  thread:set("offset", tostring(threads_set_up))
  threads_set_up = threads_set_up + 1
end

function init(args)
  for line in io.lines(os.getenv("QUERIES")) do
    queries[#queries + 1] = line
  end
  i = ((tonumber(offset) or 0) * 97) % #queries + 1
end

function request()
  local q = queries[i]
  i = i % #queries + 1
  return wrk.format("GET", "/search?q=" .. q)
end
